import { decodeJson, fail, isRecord, ok, type ParseError, type Result } from './result.js';
import { isValidToken } from './names.js';

/** Schema version of {@link FlagRule} written by this package. Readers reject newer versions. */
export const RULESET_SCHEMA_VERSION = 1;

/** Circuit states. `open`: tripped, flag forced off; `recovering`: ramping back up. */
export const CircuitState = {
  closed: 'closed',
  open: 'open',
  recovering: 'recovering',
} as const;
/** One of {@link CircuitState}. */
export type CircuitState = (typeof CircuitState)[keyof typeof CircuitState];

/** How the recovery percentage grows each step. */
export const RecoveryProfile = {
  /** `next = current + recoveryIncrementPercentage` */
  linear: 'linear',
  /** `next = current × (1 + recoveryIncrementPercentage / 100)` */
  exponential: 'exponential',
} as const;
/** One of {@link RecoveryProfile}. */
export type RecoveryProfile = (typeof RecoveryProfile)[keyof typeof RecoveryProfile];

/**
 * What a circuit compares (ADR 0009). `absolute`: the on-arm's error rate against the threshold.
 * `relative`: the same, and only when the on-arm's rate also exceeds the off-arm's (control) by
 * `relativeMarginPoints` with `minimumRequests` in each arm — a dependency failing both arms
 * alike (a shared outage) does not trip the flag.
 */
export const CircuitMode = {
  absolute: 'absolute',
  relative: 'relative',
} as const;
/** One of {@link CircuitMode}. */
export type CircuitMode = (typeof CircuitMode)[keyof typeof CircuitMode];

/** Per-flag circuit-breaker settings (opossum vocabulary where it applies). */
export interface CircuitSettings {
  /** Whether Airbag watches this flag at all. @default true */
  readonly enabled: boolean;
  /** Error rate (0–100, %) at or above which the circuit opens. @default 50 */
  readonly errorThresholdPercentage: number;
  /** No decision is taken on a window with fewer requests than this. @default 20 */
  readonly minimumRequests: number;
  /** Length of the sliding window the error rate is computed over. @default 30000 */
  readonly windowMs: number;
  /** Time the circuit stays open before recovery starts. @default 30000 */
  readonly recoveryDelayMs: number;
  /** Growth profile of the recovery ramp. @default 'linear' */
  readonly recoveryProfile: RecoveryProfile;
  /** Percentage of the rollout re-admitted when recovery starts (more than 0, up to 100). @default 10 */
  readonly initialRecoveryPercentage: number;
  /** Increment per recovery step: points for linear, % growth for exponential. @default 10 */
  readonly recoveryIncrementPercentage: number;
  /** Interval between recovery steps. @default 30000 */
  readonly recoveryStepMs: number;
  /** Calls slower than this count as failures in `toggler.run()`; `null` disables. @default null */
  readonly slowCallMs: number | null;
  /** `absolute` or `relative` to the off-arm (control), see {@link CircuitMode}. @default 'absolute' */
  readonly mode: CircuitMode;
  /**
   * `relative` mode: percentage points (two decimals) by which the on-arm's error rate must
   * exceed the off-arm's to trip. Ignored in `absolute` mode. @default 10
   */
  readonly relativeMarginPoints: number;
}

/** Documented defaults for every circuit setting. */
export const DEFAULT_CIRCUIT_SETTINGS: CircuitSettings = Object.freeze({
  enabled: true,
  errorThresholdPercentage: 50,
  minimumRequests: 20,
  windowMs: 30_000,
  recoveryDelayMs: 30_000,
  recoveryProfile: RecoveryProfile.linear,
  initialRecoveryPercentage: 10,
  recoveryIncrementPercentage: 10,
  recoveryStepMs: 30_000,
  slowCallMs: null,
  mode: CircuitMode.absolute,
  relativeMarginPoints: 10,
});

/** What a numeric setting accepts: `min`…`max` in multiples of `step` (1: whole numbers). */
export interface NumericLimit {
  readonly min: number;
  /** The value must be greater than `min`, not equal to it. */
  readonly minExclusive: boolean;
  readonly max: number;
  readonly step: number;
}

/** The numeric circuit settings (`slowCallMs` may also be `null`: slow calls are not failures). */
export type NumericCircuitSetting = {
  [K in keyof CircuitSettings]: CircuitSettings[K] extends number | null ? K : never;
}[keyof CircuitSettings];

/**
 * What Tower accepts for each numeric circuit setting; Tower's request schema and the dashboard's
 * form are both built from this table. Windows stop at 1 h because Airbag reads 1 s buckets kept
 * 2 h; percentages have two decimals because that is what Postgres stores exactly.
 */
export const CIRCUIT_SETTING_LIMITS: Readonly<Record<NumericCircuitSetting, NumericLimit>> =
  Object.freeze({
    errorThresholdPercentage: { min: 0, minExclusive: true, max: 100, step: 0.01 },
    minimumRequests: { min: 1, minExclusive: false, max: 1_000_000, step: 1 },
    windowMs: { min: 1_000, minExclusive: false, max: 3_600_000, step: 1 },
    recoveryDelayMs: { min: 0, minExclusive: false, max: 86_400_000, step: 1 },
    initialRecoveryPercentage: { min: 0, minExclusive: true, max: 100, step: 0.01 },
    recoveryIncrementPercentage: { min: 0, minExclusive: true, max: 1_000, step: 0.01 },
    recoveryStepMs: { min: 1_000, minExclusive: false, max: 86_400_000, step: 1 },
    slowCallMs: { min: 1, minExclusive: false, max: 3_600_000, step: 1 },
    relativeMarginPoints: { min: 0, minExclusive: true, max: 100, step: 0.01 },
  });

/** What Tower accepts as a flag's rollout percentage: 0–100 in steps of 0.1. */
export const ROLLOUT_PERCENTAGE_LIMIT: NumericLimit = Object.freeze({
  min: 0,
  minExclusive: false,
  max: 100,
  step: 0.1,
});

/** Why a value is outside a {@link NumericLimit}, or `null` when it is inside. */
export type LimitViolation = 'not_a_number' | 'too_small' | 'too_large' | 'off_step';

/**
 * Checks `value` against `limit`. A value counts as a multiple of a fractional step when it is
 * within 1e-6 steps of one (`0.07 / 0.01` is not exactly 7 in floating point).
 */
export function checkLimit(limit: NumericLimit, value: number): LimitViolation | null {
  if (!Number.isFinite(value)) return 'not_a_number';
  if (limit.minExclusive ? value <= limit.min : value < limit.min) return 'too_small';
  if (value > limit.max) return 'too_large';
  const steps = value / limit.step;
  if (Math.abs(steps - Math.round(steps)) >= 1e-6) return 'off_step';
  return null;
}

/** The live state of a flag's circuit, owned by Tower and driven by Airbag's events. */
export interface CircuitStatus {
  /** Current state. */
  readonly state: CircuitState;
  /** Share of the rollout admitted (0–100). 100 when closed, 0 when open. */
  readonly recoveryPercentage: number;
  /**
   * When `state` last changed, the last recovery step was applied, or a human turned the flag
   * back on (ISO 8601, UTC). Airbag counts evidence only from this moment.
   */
  readonly changedAt: string;
}

/**
 * One flag as the SDK evaluates it and Airbag watches it: the value of one KV entry.
 * Holds no secrets (no webhook URLs, no keys). Evaluation:
 * `!active → false; whitelist has user → true; else bucket(salt, user) < rollout × recovery`.
 */
export interface FlagRule {
  /** Always {@link RULESET_SCHEMA_VERSION} when written by this version. */
  readonly schemaVersion: number;
  /** Owning app id (a token, see `isValidToken`). */
  readonly appId: string;
  /** Flag key, unique within its app (a token). */
  readonly flagKey: string;
  /** Monotonic version; readers apply an entry only if it is newer than what they hold. */
  readonly version: number;
  /** Effective on/off. Tower sets it false when the circuit opens. */
  readonly active: boolean;
  /** Rollout percentage, 0–100 in steps of 0.1 or finer. */
  readonly rolloutPercentage: number;
  /** User ids that always get the flag while it is active (bypasses rollout and recovery). */
  readonly whitelist: readonly string[];
  /** Salt for the rollout hash; changing it reshuffles users. Defaults to the flag key. */
  readonly salt: string;
  /** Circuit settings. */
  readonly circuit: CircuitSettings;
  /** Circuit state. */
  readonly circuitStatus: CircuitStatus;
  /** Last change time (ISO 8601, UTC). */
  readonly updatedAt: string;
}

/** The share of users (0–100 %) admitted by rollout and recovery together, ignoring the whitelist. */
export function effectiveRolloutPercentage(rule: FlagRule): number {
  if (!rule.active) return 0;
  if (rule.circuitStatus.state === CircuitState.open) return 0;
  if (rule.circuitStatus.state === CircuitState.recovering) {
    return (rule.rolloutPercentage * rule.circuitStatus.recoveryPercentage) / 100;
  }
  return rule.rolloutPercentage;
}

/** Serialises a rule for the KV. */
export function encodeFlagRule(rule: FlagRule): string {
  return JSON.stringify(rule);
}

type Obj = Record<string, unknown>;

function num(
  o: Obj,
  key: string,
  path: string,
  min: number,
  max: number,
): Result<number, ParseError> {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v))
    return fail('invalid_field', path + key, `${path + key} must be a finite number`);
  if (v < min || v > max)
    return fail('invalid_field', path + key, `${path + key} must be between ${min} and ${max}`);
  return ok(v);
}

function str(o: Obj, key: string, path: string): Result<string, ParseError> {
  const v = o[key];
  if (typeof v !== 'string')
    return fail('invalid_field', path + key, `${path + key} must be a string`);
  return ok(v);
}

function parseCircuit(v: unknown): Result<CircuitSettings, ParseError> {
  if (!isRecord(v)) return fail('invalid_field', 'circuit', 'circuit must be an object');
  const p = 'circuit.';
  if (typeof v.enabled !== 'boolean')
    return fail('invalid_field', p + 'enabled', 'circuit.enabled must be a boolean');
  const threshold = num(v, 'errorThresholdPercentage', p, 0, 100);
  if (!threshold.ok) return threshold;
  const minimumRequests = num(v, 'minimumRequests', p, 0, Number.MAX_SAFE_INTEGER);
  if (!minimumRequests.ok) return minimumRequests;
  const windowMs = num(v, 'windowMs', p, 1, Number.MAX_SAFE_INTEGER);
  if (!windowMs.ok) return windowMs;
  const recoveryDelayMs = num(v, 'recoveryDelayMs', p, 0, Number.MAX_SAFE_INTEGER);
  if (!recoveryDelayMs.ok) return recoveryDelayMs;
  const profile = v.recoveryProfile;
  if (profile !== RecoveryProfile.linear && profile !== RecoveryProfile.exponential) {
    return fail(
      'invalid_field',
      p + 'recoveryProfile',
      "circuit.recoveryProfile must be 'linear' or 'exponential'",
    );
  }
  const initial = num(v, 'initialRecoveryPercentage', p, 0, 100);
  if (!initial.ok) return initial;
  const increment = num(v, 'recoveryIncrementPercentage', p, 0, 1000);
  if (!increment.ok) return increment;
  const stepMs = num(v, 'recoveryStepMs', p, 1, Number.MAX_SAFE_INTEGER);
  if (!stepMs.ok) return stepMs;
  let slowCallMs: number | null = null;
  if (v.slowCallMs !== null && v.slowCallMs !== undefined) {
    const s = num(v, 'slowCallMs', p, 0, Number.MAX_SAFE_INTEGER);
    if (!s.ok) return s;
    slowCallMs = s.value;
  }
  // Added with ADR 0009: an entry written before it has neither field and is absolute.
  let mode: CircuitMode = CircuitMode.absolute;
  if (v.mode !== undefined) {
    if (v.mode !== CircuitMode.absolute && v.mode !== CircuitMode.relative)
      return fail('invalid_field', p + 'mode', "circuit.mode must be 'absolute' or 'relative'");
    mode = v.mode;
  }
  let relativeMarginPoints = DEFAULT_CIRCUIT_SETTINGS.relativeMarginPoints;
  if (v.relativeMarginPoints !== undefined) {
    const m = num(v, 'relativeMarginPoints', p, 0, 100);
    if (!m.ok) return m;
    relativeMarginPoints = m.value;
  }
  return ok({
    enabled: v.enabled,
    errorThresholdPercentage: threshold.value,
    minimumRequests: minimumRequests.value,
    windowMs: windowMs.value,
    recoveryDelayMs: recoveryDelayMs.value,
    recoveryProfile: profile,
    initialRecoveryPercentage: initial.value,
    recoveryIncrementPercentage: increment.value,
    recoveryStepMs: stepMs.value,
    slowCallMs,
    mode,
    relativeMarginPoints,
  });
}

function parseStatus(v: unknown): Result<CircuitStatus, ParseError> {
  if (!isRecord(v))
    return fail('invalid_field', 'circuitStatus', 'circuitStatus must be an object');
  const state = v.state;
  if (
    state !== CircuitState.closed &&
    state !== CircuitState.open &&
    state !== CircuitState.recovering
  ) {
    return fail(
      'invalid_field',
      'circuitStatus.state',
      "circuitStatus.state must be 'closed', 'open' or 'recovering'",
    );
  }
  const pct = num(v, 'recoveryPercentage', 'circuitStatus.', 0, 100);
  if (!pct.ok) return pct;
  const changedAt = str(v, 'changedAt', 'circuitStatus.');
  if (!changedAt.ok) return changedAt;
  return ok({ state, recoveryPercentage: pct.value, changedAt: changedAt.value });
}

/**
 * Parses a KV value (bytes, JSON text or an already-decoded object) into a {@link FlagRule}.
 * Total: never throws; bad input gives a typed {@link ParseError}. Unknown fields are ignored so
 * older readers accept additive changes; a newer `schemaVersion` is rejected.
 */
export function parseFlagRule(input: unknown): Result<FlagRule, ParseError> {
  const decoded = decodeJson(input);
  if (!decoded.ok) return decoded;
  const v = decoded.value;
  if (!isRecord(v)) return fail('invalid_field', '', 'a flag rule must be a JSON object');
  if (
    typeof v.schemaVersion !== 'number' ||
    !Number.isInteger(v.schemaVersion) ||
    v.schemaVersion < 1
  ) {
    return fail('invalid_field', 'schemaVersion', 'schemaVersion must be a positive integer');
  }
  if (v.schemaVersion > RULESET_SCHEMA_VERSION) {
    return fail(
      'unsupported_schema',
      'schemaVersion',
      `schemaVersion ${v.schemaVersion} is newer than supported (${RULESET_SCHEMA_VERSION})`,
    );
  }
  const appId = str(v, 'appId', '');
  if (!appId.ok) return appId;
  if (!isValidToken(appId.value))
    return fail('invalid_field', 'appId', 'appId must match [A-Za-z0-9_-]{1,64}');
  const flagKey = str(v, 'flagKey', '');
  if (!flagKey.ok) return flagKey;
  if (!isValidToken(flagKey.value))
    return fail('invalid_field', 'flagKey', 'flagKey must match [A-Za-z0-9_-]{1,64}');
  const version = num(v, 'version', '', 0, Number.MAX_SAFE_INTEGER);
  if (!version.ok) return version;
  if (typeof v.active !== 'boolean')
    return fail('invalid_field', 'active', 'active must be a boolean');
  const rollout = num(v, 'rolloutPercentage', '', 0, 100);
  if (!rollout.ok) return rollout;
  const wl = v.whitelist;
  if (!Array.isArray(wl) || !wl.every((x): x is string => typeof x === 'string')) {
    return fail('invalid_field', 'whitelist', 'whitelist must be an array of strings');
  }
  const salt = v.salt === undefined ? ok(flagKey.value) : str(v, 'salt', '');
  if (!salt.ok) return salt;
  const circuit = parseCircuit(v.circuit);
  if (!circuit.ok) return circuit;
  const status = parseStatus(v.circuitStatus);
  if (!status.ok) return status;
  const updatedAt = str(v, 'updatedAt', '');
  if (!updatedAt.ok) return updatedAt;
  return ok({
    schemaVersion: v.schemaVersion,
    appId: appId.value,
    flagKey: flagKey.value,
    version: version.value,
    active: v.active,
    rolloutPercentage: rollout.value,
    whitelist: wl,
    salt: salt.value,
    circuit: circuit.value,
    circuitStatus: status.value,
    updatedAt: updatedAt.value,
  });
}
