import {
  SIGNAL_RESOLUTIONS,
  bucketStart,
  signalBucketKey,
  signalField,
  type SignalResolution,
} from '@tailslide/contracts';
import type { SignalBatch, SignalWriter } from './signal-sink.js';

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

/** Options of {@link RedisSignalWriter}. */
export interface RedisSignalWriterOptions {
  readonly client: RedisClientLike;
  /** Prefix of every key. */
  readonly prefix: string;
  /** Resolutions maintained. @default SIGNAL_RESOLUTIONS */
  readonly resolutions?: readonly SignalResolution[] | undefined;
}

/**
 * Plain-Redis signal writer: for each resolution, `HINCRBY` every flag's `:s`/`:f` field of the
 * bucket hash, then `PEXPIRE` the hash — all in ONE pipelined round trip (no MULTI/EXEC).
 * Works on any Redis or Valkey.
 */
export class RedisSignalWriter implements SignalWriter {
  readonly #client: RedisClientLike;
  readonly #prefix: string;
  readonly #resolutions: readonly SignalResolution[];

  constructor(opts: RedisSignalWriterOptions) {
    this.#client = opts.client;
    this.#prefix = opts.prefix;
    this.#resolutions = opts.resolutions ?? SIGNAL_RESOLUTIONS;
  }

  async write(batch: SignalBatch): Promise<void> {
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
      }
      m.pExpire(key, r.ttlMs);
    }
    await m.execAsPipeline();
  }
}
