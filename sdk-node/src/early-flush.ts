import type { SignalCounter } from './signal-sink.js';

/** When a failure spike flushes signals before the flush interval is over. */
export interface EarlyFlushOptions {
  /** Failures of one flag since the last flush that count as a spike. @default 5 */
  readonly minFailures: number;
  /** …when they are at least this share (%) of that flag's calls since the last flush. @default 20 */
  readonly minFailurePercentage: number;
  /** At most one early flush per this many ms (all flags together). @default 100 */
  readonly minIntervalMs: number;
}

/** Defaults of {@link EarlyFlushOptions}. */
export const EARLY_FLUSH_DEFAULTS: EarlyFlushOptions = Object.freeze({
  minFailures: 5,
  minFailurePercentage: 20,
  minIntervalMs: 100,
});

/**
 * Decides when a failure spike is worth a flush now instead of at the end of the flush interval
 * (issue 11: burst → off in ≤ 300 ms). Airbag can only trip on what reached Redis, so a burst of
 * failures is sent at once; healthy traffic and isolated failures still wait for the timer, and
 * a storm of failures sends at most one extra batch per `minIntervalMs`. Pure apart from the
 * clock; the check before reading the clock is two integer comparisons, so the hot path of a
 * healthy flag pays nothing.
 */
export class EarlyFlushPolicy {
  readonly #opts: EarlyFlushOptions;
  readonly #now: () => number;
  #last = Number.NEGATIVE_INFINITY;

  constructor(opts: Partial<EarlyFlushOptions> = {}, now: () => number = Date.now) {
    this.#opts = { ...EARLY_FLUSH_DEFAULTS, ...opts };
    this.#now = now;
  }

  /** Called after a failure was counted on `c`: whether to flush now. */
  afterFailure(c: SignalCounter): boolean {
    return this.spike(c) === 0;
  }

  /**
   * Called after a failure was counted on `c`: `null` when it is no spike; `0` when the spike
   * flushes now (recorded as the last early flush); otherwise the ms until the rate limit lets
   * it go — the caller flushes then and calls {@link claim}, so a spike right after another
   * flag's is delayed, never lost.
   */
  spike(c: SignalCounter): number | null {
    const { minFailures, minFailurePercentage, minIntervalMs } = this.#opts;
    if (c.failures < minFailures) return null;
    if (c.failures * 100 < minFailurePercentage * (c.failures + c.successes)) return null;
    const now = this.#now();
    const wait = this.#last + minIntervalMs - now;
    if (wait > 0) return wait;
    this.#last = now;
    return 0;
  }

  /** Records a delayed early flush (see {@link spike}) as the last one. */
  claim(): void {
    this.#last = this.#now();
  }
}
