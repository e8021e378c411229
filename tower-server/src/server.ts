import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  connectNats,
  isRedisCluster,
  onRedisReady,
  redisNodeClients,
  type ServiceRedis,
} from '@tailslide/server-kit';
import type pg from 'pg';
import { pino, type Logger } from 'pino';
import { AlertDispatcher } from './alerts/alert-dispatcher.js';
import { WebhookService } from './alerts/webhook-service.js';
import { createApp } from './app.js';
import { AppService } from './apps/app-service.js';
import { AuditService } from './audit/audit-service.js';
import { AuthService } from './auth/auth-service.js';
import { deleteEndedSessions } from './auth/session-store.js';
import { ChangeFeed } from './change-feed.js';
import { CircuitEventConsumer } from './circuits/circuit-consumer.js';
import { CircuitService } from './circuits/circuit-service.js';
import { SignalReader } from './circuits/signal-reader.js';
import { resolveTowerConfig, type TowerConfig, type TowerOptions } from './config.js';
import { openTowerConnections } from './connections.js';
import { pingDatabase } from './db.js';
import { FlagPublisher } from './flags/flag-publisher.js';
import { FlagReconciler } from './flags/flag-reconciler.js';
import { countFlagsByCircuitState } from './flags/flag-store.js';
import { FlagService } from './flags/flag-service.js';
import { OutboxRelay } from './flags/outbox-relay.js';
import { circuitConsumerBacklog, ensureCircuitStreamAndConsumer, FlagsBucket } from './nats.js';
import { createMetrics, registerOutboxGauge, registerPlatformGauges } from './ops/metrics.js';
import { FeedBridge } from './feed-bridge.js';
import { attachRealtime } from './realtime.js';
import { NatsAccount, readTowerNatsKeys, unenforcedNatsAccount } from './sdk-keys/nats-account.js';
import { keepSdkAclInSync, RedisSdkAcl } from './sdk-keys/redis-acl.js';
import { SdkKeyService } from './sdk-keys/sdk-key-service.js';
import { TokenService } from './tokens/token-service.js';
import { UserService } from './users/user-service.js';
import { BrowserPolicy } from './security.js';
import { authenticateHandshake } from './auth/socket-auth.js';

export type { TowerConfig, TowerOptions } from './config.js';

/** Connected clients and resolved settings: everything {@link createTower} builds Tower from. */
export interface TowerDeps {
  readonly config: TowerConfig;
  readonly logger: Logger;
  /** A Postgres pool on a migrated database. */
  readonly pool: pg.Pool;
  /** A NATS connection (JetStream enabled). */
  readonly nats: NatsConnection;
  /** A Redis client (connected or still connecting) for the charts; `null`: they answer 503. */
  readonly redis: ServiceRedis | null;
  /** The clock sessions are opened, expired and checked by. @default () => new Date() */
  readonly now?: () => Date;
}

/** A running Tower. */
export interface RunningTower {
  /** `http://127.0.0.1:PORT` (or the configured host). */
  url: string;
  /**
   * Closes the dashboard socket connections whose session or token ended (it also runs every
   * 30 s and right after a logout or revocation here); resolves how many it closed.
   */
  sweepSockets(): Promise<number>;
  /** Stops HTTP, consumers and loops (and, from {@link startTower}, closes the connections). */
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

/** Tower's logger: pino at `level`, credentials redacted from request logs. */
export function createTowerLogger(level: string): Logger {
  return pino({
    level,
    name: 'tower',
    redact: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
  });
}

/**
 * Starts Tower in this process from settings alone: resolves them, opens the connections
 * ({@link openTowerConnections}), builds Tower on them ({@link createTower}); `close()` stops Tower,
 * then closes the connections. For tests and embedding; `main.ts` does the same steps itself.
 */
export async function startTower(
  options: TowerOptions,
  runtime: Pick<TowerDeps, 'now'> = {},
): Promise<RunningTower> {
  const config = resolveTowerConfig(options);
  const logger = createTowerLogger(config.logLevel);
  const connections = await openTowerConnections(config, logger);
  let tower: RunningTower;
  try {
    tower = await createTower({ config, logger, ...connections, ...runtime });
  } catch (err) {
    await connections.close();
    throw err;
  }
  let closing: Promise<void> | null = null;
  return {
    url: tower.url,
    sweepSockets: () => tower.sweepSockets(),
    close: () => (closing ??= tower.close().finally(() => connections.close())),
  };
}

/**
 * Builds Tower on connected clients and starts it: the KV bucket, circuit stream and durable
 * consumer (created if missing), the outbox relay, the reconciler, the circuit consumer, the alert
 * dispatcher and the HTTP + socket.io server. `close()` stops them in reverse and leaves the
 * connections open: they belong to the caller.
 */
export async function createTower(deps: TowerDeps): Promise<RunningTower> {
  const { config, logger, pool, nats: nc } = deps;
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
    const feed = new ChangeFeed();
    const users = new UserService({ pool, feed });
    const tokens = new TokenService({ pool, feed });
    if (config.admin) {
      const created = await users.createFirstAdmin(
        config.admin.email,
        config.admin.password,
        'env:TAILSLIDE_ADMIN_EMAIL',
      );
      logger.info(
        { email: config.admin.email },
        created
          ? 'first admin created from TAILSLIDE_ADMIN_EMAIL'
          : 'users exist already; TAILSLIDE_ADMIN_EMAIL / TAILSLIDE_ADMIN_PASSWORD ignored',
      );
    }
    // Sessions that ended more than a day ago are of no use to anyone.
    await deleteEndedSessions(pool, new Date(Date.now() - 86_400_000));
    const bucket = new FlagsBucket(nc, config.flagsBucket, config.natsReplicas);
    await bucket.get();
    const stream = config.circuitStream;
    const consumerName = config.circuitConsumer;
    const ensureStream = () =>
      ensureCircuitStreamAndConsumer(nc, {
        stream,
        subjectRoot: config.circuitSubjectRoot,
        consumer: consumerName,
        replicas: config.natsReplicas,
      });
    await ensureStream();

    const redis = deps.redis;
    const signals = redis
      ? new SignalReader({
          redis: { hmGet: (key, fields) => redis.hmGet(key, fields) },
          prefix: config.redisPrefix,
        })
      : null;

    const sdkKeys = await startSdkKeys({ config, logger, pool, nc, redis, feed, onClose });

    const metrics = createMetrics();
    const allowedHosts = [...config.webhookAllowedHosts];
    const publisher = new FlagPublisher(bucket);
    const relay = new OutboxRelay({ pool, publisher, logger, metrics });
    registerOutboxGauge(metrics, () => relay.pending());
    registerPlatformGauges(metrics, {
      circuitStates: () => countFlagsByCircuitState(pool),
      circuitConsumer: () => circuitConsumerBacklog(nc, stream, consumerName),
    });
    const reconciler = new FlagReconciler({
      pool,
      bucket,
      publisher,
      logger,
      metrics,
      intervalMs: config.reconcileIntervalMs,
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

    const auth = new AuthService({
      pool,
      users,
      tokens,
      session: config.session,
      limits: config.loginLimits,
      feed,
      ...(deps.now ? { now: deps.now } : {}),
    });
    const app = createApp({
      logger,
      metrics,
      apps: new AppService({ pool, feed }),
      flags: new FlagService({ pool, feed }),
      audit: new AuditService({ pool }),
      sdkKeys,
      webhooks: new WebhookService({ pool, feed, allowedHosts }),
      auth,
      users,
      tokens,
      signals,
      checks: {
        postgres: () => pingDatabase(pool),
        nats: async () => {
          if (nc.isClosed()) throw new Error('connection closed');
          await nc.rtt();
        },
      },
      ...(config.uiDir ? { uiDir: config.uiDir } : {}),
      ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
      trustProxy: config.trustProxy,
    });

    relay.start();
    onClose('outbox relay', () => relay.stop());
    reconciler.start();
    onClose('reconciler', () => reconciler.stop());
    dispatcher.start();
    onClose('alert dispatcher', () => dispatcher.stop());
    await consumer.start();
    onClose('circuit consumer', () => consumer.stop());

    const timeouts = config.requestTimeouts;
    const server = createServer(
      {
        headersTimeout: timeouts.headersMs,
        requestTimeout: timeouts.requestMs,
        // How often Node looks for requests past those limits (its default is 30 s).
        connectionsCheckingInterval: Math.max(100, Math.min(timeouts.headersMs, 5_000) / 2),
      },
      app,
    );
    const realtime = attachRealtime(server, feed, {
      policy: new BrowserPolicy(config.publicUrl ?? undefined),
      // The same session cookie or Bearer token as the API; the cap counts per session or token.
      authenticate: async (req) => {
        const p = await authenticateHandshake(auth, req);
        if (!p) return null;
        return {
          key: p.sessionHash !== null ? `s:${p.sessionHash}` : `t:${String(p.tokenId)}`,
          isLive: () => auth.isLive(p),
        };
      },
    });
    // Dashboards connected to other Towers of this platform see this Tower's changes, and back.
    const bridge = new FeedBridge({
      nc,
      subject: config.feedSubject,
      feed,
      emit: realtime.emit,
      logger,
    });
    bridge.start();
    onClose('feed bridge', () => bridge.stop());
    const addr = await listen(server, config.port, config.host);
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
      sweepSockets: () => realtime.sweep(),
      close: () => (closing ??= closeAll()),
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/**
 * SDK keys on the NATS account and the Redis ACL (ADR 0007). Postgres is the truth: the account
 * JWT with every revocation is pushed now (Tower fails to start when NATS refuses it), again
 * after each NATS reconnect (a restarted server may have loaded an older JWT) and after an app
 * deletion revoked its keys; Redis ACL users are re-created after every Redis (re)connect.
 */
async function startSdkKeys(deps: {
  config: TowerConfig;
  logger: Logger;
  pool: pg.Pool;
  nc: NatsConnection;
  redis: ServiceRedis | null;
  feed: ChangeFeed;
  onClose: (name: string, fn: () => Promise<void>) => void;
}): Promise<SdkKeyService> {
  const { config, logger, pool, nc, redis, feed, onClose } = deps;
  const names = { flagsBucket: config.flagsBucket };
  let nats;
  if (config.natsKeysDir) {
    const keys = readTowerNatsKeys(config.natsKeysDir);
    nats = new NatsAccount({
      keys,
      names,
      connectSystem: () =>
        connectNats({
          servers: config.natsUrl,
          name: 'tailslide-tower-system',
          credsFile: keys.systemCredsFile,
        }),
    });
  } else {
    nats = unenforcedNatsAccount(names);
    logger.warn(
      'TAILSLIDE_NATS_DIR is not set: SDK keys are minted but NATS does not enforce them (development only)',
    );
  }
  // ACL users are per server: on a cluster, every master and replica gets them.
  const acl = redis
    ? new RedisSdkAcl(isRedisCluster(redis) ? { nodes: () => redisNodeClients(redis) } : redis, {
        prefix: config.redisPrefix,
      })
    : null;
  const sdkKeys = new SdkKeyService({
    pool,
    feed,
    nats,
    redis: acl,
    redisPrefix: config.redisPrefix,
    logger,
  });
  await sdkKeys.syncNats();
  const resync = (why: string) => {
    sdkKeys.syncNats().catch((err: unknown) => {
      logger.error({ err, why }, 'could not push SDK key revocations to NATS');
    });
    if (acl && redis?.isReady)
      acl
        .syncWith(() => sdkKeys.liveRedisGrants())
        .catch((err: unknown) => {
          logger.warn({ err, why }, 'could not sync SDK users to Redis');
        });
  };
  onClose(
    'sdk key sync',
    (() => {
      const stopFeed = feed.subscribe({ appDeleted: () => resync('app deleted') });
      const stopRedis =
        redis && acl
          ? keepSdkAclInSync(
              {
                get isReady() {
                  return redis.isReady;
                },
                onReady: (l) => onRedisReady(redis, l),
              },
              acl,
              () => sdkKeys.liveRedisGrants(),
              (err) => {
                logger.warn({ err }, 'could not sync SDK users to Redis');
              },
            )
          : () => undefined;
      let stopped = false;
      void (async () => {
        for await (const s of nc.status()) {
          if (stopped) return;
          if (s.type === 'reconnect') resync('nats reconnect');
        }
      })().catch(() => undefined);
      return () => {
        stopped = true;
        stopFeed();
        stopRedis();
        return Promise.resolve();
      };
    })(),
  );
  return sdkKeys;
}
