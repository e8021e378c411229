import { FINE_RESOLUTION_MS } from '@tailslide/contracts';
import { EarlyFlushPolicy, type EarlyFlushOptions } from './early-flush.js';
import type { TailslideError } from './errors.js';

/**
 * Success/failure counts of one flag since the last flush, per arm (ADR 0009). Togglers count
 * through {@link SignalSink.success} / {@link SignalSink.failure} (on-arm) and
 * {@link SignalSink.offSuccess} / {@link SignalSink.offFailure} (off-arm), which queue the
 * counter for the next flush the first time it moves: a flush visits only the flags that have
 * counts.
 */
export interface SignalCounter {
  readonly flagKey: string;
  successes: number;
  failures: number;
  /** Off-arm (control) successes: the fallback ran because the flag was off for the user. */
  offSuccesses: number;
  /** Off-arm (control) failures. */
  offFailures: number;
  /** Whether the counter is in the sink's queue for the next flush. */
  queued: boolean;
}

/** A zeroed counter for `flagKey`. */
export function newSignalCounter(flagKey: string): SignalCounter {
  return { flagKey, successes: 0, failures: 0, offSuccesses: 0, offFailures: 0, queued: false };
}

/** Counts of one flag in a batch: on-arm `successes` / `failures`, off-arm `off*`. */
export interface SignalBatchEntry {
  readonly flagKey: string;
  readonly successes: number;
  readonly failures: number;
  /** Off-arm (control) successes. */
  readonly offSuccesses: number;
  /** Off-arm (control) failures. */
  readonly offFailures: number;
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
  /**
   * The batch was sent early because failures spiked ({@link EarlyFlushPolicy}, at most one per
   * `minIntervalMs`): the writer also wakes Airbag for this app (ADR 0003, "Wake-ups").
   */
  readonly wake?: boolean;
}

/** Receives what a {@link SignalWriter} reports. */
export interface SignalWriterListener {
  /** Infrastructure trouble (connection refused, reset, ...). Must not throw. */
  onError(error: TailslideError): void;
  /**
   * The credentials are accepted again after a `redis_unauthorized` report (a sign-in or a write
   * succeeded). Must not throw.
   */
  onAccepted?(): void;
}

/**
 * Persists signal batches. One call = one round trip. The plain-Redis writer is
 * `RedisSignalWriter`; a RedisTimeSeries writer can implement the same interface. Like a
 * `RulesetSource`, a writer owns what it opened: the manager calls `start` from `initialize()`
 * and `close` from `close()`.
 */
export interface SignalWriter {
  write(batch: SignalBatch): Promise<void>;
  /** Opens what the writer needs (returns at once; connecting goes on in the background). */
  start?(listener: SignalWriterListener): void;
  /** Releases what the writer opened. */
  close?(): Promise<void>;
}

/** Counters of the sink, for `manager.stats()`. */
export interface SignalSinkStats {
  /** Flushes that reached the writer successfully. */
  readonly flushes: number;
  /** Flushes that failed (a flush that timed out counts once it settles, as what it turned out to be). */
  readonly failedFlushes: number;
  /** Signals (successes + failures) written. */
  readonly signalsWritten: number;
  /** Signals dropped because their flush failed (never retried). */
  readonly signalsDropped: number;
}

/** Options of {@link SignalSink}. */
export interface SignalSinkOptions {
  readonly appId: string;
  readonly writer: SignalWriter;
  /** @default 250 */
  readonly flushIntervalMs?: number | undefined;
  /**
   * A flush not settled after this long stops holding up `flush()`; while it stays unsettled, new
   * batches are dropped, so one slow Redis never piles up work. @default 2000
   */
  readonly flushTimeoutMs?: number | undefined;
  /** Clock, for tests. @default Date.now */
  readonly now?: (() => number) | undefined;
  /**
   * Flush at once when failures spike ({@link EarlyFlushPolicy}); `false` waits for the timer
   * only. @default EARLY_FLUSH_DEFAULTS
   */
  readonly earlyFlush?: Partial<EarlyFlushOptions> | false | undefined;
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
 * by the number of flags that counted since the last flush: an emit bumps its flag's counter
 * (queued once per flush); at most one flush is in flight; a failed flush drops its counts
 * (counted in `signalsDropped`) instead of queueing them.
 */
export class SignalSink {
  readonly #appId: string;
  readonly #writer: SignalWriter;
  readonly #intervalMs: number;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  readonly #onDropped: (dropped: number, cause: unknown) => void;
  #queue: SignalCounter[] = [];
  #timer: NodeJS.Timeout | null = null;
  #inFlight: Promise<void> | null = null;
  // A write that timed out but has not settled yet: while it is stuck in the client, new
  // batches are dropped at once, so a hung Redis never accumulates pipelines in the client.
  #stuckWrite: Promise<void> | null = null;
  #lastCollectAt: number;
  readonly #early: EarlyFlushPolicy | null;
  // An early flush is due: the next batch asks the writer to wake Airbag.
  #wake = false;
  // A spike held back by the early-flush rate limit, flushed when the limit allows.
  #owed: NodeJS.Timeout | null = null;
  #stats = { flushes: 0, failedFlushes: 0, signalsWritten: 0, signalsDropped: 0 };

  constructor(opts: SignalSinkOptions) {
    this.#appId = opts.appId;
    this.#writer = opts.writer;
    this.#intervalMs = opts.flushIntervalMs ?? 250;
    this.#timeoutMs = opts.flushTimeoutMs ?? 2000;
    this.#now = opts.now ?? Date.now;
    this.#onDropped = opts.onDropped ?? (() => undefined);
    this.#lastCollectAt = this.#now();
    this.#early =
      opts.earlyFlush === false ? null : new EarlyFlushPolicy(opts.earlyFlush ?? {}, this.#now);
  }

  /** Counts one success of `c`'s flag (O(1), in memory). */
  success(c: SignalCounter): void {
    c.successes++;
    if (!c.queued) this.#enqueue(c);
  }

  /** Counts one failure of `c`'s flag (O(1), in memory). */
  failure(c: SignalCounter): void {
    c.failures++;
    if (!c.queued) this.#enqueue(c);
    // A spike goes out now — after the current turn of the event loop, so the rest of a burst
    // counted in the same turn goes with it — in the background (never awaited here). Only while
    // the periodic flush runs: a stopped sink flushes when asked.
    if (this.#early === null || this.#timer === null) return;
    const wait = this.#early.spike(c);
    if (wait === null) return;
    this.#wake = true;
    if (wait === 0) {
      setImmediate(() => this.#earlyFlush());
    } else if (this.#owed === null) {
      // Another flag's spike went out less than `minIntervalMs` ago: this one goes when allowed.
      this.#owed = setTimeout(() => {
        this.#owed = null;
        this.#early?.claim();
        this.#earlyFlush();
      }, wait);
      this.#owed.unref();
    }
  }

  /** An early flush: after the flush in flight, if any, rather than folded into it. */
  #earlyFlush(): void {
    const inFlight = this.#inFlight;
    if (inFlight === null) void this.tick();
    else void inFlight.then(() => this.tick());
  }

  /** Counts one off-arm (control) success of `c`'s flag (O(1), in memory). */
  offSuccess(c: SignalCounter): void {
    c.offSuccesses++;
    if (!c.queued) this.#enqueue(c);
  }

  /** Counts one off-arm (control) failure of `c`'s flag (O(1), in memory). */
  offFailure(c: SignalCounter): void {
    c.offFailures++;
    if (!c.queued) this.#enqueue(c);
  }

  /** Adds on-arm counts to `c`'s flag at once. */
  add(c: SignalCounter, successes: number, failures: number): void {
    c.successes += successes;
    c.failures += failures;
    if (!c.queued) this.#enqueue(c);
  }

  #enqueue(c: SignalCounter): void {
    c.queued = true;
    this.#queue.push(c);
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
    if (this.#owed) clearTimeout(this.#owed);
    this.#owed = null;
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
    const queue = this.#queue;
    if (queue.length === 0) return null;
    this.#queue = [];
    const entries: SignalBatchEntry[] = [];
    for (const c of queue) {
      c.queued = false;
      if (c.successes === 0 && c.failures === 0 && c.offSuccesses === 0 && c.offFailures === 0)
        continue;
      entries.push({
        flagKey: c.flagKey,
        successes: c.successes,
        failures: c.failures,
        offSuccesses: c.offSuccesses,
        offFailures: c.offFailures,
      });
      c.successes = 0;
      c.failures = 0;
      c.offSuccesses = 0;
      c.offFailures = 0;
    }
    const wake = this.#wake;
    this.#wake = false;
    if (entries.length === 0) return null;
    return wake
      ? { appId: this.#appId, atMs, entries, wake }
      : { appId: this.#appId, atMs, entries };
  }

  #written(total: number): void {
    this.#stats.flushes++;
    this.#stats.signalsWritten += total;
  }

  #dropped(total: number, cause: unknown): void {
    this.#stats.failedFlushes++;
    this.#stats.signalsDropped += total;
    try {
      this.#onDropped(total, cause);
    } catch {
      // a reporting callback must never break flushing
    }
  }

  #flushNow(): Promise<void> {
    const batch = this.#collect();
    if (!batch) return Promise.resolve();
    let total = 0;
    for (const e of batch.entries)
      total += e.successes + e.failures + e.offSuccesses + e.offFailures;
    if (this.#stuckWrite) {
      this.#dropped(total, new Error('the previous flush is still pending'));
      return Promise.resolve();
    }
    let write: Promise<void>;
    try {
      write = Promise.resolve(this.#writer.write(batch));
    } catch (err) {
      write = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    // Counted when the write settles, as what it turned out to be: a write that outlives the
    // timeout and lands later is written, not dropped.
    const settled = write.then(
      () => this.#written(total),
      (err: unknown) => this.#dropped(total, err),
    );
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), this.#timeoutMs);
      timer.unref();
    });
    const done = Promise.race([settled.then(() => false), timedOut]).then((late) => {
      clearTimeout(timer);
      if (this.#inFlight === done) this.#inFlight = null;
      if (!late) return;
      this.#stuckWrite = settled;
      void settled.finally(() => {
        if (this.#stuckWrite === settled) this.#stuckWrite = null;
      });
    });
    this.#inFlight = done;
    return done;
  }
}
