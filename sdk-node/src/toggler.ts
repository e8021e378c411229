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

/** How {@link RunOptions.classify} judges a call's result. */
export type RunOutcome = 'success' | 'failure';

/** Options of {@link Toggler.run}. */
export interface RunOptions<T = unknown> {
  /**
   * Fail (reject with a `timeout` TailslideError, count a failure) after this long: an integer
   * from 1 to 2147483647 ms. `Infinity` means no timeout. Any other value is reported
   * (`invalid_argument`) and the call runs without a timeout. @default none
   */
  readonly timeoutMs?: number | undefined;
  /**
   * The flag-off path. When given, `run()` evaluates the flag for `userContext` and runs `fn`
   * when it is on (counted on the on-arm) or `fallback` when it is off — for any reason: rule
   * off, rollout, an open or recovering circuit (counted on the off-arm, the control a
   * `relative` circuit compares against; ADR 0009). Not a function → `run()` rejects with a
   * `TypeError` and counts nothing, like a bad `fn`. @default none: `fn` always runs (on-arm)
   */
  readonly fallback?: (() => T | Promise<T>) | undefined;
  /** User the flag is evaluated for when `fallback` is given. @default the manager's userContext */
  readonly userContext?: string | undefined;
  /**
   * Judges a resolved result: `'failure'` counts the call as failed (an HTTP status ≥ 500, an
   * error payload), `'success'` as succeeded. Applies to `fn` and `fallback` alike. Throws,
   * timeouts and slow calls are failures whatever it says. It never breaks the call: the
   * result is returned as is; a classifier that throws counts the call as a **failure** (it met
   * a result it could not read) and one that returns anything else counts it as a **success**
   * (a classifier bug says nothing about the call); both are reported (`invalid_argument`).
   * Not a function → reported and ignored. @default none: every resolved call is a success
   */
  readonly classify?: ((result: T) => RunOutcome) | undefined;
  /**
   * The arm `fn` runs on when there is no `fallback`: `'off'` for hand-written code that ran
   * its own flag-off path (`if (t.isFlagActive(u)) … else await t.run(legacy, { arm: 'off' })`).
   * Ignored with a `fallback`. Any other value is reported and read as `'on'`. @default 'on'
   */
  readonly arm?: 'on' | 'off' | undefined;
}

interface RunPlan<T> {
  readonly fallback: (() => T | Promise<T>) | undefined;
  readonly userContext: string | undefined;
  readonly classify: ((result: T) => unknown) | undefined;
  readonly arm: unknown;
}

const NO_PLAN: RunPlan<never> = Object.freeze({
  fallback: undefined,
  userContext: undefined,
  classify: undefined,
  arm: undefined,
});

/** Reads the options once (a getter may throw or change its answer). */
function runPlan<T>(options: unknown): RunPlan<T> | 'invalid' {
  if (options === undefined || options === null || typeof options !== 'object')
    return NO_PLAN as unknown as RunPlan<T>;
  try {
    const o = options as Record<string, unknown>;
    const fallback = o.fallback;
    if (fallback !== undefined && typeof fallback !== 'function') return 'invalid';
    const userContext = o.userContext;
    const classify = o.classify;
    return {
      fallback: fallback as (() => T | Promise<T>) | undefined,
      userContext: typeof userContext === 'string' ? userContext : undefined,
      classify: classify as ((result: T) => unknown) | undefined,
      arm: o.arm,
    };
  } catch {
    return NO_PLAN as unknown as RunPlan<T>;
  }
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

  /** Records one successful call on the on-arm (the flag was on; O(1), in memory). */
  emitSuccess(): void {
    this.#ctx.sink.success(this.#slot);
  }

  /** Records one failed call on the on-arm (the flag was on; O(1), in memory). */
  emitFailure(): void {
    this.#ctx.sink.failure(this.#slot);
  }

  /**
   * Records one successful call on the off-arm (control): the flag was off for the user and the
   * old path ran. A `relative` circuit compares the on-arm with it (ADR 0009). O(1), in memory.
   */
  emitControlSuccess(): void {
    this.#ctx.sink.offSuccess(this.#slot);
  }

  /** Records one failed call on the off-arm (control). O(1), in memory. */
  emitControlFailure(): void {
    this.#ctx.sink.offFailure(this.#slot);
  }

  /**
   * Runs `fn` — or, with `options.fallback`, whichever of `fn` (flag on) and `fallback` (flag
   * off) the flag picks for `options.userContext` — times it and records the outcome on that
   * arm: a rejection or throw, a timeout, a call slower than the rule's `circuit.slowCallMs`, or
   * a result `options.classify` calls `'failure'` counts as a failure; anything else as a
   * success. Resolves/rejects like the function run (or with a `timeout` TailslideError). A bad
   * option never fails the call: it is reported and the call runs without it.
   */
  async run<T>(fn: () => T | Promise<T>, options?: RunOptions<T>): Promise<T> {
    if (typeof fn !== 'function') {
      // The caller's bug, not the guarded dependency's failure: nothing is counted.
      throw new TypeError('toggler.run(fn): fn must be a function');
    }
    const plan = runPlan<T>(options);
    if (plan === 'invalid')
      throw new TypeError('toggler.run(fn, { fallback }): fallback must be a function');
    let timeoutMs = runTimeout(options);
    if (timeoutMs === 'invalid') {
      this.#ctx.reportInvalidArgument(
        this.flagName,
        `run(): timeoutMs must be an integer from 1 to 2147483647 ms, or Infinity for none; running ${this.flagName} without a timeout`,
      );
      timeoutMs = null;
    }
    let classify = plan.classify;
    if (classify !== undefined && typeof classify !== 'function') {
      this.#ctx.reportInvalidArgument(
        this.flagName,
        `run(): classify must be a function; running ${this.flagName} without it`,
      );
      classify = undefined;
    }
    let off: boolean;
    if (plan.fallback !== undefined) {
      off = !this.isFlagActive(plan.userContext);
    } else {
      off = plan.arm === 'off';
      if (plan.arm !== undefined && plan.arm !== 'on' && plan.arm !== 'off')
        this.#ctx.reportInvalidArgument(
          this.flagName,
          `run(): arm must be 'on' or 'off'; counting ${this.flagName} on the on-arm`,
        );
    }
    const chosen = off && plan.fallback !== undefined ? plan.fallback : fn;
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    let call: Promise<T>;
    try {
      call = Promise.resolve(chosen());
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
    let value: T;
    try {
      value = await guarded;
    } catch (err) {
      this.#record(off, true);
      throw err;
    } finally {
      clearTimeout(timer);
    }
    const slowMs = this.#slot.flag?.rule.circuit.slowCallMs ?? null;
    let failed = slowMs !== null && performance.now() - started > slowMs;
    if (!failed && classify !== undefined) failed = this.#classify(classify, value);
    this.#record(off, failed);
    return value;
  }

  #record(off: boolean, failed: boolean): void {
    const sink = this.#ctx.sink;
    if (off) {
      if (failed) sink.offFailure(this.#slot);
      else sink.offSuccess(this.#slot);
    } else if (failed) sink.failure(this.#slot);
    else sink.success(this.#slot);
  }

  /** Whether `classify` calls `value` a failure; never throws (see {@link RunOptions.classify}). */
  #classify<T>(classify: (result: T) => unknown, value: T): boolean {
    let outcome: unknown;
    try {
      outcome = classify(value);
    } catch (err) {
      this.#ctx.reportInvalidArgument(
        this.flagName,
        `run(): classify threw (${describe(err)}); counting the call to ${this.flagName} as a failure`,
      );
      return true;
    }
    if (outcome === 'failure') return true;
    if (outcome !== 'success')
      this.#ctx.reportInvalidArgument(
        this.flagName,
        `run(): classify must return 'success' or 'failure'; counting the call to ${this.flagName} as a success`,
      );
    return false;
  }
}

/** A short description of anything thrown; never throws itself. */
function describe(err: unknown): string {
  try {
    return err instanceof Error ? err.message : String(err);
  } catch {
    return 'unreadable error';
  }
}
