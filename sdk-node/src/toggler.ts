import { performance } from 'node:perf_hooks';
import { TailslideError, TailslideErrorCode } from './errors.js';
import { evaluateDetailed, isActiveFor, toUserId, type EvaluationDetails } from './evaluate.js';
import type { FlagSlot } from './flag-store.js';
import { runTimeout } from './options.js';
import type { SignalSink } from './signal-sink.js';

/** Options of `manager.newToggler()`. */
export interface TogglerOptions {
  /** Flag key (as shown in Tower). */
  readonly flagName: string;
  /** Returned while the flag is unknown or its rule is invalid. @default false */
  readonly defaultValue?: boolean | undefined;
}

/** Options of {@link Toggler.run}. */
export interface RunOptions {
  /**
   * Fail (reject with a `timeout` TailslideError, count a failure) after this long: an integer
   * from 1 to 2147483647 ms. `Infinity` means no timeout. Any other value is reported
   * (`invalid_argument`) and the call runs without a timeout. @default none
   */
  readonly timeoutMs?: number | undefined;
}

/** @internal What a toggler needs from its manager. */
export interface TogglerContext {
  /** The current slot of a flag key (after the store let go of the one a toggler held). */
  slot(flagKey: string): FlagSlot;
  readonly sink: SignalSink;
  /** User id used when a call passes none. */
  readonly defaultUser: string;
  /** Reports a bad per-call argument (throttled, never throws). */
  reportInvalidArgument(flagKey: string, message: string): void;
}

/**
 * A handle on one flag. `isFlagActive` is synchronous, in memory, allocation-free and never
 * throws; `emitSuccess` / `emitFailure` are O(1) counter increments flushed in the background.
 */
export class Toggler {
  /** The flag key this toggler evaluates. */
  readonly flagName: string;
  #slot: FlagSlot;
  readonly #ctx: TogglerContext;
  readonly #defaultValue: boolean;

  /** @internal use `manager.newToggler()` */
  constructor(flagName: string, ctx: TogglerContext, defaultValue: boolean) {
    this.flagName = flagName;
    this.#ctx = ctx;
    this.#slot = ctx.slot(flagName);
    this.#defaultValue = defaultValue;
  }

  // The slot to read: the one held, or the store's current one when the store let it go (it
  // held no rule, and a rule may have arrived since under a new slot).
  #current(): FlagSlot {
    if (this.#slot.detached) this.#slot = this.#ctx.slot(this.flagName);
    return this.#slot;
  }

  /**
   * Whether the flag is on for `userContext` (a user id; the manager's `userContext` when
   * omitted). Unknown flag → the toggler's default. Never throws.
   */
  isFlagActive(userContext?: string): boolean {
    let flag = this.#slot.flag;
    if (flag === null) {
      flag = this.#current().flag;
      if (flag === null) return this.#defaultValue;
    }
    try {
      return isActiveFor(
        flag,
        typeof userContext === 'string'
          ? userContext
          : userContext === undefined
            ? this.#ctx.defaultUser
            : toUserId(userContext),
      );
    } catch {
      return this.#defaultValue;
    }
  }

  /** Like {@link isFlagActive}, with the reason and the rule version. Never throws. */
  evaluate(userContext?: string): EvaluationDetails {
    const slot = this.#current();
    const user = userContext === undefined ? this.#ctx.defaultUser : toUserId(userContext);
    return evaluateDetailed(slot.flag, user, this.#defaultValue, slot.invalid !== null);
  }

  /** Records one successful call (O(1), in memory). */
  emitSuccess(): void {
    this.#ctx.sink.success(this.#slot);
  }

  /** Records one failed call (O(1), in memory). */
  emitFailure(): void {
    this.#ctx.sink.failure(this.#slot);
  }

  /**
   * Runs `fn`, times it and records the outcome: a rejection or throw, a timeout, or a call
   * slower than the rule's `circuit.slowCallMs` counts as a failure; anything else as a success.
   * Resolves/rejects like `fn` (or with a `timeout` TailslideError). A bad `options` value never
   * fails the call: it runs without a timeout and the manager reports the option.
   */
  async run<T>(fn: () => T | Promise<T>, options?: RunOptions): Promise<T> {
    if (typeof fn !== 'function') {
      // The caller's bug, not the guarded dependency's failure: nothing is counted.
      throw new TypeError('toggler.run(fn): fn must be a function');
    }
    let timeoutMs = runTimeout(options);
    if (timeoutMs === 'invalid') {
      this.#ctx.reportInvalidArgument(
        this.flagName,
        `run(): timeoutMs must be an integer from 1 to 2147483647 ms, or Infinity for none; running ${this.flagName} without a timeout`,
      );
      timeoutMs = null;
    }
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    let call: Promise<T>;
    try {
      call = Promise.resolve(fn());
    } catch (err) {
      call = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    let guarded = call;
    if (timeoutMs !== null) {
      const ms = timeoutMs;
      guarded = Promise.race([
        call,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new TailslideError(TailslideErrorCode.timeout, `call timed out after ${ms} ms`, {
                  flagKey: this.flagName,
                }),
              ),
            ms,
          );
          timer.unref();
        }),
      ]);
      call.catch(() => undefined); // a late failure must not go unhandled
    }
    try {
      const value = await guarded;
      const slowMs = this.#slot.flag?.rule.circuit.slowCallMs ?? null;
      if (slowMs !== null && performance.now() - started > slowMs) this.emitFailure();
      else this.emitSuccess();
      return value;
    } catch (err) {
      this.emitFailure();
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }
}
