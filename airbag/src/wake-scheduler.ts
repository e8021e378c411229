/** What {@link WakeScheduler.wake} did with a wake-up. */
export const WakeOutcome = {
  /** A tick of the app is now due (at once, or when its interval since the last one is over). */
  queued: 'queued',
  /** The app already waits for a tick: this wake-up rides on it. */
  coalesced: 'coalesced',
  /** Not acted on: the scheduler is stopped or the app is not one Airbag watches. */
  ignored: 'ignored',
} as const;
export type WakeOutcome = (typeof WakeOutcome)[keyof typeof WakeOutcome];

/** Timers, injectable for tests. */
export interface WakeTimers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const REAL_TIMERS: WakeTimers = {
  set: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clear: (t) => clearTimeout(t as NodeJS.Timeout),
};

export interface WakeSchedulerDeps {
  /**
   * Ticks the given apps; never rejects. The poller serialises it with every other tick, so a
   * wake-up never runs beside a running tick.
   */
  readonly run: (apps: ReadonlySet<string>) => Promise<unknown>;
  /** At most one wake-up tick per app per this many ms. */
  readonly minIntervalMs: number;
  /** Whether a wake-up for `appId` may be acted on (an app with watched flags). */
  readonly accepts: (appId: string) => boolean;
  readonly now: () => number;
  readonly timers?: WakeTimers;
}

/**
 * Turns wake-ups (ADR 0003, "Wake-ups") into ticks of the woken apps, bounded whatever the
 * publishers do: an app is ticked at most once per `minIntervalMs`; wake-ups of an app already
 * waiting are coalesced into its tick; one wake-up tick runs at a time, and every app woken while
 * it runs goes into the next one. So a client publishing its app's channel in a loop costs at
 * most one tick of that app per interval, and memory is bounded by the number of watched apps.
 */
export class WakeScheduler {
  readonly #deps: WakeSchedulerDeps;
  readonly #timers: WakeTimers;
  /** Apps woken and not ticked yet. */
  readonly #waiting = new Set<string>();
  /** App → start of its last wake-up tick (kept for `minIntervalMs`). */
  readonly #last = new Map<string, number>();
  #timer: unknown = null;
  #running: Promise<void> | null = null;
  #stopped = false;

  constructor(deps: WakeSchedulerDeps) {
    this.#deps = deps;
    this.#timers = deps.timers ?? REAL_TIMERS;
  }

  /** A wake-up for `appId`. */
  wake(appId: string): WakeOutcome {
    if (this.#stopped || !this.#deps.accepts(appId)) return WakeOutcome.ignored;
    if (this.#waiting.has(appId)) return WakeOutcome.coalesced;
    this.#waiting.add(appId);
    this.#arm();
    return WakeOutcome.queued;
  }

  /** Apps waiting for a wake-up tick. */
  waiting(): number {
    return this.#waiting.size;
  }

  /** Stops scheduling and waits for a wake-up tick in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) this.#timers.clear(this.#timer);
    this.#timer = null;
    this.#waiting.clear();
    await this.#running;
  }

  #dueAt(appId: string): number {
    const last = this.#last.get(appId);
    return last === undefined ? Number.NEGATIVE_INFINITY : last + this.#deps.minIntervalMs;
  }

  #arm(): void {
    if (this.#stopped || this.#running !== null || this.#timer !== null) return;
    if (this.#waiting.size === 0) return;
    let due = Number.POSITIVE_INFINITY;
    for (const appId of this.#waiting) due = Math.min(due, this.#dueAt(appId));
    const delay = Math.max(0, due - this.#deps.now());
    this.#timer = this.#timers.set(() => {
      this.#timer = null;
      this.#fire();
    }, delay);
  }

  #fire(): void {
    if (this.#stopped) return;
    const now = this.#deps.now();
    const apps = new Set<string>();
    for (const appId of this.#waiting) if (this.#dueAt(appId) <= now) apps.add(appId);
    for (const appId of apps) {
      this.#waiting.delete(appId);
      this.#last.set(appId, now);
    }
    // Intervals that are over need no memory.
    for (const [appId, at] of this.#last)
      if (at + this.#deps.minIntervalMs <= now && !apps.has(appId)) this.#last.delete(appId);
    if (apps.size === 0) {
      this.#arm();
      return;
    }
    this.#running = this.#deps
      .run(apps)
      .catch(() => undefined)
      .then(() => {
        this.#running = null;
        this.#arm();
      });
  }
}
