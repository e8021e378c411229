import {
  CIRCUIT_EVENT_SCHEMA_VERSION,
  CircuitEventType,
  CircuitMode,
  CircuitState,
  RecoveryProfile,
  circuitEventId,
  circuitTransition,
  errorRateAtLeast,
  errorRateBelowShare,
  errorRateExceedsBy,
  errorRatePercentage,
  toBasisPoints,
  type CircuitEvent,
  type CircuitWindowStats,
  type FlagRule,
  type SignalCounts,
} from '@tailslide/contracts';

/**
 * The pure circuit state machine. The state itself lives in the rule (`circuitStatus`, owned by
 * Tower); this module only decides which transition, if any, is due. See ADR 0003 for the
 * anti-flap rules (hysteresis band, evidence since the last change, scaled recovery sample).
 */

/**
 * While recovering, a step is taken only if the error rate stayed below this share of the
 * threshold; a rate between it and the threshold holds the ramp where it is (hysteresis).
 */
export const RECOVERY_HYSTERESIS_RATIO = 0.8;

/** {@link RECOVERY_HYSTERESIS_RATIO} as a fraction, so the comparison stays in integers. */
const HYSTERESIS = { numerator: 4, denominator: 5 } as const;

/**
 * Whether the window's error rate reaches the threshold (`≥`), decided exactly from the counts
 * (`failures × 10,000 ≥ threshold in basis points × requests`), never from the rounded
 * percentage: `29 / 100 × 100` is `28.999…`, which would not trip a 29 % threshold.
 */
export function breachesThreshold(
  window: CircuitWindowStats,
  errorThresholdPercentage: number,
): boolean {
  return errorRateAtLeast(window.failures, window.requests, errorThresholdPercentage);
}

/** Whether the window's error rate is below the low-water mark ({@link recoveryStepThreshold}), exactly. */
export function belowRecoveryThreshold(
  window: CircuitWindowStats,
  errorThresholdPercentage: number,
): boolean {
  return errorRateBelowShare(
    window.failures,
    window.requests,
    errorThresholdPercentage,
    HYSTERESIS.numerator,
    HYSTERESIS.denominator,
  );
}

/** The fewest requests a recovery interval needs, however small the recovery share is. */
export const MIN_RECOVERY_SAMPLE = 5;

/** The lowest recovery percentage a ramp starts from (an exponential ramp from 0 never grows). */
export const MIN_RECOVERY_PERCENTAGE = 0.1;

/**
 * Fast burn (SRE multi-window alerting): beside the configured window, the newest 1 … 5 s of the
 * evidence span are checked too, so a failure onset trips in about a second instead of waiting
 * for the healthy part of a 30 s window to slide out. A short window is noisy, so it trips only
 * on evidence that a rate {@link FAST_BURN_NOISE_POINTS} under the threshold could not produce:
 * see {@link isStrongBreach}.
 */
export const FAST_BURN_BUCKETS = 5;

/** A steady rate this many points under the threshold never trips through a fast window. */
export const FAST_BURN_NOISE_POINTS = 10;

/**
 * Standard deviations (z = 5, as z² = 25) by which the failures must exceed what a rate
 * {@link FAST_BURN_NOISE_POINTS} under the threshold would give. One-sided normal tail ≈ 3 × 10⁻⁷
 * per window (the binomial's is heavier at small rates; see the spread below): five overlapping
 * windows a tick, 600 ticks in 10 minutes.
 */
const FAST_BURN_Z2 = { numerator: 25n, denominator: 1n } as const;

const WHOLE_BP = 10_000;

/**
 * Whether `failures` of `requests` are a breach no steady rate {@link FAST_BURN_NOISE_POINTS}
 * under the threshold explains: at least `minimumRequests` (and one) requests, a rate at or over
 * the threshold (exactly), and failures more than z binomial standard deviations over the rate
 * `p₀` = threshold − 10 points. Required of a fast window, and of a re-open while recovering:
 * `(f × 10⁴ − p₀ × n)² ≥ 25 × n × v` with `v = max(p₀ (10⁴ − p₀), t (10⁴ − t))`, rates in
 * basis points — integers only (`BigInt`: the squares pass 2^53).
 */
export function isStrongBreach(
  failures: number,
  requests: number,
  errorThresholdPercentage: number,
  minimumRequests: number,
): boolean {
  if (requests < Math.max(1, minimumRequests)) return false;
  if (!errorRateAtLeast(failures, requests, errorThresholdPercentage)) return false;
  const bp = toBasisPoints(errorThresholdPercentage);
  const p0 = Math.max(0, bp - FAST_BURN_NOISE_POINTS * 100);
  // The binomial's spread at p₀ or at the threshold, whichever is wider: at small p₀ the tail is
  // heavier than the normal curve the deviation count assumes.
  const spread = Math.max(p0 * (WHOLE_BP - p0), bp * (WHOLE_BP - bp));
  const n = BigInt(requests);
  const excess = BigInt(failures) * BigInt(WHOLE_BP) - BigInt(p0) * n;
  if (excess <= 0n) return false;
  return excess * excess * FAST_BURN_Z2.denominator >= FAST_BURN_Z2.numerator * n * BigInt(spread);
}

/**
 * The shortest fast window (newest `k` buckets, `k` = 1 … {@link FAST_BURN_BUCKETS}) that is a
 * fast burn, as window stats (with the off-arm's counts over the same buckets when it had any),
 * and that `accept` accepts; `null` when none is. `recent` is per-bucket counts, newest first.
 */
export function fastBurnWindow(
  recent: readonly SignalCounts[],
  errorThresholdPercentage: number,
  minimumRequests: number,
  resolutionMs: number,
  accept?: (window: CircuitWindowStats) => boolean,
): CircuitWindowStats | null {
  let successes = 0;
  let failures = 0;
  let offSuccesses = 0;
  let offFailures = 0;
  const k = Math.min(recent.length, FAST_BURN_BUCKETS);
  for (let i = 0; i < k; i++) {
    const c = recent[i] as SignalCounts;
    successes += c.successes;
    failures += c.failures;
    offSuccesses += c.offSuccesses ?? 0;
    offFailures += c.offFailures ?? 0;
    const requests = successes + failures;
    if (isStrongBreach(failures, requests, errorThresholdPercentage, minimumRequests)) {
      const offRequests = offSuccesses + offFailures;
      const window: CircuitWindowStats = {
        requests,
        failures,
        errorRatePercentage: errorRatePercentage(failures, requests),
        windowMs: (i + 1) * resolutionMs,
        ...(offRequests > 0
          ? {
              off: {
                requests: offRequests,
                failures: offFailures,
                errorRatePercentage: errorRatePercentage(offFailures, offRequests),
              },
            }
          : {}),
      };
      if (accept === undefined || accept(window)) return window;
    }
  }
  return null;
}

/**
 * Standard deviations (z = 4, as z² = 16) by which the on-arm's error rate must exceed the
 * off-arm's before a `relative` circuit trips: a two-proportion test, so two arms sampling the
 * same failing dependency (a shared outage) do not trip on noise. At 200 requests per arm and a
 * 60 % shared failure rate the arms differ by 4.9 points per standard deviation, so a 10-point
 * margin alone would trip about one flag in forty on noise; with z = 4 one evaluation in ~30,000.
 */
export const RELATIVE_Z2 = 16n;

/**
 * Whether `onFailures / onRequests` is above `offFailures / offRequests` by more than
 * {@link RELATIVE_Z2} allows noise to explain (pooled two-proportion z-test), exactly:
 * with `D = onF × offN − offF × onN`, `N = onN + offN`, `F = onF + offF`:
 * `D > 0` and `D² × N ≥ z² × F × (N − F) × onN × offN` — integers only (`BigInt`).
 */
export function armsDiffer(
  onFailures: number,
  onRequests: number,
  offFailures: number,
  offRequests: number,
): boolean {
  if (onRequests <= 0 || offRequests <= 0) return false;
  const onN = BigInt(onRequests);
  const offN = BigInt(offRequests);
  const d = BigInt(onFailures) * offN - BigInt(offFailures) * onN;
  if (d <= 0n) return false;
  const n = onN + offN;
  const f = BigInt(onFailures) + BigInt(offFailures);
  return d * d * n >= RELATIVE_Z2 * f * (n - f) * onN * offN;
}

/**
 * The `relative` mode's condition (ADR 0009): both arms hold at least `minimumRequests` (and one)
 * requests, the on-arm's error rate exceeds the off-arm's by at least `relativeMarginPoints`
 * percentage points ({@link errorRateExceedsBy}), and by more than noise explains
 * ({@link armsDiffer}) — all decided exactly in integers. A dependency failing both arms alike —
 * a shared outage — does not meet it.
 */
export function exceedsControl(
  window: CircuitWindowStats,
  minimumRequests: number,
  relativeMarginPoints: number,
): boolean {
  const off = window.off;
  if (off === undefined) return false;
  const min = Math.max(1, minimumRequests);
  if (window.requests < min || off.requests < min) return false;
  return (
    errorRateExceedsBy(
      window.failures,
      window.requests,
      off.failures,
      off.requests,
      relativeMarginPoints,
    ) && armsDiffer(window.failures, window.requests, off.failures, off.requests)
  );
}

/** What the decision is based on. `window` is `null` when there is no data. */
export interface CircuitInput {
  readonly rule: FlagRule;
  /** Signals since the span given by {@link evidenceRequest}; `null` = no data (failed or empty read). */
  readonly window: CircuitWindowStats | null;
  /** Decision time, ms since the epoch. */
  readonly now: number;
  /** `Date.parse(rule.circuitStatus.changedAt)`, when the caller already has it. */
  readonly changedAtMs?: number;
  /**
   * Counts of the newest buckets of the same span, newest first (at least
   * {@link FAST_BURN_BUCKETS} when the span has them), for the fast-burn windows. Omitted: the
   * configured window only.
   */
  readonly recent?: readonly SignalCounts[];
  /** Width of one bucket in `recent`. @default 1000 */
  readonly resolutionMs?: number;
  /**
   * Airbag's decision counter for the circuit's next event (ADR 0008), part of its id; omitted:
   * ids without one.
   */
  readonly seq?: number;
}

/** Either nothing to do (with the reason, for logs and tests) or one event to publish. */
export type CircuitDecision =
  | { readonly kind: 'none'; readonly reason: string }
  | { readonly kind: 'publish'; readonly event: CircuitEvent };

/** Which signals a rule's decision needs: the window length and the earliest time to count. */
export interface EvidenceRequest {
  readonly windowMs: number;
  readonly sinceMs: number;
}

/** Whether Airbag looks at this flag at all. */
export function isEvaluated(rule: FlagRule): boolean {
  if (!rule.circuit.enabled) return false;
  const state = rule.circuitStatus.state;
  return rule.active || state === CircuitState.open || state === CircuitState.recovering;
}

/**
 * The signals a decision on `rule` needs, or `null` when none (an open circuit waits on time
 * only). Evidence never reaches back past `circuitStatus.changedAt`: a closed circuit that a
 * human just reset must not re-open on the failures that opened it, and a recovery step counts
 * only the interval since the last step. While recovering the span is the longer of the window
 * and the step interval, so a slow ramp still sees its whole interval.
 */
export function evidenceRequest(
  rule: FlagRule,
  changedAtMs: number = Date.parse(rule.circuitStatus.changedAt),
): EvidenceRequest | null {
  const state = rule.circuitStatus.state;
  if (state === CircuitState.open) return null;
  const changedAt = changedAtMs;
  const sinceMs = Number.isNaN(changedAt) ? Number.NEGATIVE_INFINITY : changedAt;
  const windowMs =
    state === CircuitState.recovering
      ? Math.max(rule.circuit.windowMs, rule.circuit.recoveryStepMs)
      : rule.circuit.windowMs;
  return { windowMs, sinceMs };
}

/**
 * Requests a recovery interval must hold before it counts, scaled by the share of traffic the
 * flag currently gets: `max(min(minimumRequests, MIN_RECOVERY_SAMPLE), ceil(minimumRequests ×
 * percentage / 100))`. At 10 % a flag sees a tenth of its traffic, so asking for the full
 * `minimumRequests` would stall the ramp; asking for less than a handful would let one lucky call
 * advance it.
 */
export function requiredRecoveryRequests(minimumRequests: number, percentage: number): number {
  const scaled = Math.ceil((minimumRequests * Math.min(100, Math.max(0, percentage))) / 100);
  return Math.max(Math.min(minimumRequests, MIN_RECOVERY_SAMPLE), scaled);
}

/** The error rate below which a recovery step may be taken (the low-water mark), for display. */
export function recoveryStepThreshold(errorThresholdPercentage: number): number {
  return errorThresholdPercentage * RECOVERY_HYSTERESIS_RATIO;
}

/** The next recovery percentage, capped at 100. */
export function nextRecoveryPercentage(
  profile: RecoveryProfile,
  current: number,
  incrementPercentage: number,
): number {
  const base = Math.max(MIN_RECOVERY_PERCENTAGE, current);
  const next =
    profile === RecoveryProfile.exponential
      ? base * (1 + incrementPercentage / 100)
      : base + incrementPercentage;
  // Rounded to 0.001 so the value is stable across processes and readable in the audit log; every
  // step moves by at least 0.001 so a tiny exponential increment cannot stall the ramp.
  const rounded = Math.round(next * 1000) / 1000;
  return Math.min(100, Math.max(rounded, Math.round(base * 1000) / 1000 + 0.001));
}

/** Percentage a recovery starts at: the setting, clamped to [MIN_RECOVERY_PERCENTAGE, 100]. */
export function initialRecoveryPercentage(rule: FlagRule): number {
  return Math.min(100, Math.max(MIN_RECOVERY_PERCENTAGE, rule.circuit.initialRecoveryPercentage));
}

/** "No transition" decisions are immutable and shared: most of 10,000 circuits get one a tick. */
const NONE = new Map<string, CircuitDecision>();

function none(reason: string): CircuitDecision {
  let d = NONE.get(reason);
  if (d === undefined) {
    d = Object.freeze({ kind: 'none', reason } as const);
    NONE.set(reason, d);
  }
  return d;
}

/** Where `decide` is: the input and the circuit's last change, parsed once. */
interface At {
  readonly input: CircuitInput;
  readonly changedAt: number;
}

function publish(
  at: At,
  type: CircuitEventType,
  recoveryPercentage: number,
  window: CircuitWindowStats | null,
  reason: string,
): CircuitDecision {
  const { rule, seq } = at.input;
  // The legal transitions are contracts' (Tower applies the same table); never propose another.
  if (circuitTransition(rule.circuitStatus.state, type, rule.active) === null)
    return none('not a legal transition');
  // A decision is always later than the change it follows, even on a clock behind the one that
  // stamped that change: the KV precedence (ADR 0008) compares the two times.
  const now = Number.isNaN(at.changedAt) ? at.input.now : Math.max(at.input.now, at.changedAt + 1);
  return {
    kind: 'publish',
    event: {
      schemaVersion: CIRCUIT_EVENT_SCHEMA_VERSION,
      id: circuitEventId(rule.appId, rule.flagKey, rule.version, type, seq),
      type,
      appId: rule.appId,
      flagKey: rule.flagKey,
      ruleVersion: rule.version,
      recoveryPercentage,
      occurredAt: new Date(now).toISOString(),
      stats: window,
      reason,
    },
  };
}

/**
 * The evidence that trips a circuit, if any: the configured window at ≥ `minimumRequests` and a
 * rate ≥ threshold (`strong`: and {@link isStrongBreach}), or else a fast-burn window
 * ({@link fastBurnWindow}). With `relative`, a window trips only if it also
 * {@link exceedsControl} (the same buckets' off-arm).
 */
function tripEvidence(
  input: CircuitInput,
  c: FlagRule['circuit'],
  strong: boolean,
  relative: boolean,
): { readonly window: CircuitWindowStats; readonly fast: boolean } | null {
  const { window } = input;
  if (window === null) return null;
  const accept = relative
    ? (w: CircuitWindowStats) => exceedsControl(w, c.minimumRequests, c.relativeMarginPoints)
    : undefined;
  if (
    (accept === undefined || accept(window)) &&
    (strong
      ? isStrongBreach(
          window.failures,
          window.requests,
          c.errorThresholdPercentage,
          c.minimumRequests,
        )
      : window.requests >= c.minimumRequests &&
        breachesThreshold(window, c.errorThresholdPercentage))
  )
    return { window, fast: false };
  if (input.recent === undefined || input.recent.length === 0) return null;
  const fast = fastBurnWindow(
    input.recent,
    c.errorThresholdPercentage,
    c.minimumRequests,
    input.resolutionMs ?? 1000,
    accept,
  );
  return fast === null ? null : { window: fast, fast: true };
}

function pct(n: number): string {
  return `${Math.round(n * 10) / 10}%`;
}

/** Why a `relative` circuit did not trip on evidence that trips an `absolute` one. */
function relativeHold(
  input: CircuitInput,
  c: FlagRule['circuit'],
  strong: boolean,
): CircuitDecision | null {
  if (c.mode !== CircuitMode.relative) return null;
  const absolute = tripEvidence(input, c, strong, false);
  if (absolute === null) return null;
  const off = absolute.window.off;
  if (off === undefined || off.requests < Math.max(1, c.minimumRequests))
    return none('too few off-arm requests to compare');
  return none('off-arm fails alike');
}

/** ` (off-arm x% over n)` for a reason, when the window holds off-arm counts. */
function offNote(window: CircuitWindowStats): string {
  const off = window.off;
  return off === undefined
    ? ''
    : `; off-arm ${pct(off.errorRatePercentage)} over ${off.requests} requests`;
}

/**
 * Decides the transition due for one circuit, if any. Pure and total.
 *
 * - closed → opened when the window holds ≥ `minimumRequests` and the error rate ≥ threshold, or
 *   one of the newest 1 … 5 s is a fast burn ({@link isStrongBreach}). In `relative` mode the
 *   window that trips must also {@link exceedsControl}: the off-arm has ≥ `minimumRequests` and
 *   the on-arm's rate is ≥ `relativeMarginPoints` above it (ADR 0009); a re-open likewise.
 * - open → recovering once `changedAt + recoveryDelayMs` has passed (needs no data: the flag is off).
 * - recovering → opened on the same evidence as closed → opened (the interval since the last
 *   step, at the full `minimumRequests`, or a fast burn); otherwise, once
 *   `changedAt + recoveryStepMs` has passed and the interval has enough requests with a rate below
 *   the low-water mark ({@link recoveryStepThreshold}), → step, or → closed when the ramp reaches 100.
 * - No data never opens, steps or closes a circuit.
 */
export function decide(input: CircuitInput): CircuitDecision {
  const { rule, window, now } = input;
  if (!isEvaluated(rule)) return none('not evaluated');
  const c = rule.circuit;
  const status = rule.circuitStatus;
  const changedAt = input.changedAtMs ?? Date.parse(status.changedAt);
  const at: At = { input, changedAt };

  switch (status.state) {
    case CircuitState.closed: {
      if (window === null) return none('no data');
      const relative = c.mode === CircuitMode.relative;
      const trip = tripEvidence(input, c, false, relative);
      if (trip === null) {
        const held = relativeHold(input, c, false);
        if (held !== null) return held;
        if (window.requests < c.minimumRequests) return none('below minimum requests');
        return none('healthy');
      }
      return publish(
        at,
        CircuitEventType.opened,
        0,
        trip.window,
        `${trip.fast ? 'fast burn: ' : ''}error rate ${pct(trip.window.errorRatePercentage)} ≥ ${pct(c.errorThresholdPercentage)} over ${trip.window.requests} requests${trip.fast ? ` in the last ${trip.window.windowMs / 1000} s` : ''}${offNote(trip.window)}`,
      );
    }
    case CircuitState.open: {
      if (Number.isNaN(changedAt)) return none('invalid changedAt');
      if (now < changedAt + c.recoveryDelayMs) return none('recovery delay not over');
      const initial = initialRecoveryPercentage(rule);
      if (initial >= 100) {
        return publish(
          at,
          CircuitEventType.closed,
          100,
          null,
          'recovery delay over; initial recovery is 100%',
        );
      }
      return publish(
        at,
        CircuitEventType.recovering,
        initial,
        null,
        `recovery delay of ${c.recoveryDelayMs} ms over; admitting ${pct(initial)}`,
      );
    }
    case CircuitState.recovering: {
      // A re-open restarts the whole recovery, on intervals that see a fraction of the traffic:
      // it needs the full minimum volume (not the sample scaled to the share admitted that a
      // step needs) and a breach no steady rate 10 points under the threshold explains — the
      // strength a fast burn needs, which a first trip's full window has at volume.
      const trip =
        window === null ? null : tripEvidence(input, c, true, c.mode === CircuitMode.relative);
      if (trip !== null) {
        return publish(
          at,
          CircuitEventType.opened,
          0,
          trip.window,
          `${trip.fast ? 'fast burn: ' : ''}error rate ${pct(trip.window.errorRatePercentage)} ≥ ${pct(c.errorThresholdPercentage)} over ${trip.window.requests} requests while recovering at ${pct(status.recoveryPercentage)}${offNote(trip.window)}`,
        );
      }
      const required = requiredRecoveryRequests(c.minimumRequests, status.recoveryPercentage);
      if (Number.isNaN(changedAt)) return none('invalid changedAt');
      if (now < changedAt + c.recoveryStepMs) return none('step not due');
      if (window === null) return none('no data');
      if (window.requests < required) return none('too few requests for a step');
      if (!belowRecoveryThreshold(window, c.errorThresholdPercentage))
        return none('error rate in hysteresis band');
      const next = nextRecoveryPercentage(
        c.recoveryProfile,
        status.recoveryPercentage,
        c.recoveryIncrementPercentage,
      );
      if (next >= 100) {
        return publish(
          at,
          CircuitEventType.closed,
          100,
          window,
          `recovered: ${pct(window.errorRatePercentage)} errors at ${pct(status.recoveryPercentage)}`,
        );
      }
      return publish(
        at,
        CircuitEventType.step,
        next,
        window,
        `healthy interval (${pct(window.errorRatePercentage)} errors over ${window.requests} requests); ${pct(status.recoveryPercentage)} → ${pct(next)}`,
      );
    }
  }
}
