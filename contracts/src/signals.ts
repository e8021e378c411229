/** What an SDK reports about a call guarded by a flag. */
export const SignalKind = {
  success: 'success',
  failure: 'failure',
} as const;
/** One of {@link SignalKind}. */
export type SignalKind = (typeof SignalKind)[keyof typeof SignalKind];

/**
 * Which side of a flag a call ran on (ADR 0009). `on`: the guarded feature ran (the flag was on
 * for the user); `off`: the fallback ran because the flag was off for the user — the control arm
 * a `relative` circuit compares against.
 */
export const SignalArm = {
  on: 'on',
  off: 'off',
} as const;
/** One of {@link SignalArm}. */
export type SignalArm = (typeof SignalArm)[keyof typeof SignalArm];

/** One resolution at which signal counts are kept in Redis. */
export interface SignalResolution {
  /** Bucket width. */
  readonly resolutionMs: number;
  /** How long a bucket key lives after its last write (`PEXPIRE`). */
  readonly ttlMs: number;
}

/**
 * Resolutions every signal writer maintains. 1 s buckets feed Airbag's windows and the short
 * charts (kept 2 h); 1 min buckets feed the 1 h and 24 h charts (kept 26 h).
 */
export const SIGNAL_RESOLUTIONS: readonly SignalResolution[] = Object.freeze([
  Object.freeze({ resolutionMs: 1_000, ttlMs: 2 * 60 * 60 * 1_000 }),
  Object.freeze({ resolutionMs: 60_000, ttlMs: 26 * 60 * 60 * 1_000 }),
]);

/** The fine resolution Airbag reads (1 s). */
export const FINE_RESOLUTION_MS = 1_000;

/** Start of the bucket containing `nowMs` at `resolutionMs`. */
export function bucketStart(nowMs: number, resolutionMs: number): number {
  return nowMs - (((nowMs % resolutionMs) + resolutionMs) % resolutionMs);
}

/**
 * Bucket starts covering the window `(nowMs - windowMs, nowMs]`, oldest first. The bucket holding
 * `nowMs` is included (it is still filling); so the window spans `ceil(windowMs / res)` buckets.
 */
export function windowBucketStarts(
  nowMs: number,
  windowMs: number,
  resolutionMs: number,
): number[] {
  const last = bucketStart(nowMs, resolutionMs);
  const count = Math.max(1, Math.ceil(windowMs / resolutionMs));
  const out: number[] = new Array<number>(count);
  for (let i = 0; i < count; i++) out[i] = last - (count - 1 - i) * resolutionMs;
  return out;
}

/**
 * Bucket starts of the window `(nowMs - windowMs, nowMs]` (as {@link windowBucketStarts}) that end
 * after `sinceMs`, oldest first. The bucket holding `sinceMs` is kept. Airbag counts only the
 * evidence gathered since a circuit last changed (ADR 0003); `sinceMs = -Infinity` keeps the
 * whole window.
 */
export function evidenceBucketStarts(
  nowMs: number,
  windowMs: number,
  sinceMs: number,
  resolutionMs: number,
): number[] {
  const all = windowBucketStarts(nowMs, windowMs, resolutionMs);
  let first = 0;
  while (first < all.length && (all[first] as number) + resolutionMs <= sinceMs) first++;
  return first === 0 ? all : all.slice(first);
}

/**
 * How long after a bucket ends its counts may still change: the SDK writes a bucket's last batch
 * at the end of its 250 ms flush interval, plus the write and clock skew. Later writes are not
 * seen by a reader that cached the bucket (an under-count, which can only delay a decision).
 */
export const DEFAULT_SEAL_LAG_MS = 1_000;

/** Whether the bucket starting at `startMs` no longer changes at `nowMs` ("sealed"). */
export function isBucketSealed(
  startMs: number,
  resolutionMs: number,
  nowMs: number,
  sealLagMs: number = DEFAULT_SEAL_LAG_MS,
): boolean {
  return startMs + resolutionMs + sealLagMs <= nowMs;
}

/** How many leading buckets of `starts` (oldest first) are sealed at `nowMs`. */
export function sealedBucketCount(
  starts: readonly number[],
  resolutionMs: number,
  nowMs: number,
  sealLagMs: number = DEFAULT_SEAL_LAG_MS,
): number {
  let n = 0;
  while (n < starts.length && isBucketSealed(starts[n] as number, resolutionMs, nowMs, sealLagMs))
    n++;
  return n;
}

/** Success and failure counts for one flag over some span. */
export interface SignalCounts {
  /** Successful calls on the on-arm (the flag was on; every call of an SDK without arms). */
  readonly successes: number;
  /** Failed calls on the on-arm. */
  readonly failures: number;
  /** Successful calls on the off-arm (control); absent or 0 when none were recorded. */
  readonly offSuccesses?: number | undefined;
  /** Failed calls on the off-arm (control); absent or 0 when none were recorded. */
  readonly offFailures?: number | undefined;
}
