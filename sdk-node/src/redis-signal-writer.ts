import {
  SIGNAL_RESOLUTIONS,
  bucketStart,
  parseRedisClusterNodes,
  parseSdkKey,
  redisReconnectDelayMs,
  signalBucketKey,
  signalField,
  signalWakeChannel,
  type SignalResolution,
} from '@tailslide/contracts';
import { createClient, createCluster } from 'redis';
import { TailslideErrorCode, toTailslideError } from './errors.js';
import type { SignalBatch, SignalWriter, SignalWriterListener } from './signal-sink.js';

/**
 * The part of a node-redis (v5/v6) pipeline the writer uses. A node-redis client's `multi()`
 * satisfies it; so can any client exposing the same three commands.
 */
export interface RedisPipelineLike {
  hIncrBy(key: string, field: string, increment: number): unknown;
  pExpire(key: string, milliseconds: number): unknown;
  execAsPipeline(): Promise<unknown>;
  /** Queues `PUBLISH` (the wake-up after an early flush); without it no wake-up is sent. */
  publish?(channel: string, message: string): unknown;
}

/** The part of a node-redis client the SDK uses. */
export interface RedisClientLike {
  multi(): RedisPipelineLike;
  /**
   * node-redis's readiness flag. When `false` the writer fails the flush at once (its counts
   * are dropped) instead of letting node-redis hold the pipeline until its next reconnect.
   */
  readonly isReady?: boolean;
}

/** What the writer needs from a client it opened itself. */
interface OwnedRedis extends RedisClientLike {
  connect(): Promise<unknown>;
  destroy(): void;
  readonly isOpen: boolean;
}

/** Options of {@link RedisSignalWriter}. */
export interface RedisSignalWriterOptions {
  /**
   * A Redis URL (the writer opens, owns and closes the client) or an existing node-redis v5/v6
   * client or cluster client (left open on close; the caller connects it). Ignored when
   * `clusterNodes` is given.
   */
  readonly redis?: string | RedisClientLike | undefined;
  /**
   * Seed nodes of a Redis Cluster (`redis://host:port`, a comma-separated string or an array, as
   * `REDIS_CLUSTER_NODES` of Tower and Airbag): the writer opens, owns and closes a cluster client.
   * Every key of an app carries the app's hash tag, so each flush is one pipeline to one node.
   */
  readonly clusterNodes?: string | readonly string[] | undefined;
  /** Prefix of every key. */
  readonly prefix: string;
  /** Resolutions maintained. @default SIGNAL_RESOLUTIONS */
  readonly resolutions?: readonly SignalResolution[] | undefined;
  /**
   * The app's SDK key (`tsk1.…`). When `redis` is a URL without credentials, the writer signs in
   * as the key's Redis ACL user (`redisUser`, password `secret`); credentials in the URL win.
   * Anything that is not a valid key is ignored here (the ruleset source reports it).
   */
  readonly sdkKey?: string | undefined;
  /** Clock for the back-off after a refused write (tests). @default Date.now */
  readonly now?: (() => number) | undefined;
}

/** Options of the standalone client and of every node client of a cluster. */
const NODE_OPTIONS = {
  // Reject at once while disconnected instead of queueing: memory stays bounded.
  disableOfflineQueue: true,
  commandsQueueMaxLength: 1000,
  // No CLIENT SETINFO: an SDK key's ACL user may run nothing but the writer's commands.
  disableClientInfo: true,
} as const;

/** Redis error prefixes that mean "these credentials may not do this". */
const AUTH_REFUSAL = /^(WRONGPASS|NOAUTH|NOPERM)\b/;

function isAuthRefusal(err: unknown): boolean {
  return err instanceof Error && AUTH_REFUSAL.test(err.message);
}

/**
 * Redis refused the wake-up's PUBLISH (command or channel). It is the last command of the
 * pipeline and the pipeline reports its first error, so every count before it was written.
 */
const WAKE_REFUSAL = /^NOPERM\b.*('publish'|channel)/i;

/** The key's Redis credentials when `url` carries none of its own. */
function keyCredentials(
  url: string | undefined,
  sdkKey: string | undefined,
): { username: string; password: string } | null {
  if (sdkKey === undefined) return null;
  try {
    const u = new URL(url ?? 'redis://cluster');
    if (u.username !== '' || u.password !== '') return null;
  } catch {
    // node-redis reports the bad URL on connect
  }
  const parsed = parseSdkKey(sdkKey);
  if (!parsed.ok) return null;
  return { username: parsed.value.redisUser, password: parsed.value.secret };
}

/**
 * Plain-Redis signal writer: for each resolution, `HINCRBY` every flag's `:s`/`:f` field (and the
 * off-arm's `:os`/`:of`, ADR 0009) of the
 * bucket hash, then `PEXPIRE` the hash — all in ONE pipelined round trip (no MULTI/EXEC).
 * Works on any Redis or Valkey. Given a URL it opens its own client — without an offline queue,
 * so nothing is buffered while Redis is down — connects it in `start()` and destroys it in
 * `close()`, as `NatsRulesetSource` does with a NATS URL.
 */
export class RedisSignalWriter implements SignalWriter {
  readonly #client: RedisClientLike;
  readonly #owned: OwnedRedis | null;
  readonly #prefix: string;
  readonly #resolutions: readonly SignalResolution[];
  #listener: SignalWriterListener | null = null;
  // The first connect of an owned client: a flush waits for it instead of dropping the signals
  // counted while the process was starting (the sink's flush timeout bounds the wait).
  #firstConnect: Promise<void> | null = null;
  #closed = false;
  /** The owned client is a cluster client: its first discovery is retried here. */
  #cluster = false;
  readonly #now: () => number;
  // Refusals in a row (WRONGPASS/NOAUTH/NOPERM); 0 once a write or a sign-in succeeds.
  #refusals = 0;
  // After a refused write, writes fail at once (their signals dropped) until this time.
  #refusedUntil = 0;

  constructor(opts: RedisSignalWriterOptions) {
    this.#prefix = opts.prefix;
    this.#resolutions = opts.resolutions ?? SIGNAL_RESOLUTIONS;
    this.#now = opts.now ?? Date.now;
    const onError = (err: unknown) => {
      if (isAuthRefusal(err)) this.#refused(err);
      else this.#report('Redis client error', err);
    };
    const onReady = () => this.#accepted();
    if (opts.clusterNodes !== undefined) {
      const parsed = parseRedisClusterNodes(opts.clusterNodes);
      if (!parsed.ok) throw new Error(`redisClusterNodes ${parsed.error}`);
      const credentials = keyCredentials(undefined, opts.sdkKey);
      const owned = createCluster({
        rootNodes: parsed.nodes.map((n) => ({
          socket: { host: n.host, port: n.port, tls: n.tls },
        })),
        // What every node client gets (rootNodes only seed the discovery).
        defaults: {
          ...(credentials ?? {}),
          ...NODE_OPTIONS,
          socket: { tls: parsed.nodes[0]?.tls ?? false, reconnectStrategy: redisReconnectDelayMs },
        },
      });
      // A client error with no listener would be thrown; report it instead.
      owned.on('error', onError);
      owned.on('node-error', onError);
      owned.on('connect', onReady);
      owned.on('node-ready', onReady);
      this.#owned = owned;
      this.#client = owned;
      this.#cluster = true;
    } else if (typeof opts.redis === 'string') {
      const credentials = keyCredentials(opts.redis, opts.sdkKey);
      const owned = createClient({
        url: opts.redis,
        ...(credentials ?? {}),
        ...NODE_OPTIONS,
        // A refused sign-in (revoked key) is retried on the same schedule as a lost connection.
        socket: { reconnectStrategy: redisReconnectDelayMs },
      });
      // A client error with no listener would be thrown; report it instead.
      owned.on('error', onError);
      owned.on('ready', onReady);
      this.#owned = owned;
      this.#client = owned;
    } else if (opts.redis !== undefined) {
      this.#owned = null;
      this.#client = opts.redis;
    } else {
      throw new Error('redis (a URL or a client) or clusterNodes is required');
    }
  }

  /** Connects the client the writer opened (in the background); a no-op for a given client. */
  start(listener: SignalWriterListener): void {
    this.#listener = listener;
    const owned = this.#owned;
    if (!owned || this.#firstConnect || this.#closed) return;
    this.#firstConnect = owned.connect().then(
      () => undefined,
      (err: unknown) => {
        if (this.#closed) return;
        if (isAuthRefusal(err)) this.#refused(err);
        else this.#report('cannot connect to Redis', err);
        // A standalone client keeps reconnecting by itself; a cluster client gives up when no
        // seed node answers its discovery, so it is retried here, in the background.
        if (this.#cluster) this.#retryDiscovery(owned, 0);
      },
    );
  }

  #retryDiscovery(owned: OwnedRedis, attempt: number): void {
    const timer = setTimeout(() => {
      if (this.#closed || owned.isOpen) return;
      owned.connect().catch((err: unknown) => {
        if (this.#closed) return;
        if (isAuthRefusal(err)) this.#refused(err);
        this.#retryDiscovery(owned, attempt + 1);
      });
    }, redisReconnectDelayMs(attempt));
    timer.unref();
  }

  async write(batch: SignalBatch): Promise<void> {
    if (this.#refusals > 0 && this.#now() < this.#refusedUntil)
      throw new Error('Redis refused this SDK key; signals are dropped until the next retry');
    if (this.#client.isReady === false && this.#firstConnect && this.#refusals === 0)
      await this.#firstConnect;
    if (this.#client.isReady === false) throw new Error('Redis client is not ready');
    try {
      await this.#writeBatch(batch);
    } catch (err) {
      if (isAuthRefusal(err)) this.#refused(err);
      throw err;
    }
    this.#accepted();
  }

  // A sign-in or a write succeeded: a refusal episode (if any) is over.
  #accepted(): void {
    const was = this.#refusals;
    this.#refusals = 0;
    this.#refusedUntil = 0;
    if (was === 0 || this.#closed) return;
    try {
      this.#listener?.onAccepted?.();
    } catch {
      // a reporting callback must never break the client
    }
  }

  async #writeBatch(batch: SignalBatch): Promise<void> {
    const m = this.#client.multi();
    for (const r of this.#resolutions) {
      const key = signalBucketKey(
        this.#prefix,
        batch.appId,
        r.resolutionMs,
        bucketStart(batch.atMs, r.resolutionMs),
      );
      for (const e of batch.entries) {
        if (e.successes > 0) m.hIncrBy(key, signalField(e.flagKey, 'success'), e.successes);
        if (e.failures > 0) m.hIncrBy(key, signalField(e.flagKey, 'failure'), e.failures);
        if (e.offSuccesses > 0)
          m.hIncrBy(key, signalField(e.flagKey, 'success', 'off'), e.offSuccesses);
        if (e.offFailures > 0)
          m.hIncrBy(key, signalField(e.flagKey, 'failure', 'off'), e.offFailures);
      }
      m.pExpire(key, r.ttlMs);
    }
    if (batch.wake !== true || m.publish === undefined) {
      await m.execAsPipeline();
      return;
    }
    // Last in the same round trip, after the counts: Airbag ticks the app on this message
    // (ADR 0003, "Wake-ups"). Rate-limited by the early-flush policy (one per `minIntervalMs`).
    m.publish(signalWakeChannel(this.#prefix, batch.appId), String(batch.atMs));
    try {
      await m.execAsPipeline();
    } catch (err) {
      // A refused PUBLISH alone (a Tower older than wake-ups granted no channel) loses only the
      // wake-up: the counts were written and Airbag's poll still sees them.
      if (!(err instanceof Error && WAKE_REFUSAL.test(err.message))) throw err;
    }
  }

  /** Destroys the client the writer opened (pending writes reject); leaves a given client open. */
  close(): Promise<void> {
    this.#closed = true;
    try {
      if (this.#owned?.isOpen !== false) this.#owned?.destroy();
    } catch {
      // already closed
    }
    return Promise.resolve();
  }

  /**
   * Redis refused the credentials or a write: reported once per episode (until a sign-in or a
   * write succeeds), then writes fail fast for {@link redisReconnectDelayMs} of the refusals so
   * far — a revoked key costs one try every 2 s at most, never an error per flush.
   */
  #refused(err: unknown): void {
    if (this.#closed) return;
    this.#refusedUntil = this.#now() + redisReconnectDelayMs(this.#refusals);
    this.#refusals += 1;
    if (this.#refusals !== 1) return;
    try {
      this.#listener?.onError(
        toTailslideError(
          TailslideErrorCode.redisUnauthorized,
          'Redis refused the credentials (SDK key revoked, unknown or missing, or not allowed for this app); signals are dropped until they are accepted',
          err,
        ),
      );
    } catch {
      // a reporting callback must never break the client
    }
  }

  #report(message: string, err: unknown): void {
    try {
      this.#listener?.onError(toTailslideError(TailslideErrorCode.redisUnavailable, message, err));
    } catch {
      // a reporting callback must never break the client
    }
  }
}
