import type {
  CircuitSettings,
  CreateFlagRequest,
  ToggleFlagRequest,
  UpdateFlagRequest,
} from '@tailslide/contracts';
import fc from 'fast-check';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  circuitPatchSchema,
  createFlagSchema,
  toggleFlagSchema,
  updateFlagSchema,
  type CircuitPatch,
  type CreateFlagInput,
  type ToggleFlagInput,
  type UpdateFlagInput,
} from './flag-schemas.js';

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

  it('accepts the request bodies contracts declares, field for field', () => {
    expectTypeOf<keyof CreateFlagRequest>().toEqualTypeOf<keyof CreateFlagInput>();
    expectTypeOf<keyof UpdateFlagRequest>().toEqualTypeOf<keyof UpdateFlagInput>();
    expectTypeOf<keyof ToggleFlagRequest>().toEqualTypeOf<keyof ToggleFlagInput>();
    expectTypeOf<keyof CircuitSettings>().toEqualTypeOf<keyof CircuitPatch>();
    const body = {
      key: 'k',
      title: 'T',
      description: '',
      active: true,
      rolloutPercentage: 12.5,
      whitelist: ['alice'],
      circuit: { windowMs: 5_000, slowCallMs: null },
      alertWebhookIds: ['1'],
    } satisfies CreateFlagRequest;
    expect(createFlagSchema.safeParse(body).success).toBe(true);
    const edit = { title: 'U', version: 3, reason: 'why' } satisfies UpdateFlagRequest;
    expect(updateFlagSchema.safeParse(edit).success).toBe(true);
    const toggle = { active: false, version: 3, reason: 'why' } satisfies ToggleFlagRequest;
    expect(toggleFlagSchema.safeParse(toggle).success).toBe(true);
  });
});
