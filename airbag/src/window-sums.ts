import type { SignalCounts } from '@tailslide/contracts';
import type { BucketCounts } from './error-rate.js';

interface Totals {
  successes: number;
  failures: number;
  offSuccesses: number;
  offFailures: number;
}

const count = (n: number | undefined): number =>
  n !== undefined && n > 0 && n !== Infinity ? n : 0;

interface State {
  from: number;
  to: number;
  readonly buckets: Map<number, BucketCounts | undefined>;
  readonly sums: Map<string, Totals>;
}

function add(sums: Map<string, Totals>, bucket: BucketCounts | undefined, sign: 1 | -1): void {
  // forEach rather than for…of: no iterator entry allocated per flag (this runs 20,000 times a
  // tick at 10,000 circuits).
  bucket?.forEach((c, flagKey) => {
    const s = count(c.successes);
    const f = count(c.failures);
    const os = count(c.offSuccesses);
    const of = count(c.offFailures);
    const t = sums.get(flagKey);
    if (t === undefined) {
      sums.set(flagKey, {
        successes: sign * s,
        failures: sign * f,
        offSuccesses: sign * os,
        offFailures: sign * of,
      });
    } else {
      t.successes += sign * s;
      t.failures += sign * f;
      t.offSuccesses += sign * os;
      t.offFailures += sign * of;
    }
  });
}

/**
 * Per-flag sums over the sealed (no longer changing) head of a sliding window, kept from one
 * tick to the next: when the window slides by one bucket, one bucket is subtracted and one added,
 * instead of re-summing the whole window for every flag. Counts are integers, so the sums are
 * exact. Pure bookkeeping, no I/O; equal to summing from scratch (property-tested).
 */
export class SlidingWindowSums {
  readonly #resolutionMs: number;
  readonly #states = new Map<string, State>();

  constructor(resolutionMs: number) {
    this.#resolutionMs = resolutionMs;
  }

  /**
   * Sums per flag over the first `sealedCount` buckets of a window whose contiguous bucket starts
   * are `starts` (oldest first) and whose contents are `buckets` (aligned with `starts`).
   * `key` names the window (app and window length); the returned map is owned by this object and
   * valid until the next call with the same key.
   */
  sealedTotals(
    key: string,
    starts: readonly number[],
    buckets: readonly (BucketCounts | undefined)[],
    sealedCount: number,
  ): ReadonlyMap<string, SignalCounts> {
    const res = this.#resolutionMs;
    const first = starts[0];
    const last = starts[sealedCount - 1];
    if (sealedCount <= 0 || first === undefined || last === undefined) {
      this.#states.delete(key);
      return new Map();
    }
    let st = this.#states.get(key);
    if (st === undefined || first < st.from || first > st.to + res || last < st.to) {
      st = { from: first, to: first - res, buckets: new Map(), sums: new Map() };
      this.#states.set(key, st);
    }
    for (let s = st.from; s < first; s += res) {
      add(st.sums, st.buckets.get(s), -1);
      st.buckets.delete(s);
    }
    st.from = first;
    for (let i = 0; i < sealedCount; i++) {
      const s = starts[i] as number;
      if (s <= st.to) continue;
      const b = buckets[i];
      add(st.sums, b, 1);
      st.buckets.set(s, b);
    }
    st.to = last;
    return st.sums;
  }

  /** Forgets every window not named in `keep` (or all of them). */
  retain(keep?: ReadonlySet<string>): void {
    for (const k of [...this.#states.keys()])
      if (keep === undefined || !keep.has(k)) this.#states.delete(k);
  }
}
