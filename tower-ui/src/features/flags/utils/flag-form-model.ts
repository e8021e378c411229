import {
  CIRCUIT_SETTING_LIMITS,
  DEFAULT_CIRCUIT_SETTINGS,
  ROLLOUT_PERCENTAGE_LIMIT,
  checkLimit,
  isValidToken,
  type CircuitMode,
  type CircuitSettings,
  type CreateFlagRequest,
  type FlagDto,
  type NumericLimit,
  type RecoveryProfile,
  type UpdateFlagRequest,
} from '@tailslide/contracts';

/**
 * What the add/edit flag form holds. Numbers stay strings while the user types; durations are
 * edited in the unit a person thinks in (seconds) and sent in the unit the API uses (ms).
 */
export interface FlagFormValues {
  readonly title: string;
  readonly key: string;
  readonly description: string;
  readonly active: boolean;
  readonly rolloutPercentage: string;
  readonly whitelist: readonly string[];
  readonly circuitEnabled: boolean;
  readonly errorThresholdPercentage: string;
  readonly minimumRequests: string;
  readonly windowSeconds: string;
  readonly recoveryDelaySeconds: string;
  readonly recoveryProfile: RecoveryProfile;
  readonly initialRecoveryPercentage: string;
  readonly recoveryIncrementPercentage: string;
  readonly recoveryStepSeconds: string;
  /** Blank: slow calls are not failures. */
  readonly slowCallMs: string;
  /** `absolute`, or `relative` to the off-arm (control). */
  readonly circuitMode: CircuitMode;
  /** Percentage points the on-arm must fail worse than the off-arm by (relative mode). */
  readonly relativeMarginPoints: string;
  readonly alertWebhookIds: readonly string[];
}

export type FlagFormField = keyof FlagFormValues;
export type FlagFormErrors = Partial<Record<FlagFormField, string>>;

const msToSeconds = (ms: number): string => String(ms / 1000);

/** Form values for editing `flag`, or the documented defaults for a new flag. */
export function flagToFormValues(flag: FlagDto | null): FlagFormValues {
  const c: CircuitSettings = flag?.circuit ?? DEFAULT_CIRCUIT_SETTINGS;
  return {
    title: flag?.title ?? '',
    key: flag?.key ?? '',
    description: flag?.description ?? '',
    active: flag?.active ?? false,
    rolloutPercentage: String(flag?.rolloutPercentage ?? 100),
    whitelist: flag?.whitelist ?? [],
    circuitEnabled: c.enabled,
    errorThresholdPercentage: String(c.errorThresholdPercentage),
    minimumRequests: String(c.minimumRequests),
    windowSeconds: msToSeconds(c.windowMs),
    recoveryDelaySeconds: msToSeconds(c.recoveryDelayMs),
    recoveryProfile: c.recoveryProfile,
    initialRecoveryPercentage: String(c.initialRecoveryPercentage),
    recoveryIncrementPercentage: String(c.recoveryIncrementPercentage),
    recoveryStepSeconds: msToSeconds(c.recoveryStepMs),
    slowCallMs: c.slowCallMs === null ? '' : String(c.slowCallMs),
    circuitMode: c.mode,
    relativeMarginPoints: String(c.relativeMarginPoints),
    alertWebhookIds: flag?.alertWebhookIds ?? [],
  };
}

/** A slug for the key, derived from the title while the user has not typed a key. */
export function suggestKey(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
}

/** Whether `v` is a multiple of 0.1 (floating-point tolerant). */
export function hasOneDecimalStep(v: number): boolean {
  return checkLimit({ min: -Infinity, minExclusive: false, max: Infinity, step: 0.1 }, v) === null;
}

/** Range and step of one numeric field; `label` names it in the form and its messages. */
export interface NumberRule extends NumericLimit {
  readonly label: string;
}

/** The form's numeric fields. */
export type NumberField =
  | 'rolloutPercentage'
  | 'errorThresholdPercentage'
  | 'minimumRequests'
  | 'windowSeconds'
  | 'recoveryDelaySeconds'
  | 'initialRecoveryPercentage'
  | 'recoveryIncrementPercentage'
  | 'recoveryStepSeconds'
  | 'slowCallMs'
  | 'relativeMarginPoints';

/** A limit in ms, as the form shows it: in seconds. */
const inSeconds = (ms: NumericLimit): NumericLimit => ({
  min: ms.min / 1000,
  minExclusive: ms.minExclusive,
  max: ms.max / 1000,
  step: ms.step / 1000,
});

const L = CIRCUIT_SETTING_LIMITS;

/** What each numeric field accepts: Tower's limits from contracts, durations in seconds. */
export const NUMBER_RULES: Readonly<Record<NumberField, NumberRule>> = {
  rolloutPercentage: { label: 'Rollout', ...ROLLOUT_PERCENTAGE_LIMIT },
  errorThresholdPercentage: { label: 'Error threshold', ...L.errorThresholdPercentage },
  minimumRequests: { label: 'Minimum requests', ...L.minimumRequests },
  windowSeconds: { label: 'Window', ...inSeconds(L.windowMs) },
  recoveryDelaySeconds: { label: 'Recovery delay', ...inSeconds(L.recoveryDelayMs) },
  initialRecoveryPercentage: { label: 'Initial recovery', ...L.initialRecoveryPercentage },
  recoveryIncrementPercentage: { label: 'Recovery increment', ...L.recoveryIncrementPercentage },
  recoveryStepSeconds: { label: 'Recovery step', ...inSeconds(L.recoveryStepMs) },
  slowCallMs: { label: 'Slow call', ...L.slowCallMs },
  relativeMarginPoints: { label: 'Margin over control', ...L.relativeMarginPoints },
};

/** Number of decimals a step allows (`0.01` → 2). */
const decimalsOf = (step: number): number => Math.max(0, Math.round(-Math.log10(step)));

function parseNumber(raw: string, rule: NumberRule): { value: number } | { error: string } {
  const t = raw.trim();
  if (t === '') return { error: `${rule.label} is required.` };
  const v = Number(t);
  switch (checkLimit(rule, v)) {
    case null:
      return { value: v };
    case 'not_a_number':
      return { error: `${rule.label} must be a number.` };
    case 'off_step': {
      if (rule.step === 1) return { error: `${rule.label} must be a whole number.` };
      const d = decimalsOf(rule.step);
      const places = d === 1 ? 'one decimal place' : `${d} decimal places`;
      return { error: `${rule.label} allows ${places} (steps of ${rule.step}).` };
    }
    case 'too_small':
    case 'too_large': {
      const low = rule.minExclusive ? `more than ${rule.min}` : `at least ${rule.min}`;
      return { error: `${rule.label} must be ${low} and at most ${rule.max}.` };
    }
  }
}

/** The result of validating the form: field errors, or the circuit settings to send. */
export type FlagFormResult =
  | { readonly ok: true; readonly circuit: CircuitSettings; readonly rolloutPercentage: number }
  | { readonly ok: false; readonly errors: FlagFormErrors };

/**
 * Checks what the browser can check (formats and ranges) so people get instant feedback. Tower
 * validates again and has the last word (e.g. a duplicate key); its message is shown as-is.
 */
export function validateFlagForm(v: FlagFormValues): FlagFormResult {
  const errors: FlagFormErrors = {};
  if (v.title.trim() === '') errors.title = 'Title is required.';
  else if (v.title.trim().length > 200) errors.title = 'Title must be at most 200 characters.';
  if (v.key.trim() === '') errors.key = 'Key is required.';
  else if (!isValidToken(v.key.trim())) {
    errors.key = 'Key may use letters, digits, "-" and "_" only (at most 64).';
  }
  const num = (field: NumberField): number => {
    const r = parseNumber(v[field], NUMBER_RULES[field]);
    if ('error' in r) {
      errors[field] = r.error;
      return Number.NaN;
    }
    return r.value;
  };
  const rollout = num('rolloutPercentage');
  const threshold = num('errorThresholdPercentage');
  const minimumRequests = num('minimumRequests');
  const windowS = num('windowSeconds');
  const delayS = num('recoveryDelaySeconds');
  const initial = num('initialRecoveryPercentage');
  const increment = num('recoveryIncrementPercentage');
  const stepS = num('recoveryStepSeconds');
  const slowCallMs = v.slowCallMs.trim() === '' ? null : num('slowCallMs');
  // Checked in both modes: it is always sent, and Tower checks it whenever it is sent.
  const margin = num('relativeMarginPoints');
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    rolloutPercentage: rollout,
    circuit: {
      enabled: v.circuitEnabled,
      errorThresholdPercentage: threshold,
      minimumRequests,
      windowMs: Math.round(windowS * 1000),
      recoveryDelayMs: Math.round(delayS * 1000),
      recoveryProfile: v.recoveryProfile,
      initialRecoveryPercentage: initial,
      recoveryIncrementPercentage: increment,
      recoveryStepMs: Math.round(stepS * 1000),
      slowCallMs,
      mode: v.circuitMode,
      relativeMarginPoints: margin,
    },
  };
}

/** The `POST` body for a new flag from valid form values. */
export function toCreateBody(
  v: FlagFormValues,
  valid: Extract<FlagFormResult, { ok: true }>,
): CreateFlagRequest {
  return {
    key: v.key.trim(),
    title: v.title.trim(),
    description: v.description.trim(),
    active: v.active,
    rolloutPercentage: valid.rolloutPercentage,
    whitelist: v.whitelist,
    circuit: valid.circuit,
    alertWebhookIds: v.alertWebhookIds,
  };
}

/** The `PATCH` body for an edit, pinned to the version the form was opened on. */
export function toUpdateBody(
  v: FlagFormValues,
  valid: Extract<FlagFormResult, { ok: true }>,
  version: number,
): UpdateFlagRequest {
  return {
    title: v.title.trim(),
    description: v.description.trim(),
    rolloutPercentage: valid.rolloutPercentage,
    whitelist: v.whitelist,
    circuit: valid.circuit,
    alertWebhookIds: v.alertWebhookIds,
    version,
  };
}

/**
 * Maps Tower's validation `details` onto form fields when it names them (e.g.
 * `[{ path: 'circuit.windowMs', message }]` or `{ fieldErrors: { rolloutPercentage: [..] } }`).
 */
export function serverFieldErrors(details: unknown): FlagFormErrors {
  const out: FlagFormErrors = {};
  const map: Record<string, FlagFormField> = {
    title: 'title',
    key: 'key',
    description: 'description',
    rolloutPercentage: 'rolloutPercentage',
    whitelist: 'whitelist',
    'circuit.enabled': 'circuitEnabled',
    'circuit.errorThresholdPercentage': 'errorThresholdPercentage',
    'circuit.minimumRequests': 'minimumRequests',
    'circuit.windowMs': 'windowSeconds',
    'circuit.recoveryDelayMs': 'recoveryDelaySeconds',
    'circuit.recoveryProfile': 'recoveryProfile',
    'circuit.initialRecoveryPercentage': 'initialRecoveryPercentage',
    'circuit.recoveryIncrementPercentage': 'recoveryIncrementPercentage',
    'circuit.recoveryStepMs': 'recoveryStepSeconds',
    'circuit.slowCallMs': 'slowCallMs',
    'circuit.mode': 'circuitMode',
    'circuit.relativeMarginPoints': 'relativeMarginPoints',
    alertWebhookIds: 'alertWebhookIds',
  };
  const put = (path: unknown, message: unknown) => {
    const p = Array.isArray(path)
      ? path.map(String).join('.')
      : typeof path === 'string'
        ? path
        : '';
    const field = map[p];
    if (field && typeof message === 'string' && !out[field]) out[field] = message;
  };
  const list: unknown =
    typeof details === 'object' && details !== null && 'issues' in details
      ? details.issues
      : details;
  if (Array.isArray(list)) {
    for (const item of list) {
      if (typeof item === 'object' && item !== null) {
        const o = item as Record<string, unknown>;
        put(o.path ?? o.field, o.message);
      }
    }
  } else if (typeof details === 'object' && details !== null && 'fieldErrors' in details) {
    const fe = details.fieldErrors;
    if (typeof fe === 'object' && fe !== null) {
      for (const [k, msgs] of Object.entries(fe)) put(k, Array.isArray(msgs) ? msgs[0] : msgs);
    }
  }
  return out;
}
