import {
  SIGNAL_RESOLUTIONS,
  bucketStart,
  signalBucketKey,
  signalField,
  type SignalResolution,
} from '@tailslide/contracts';
import { createClient } from 'redis';
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
}

/** Options of {@link RedisSignalWriter}. */
export interface RedisSignalWriterOptions {
  /**
   * A Redis URL (the writer opens, owns and closes the client) or an existing node-redis v5/v6
   * client (left open on close; the caller connects it).
   */
  readonly redis: string | RedisClientLike;
  /** Prefix of every key. */
  readonly prefix: string;
  /** Resolutions maintained. @default SIGNAL_RESOLUTIONS */
  readonly resolutions?: readonly SignalResolution[] | undefined;
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

  constructor(opts: RedisSignalWriterOptions) {
    this.#prefix = opts.prefix;
    this.#resolutions = opts.resolutions ?? SIGNAL_RESOLUTIONS;
    if (typeof opts.redis === 'string') {
      const owned = createClient({
        url: opts.redis,
        // Reject at once while disconnected instead of queueing: memory stays bounded.
        disableOfflineQueue: true,
        commandsQueueMaxLength: 1000,
        disableClientInfo: true,
        socket: { reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2000) },
      });
      // A client error with no listener would be thrown; report it instead.
      owned.on('error', (err: unknown) => this.#report('Redis client error', err));
      this.#owned = owned;
      this.#client = owned;
    } else {
      this.#owned = null;
      this.#client = opts.redis;
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
        if (!this.#closed) this.#report('cannot connect to Redis', err);
      },
    );
  }

  async write(batch: SignalBatch): Promise<void> {
    if (this.#client.isReady === false && this.#firstConnect) await this.#firstConnect;
    if (this.#client.isReady === false) throw new Error('Redis client is not ready');
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
    await m.execAsPipeline();
  }

  /** Destroys the client the writer opened (pending writes reject); leaves a given client open. */
  close(): Promise<void> {
    this.#closed = true;
    try {
      this.#owned?.destroy();
    } catch {
      // already closed
    }
    return Promise.resolve();
  }

  #report(message: string, err: unknown): void {
    try {
      this.#listener?.onError(toTailslideError(TailslideErrorCode.redisUnavailable, message, err));
    } catch {
      // a reporting callback must never break the client
    }
  }
}
