import { FINE_RESOLUTION_MS, parseSignalField, signalBucketKey } from '@tailslide/contracts';
import { RESP_TYPES } from 'redis';
import type { BucketCounts } from './error-rate.js';

/**
 * The part of a node-redis v6 client the reader uses. Structural, so any `createClient()` result
 * (RESP2 or RESP3, with or without modules) fits.
 */
export interface SignalRedis {
  readonly isReady: boolean;
  /** Raw command; with the type mapping below `HGETALL` replies as a flat `[field, value, …]`. */
  sendCommand(args: string[], options?: { typeMapping?: object }): Promise<unknown>;
}

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
   * A bucket that ended more than this long ago is "sealed": read once more, then served from
   * memory. Covers the SDK flush interval (250 ms) plus clock skew; later writes are not seen
   * (an under-count, which can only delay a decision). @default 1000
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

/**
 * Reads one bucket hash as `[fieldCount × 2, "field\nvalue\nfield\nvalue…"]`: one string per
 * bucket instead of 400. node-redis spends ~0.4 µs decoding each RESP string, which made the
 * client, not Redis, the bottleneck of a 10,000-circuit tick (≈ 27 of 35 ms for 60,000 fields);
 * one joined string per bucket cuts the read's client CPU by ~5× (README, "Benchmarks"). The
 * element count lets the parser detect a field or value that itself contains a newline (only a
 * foreign writer could put one there): such a bucket is re-read with a plain `HGETALL`.
 * `flags=no-writes` (Redis 7+, Valkey) keeps it runnable on a full (`maxmemory`) server and on
 * replicas; a server that rejects it (Redis 6) gets `HGETALL` instead.
 */
const BUCKET_SCRIPT =
  "#!lua flags=no-writes\nlocal t = redis.call('HGETALL', KEYS[1]) return { #t, table.concat(t, '\\n') }";

class ReadTimeoutError extends Error {
  override readonly name = 'ReadTimeoutError';
}

type MutableBucket = Map<string, { successes: number; failures: number }>;

/**
 * Reads signal buckets from Redis: one command per (app, bucket) — `EVAL` of
 * {@link BUCKET_SCRIPT}, or a plain `HGETALL` where scripting is unavailable — all issued in the
 * same event-loop turn so node-redis writes them as one pipeline: one round trip per tick, however
 * many flags. Sealed buckets are kept in memory, so a steady-state tick reads only the two or
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
    this.#sealLagMs = deps.sealLagMs ?? 1000;
    this.#useScript = deps.script ?? true;
  }

  /** Reads what `plan` asks for at time `now`. Never rejects. */
  async read(plan: ReadonlyMap<string, AppReadPlan>, now: number): Promise<SignalReadResult> {
    const apps = new Map<string, AppSignals>();
    const fail = (error: unknown, commands: number): SignalReadResult => {
      this.#sealed.clear();
      for (const appId of plan.keys()) apps.set(appId, null);
      return { apps, unavailable: true, error, commands };
    };
    if (!this.#redis.isReady) return fail(new Error('redis is not connected'), 0);

    for (const appId of [...this.#sealed.keys()]) if (!plan.has(appId)) this.#sealed.delete(appId);

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
      if (job.start + FINE_RESOLUTION_MS + this.#sealLagMs <= now)
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
      ? this.#redis.sendCommand(['EVAL', BUCKET_SCRIPT, '1', key])
      : this.#hgetall(key);
  }

  #hgetall(key: string): Promise<unknown> {
    return this.#redis.sendCommand(['HGETALL', key], FLAT_MAPS);
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

type ParsedField = ReturnType<typeof parseSignalField>;

/**
 * Field names repeat every tick (`<flagKey>:s`, `<flagKey>:f`): parsing each once saves an
 * allocation per field per tick. Bounded; cleared when it grows past the limit.
 */
class FieldCache {
  readonly #parsed = new Map<string, ParsedField>();

  get(field: string): ParsedField {
    let p = this.#parsed.get(field);
    if (p === undefined) {
      if (this.#parsed.size >= 200_000) this.#parsed.clear();
      p = parseSignalField(field);
      this.#parsed.set(field, p);
    }
    return p;
  }
}

/**
 * Parses {@link BUCKET_SCRIPT}'s reply. `null` when it is not that shape or the joined string
 * does not split into exactly the reported number of elements (a newline inside a field or value).
 */
function parseJoinedReply(reply: unknown, fields: FieldCache): BucketCounts | null {
  if (!Array.isArray(reply) || reply.length !== 2) return null;
  const [count, joined] = reply as unknown[];
  if (typeof count !== 'number' || typeof joined !== 'string') return null;
  const bucket: MutableBucket = new Map();
  if (count === 0) return joined === '' ? bucket : null;
  const len = joined.length;
  let elements = 0;
  let i = 0;
  while (i <= len) {
    let j = joined.indexOf('\n', i);
    if (j < 0) j = len;
    const field = joined.slice(i, j);
    i = j + 1;
    if (i > len) return null;
    j = joined.indexOf('\n', i);
    if (j < 0) j = len;
    elements += 2;
    const parsed = fields.get(field);
    if (parsed !== null) addCount(bucket, parsed, parseCount(joined, i, j));
    i = j + 1;
  }
  return elements === count ? bucket : null;
}

/** The decimal integer in `s[from, to)`, read from its digits; anything else via `Number()`. */
function parseCount(s: string, from: number, to: number): number {
  if (to === from || to - from > 15) return Number(s.slice(from, to));
  let n = 0;
  for (let k = from; k < to; k++) {
    const d = s.charCodeAt(k) - 48;
    if (d < 0 || d > 9) return Number(s.slice(from, to));
    n = n * 10 + d;
  }
  return n;
}

function addCount(bucket: MutableBucket, parsed: NonNullable<ParsedField>, n: number): void {
  if (!Number.isFinite(n) || n <= 0) return;
  let counts = bucket.get(parsed.flagKey);
  if (counts === undefined) {
    counts = { successes: 0, failures: 0 };
    bucket.set(parsed.flagKey, counts);
  }
  if (parsed.kind === 'success') counts.successes += n;
  else counts.failures += n;
}

function parseBucket(reply: unknown, fields: FieldCache): BucketCounts {
  const bucket: MutableBucket = new Map();
  if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) addField(bucket, fields, reply[i], reply[i + 1]);
  } else if (reply instanceof Map) {
    for (const [field, value] of reply as Map<unknown, unknown>)
      addField(bucket, fields, field, value);
  } else if (reply !== null && typeof reply === 'object') {
    for (const [field, value] of Object.entries(reply)) addField(bucket, fields, field, value);
  }
  return bucket;
}

function addField(
  bucket: MutableBucket,
  fields: FieldCache,
  rawField: unknown,
  rawValue: unknown,
): void {
  const field =
    typeof rawField === 'string'
      ? rawField
      : rawField instanceof Uint8Array
        ? Buffer.from(rawField).toString()
        : null;
  if (field === null) return;
  const parsed = fields.get(field);
  if (parsed === null) return;
  const n =
    typeof rawValue === 'string'
      ? Number(rawValue)
      : typeof rawValue === 'number'
        ? rawValue
        : rawValue instanceof Uint8Array
          ? Number(Buffer.from(rawValue).toString())
          : Number.NaN;
  addCount(bucket, parsed, n);
}
