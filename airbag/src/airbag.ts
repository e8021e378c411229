import { randomUUID } from 'node:crypto';
import type { CircuitKvState, FlagRule } from '@tailslide/contracts';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { ensureCircuitStream, ensureKvBucket } from '@tailslide/server-kit';
import type { NatsConnection } from '@nats-io/transport-node';
import { pino, type Logger } from 'pino';
import type { Registry } from 'prom-client';
import { AirbagMetrics } from './airbag-metrics.js';
import { CircuitStateStore } from './circuit-state-store.js';
import { AIRBAG_DEFAULTS } from './config.js';
import { EventPublisher } from './event-publisher.js';
import { LeaderLease } from './leader-lease.js';
import { Poller, type TickResult } from './poller.js';
import { RuleWatcher } from './rule-watcher.js';
import { SignalReader, type SignalRedis } from './signal-reader.js';
import { WakeListener, type WakeSubscriber } from './wake-listener.js';
import { WakeScheduler } from './wake-scheduler.js';

/** Buckets that ended this long ago are final (SDK flush interval 250 ms + clock skew). */
const SEAL_LAG_MS = 1000;

/** A connected node-redis v6 client or cluster client (only `isReady` and `sendCommand` are used). */
export type RedisClient = SignalRedis;

/** Options of {@link startAirbag}. Connections are passed in and stay owned by the caller. */
export interface AirbagOptions {
  /** A connected NATS client (JetStream enabled). */
  readonly nats: NatsConnection;
  /** A connected node-redis v6 client, or cluster client for Redis Cluster. */
  readonly redis: RedisClient;
  /** KV bucket of flag rules. @default DEFAULT_FLAGS_BUCKET ('tailslide_flags') */
  readonly flagsBucket?: string;
  /** KV bucket of the leader lease. @default DEFAULT_AIRBAG_BUCKET ('tailslide_airbag') */
  readonly airbagBucket?: string;
  /** JetStream stream of circuit events. @default DEFAULT_CIRCUIT_STREAM ('TAILSLIDE_CIRCUITS') */
  readonly circuitStream?: string;
  /** Root of circuit-event subjects. @default CIRCUIT_SUBJECT_ROOT ('tailslide.circuit') */
  readonly circuitSubjectRoot?: string;
  /** Prefix of signal keys in Redis. @default DEFAULT_REDIS_PREFIX ('tailslide') */
  readonly redisPrefix?: string;
  /** Time between ticks when `autoPoll` is on. @default 1000 */
  readonly pollIntervalMs?: number;
  /**
   * A second connected node-redis client for Pub/Sub (`redis.duplicate()`, same credentials): the
   * leader hears SDKs' wake-ups on it and ticks the woken app at once (ADR 0003, "Wake-ups").
   * Left open on close. Without it Airbag polls only.
   */
  readonly wakeSubscriber?: WakeSubscriber;
  /** At most one wake-up tick per app per this many ms. @default 100 */
  readonly wakeMinIntervalMs?: number;
  /** Lease duration; a dead leader is replaced within `leaseMs` + one poll interval. @default 5000 */
  readonly leaseMs?: number;
  /** This instance's id in the lease. @default a random UUID */
  readonly instanceId?: string;
  /**
   * Copies JetStream keeps of the stream and buckets Airbag creates (`TAILSLIDE_NATS_REPLICAS`;
   * 3 on a cluster). Unset: created with 1, existing ones left as they are.
   */
  readonly replicas?: number;
  /** Tick on a timer. Tests pass false and call `tick()`. @default true */
  readonly autoPoll?: boolean;
  /** Clock (ms since the epoch). @default Date.now */
  readonly now?: () => number;
  /** Logger. @default pino at level 'info' */
  readonly logger?: Logger;
  /** A Redis read slower than this counts as failed. @default 1000 */
  readonly redisTimeoutMs?: number;
  /** Timeout of JetStream requests (publish acks, KV operations). @default 2000 */
  readonly natsTimeoutMs?: number;
}

/** Health as reported on `/healthz`. */
export interface AirbagHealth {
  /** `degraded` when Redis cannot be read (no decisions are taken) or NATS is not connected. */
  readonly status: 'ok' | 'degraded';
  readonly redis: 'up' | 'down' | 'unknown';
  /** `down` while the client is disconnected and reconnecting. */
  readonly nats: 'up' | 'down' | 'closed';
  readonly leader: boolean;
  readonly rules: number;
}

/** A running Airbag. */
export interface Airbag {
  /** Runs one poll tick now (serialised with the timer's ticks). Never rejects. */
  tick(): Promise<TickResult>;
  /** Whether this instance held the lease at its last tick. */
  isLeader(): boolean;
  /** Number of flag rules the KV watch has delivered so far. */
  ruleCount(): number;
  /** The rule held for one flag, if any. */
  rule(appId: string, flagKey: string): FlagRule | undefined;
  /** The circuit state Airbag holds for one flag (its last decision, ADR 0008), if any. */
  circuitState(appId: string, flagKey: string): CircuitKvState | undefined;
  /** Resolves once the watch has delivered the flag at `minVersion` or later. */
  waitForRule(
    appId: string,
    flagKey: string,
    minVersion?: number,
    timeoutMs?: number,
  ): Promise<FlagRule>;
  /** Health for `/healthz`. */
  health(): AirbagHealth;
  /** Prometheus registry for `/metrics`. */
  readonly metrics: Registry;
  /** Stops polling and the watch, releases the lease. Leaves the connections open. */
  close(): Promise<void>;
}

/**
 * Starts an Airbag: ensures the circuit stream and both KV buckets exist, starts the flag watch
 * and waits for its initial snapshot, then ticks every `pollIntervalMs` unless `autoPoll` is false.
 */
export async function startAirbag(options: AirbagOptions): Promise<Airbag> {
  const logger = options.logger ?? pino({ name: 'airbag' });
  const now = options.now ?? Date.now;
  const pollIntervalMs = options.pollIntervalMs ?? AIRBAG_DEFAULTS.pollIntervalMs;
  const natsTimeoutMs = options.natsTimeoutMs ?? AIRBAG_DEFAULTS.natsTimeoutMs;
  const js = jetstream(options.nats, { timeout: natsTimeoutMs });
  const jsm = await jetstreamManager(options.nats, { timeout: natsTimeoutMs });
  const subjectRoot = options.circuitSubjectRoot ?? AIRBAG_DEFAULTS.circuitSubjectRoot;
  const stream = options.circuitStream ?? AIRBAG_DEFAULTS.circuitStream;
  const replicas = { replicas: options.replicas };
  await ensureCircuitStream(jsm, { stream, subjectRoot }, replicas);
  const flagsKv = await ensureKvBucket(
    js,
    options.flagsBucket ?? AIRBAG_DEFAULTS.flagsBucket,
    replicas,
  );
  const airbagKv = await ensureKvBucket(
    js,
    options.airbagBucket ?? AIRBAG_DEFAULTS.airbagBucket,
    replicas,
  );

  const metrics = new AirbagMetrics();
  const watcher = await RuleWatcher.start({ kv: flagsKv, logger, metrics });
  const states = await CircuitStateStore.start({ kv: flagsKv, logger });
  const lease = new LeaderLease({
    kv: airbagKv,
    instanceId: options.instanceId ?? randomUUID(),
    leaseMs: options.leaseMs ?? AIRBAG_DEFAULTS.leaseMs,
    logger,
  });
  const poller = new Poller({
    rules: watcher,
    reader: new SignalReader({
      redis: options.redis,
      prefix: options.redisPrefix ?? AIRBAG_DEFAULTS.redisPrefix,
      timeoutMs: options.redisTimeoutMs ?? AIRBAG_DEFAULTS.redisTimeoutMs,
      sealLagMs: SEAL_LAG_MS,
    }),
    sealLagMs: SEAL_LAG_MS,
    publisher: new EventPublisher({ js, subjectRoot, timeoutMs: natsTimeoutMs }),
    states,
    lease,
    now,
    logger,
    metrics,
  });

  let closed = false;
  let natsDown = false;
  const scheduler = new WakeScheduler({
    run: (apps) => poller.tick(apps),
    minIntervalMs: options.wakeMinIntervalMs ?? AIRBAG_DEFAULTS.wakeMinIntervalMs,
    accepts: (appId) => watcher.hasApp(appId),
    now,
  });
  const wakes =
    options.wakeSubscriber === undefined
      ? null
      : new WakeListener({
          subscriber: options.wakeSubscriber,
          prefix: options.redisPrefix ?? AIRBAG_DEFAULTS.redisPrefix,
          scheduler,
          logger,
          metrics,
        });
  /** A full tick; the wake-up subscription follows its leadership. */
  const fullTick = async (): Promise<TickResult> => {
    const r = await poller.tick();
    if (!closed) wakes?.setLeader(r.leader);
    return r;
  };
  void (async () => {
    for await (const s of options.nats.status()) {
      if (closed) break;
      if (s.type === 'disconnect' || s.type === 'reconnecting') natsDown = true;
      else if (s.type === 'reconnect') natsDown = false;
      else if (s.type === 'update' && (s.deleted?.length ?? 0) > 0) {
        // A server left the cluster: the watches' consumers may have lived there.
        watcher.rewatch();
        states.rewatch();
      }
    }
  })().catch(() => undefined);
  let timer: NodeJS.Timeout | null = null;
  const schedule = () => {
    if (closed) return;
    timer = setTimeout(() => {
      timer = null;
      void fullTick().then(schedule);
    }, pollIntervalMs);
  };
  if (options.autoPoll ?? true) schedule();

  return {
    tick: fullTick,
    isLeader: () => lease.isLeader(),
    ruleCount: () => watcher.size(),
    rule: (appId, flagKey) => watcher.get(appId, flagKey),
    circuitState: (appId, flagKey) => states.get(appId, flagKey)?.state,
    waitForRule: (appId, flagKey, minVersion, timeoutMs) =>
      watcher.waitForRule(appId, flagKey, minVersion, timeoutMs),
    health: () => {
      const redisLastRead = poller.redisState();
      const redis = redisLastRead === 'down' || !options.redis.isReady ? 'down' : redisLastRead;
      const nats = options.nats.isClosed() ? 'closed' : natsDown ? 'down' : 'up';
      return {
        status: redis === 'down' || nats !== 'up' ? 'degraded' : 'ok',
        redis,
        nats,
        leader: lease.isLeader(),
        rules: watcher.size(),
      };
    },
    metrics: metrics.registry,
    async close() {
      if (closed) return;
      closed = true;
      if (timer) clearTimeout(timer);
      await scheduler.stop();
      await wakes?.close();
      await poller.idle();
      await watcher.stop();
      await states.stop();
      if (!options.nats.isClosed()) await lease.release();
    },
  };
}
