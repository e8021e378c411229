/**
 * Tower's request schema and the dashboard's flag form are both built from the limits table in
 * contracts; this proves they accept exactly the same values (durations: ms in the API, s in the form).
 */
import {
  CIRCUIT_SETTING_LIMITS,
  ROLLOUT_PERCENTAGE_LIMIT,
  type NumericCircuitSetting,
  type NumericLimit,
} from '@tailslide/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { circuitPatchSchema, createFlagSchema } from '../tower-server/src/flags/flag-schemas.js';
import {
  flagToFormValues,
  validateFlagForm,
  type NumberField,
} from '../tower-ui/src/features/flags/utils/flag-form-model.js';

/** Form field of each circuit setting and the factor from the form's unit to the API's. */
const FORM_FIELD: Record<NumericCircuitSetting, { field: NumberField; toApi: number }> = {
  errorThresholdPercentage: { field: 'errorThresholdPercentage', toApi: 1 },
  minimumRequests: { field: 'minimumRequests', toApi: 1 },
  windowMs: { field: 'windowSeconds', toApi: 1000 },
  recoveryDelayMs: { field: 'recoveryDelaySeconds', toApi: 1000 },
  initialRecoveryPercentage: { field: 'initialRecoveryPercentage', toApi: 1 },
  recoveryIncrementPercentage: { field: 'recoveryIncrementPercentage', toApi: 1 },
  recoveryStepMs: { field: 'recoveryStepSeconds', toApi: 1000 },
  slowCallMs: { field: 'slowCallMs', toApi: 1 },
  relativeMarginPoints: { field: 'relativeMarginPoints', toApi: 1 },
};

/**
 * API values around a limit: near `min`, near `max` and anywhere in between, on the step grid
 * and between its points (quarter steps), plus a few outside it.
 */
function apiValues(limit: NumericLimit): fc.Arbitrary<number> {
  const q = limit.step / 4;
  const k = (v: number) => Math.round(v / q);
  const around = (v: number) => fc.integer({ min: k(v) - 40, max: k(v) + 40 });
  return fc
    .oneof(
      around(limit.min),
      around(limit.max),
      fc.integer({ min: k(limit.min) - 40, max: k(limit.max) + 40 }),
    )
    .map((n) => n * q);
}

const formAccepts = (field: NumberField, value: number): boolean => {
  const values = { ...flagToFormValues(null), title: 'T', key: 'k', [field]: String(value) };
  const result = validateFlagForm(values);
  return result.ok || result.errors[field] === undefined;
};

describe('circuit-setting limits', () => {
  it.each(
    Object.entries(FORM_FIELD) as [
      NumericCircuitSetting,
      (typeof FORM_FIELD)[NumericCircuitSetting],
    ][],
  )('the form accepts %s exactly when Tower does', (setting, { field, toApi }) => {
    const limit = CIRCUIT_SETTING_LIMITS[setting];
    fc.assert(
      fc.property(apiValues(limit), (apiValue) => {
        const tower = circuitPatchSchema.safeParse({ [setting]: apiValue }).success;
        expect(formAccepts(field, apiValue / toApi), `${setting} = ${apiValue}`).toBe(tower);
      }),
      { numRuns: 500 },
    );
  });

  it('the form accepts a rollout exactly when Tower does', () => {
    fc.assert(
      fc.property(apiValues(ROLLOUT_PERCENTAGE_LIMIT), (rollout) => {
        const tower = createFlagSchema.safeParse({
          key: 'k',
          title: 'T',
          rolloutPercentage: rollout,
        }).success;
        expect(formAccepts('rolloutPercentage', rollout), `rollout = ${rollout}`).toBe(tower);
      }),
      { numRuns: 500 },
    );
  });

  it('the form and Tower agree on the circuit mode', () => {
    for (const mode of ['absolute', 'relative'] as const) {
      const values = { ...flagToFormValues(null), title: 'T', key: 'k', circuitMode: mode };
      const result = validateFlagForm(values);
      if (!result.ok) return expect.fail(JSON.stringify(result.errors));
      expect(result.circuit.mode).toBe(mode);
      expect(circuitPatchSchema.safeParse(result.circuit).success).toBe(true);
    }
    expect(circuitPatchSchema.safeParse({ mode: 'sideways' }).success).toBe(false);
  });

  it('sends what the form accepted in the API unit', () => {
    const values = {
      ...flagToFormValues(null),
      title: 'T',
      key: 'k',
      windowSeconds: '3600',
      minimumRequests: '1000000',
      slowCallMs: '3600000',
      initialRecoveryPercentage: '0.01',
    };
    const result = validateFlagForm(values);
    if (!result.ok) return expect.fail(JSON.stringify(result.errors));
    expect(circuitPatchSchema.safeParse(result.circuit).success).toBe(true);
    expect(result.circuit.windowMs).toBe(3_600_000);
  });
});
