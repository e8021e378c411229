import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { circuitPatchSchema, createFlagSchema, updateFlagSchema } from './flag-schemas.js';

describe('flag schemas', () => {
  it('accepts every rollout in 0.1 steps from 0 to 100 and nothing finer or outside', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), (k) => {
        expect(
          createFlagSchema.safeParse({ key: 'k', title: 'T', rolloutPercentage: k / 10 }).success,
        ).toBe(true);
      }),
    );
    for (const bad of [100.1, -0.1, 12.34, 101, Number.NaN, '50']) {
      expect(
        createFlagSchema.safeParse({ key: 'k', title: 'T', rolloutPercentage: bad }).success,
        String(bad),
      ).toBe(false);
    }
  });

  it('rejects unknown fields at every level', () => {
    expect(createFlagSchema.safeParse({ key: 'k', title: 'T', id: '1' }).success).toBe(false);
    expect(updateFlagSchema.safeParse({ circuit: { enabled: true, extra: 1 } }).success).toBe(
      false,
    );
    expect(updateFlagSchema.safeParse({ version: 1.5 }).success).toBe(false);
  });

  it('bounds circuit settings to what Airbag can compute', () => {
    const ok = (v: object) => circuitPatchSchema.safeParse(v).success;
    expect(
      ok({
        windowMs: 1_000,
        recoveryDelayMs: 0,
        minimumRequests: 1,
        errorThresholdPercentage: 0.5,
      }),
    ).toBe(true);
    expect(ok({ windowMs: 999 })).toBe(false);
    expect(ok({ windowMs: 3_600_001 })).toBe(false);
    expect(ok({ recoveryDelayMs: -1 })).toBe(false);
    expect(ok({ errorThresholdPercentage: 0 })).toBe(false);
    expect(ok({ initialRecoveryPercentage: 0 })).toBe(false);
    expect(ok({ recoveryProfile: 'sigmoid' })).toBe(false);
    expect(ok({ minimumRequests: 2.5 })).toBe(false);
    expect(ok({ slowCallMs: null })).toBe(true);
  });
});
