import { FINE_RESOLUTION_MS, parseSignalField, signalBucketKey } from '@tailslide/contracts';
import type { FlagSignalSeries } from './error-rate.js';

/**
 * The part of a node-redis v6 client the reader uses. Structural, so any `createClient()` result
 * (RESP2 or RESP3, with or without modules) fits.
 */
export interface SignalRedis {
  readonly isReady: boolean;
  hGetAll(key: string): Promise<unknown>;
}

/** What to read for one app: the buckets and the flags whose counts matter. */
export interface AppReadPlan {
  readonly bucketStarts: ReadonlySet<number>;
  readonly flagKeys: ReadonlySet<string>;
}

/** One app's signals per flag, or `null` when the read failed ("no data", never "0 %"). */
export type AppSignals = ReadonlyMap<string, FlagSignalSeries> | null;

/** The outcome of one read across all apps. */
export interface SignalReadResult {
  readonly apps: ReadonlyMap<string, AppSignals>;
  /** True when Redis could not be read at all (not ready, timed out or every command failed). */
  readonly unavailable: boolean;
  /** The first error seen, for the log. */
  readonly error: unknown;
  /** Number of HGETALL commands sent (all in one pipelined batch). */
  readonly commands: number;
}

export interface SignalReaderDeps {
  readonly redis: SignalRedis;
  readonly prefix: string;
  /** A read slower than this counts as failed. @default 1000 */
  readonly timeoutMs?: number;
}

class ReadTimeoutError extends Error {
  override readonly name = 'ReadTimeoutError';
}

/**
 * Reads signal buckets from Redis: one `HGETALL` per (app, bucket), every command issued in the
 * same event-loop turn so node-redis writes them as one pipeline — one round trip per tick however
 * many flags there are.
 */
export class SignalReader {
  readonly #redis: SignalRedis;
  readonly #prefix: string;
  readonly #timeoutMs: number;

  constructor(deps: SignalReaderDeps) {
    this.#redis = deps.redis;
    this.#prefix = deps.prefix;
    this.#timeoutMs = deps.timeoutMs ?? 1000;
  }

  async read(plan: ReadonlyMap<string, AppReadPlan>): Promise<SignalReadResult> {
    const apps = new Map<string, AppSignals>();
    if (!this.#redis.isReady) {
      for (const appId of plan.keys()) apps.set(appId, null);
      return { apps, unavailable: true, error: new Error('redis is not connected'), commands: 0 };
    }
    if (plan.size === 0) return { apps, unavailable: false, error: undefined, commands: 0 };

    const jobs: { appId: string; start: number; reply: Promise<unknown> }[] = [];
    for (const [appId, p] of plan) {
      for (const start of p.bucketStarts) {
        const key = signalBucketKey(this.#prefix, appId, FINE_RESOLUTION_MS, start);
        // Issued synchronously one after another: node-redis pipelines them in one write.
        jobs.push({ appId, start, reply: this.#redis.hGetAll(key) });
      }
    }

    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.#timeoutMs);
    });
    const settledOrTimeout = await Promise.race([
      Promise.allSettled(jobs.map((j) => j.reply)),
      timeout,
    ]);
    clearTimeout(timer);
    if (settledOrTimeout === 'timeout') {
      for (const j of jobs) j.reply.catch(() => undefined);
      for (const appId of plan.keys()) apps.set(appId, null);
      return {
        apps,
        unavailable: true,
        error: new ReadTimeoutError(`redis read timed out after ${this.#timeoutMs} ms`),
        commands: jobs.length,
      };
    }

    const perApp = new Map<
      string,
      Map<string, Map<number, { successes: number; failures: number }>> | null
    >();
    let firstError: unknown;
    let failed = 0;
    settledOrTimeout.forEach((outcome, i) => {
      const job = jobs[i];
      if (job === undefined) return;
      if (perApp.get(job.appId) === null) return;
      if (outcome.status === 'rejected') {
        failed++;
        firstError ??= outcome.reason;
        perApp.set(job.appId, null);
        return;
      }
      let flags = perApp.get(job.appId) ?? undefined;
      if (flags === undefined) {
        flags = new Map();
        perApp.set(job.appId, flags);
      }
      const wanted = plan.get(job.appId)?.flagKeys;
      addHash(flags, job.start, outcome.value, wanted);
    });
    for (const appId of plan.keys()) {
      const flags = perApp.get(appId);
      apps.set(appId, flags === undefined ? new Map() : flags);
    }
    return {
      apps,
      unavailable: failed > 0 && failed === jobs.length,
      error: firstError,
      commands: jobs.length,
    };
  }
}

function entriesOf(reply: unknown): Iterable<[unknown, unknown]> {
  if (reply instanceof Map) return reply.entries() as Iterable<[unknown, unknown]>;
  if (reply !== null && typeof reply === 'object') return Object.entries(reply);
  return [];
}

function addHash(
  flags: Map<string, Map<number, { successes: number; failures: number }>>,
  start: number,
  reply: unknown,
  wanted: ReadonlySet<string> | undefined,
): void {
  for (const [rawField, rawValue] of entriesOf(reply)) {
    const field = typeof rawField === 'string' ? rawField : String(rawField);
    const parsed = parseSignalField(field);
    if (parsed === null) continue;
    if (wanted !== undefined && !wanted.has(parsed.flagKey)) continue;
    const n = Number(typeof rawValue === 'string' ? rawValue : String(rawValue));
    if (!Number.isFinite(n) || n <= 0) continue;
    let series = flags.get(parsed.flagKey);
    if (series === undefined) {
      series = new Map();
      flags.set(parsed.flagKey, series);
    }
    let counts = series.get(start);
    if (counts === undefined) {
      counts = { successes: 0, failures: 0 };
      series.set(start, counts);
    }
    if (parsed.kind === 'success') counts.successes += n;
    else counts.failures += n;
  }
}
