import {
  DEFAULT_SEAL_LAG_MS,
  FINE_RESOLUTION_MS,
  isBucketSealed,
  signalBucketKey,
} from '@tailslide/contracts';
import { RESP_TYPES } from 'redis';
import type { BucketCounts } from './error-rate.js';
import { BUCKET_SCRIPT, FieldCache, parseBucket, parseJoinedReply } from './redis-reply.js';

/**
 * The part of a node-redis v6 client the reader uses. Structural, so any `createClient()` result
 * (RESP2 or RESP3, with or without modules) fits.
 */
export interface SignalRedisClient {
  readonly isReady: boolean;
  /** Raw command; with the type mapping below `HGETALL` replies as a flat `[field, value, …]`. */
  sendCommand(args: string[], options?: { typeMapping?: object }): Promise<unknown>;
}

/**
 * The part of a node-redis v6 cluster client (`createCluster()`) the reader uses: each command
 * goes to the master of its key's slot (node-redis follows MOVED/ASK redirections).
 */
export interface SignalRedisCluster {
  readonly isReady: boolean;
  /** Present on cluster clients only: tells the two shapes apart. */
  readonly masters: readonly unknown[];
  sendCommand(
    firstKey: string | undefined,
    isReadonly: boolean | undefined,
    args: string[],
    options?: { typeMapping?: object },
  ): Promise<unknown>;
}

/** A standalone or a cluster client. */
export type SignalRedis = SignalRedisClient | SignalRedisCluster;

/** What to read for one app: the bucket starts its evaluated circuits need. */
export interface AppReadPlan {
  readonly bucketStarts: ReadonlySet<number>;
}

export type { BucketCounts };

/** One app's buckets (bucket start → counts per flag), or `null` when the read failed. */
export type AppSignals = ReadonlyMap<number, BucketCounts> | null;

/** The outcome of one read across all apps. */
export interface SignalReadResult {
  readonly apps: ReadonlyMap<string, AppSignals>;
  /** True when Redis could not be read at all (not ready, timed out or every command failed). */
  readonly unavailable: boolean;
  /** The first error seen, for the log. */
  readonly error: unknown;
  /** `HGETALL` commands sent this time (all in one pipelined batch). */
  readonly commands: number;
}

export interface SignalReaderDeps {
  readonly redis: SignalRedis;
  readonly prefix: string;
  /** A read slower than this counts as failed. @default 1000 */
  readonly timeoutMs?: number;
  /**
   * A bucket that ended more than this long ago is "sealed" (contracts' `isBucketSealed`): read
   * once more, then served from memory. @default DEFAULT_SEAL_LAG_MS (1000)
   */
  readonly sealLagMs?: number;
  /**
   * Read each bucket with a small Lua script that joins the hash into one string (far cheaper
   * for the client to decode than `HGETALL`); false reads with plain `HGETALL`. The reader falls
   * back to `HGETALL` by itself if the server refuses scripts. @default true
   */
  readonly script?: boolean;
}

/** `HGETALL` replies as a flat `[field, value, …]` instead of one object per hash. */
const FLAT_MAPS = { typeMapping: { [RESP_TYPES.MAP]: Array } };

class ReadTimeoutError extends Error {
  override readonly name = 'ReadTimeoutError';
}

/**
 * Reads signal buckets from Redis: one command per (app, bucket) — `EVAL` of
 * {@link BUCKET_SCRIPT}, or a plain `HGETALL` where scripting is unavailable — all issued in the
 * same event-loop turn so node-redis writes them as one pipeline: one round trip per tick, however
 * many flags. On Redis Cluster every key of an app carries the app's hash tag (contracts'
 * `signalBucketKey`), so an app's reads all go to one node; node-redis routes each command to its
 * slot's master and each node client writes what it got in that turn as one pipeline: one round
 * trip per node per tick, made in parallel. A node that fails costs only its apps ("no data"). Sealed buckets are kept in memory, so a steady-state tick reads only the two or
 * three newest buckets of each app instead of the whole window. The cache is dropped whenever
 * Redis cannot be read (it may come back empty) and trimmed to the buckets still planned.
 */
export class SignalReader {
  readonly #redis: SignalRedis;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  readonly #sealLagMs: number;
  /** appId → bucket start → counts, sealed buckets only. */
  readonly #sealed = new Map<string, Map<number, BucketCounts>>();
  readonly #fields = new FieldCache();
  /** Read buckets with {@link BUCKET_SCRIPT}; false once the server has refused scripts. */
  #useScript = true;

  constructor(deps: SignalReaderDeps) {
    this.#redis = deps.redis;
    this.#prefix = deps.prefix;
    this.#timeoutMs = deps.timeoutMs ?? 1000;
    this.#sealLagMs = deps.sealLagMs ?? DEFAULT_SEAL_LAG_MS;
    this.#useScript = deps.script ?? true;
  }

  /**
   * Reads what `plan` asks for at time `now`. Never rejects. `partial`: the plan covers some apps
   * only (a wake-up's tick), so the cache of the other apps is kept.
   */
  async read(
    plan: ReadonlyMap<string, AppReadPlan>,
    now: number,
    opts: { readonly partial?: boolean } = {},
  ): Promise<SignalReadResult> {
    const apps = new Map<string, AppSignals>();
    const fail = (error: unknown, commands: number): SignalReadResult => {
      this.#sealed.clear();
      for (const appId of plan.keys()) apps.set(appId, null);
      return { apps, unavailable: true, error, commands };
    };
    if (!this.#redis.isReady) return fail(new Error('redis is not connected'), 0);

    if (opts.partial !== true)
      for (const appId of [...this.#sealed.keys()])
        if (!plan.has(appId)) this.#sealed.delete(appId);

    const jobs: Job[] = [];
    const result = new Map<string, Map<number, BucketCounts>>();
    for (const [appId, p] of plan) {
      const buckets = new Map<number, BucketCounts>();
      result.set(appId, buckets);
      let cache = this.#sealed.get(appId);
      if (cache !== undefined) {
        for (const start of [...cache.keys()]) if (!p.bucketStarts.has(start)) cache.delete(start);
      } else {
        cache = new Map();
        this.#sealed.set(appId, cache);
      }
      for (const start of p.bucketStarts) {
        const hit = cache.get(start);
        if (hit !== undefined) {
          buckets.set(start, hit);
          continue;
        }
        const key = signalBucketKey(this.#prefix, appId, FINE_RESOLUTION_MS, start);
        // Issued synchronously one after another: node-redis pipelines them in one write.
        jobs.push({ appId, start, key, reply: this.#send(key) });
      }
    }
    if (jobs.length === 0) {
      for (const [appId, b] of result) apps.set(appId, b);
      return { apps, unavailable: false, error: undefined, commands: 0 };
    }

    const deadline = Date.now() + this.#timeoutMs;
    let commands = jobs.length;
    const settled = await settleBy(jobs, deadline);
    if (settled === 'timeout') {
      return fail(
        new ReadTimeoutError(`redis read timed out after ${this.#timeoutMs} ms`),
        commands,
      );
    }

    const failedApps = new Set<string>();
    let firstError: unknown;
    let failures = 0;
    const retry: Job[] = [];
    const accept = (job: Job, bucket: BucketCounts) => {
      result.get(job.appId)?.set(job.start, bucket);
      if (isBucketSealed(job.start, FINE_RESOLUTION_MS, now, this.#sealLagMs))
        this.#sealed.get(job.appId)?.set(job.start, bucket);
    };
    const reject = (job: Job, reason: unknown) => {
      failures++;
      firstError ??= reason;
      failedApps.add(job.appId);
    };
    settled.forEach((outcome, i) => {
      const job = jobs[i];
      if (job === undefined) return;
      if (outcome.status === 'rejected') {
        // The script may be refused (scripting disabled, ACL): try the plain read once.
        if (this.#useScript) retry.push(job);
        else reject(job, outcome.reason);
        return;
      }
      const bucket = this.#useScript
        ? parseJoinedReply(outcome.value, this.#fields)
        : parseBucket(outcome.value, this.#fields);
      if (bucket === null) retry.push(job);
      else accept(job, bucket);
    });

    if (retry.length > 0) {
      const again = retry.map((j) => ({ ...j, reply: this.#hgetall(j.key) }));
      commands += again.length;
      const second = await settleBy(again, deadline);
      if (second === 'timeout') {
        return fail(
          new ReadTimeoutError(`redis read timed out after ${this.#timeoutMs} ms`),
          commands,
        );
      }
      let plainWorked = false;
      second.forEach((outcome, i) => {
        const job = again[i];
        if (job === undefined) return;
        if (outcome.status === 'rejected') return reject(job, outcome.reason);
        plainWorked = true;
        accept(job, parseBucket(outcome.value, this.#fields));
      });
      // Every script call failed and plain reads work: this server does not run scripts.
      if (plainWorked && retry.length === jobs.length && this.#useScript) {
        this.#useScript = false;
      }
    }

    if (failures === jobs.length) return fail(firstError, commands);
    for (const [appId, b] of result) {
      if (failedApps.has(appId)) {
        this.#sealed.delete(appId);
        apps.set(appId, null);
      } else {
        apps.set(appId, b);
      }
    }
    return { apps, unavailable: false, error: firstError, commands };
  }

  #send(key: string): Promise<unknown> {
    return this.#useScript
      ? this.#command(key, ['EVAL', BUCKET_SCRIPT, '1', key])
      : this.#hgetall(key);
  }

  #hgetall(key: string): Promise<unknown> {
    return this.#command(key, ['HGETALL', key], FLAT_MAPS);
  }

  /** `args` (on the one key `key`) to the server, or to the master serving `key` on a cluster. */
  #command(key: string, args: string[], options?: { typeMapping?: object }): Promise<unknown> {
    const redis = this.#redis;
    return 'masters' in redis
      ? redis.sendCommand(key, false, args, options)
      : redis.sendCommand(args, options);
  }
}

interface Job {
  readonly appId: string;
  readonly start: number;
  readonly key: string;
  readonly reply: Promise<unknown>;
}

/** Settles every reply, or gives up at `deadline` (late replies are then ignored). */
async function settleBy(
  jobs: readonly Job[],
  deadline: number,
): Promise<PromiseSettledResult<unknown>[] | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now()));
  });
  const settled = await Promise.race([Promise.allSettled(jobs.map((j) => j.reply)), timeout]);
  clearTimeout(timer);
  if (settled === 'timeout') for (const j of jobs) j.reply.catch(() => undefined);
  return settled;
}
