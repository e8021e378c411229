import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CIRCUIT_SUBJECT_ROOT,
  DEFAULT_CIRCUIT_STREAM,
  DEFAULT_FLAGS_BUCKET,
  DEFAULT_REDIS_PREFIX,
  DEFAULT_TOWER_CIRCUIT_CONSUMER,
} from '@tailslide/contracts';
import { pino, type Logger } from 'pino';
import { createClient } from 'redis';
import { AlertDispatcher } from './alerts/alert-dispatcher.js';
import { WebhookService } from './alerts/webhook-service.js';
import { createApp } from './app.js';
import { AppService } from './apps/app-service.js';
import { AuditService } from './audit/audit-service.js';
import { ChangeFeed } from './change-feed.js';
import { CircuitEventConsumer } from './circuits/circuit-consumer.js';
import { CircuitService } from './circuits/circuit-service.js';
import { SignalReader } from './circuits/signal-reader.js';
import { createPool, runMigrations } from './db.js';
import { FlagPublisher } from './flags/flag-publisher.js';
import { FlagReconciler } from './flags/flag-reconciler.js';
import { FlagService } from './flags/flag-service.js';
import { OutboxRelay } from './flags/outbox-relay.js';
import { connectNats, ensureCircuitStream, FlagsBucket } from './nats.js';
import { createMetrics, registerOutboxGauge } from './ops/metrics.js';
import { attachRealtime } from './realtime.js';
import { SdkKeyService } from './sdk-keys/sdk-key-service.js';
import { BrowserPolicy, type TrustProxy } from './security.js';

/** How to run Tower. Only `databaseUrl` and `natsUrl` are required. */
export interface TowerOptions {
  /** Postgres connection string; migrations run at startup. */
  databaseUrl: string;
  /** NATS server URL (JetStream enabled). */
  natsUrl: string;
  /** NATS user (see nats.conf: `tower`); none connects without credentials. */
  natsUser?: string;
  /** Password of `natsUser`. */
  natsPassword?: string;
  /** Redis URL for the time-series endpoint; without it that endpoint answers 503. */
  redisUrl?: string;
  /** HTTP port; 0 picks a free one. @default 0 */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** @default DEFAULT_FLAGS_BUCKET */
  flagsBucket?: string;
  /** @default DEFAULT_CIRCUIT_STREAM */
  circuitStream?: string;
  /** @default CIRCUIT_SUBJECT_ROOT */
  circuitSubjectRoot?: string;
  /** @default DEFAULT_TOWER_CIRCUIT_CONSUMER */
  circuitConsumer?: string;
  /** @default DEFAULT_REDIS_PREFIX */
  redisPrefix?: string;
  /**
   * `TAILSLIDE_PUBLIC_URL`: the URL people open (`https://flags.example.com`). Browsers may reach
   * Tower only through its host name (or a loopback name); https turns on HSTS and Secure cookies.
   */
  publicUrl?: URL;
  /** `TRUST_PROXY`: which proxies may set `X-Forwarded-*` (TLS offload). @default false */
  trustProxy?: TrustProxy;
  /** Directory of the built tower-ui, served with an SPA fallback. */
  uiDir?: string;
  /** Hosts (`host` or `host:port`) allowed for alert webhooks besides hooks.slack.com; http allowed for them. */
  webhookAllowedHosts?: string[];
  /** pino level. @default 'info' ('silent' in tests is fine) */
  logLevel?: string;
  /**
   * Time a client has to send a request's headers, and its whole request (body included); a
   * slower client gets 408 and is disconnected instead of holding a connection for minutes.
   * @default { headersMs: 10000, requestMs: 30000 }
   */
  requestTimeouts?: { headersMs: number; requestMs: number };
  /** Reconciler interval. @default 30000 */
  reconcileIntervalMs?: number;
}

/** A running Tower. */
export interface RunningTower {
  /** `http://127.0.0.1:PORT` (or the configured host). */
  url: string;
  /** Stops HTTP, consumers and loops, then closes NATS, Redis and Postgres. */
  close(): Promise<void>;
}

async function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}

/**
 * Starts Tower in this process: migrations, Postgres, NATS (KV bucket, circuit stream and durable
 * consumer created if missing), optional Redis, the outbox relay, the reconciler, the circuit
 * consumer, the alert dispatcher and the HTTP + socket.io server.
 */
export async function startTower(options: TowerOptions): Promise<RunningTower> {
  const logger: Logger = pino({
    level: options.logLevel ?? 'info',
    name: 'tower',
    redact: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
  });
  const cleanups: { name: string; fn: () => Promise<void> }[] = [];
  const onClose = (name: string, fn: () => Promise<void>) => cleanups.push({ name, fn });
  const closeAll = async () => {
    for (const { name, fn } of cleanups.reverse()) {
      const started = Date.now();
      try {
        await fn();
        logger.debug({ step: name, ms: Date.now() - started }, 'closed');
      } catch (err) {
        logger.warn({ err, step: name }, 'error while shutting down');
      }
    }
    cleanups.length = 0;
  };
  try {
    await runMigrations(options.databaseUrl, logger);
    const pool = createPool(options.databaseUrl);
    onClose('postgres', () => pool.end());

    const nc = await connectNats(options.natsUrl, {
      user: options.natsUser,
      pass: options.natsPassword,
    });
    onClose('nats', async () => {
      await nc.drain().catch(() => nc.close());
    });
    const bucket = new FlagsBucket(nc, options.flagsBucket ?? DEFAULT_FLAGS_BUCKET);
    await bucket.get();
    const stream = options.circuitStream ?? DEFAULT_CIRCUIT_STREAM;
    const consumerName = options.circuitConsumer ?? DEFAULT_TOWER_CIRCUIT_CONSUMER;
    const ensureStream = async () => {
      await ensureCircuitStream(nc, {
        stream,
        subjectRoot: options.circuitSubjectRoot ?? CIRCUIT_SUBJECT_ROOT,
        consumer: consumerName,
      });
    };
    await ensureStream();

    let signals: SignalReader | null = null;
    if (options.redisUrl) {
      const redis = createClient({
        url: options.redisUrl,
        disableOfflineQueue: true,
        socket: {
          connectTimeout: 2_000,
          reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2_000),
        },
      });
      redis.on('error', (err: unknown) => logger.debug({ err }, 'redis error'));
      // Redis only feeds the charts: Tower starts without it and the client keeps reconnecting;
      // until it is connected the time-series endpoint answers 503 (offline queue disabled).
      redis.connect().catch((err: unknown) => logger.warn({ err }, 'redis connect failed'));
      onClose('redis', () => {
        if (redis.isOpen) redis.destroy();
        return Promise.resolve();
      });
      signals = new SignalReader({
        redis: { hmGet: (key, fields) => redis.hmGet(key, fields) },
        prefix: options.redisPrefix ?? DEFAULT_REDIS_PREFIX,
      });
    }

    const metrics = createMetrics();
    const feed = new ChangeFeed();
    const allowedHosts = options.webhookAllowedHosts ?? [];
    const publisher = new FlagPublisher(bucket);
    const relay = new OutboxRelay({ pool, publisher, logger, metrics });
    registerOutboxGauge(metrics, () => relay.pending());
    const reconciler = new FlagReconciler({
      pool,
      bucket,
      publisher,
      logger,
      metrics,
      intervalMs: options.reconcileIntervalMs ?? 30_000,
    });
    const dispatcher = new AlertDispatcher({ pool, logger, metrics, allowedHosts });
    const circuits = new CircuitService({ pool, feed });
    const consumer = new CircuitEventConsumer({
      nc,
      stream,
      consumer: consumerName,
      service: circuits,
      logger,
      metrics,
      ensure: ensureStream,
    });
    feed.subscribe({ outboxWritten: () => relay.kick(), alertsQueued: () => dispatcher.kick() });

    const app = createApp({
      logger,
      metrics,
      apps: new AppService({ pool, feed }),
      flags: new FlagService({ pool, feed }),
      audit: new AuditService({ pool }),
      sdkKeys: new SdkKeyService({ pool, feed }),
      webhooks: new WebhookService({ pool, feed, allowedHosts }),
      signals,
      checks: {
        postgres: async () => {
          await pool.query('SELECT 1');
        },
        nats: async () => {
          if (nc.isClosed()) throw new Error('connection closed');
          await nc.rtt();
        },
      },
      ...(options.uiDir ? { uiDir: options.uiDir } : {}),
      ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
      ...(options.trustProxy !== undefined ? { trustProxy: options.trustProxy } : {}),
    });

    relay.start();
    onClose('outbox relay', () => relay.stop());
    reconciler.start();
    onClose('reconciler', () => reconciler.stop());
    dispatcher.start();
    onClose('alert dispatcher', () => dispatcher.stop());
    await consumer.start();
    onClose('circuit consumer', () => consumer.stop());

    const timeouts = options.requestTimeouts ?? { headersMs: 10_000, requestMs: 30_000 };
    const server = createServer(
      {
        headersTimeout: timeouts.headersMs,
        requestTimeout: timeouts.requestMs,
        // How often Node looks for requests past those limits (its default is 30 s).
        connectionsCheckingInterval: Math.max(100, Math.min(timeouts.headersMs, 5_000) / 2),
      },
      app,
    );
    const realtime = attachRealtime(server, feed, { policy: new BrowserPolicy(options.publicUrl) });
    const addr = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
    onClose('http', async () => {
      await realtime.close();
      // Let requests in flight finish (up to 5 s); idle keep-alive connections go at once.
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 5_000).unref();
      });
    });
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    const url = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${addr.port}`;
    logger.info({ url }, 'tower listening');
    let closing: Promise<void> | null = null;
    return {
      url,
      close: () => (closing ??= closeAll()),
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
