import { performance } from 'node:perf_hooks';
import { TailslideError, TailslideErrorCode } from './errors.js';
import { evaluateDetailed, isActiveFor, toUserId, type EvaluationDetails } from './evaluate.js';
import type { FlagSlot } from './flag-store.js';
import type { SignalCounter } from './signal-sink.js';

/** Options of `manager.newToggler()`. */
export interface TogglerOptions {
  /** Flag key (as shown in Tower). */
  readonly flagName: string;
  /** Returned while the flag is unknown or its rule is invalid. @default false */
  readonly defaultValue?: boolean | undefined;
}

/** Options of {@link Toggler.run}. */
export interface RunOptions {
  /** Fail (reject with a `timeout` TailslideError, count a failure) after this long. @default none */
  readonly timeoutMs?: number | undefined;
}

/**
 * A handle on one flag. `isFlagActive` is synchronous, in memory, allocation-free and never
 * throws; `emitSuccess` / `emitFailure` are O(1) counter increments flushed in the background.
 */
export class Toggler {
  /** The flag key this toggler evaluates. */
  readonly flagName: string;
  readonly #slot: FlagSlot;
  readonly #counter: SignalCounter;
  readonly #defaultUser: string;
  readonly #defaultValue: boolean;

  /** @internal use `manager.newToggler()` */
  constructor(slot: FlagSlot, counter: SignalCounter, defaultUser: string, defaultValue: boolean) {
    this.flagName = slot.flagKey;
    this.#slot = slot;
    this.#counter = counter;
    this.#defaultUser = defaultUser;
    this.#defaultValue = defaultValue;
  }

  /**
   * Whether the flag is on for `userContext` (a user id; the manager's `userContext` when
   * omitted). Unknown flag or invalid rule → the toggler's default. Never throws.
   */
  isFlagActive(userContext?: string): boolean {
    const flag = this.#slot.flag;
    if (flag === null) return this.#defaultValue;
    try {
      return isActiveFor(
        flag,
        typeof userContext === 'string'
          ? userContext
          : userContext === undefined
            ? this.#defaultUser
            : toUserId(userContext),
      );
    } catch {
      return this.#defaultValue;
    }
  }

  /** Like {@link isFlagActive}, with the reason and the rule version. Never throws. */
  evaluate(userContext?: string): EvaluationDetails {
    const user = userContext === undefined ? this.#defaultUser : toUserId(userContext);
    return evaluateDetailed(this.#slot.flag, user, this.#defaultValue, this.#slot.invalid);
  }

  /** Records one successful call (O(1), in memory). */
  emitSuccess(): void {
    this.#counter.successes++;
  }

  /** Records one failed call (O(1), in memory). */
  emitFailure(): void {
    this.#counter.failures++;
  }

  /**
   * Runs `fn`, times it and records the outcome: a rejection or throw, a timeout, or a call
   * slower than the rule's `circuit.slowCallMs` counts as a failure; anything else as a success.
   * Resolves/rejects like `fn` (or with a `timeout` TailslideError).
   */
  async run<T>(fn: () => T | Promise<T>, options?: RunOptions): Promise<T> {
    const started = performance.now();
    const timeoutMs = options?.timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    let call: Promise<T>;
    try {
      call = Promise.resolve(fn());
    } catch (err) {
      call = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    const guarded =
      timeoutMs === undefined
        ? call
        : Promise.race([
            call,
            new Promise<never>((_, reject) => {
              timer = setTimeout(
                () =>
                  reject(
                    new TailslideError(
                      TailslideErrorCode.timeout,
                      `call timed out after ${timeoutMs} ms`,
                      {
                        flagKey: this.flagName,
                      },
                    ),
                  ),
                timeoutMs,
              );
              timer.unref();
            }),
          ]);
    if (timeoutMs !== undefined) call.catch(() => undefined); // a late failure must not go unhandled
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
