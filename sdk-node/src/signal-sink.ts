import { FINE_RESOLUTION_MS } from '@tailslide/contracts';

/** Success/failure counts of one flag since the last flush. Togglers increment it directly. */
export interface SignalCounter {
  readonly flagKey: string;
  successes: number;
  failures: number;
}

/** Counts of one flag in a batch. */
export interface SignalBatchEntry {
  readonly flagKey: string;
  readonly successes: number;
  readonly failures: number;
}

/** What one flush hands to the writer: every flag's counts for the interval around `atMs`. */
export interface SignalBatch {
  readonly appId: string;
  /**
   * Time the counts are attributed to: the midpoint of the collection interval (epoch ms). Timer
   * flushes are aligned to bucket boundaries, so the interval lies inside one time bucket.
   */
  readonly atMs: number;
  readonly entries: readonly SignalBatchEntry[];
}

/**
 * Persists signal batches. One call = one round trip. The plain-Redis writer is
 * `RedisSignalWriter`; a RedisTimeSeries writer can implement the same interface.
 */
export interface SignalWriter {
  write(batch: SignalBatch): Promise<void>;
}

/** Counters of the sink, for `manager.stats()`. */
export interface SignalSinkStats {
  /** Flushes that reached the writer successfully. */
  readonly flushes: number;
  /** Flushes that failed or timed out. */
  readonly failedFlushes: number;
  /** Signals (successes + failures) written. */
  readonly signalsWritten: number;
  /** Signals dropped because their flush failed or timed out (never retried). */
  readonly signalsDropped: number;
}

/** Options of {@link SignalSink}. */
export interface SignalSinkOptions {
  readonly appId: string;
  readonly writer: SignalWriter;
  /** @default 250 */
  readonly flushIntervalMs?: number | undefined;
  /** A flush not settled after this long counts as failed, so one slow Redis never piles up work. @default 2000 */
  readonly flushTimeoutMs?: number | undefined;
  /** Clock, for tests. @default Date.now */
  readonly now?: (() => number) | undefined;
  /** Called (never throwing) when a flush fails and its signals are dropped. */
  readonly onDropped?: ((dropped: number, cause: unknown) => void) | undefined;
}

/**
 * Delay until the next flush: the next multiple of `intervalMs` or of the fine Redis resolution,
 * whichever comes first. Flushing on those boundaries keeps each collection interval inside one
 * time bucket, so dating a batch by its interval's midpoint puts every count in its own bucket.
 */
export function nextFlushDelay(nowMs: number, intervalMs: number): number {
  const toInterval = intervalMs - (nowMs % intervalMs);
  const toBucket = FINE_RESOLUTION_MS - (nowMs % FINE_RESOLUTION_MS);
  return Math.max(1, Math.min(toInterval, toBucket));
}

/**
 * Aggregates emits in memory and flushes them periodically in one writer call. Memory is bounded
 * by the number of flags: emits only bump a per-flag counter; at most one flush is in flight; a
 * failed flush drops its counts (counted in `signalsDropped`) instead of queueing them.
 */
export class SignalSink {
  readonly #appId: string;
  readonly #writer: SignalWriter;
  readonly #intervalMs: number;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  readonly #onDropped: (dropped: number, cause: unknown) => void;
  readonly #counters = new Map<string, SignalCounter>();
  readonly #list: SignalCounter[] = [];
  #timer: NodeJS.Timeout | null = null;
  #inFlight: Promise<void> | null = null;
  // A write that timed out but has not settled yet: while it is stuck in the client, new
  // batches are dropped at once, so a hung Redis never accumulates pipelines in the client.
  #stuckWrite: Promise<void> | null = null;
  #lastCollectAt: number;
  #stats = { flushes: 0, failedFlushes: 0, signalsWritten: 0, signalsDropped: 0 };

  constructor(opts: SignalSinkOptions) {
    this.#appId = opts.appId;
    this.#writer = opts.writer;
    this.#intervalMs = opts.flushIntervalMs ?? 250;
    this.#timeoutMs = opts.flushTimeoutMs ?? 2000;
    this.#now = opts.now ?? Date.now;
    this.#onDropped = opts.onDropped ?? (() => undefined);
    this.#lastCollectAt = this.#now();
  }

  /** The counter of `flagKey`, shared by every toggler of that flag. */
  counter(flagKey: string): SignalCounter {
    let c = this.#counters.get(flagKey);
    if (!c) {
      c = { flagKey, successes: 0, failures: 0 };
      this.#counters.set(flagKey, c);
      this.#list.push(c);
    }
    return c;
  }

  /**
   * Starts the periodic flush (unref'd: it never keeps the process alive). Flushes are aligned
   * to the wall clock so a collection interval never straddles a Redis time bucket (see
   * {@link nextFlushDelay}): every count lands in the bucket it happened in.
   */
  start(): void {
    if (this.#timer) return;
    this.#schedule();
  }

  #schedule(): void {
    this.#timer = setTimeout(
      () => {
        void this.tick();
        if (this.#timer) this.#schedule();
      },
      nextFlushDelay(this.#now(), this.#intervalMs),
    );
    this.#timer.unref();
  }

  /** Stops the periodic flush. */
  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** One timer tick: flushes unless a flush is still in flight (counts keep aggregating). */
  tick(): Promise<void> {
    if (this.#inFlight) return this.#inFlight;
    return this.#flushNow();
  }

  /** Waits for any flush in flight, then flushes what has accumulated. Never rejects. */
  async flush(): Promise<void> {
    if (this.#inFlight) await this.#inFlight;
    await this.#flushNow();
  }

  get stats(): SignalSinkStats {
    return { ...this.#stats };
  }

  #collect(): SignalBatch | null {
    const now = this.#now();
    const atMs = Math.floor((this.#lastCollectAt + now) / 2);
    this.#lastCollectAt = now;
    let entries: SignalBatchEntry[] | null = null;
    for (const c of this.#list) {
      if (c.successes === 0 && c.failures === 0) continue;
      (entries ??= []).push({ flagKey: c.flagKey, successes: c.successes, failures: c.failures });
      c.successes = 0;
      c.failures = 0;
    }
    return entries ? { appId: this.#appId, atMs, entries } : null;
  }

  #flushNow(): Promise<void> {
    const batch = this.#collect();
    if (!batch) return Promise.resolve();
    let total = 0;
    for (const e of batch.entries) total += e.successes + e.failures;
    const p = this.#write(batch).then(
      () => {
        this.#stats.flushes++;
        this.#stats.signalsWritten += total;
      },
      (err: unknown) => {
        this.#stats.failedFlushes++;
        this.#stats.signalsDropped += total;
        try {
          this.#onDropped(total, err);
        } catch {
          // a reporting callback must never break flushing
        }
      },
    );
    const done = p.finally(() => {
      if (this.#inFlight === done) this.#inFlight = null;
    });
    this.#inFlight = done;
    return done;
  }

  #write(batch: SignalBatch): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`flush timed out after ${this.#timeoutMs} ms`)),
        this.#timeoutMs,
      );
      timer.unref();
    });
    if (this.#stuckWrite) {
      clearTimeout(timer);
      return Promise.reject(new Error('the previous flush is still pending'));
    }
    let write: Promise<void>;
    try {
      write = this.#writer.write(batch);
    } catch (err) {
      write = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    let settled = false;
    const tracked = write.then(
      () => {
        settled = true;
        if (this.#stuckWrite === tracked) this.#stuckWrite = null;
      },
      () => {
        settled = true; // a late rejection after the timeout must not go unhandled
        if (this.#stuckWrite === tracked) this.#stuckWrite = null;
      },
    );
    return Promise.race([write, timeout]).finally(() => {
      clearTimeout(timer);
      if (!settled) this.#stuckWrite = tracked;
    });
  }
}
