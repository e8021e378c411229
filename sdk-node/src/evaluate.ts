import {
  CircuitState,
  BUCKET_COUNT,
  bucketWithPreparedSalt,
  effectiveRolloutPercentage,
  prepareSalt,
  rolloutThreshold,
  type FlagRule,
  type PreparedSalt,
} from '@tailslide/contracts';

/** Why an evaluation returned what it did. */
export const EvaluationReason = {
  /** The flag is inactive (switched off, or its circuit is open). */
  disabled: 'disabled',
  /** The user is on the flag's whitelist. */
  whitelisted: 'whitelisted',
  /** The user's bucket fell inside the rollout (× recovery percentage). */
  rolloutIn: 'rollout_in',
  /** The user's bucket fell outside the rollout (× recovery percentage). */
  rolloutOut: 'rollout_out',
  /** No rule is known for this flag: the caller's default was returned. */
  flagNotFound: 'flag_not_found',
  /** The flag's latest KV entry could not be parsed: the caller's default was returned. */
  invalidRule: 'invalid_rule',
  /** Something unexpected happened: the caller's default was returned. */
  error: 'error',
} as const;
/** One of {@link EvaluationReason}. */
export type EvaluationReason = (typeof EvaluationReason)[keyof typeof EvaluationReason];

/** The result of a detailed evaluation. */
export interface EvaluationDetails {
  /** Whether the flag is on for this user (or the caller's default). */
  readonly value: boolean;
  /** Why. */
  readonly reason: EvaluationReason;
  /** Version of the rule used, `null` when no rule was used. */
  readonly ruleVersion: number | null;
}

/**
 * A rule prepared for evaluation: salt pre-mixed, whitelist as a Set, threshold precomputed, so
 * evaluating a user allocates nothing and builds no string.
 */
export interface CompiledFlag {
  /** The rule this was compiled from. */
  readonly rule: FlagRule;
  readonly whitelist: ReadonlySet<string>;
  readonly prepared: PreparedSalt;
  /** False when the rule is inactive or its circuit is open. */
  readonly active: boolean;
  /** Buckets admitted: `rolloutThreshold(rollout × recovery)`; 0 when open. */
  readonly threshold: number;
}

/** Compiles a parsed rule. Pure; called once per rule change, never per evaluation. */
export function compileFlag(rule: FlagRule): CompiledFlag {
  // An open circuit switches the flag off for everyone, whitelisted testers included (Tower also
  // writes active=false when it opens; this keeps the SDK safe on a rule that says only "open").
  const open = rule.circuitStatus.state === CircuitState.open;
  return {
    rule,
    active: rule.active && !open,
    whitelist: new Set(rule.whitelist),
    prepared: prepareSalt(rule.salt),
    threshold: rolloutThreshold(effectiveRolloutPercentage(rule)),
  };
}

/**
 * Evaluates a compiled flag for one user: inactive → false; whitelisted → true; else
 * `bucket(salt, user) < threshold`. Allocation-free; `userId` must be a string.
 */
export function isActiveFor(flag: CompiledFlag, userId: string): boolean {
  if (!flag.active) return false;
  if (flag.whitelist.has(userId)) return true;
  const t = flag.threshold;
  if (t <= 0) return false;
  if (t >= BUCKET_COUNT) return true;
  return bucketWithPreparedSalt(flag.prepared, userId) < t;
}

/** Coerces whatever a JS caller passed as a user context into a string, without throwing. */
export function toUserId(userContext: unknown): string {
  if (typeof userContext === 'string') return userContext;
  if (userContext === undefined || userContext === null) return '';
  try {
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- JS callers may pass anything
    return String(userContext);
  } catch {
    return '';
  }
}

/** Like {@link isActiveFor} but with a reason; returns `defaultValue` when no rule is usable. */
export function evaluateDetailed(
  flag: CompiledFlag | null | undefined,
  userId: string,
  defaultValue: boolean,
  invalid = false,
): EvaluationDetails {
  if (!flag) {
    return {
      value: defaultValue,
      reason: invalid ? EvaluationReason.invalidRule : EvaluationReason.flagNotFound,
      ruleVersion: null,
    };
  }
  try {
    const ruleVersion = flag.rule.version;
    if (!flag.active) return { value: false, reason: EvaluationReason.disabled, ruleVersion };
    if (flag.whitelist.has(userId)) {
      return { value: true, reason: EvaluationReason.whitelisted, ruleVersion };
    }
    const value = isActiveFor(flag, userId);
    return {
      value,
      reason: value ? EvaluationReason.rolloutIn : EvaluationReason.rolloutOut,
      ruleVersion,
    };
  } catch {
    return { value: defaultValue, reason: EvaluationReason.error, ruleVersion: null };
  }
}
