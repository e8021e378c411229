/** What {@link PollLoop} runs and how long it waits. */
export interface PollLoopOptions {
  /** One pass; resolves `true` when more work is waiting, so the loop goes again at once. */
  readonly pass: () => Promise<boolean>;
  /** Wait between passes when idle (a {@link PollLoop.kick} ends it early). */
  readonly idleMs: number;
  /** Wait after a failed pass; a kick does not shorten it. @default idleMs */
  readonly retryMs?: number;
  /** A pass threw; `failures` counts consecutive failed passes. */
  readonly onError: (err: unknown, failures: number) => void;
  /** A pass succeeded after `failures` failed ones. */
  readonly onRecovered?: (failures: number) => void;
}

/**
 * A background loop that can be kicked: it runs one pass at a time, goes again at once when the
 * pass says more is waiting or it was kicked meanwhile, and otherwise sleeps until the next poll
 * or kick. After a failure it backs off for `retryMs` so a dead dependency is not hammered.
 */
export class PollLoop {
  readonly #opts: PollLoopOptions;
  #running: Promise<void> | null = null;
  #stopped = false;
  #kicked = false;
  #wake: (() => void) | null = null;

  constructor(opts: PollLoopOptions) {
    this.#opts = opts;
  }

  /** Whether the loop was started and not stopped. */
  get running(): boolean {
    return this.#running !== null && !this.#stopped;
  }

  /** Runs a pass now instead of at the next poll (or right after the pass in flight). */
  kick(): void {
    this.#kicked = true;
    this.#wake?.();
  }

  /** Starts the loop; a no-op while it runs. */
  start(): void {
    if (this.#running) return;
    this.#stopped = false;
    this.#running = this.#loop();
  }

  /** Stops the loop and waits for the pass in flight. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#running;
    this.#running = null;
  }

  async #loop(): Promise<void> {
    const { pass, idleMs, retryMs = idleMs, onError, onRecovered } = this.#opts;
    let failures = 0;
    while (!this.#stopped) {
      this.#kicked = false;
      let delay = idleMs;
      try {
        const more = await pass();
        if (failures > 0) onRecovered?.(failures);
        failures = 0;
        if (more) continue;
      } catch (err) {
        failures++;
        onError(err, failures);
        delay = retryMs;
      }
      if ((this.#kicked && failures === 0) || this.#stopped) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = null;
    }
  }
}
