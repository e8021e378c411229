import {
  errorRatePercentage,
  evidenceBucketStarts,
  type CircuitWindowStats,
  type SignalCounts,
} from '@tailslide/contracts';

/** One bucket of one app, as stored in Redis: flag key → counts. */
export type BucketCounts = ReadonlyMap<string, SignalCounts>;

/** The span of signals a decision looks at: the window's buckets that end after `sinceMs`. */
export interface EvidenceSpan {
  /** Bucket starts to sum, oldest first (the last one is still filling). */
  readonly bucketStarts: readonly number[];
  /** Length of time the buckets cover, reported in the event's stats. */
  readonly windowMs: number;
}

/**
 * Bucket starts of the sliding window `(now - windowMs, now]`, keeping only buckets that end after
 * `sinceMs`. Why the cut: a decision counts only signals gathered in the circuit's current state
 * (see ADR 0003). The bucket holding `sinceMs` is kept: signals are stamped by SDK clocks, and the
 * state before a change is either "flag off" (few signals), a healthy step, or a flag that did
 * not exist yet, so up to one bucket of overlap is safer than ignoring a fresh flag's first second.
 */
export function evidenceSpan(
  nowMs: number,
  windowMs: number,
  sinceMs: number,
  resolutionMs: number,
): EvidenceSpan {
  const starts = evidenceBucketStarts(nowMs, windowMs, sinceMs, resolutionMs);
  return { bucketStarts: starts, windowMs: Math.min(windowMs, starts.length * resolutionMs) };
}

/** Per-flag sums over the first `sealed` buckets of a window, kept by `SlidingWindowSums`. */
export interface SealedHead {
  readonly totals: ReadonlyMap<string, SignalCounts>;
  readonly sealed: number;
}

/**
 * Error rate of one flag over a window, given the app's buckets in that window (`undefined` for
 * a bucket with no traffic), and optionally the running sums of its sealed head (whose buckets
 * are then not summed again). Returns `null` ("no data") when the read failed
 * (`buckets === null`) or when the window holds no on-arm request for the flag: an empty window
 * is never "0 % errors", so it can neither open nor heal a circuit. The off-arm's counts (ADR
 * 0009) ride along in `off` when it had requests.
 */
export function windowErrorRate(
  buckets: readonly (BucketCounts | undefined)[] | null,
  flagKey: string,
  windowMs: number,
  head?: SealedHead,
): CircuitWindowStats | null {
  if (buckets === null) return null;
  let successes = 0;
  let failures = 0;
  let offSuccesses = 0;
  let offFailures = 0;
  let from = 0;
  if (head !== undefined) {
    const t = head.totals.get(flagKey);
    if (t !== undefined) {
      successes = t.successes;
      failures = t.failures;
      offSuccesses = t.offSuccesses ?? 0;
      offFailures = t.offFailures ?? 0;
    }
    from = head.sealed;
  }
  for (let i = from; i < buckets.length; i++) {
    const c = buckets[i]?.get(flagKey);
    if (c === undefined) continue;
    successes += sanitize(c.successes);
    failures += sanitize(c.failures);
    offSuccesses += sanitize(c.offSuccesses);
    offFailures += sanitize(c.offFailures);
  }
  return windowStats(successes, failures, windowMs, offSuccesses, offFailures);
}

/**
 * One flag's counts in the newest `count` buckets, newest first (fewer when the span is shorter),
 * for the fast-burn windows.
 */
export function recentCounts(
  buckets: readonly (BucketCounts | undefined)[],
  flagKey: string,
  count: number,
): SignalCounts[] {
  const out: SignalCounts[] = [];
  for (let i = buckets.length - 1; i >= 0 && out.length < count; i--) {
    const c = buckets[i]?.get(flagKey);
    out.push(
      c === undefined
        ? NO_COUNTS
        : {
            successes: sanitize(c.successes),
            failures: sanitize(c.failures),
            offSuccesses: sanitize(c.offSuccesses),
            offFailures: sanitize(c.offFailures),
          },
    );
  }
  return out;
}

const NO_COUNTS: SignalCounts = Object.freeze({
  successes: 0,
  failures: 0,
  offSuccesses: 0,
  offFailures: 0,
});

/**
 * Stats from window totals; `null` ("no data") when there was no on-arm request. `off` is set
 * when the off-arm had requests.
 */
export function windowStats(
  successes: number,
  failures: number,
  windowMs: number,
  offSuccesses = 0,
  offFailures = 0,
): CircuitWindowStats | null {
  const requests = successes + failures;
  if (requests === 0) return null;
  const offRequests = offSuccesses + offFailures;
  const stats = {
    requests,
    failures,
    errorRatePercentage: errorRatePercentage(failures, requests),
    windowMs,
  };
  if (offRequests === 0) return stats;
  return {
    ...stats,
    off: {
      requests: offRequests,
      failures: offFailures,
      errorRatePercentage: errorRatePercentage(offFailures, offRequests),
    },
  };
}

/** Counts come from Redis strings; anything negative, not finite or absent is treated as 0. */
function sanitize(n: number | undefined): number {
  return n !== undefined && Number.isFinite(n) && n > 0 ? n : 0;
}
