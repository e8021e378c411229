/** What an SDK reports about a call guarded by a flag. */
export const SignalKind = {
  success: 'success',
  failure: 'failure',
} as const;
/** One of {@link SignalKind}. */
export type SignalKind = (typeof SignalKind)[keyof typeof SignalKind];

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

/** Success and failure counts for one flag over some span. */
export interface SignalCounts {
  /** Successful calls. */
  readonly successes: number;
  /** Failed calls. */
  readonly failures: number;
}
