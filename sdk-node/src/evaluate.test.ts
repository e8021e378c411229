import fc from 'fast-check';
import { bucketOf, CircuitState, parseFlagRule, type FlagRule } from '@tailslide/contracts';
import { describe, expect, it } from 'vitest';
import {
  compileFlag,
  evaluateDetailed,
  EvaluationReason,
  isActiveFor,
  toUserId,
} from './evaluate.js';
import { FlagStore } from './flag-store.js';
import { testFlagRule } from './testing.js';

const base = (over: Partial<FlagRule> = {}): FlagRule =>
  testFlagRule({ appId: 'shop', flagKey: 'new-checkout', ...over });

describe('isActiveFor', () => {
  it('returns false for an inactive flag, even for whitelisted users', () => {
    const f = compileFlag(base({ active: false, whitelist: ['vip'] }));
    expect(isActiveFor(f, 'vip')).toBe(false);
    expect(isActiveFor(f, 'anyone')).toBe(false);
  });

  it('returns true for whitelisted users whatever the rollout', () => {
    const f = compileFlag(base({ rolloutPercentage: 0, whitelist: ['vip'] }));
    expect(isActiveFor(f, 'vip')).toBe(true);
    expect(isActiveFor(f, 'other')).toBe(false);
  });

  it('admits a user exactly when bucket(salt, user) < rollout × 1000', () => {
    const rule = base({ rolloutPercentage: 37.5, salt: 'pepper' });
    const f = compileFlag(rule);
    for (let i = 0; i < 2000; i++) {
      const user = `user-${i}`;
      expect(isActiveFor(f, user)).toBe(bucketOf('pepper', user) < 37_500);
    }
  });

  it('multiplies the rollout by the recovery percentage while recovering', () => {
    const rule = base({
      rolloutPercentage: 50,
      circuitStatus: { state: CircuitState.recovering, recoveryPercentage: 20, changedAt: '' },
    });
    const f = compileFlag(rule);
    for (let i = 0; i < 2000; i++) {
      const user = `u${i}`;
      expect(isActiveFor(f, user)).toBe(bucketOf(rule.salt, user) < 10_000);
    }
  });

  it('returns false for everyone, whitelisted users included, while the circuit is open', () => {
    const f = compileFlag(
      base({
        whitelist: ['vip'],
        circuitStatus: { state: CircuitState.open, recoveryPercentage: 0, changedAt: '' },
      }),
    );
    expect(isActiveFor(f, 'someone')).toBe(false);
    expect(isActiveFor(f, 'vip')).toBe(false);
  });

  it('admits about half of random users at a 50 % rollout (0 % admits nobody, 100 % everybody)', () => {
    const half = compileFlag(base({ rolloutPercentage: 50 }));
    const none = compileFlag(base({ rolloutPercentage: 0 }));
    const all = compileFlag(base({ rolloutPercentage: 100 }));
    let n = 0;
    for (let i = 0; i < 20_000; i++) {
      const u = `${i}-${(i * 2654435761) >>> 0}`;
      if (isActiveFor(half, u)) n++;
      expect(isActiveFor(none, u)).toBe(false);
      expect(isActiveFor(all, u)).toBe(true);
    }
    expect(n / 20_000).toBeGreaterThan(0.48);
    expect(n / 20_000).toBeLessThan(0.52);
  });
});

describe('evaluateDetailed', () => {
  it("returns the caller's default with a reason for an unknown flag or an invalid rule", () => {
    expect(evaluateDetailed(null, 'u', true)).toEqual({
      value: true,
      reason: EvaluationReason.flagNotFound,
      ruleVersion: null,
    });
    expect(evaluateDetailed(undefined, 'u', false, true)).toEqual({
      value: false,
      reason: EvaluationReason.invalidRule,
      ruleVersion: null,
    });
  });

  it('names the reason of each outcome', () => {
    const f = compileFlag(base({ version: 7, rolloutPercentage: 0, whitelist: ['vip'] }));
    expect(evaluateDetailed(f, 'vip', false)).toEqual({
      value: true,
      reason: 'whitelisted',
      ruleVersion: 7,
    });
    expect(evaluateDetailed(f, 'x', true)).toEqual({
      value: false,
      reason: 'rollout_out',
      ruleVersion: 7,
    });
    const off = compileFlag(base({ active: false }));
    expect(evaluateDetailed(off, 'x', true).reason).toBe('disabled');
  });
});

describe('evaluation over arbitrary input', () => {
  it('never throws over arbitrary KV values and arbitrary user contexts', () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), fc.boolean(), (value, user, def) => {
        const store = new FlagStore('shop');
        store.applyValue('f', value, 1);
        const slot = store.slot('f');
        const id = toUserId(user);
        const d = evaluateDetailed(slot.flag, id, def, slot.invalid !== null);
        expect(typeof d.value).toBe('boolean');
        if (slot.flag) expect(typeof isActiveFor(slot.flag, id)).toBe('boolean');
        else expect(d.value).toBe(def);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws over arbitrary well-formed rules and unicode user ids', () => {
    const ruleArb = fc.record({
      active: fc.boolean(),
      rolloutPercentage: fc.double({ min: 0, max: 100, noNaN: true }),
      whitelist: fc.array(fc.string({ unit: 'grapheme' }), { maxLength: 5 }),
      salt: fc.string({ unit: 'binary' }),
      state: fc.constantFrom(CircuitState.closed, CircuitState.open, CircuitState.recovering),
      recoveryPercentage: fc.double({ min: 0, max: 100, noNaN: true }),
    });
    fc.assert(
      fc.property(ruleArb, fc.string({ unit: 'binary' }), (r, user) => {
        const parsed = parseFlagRule(
          base({
            active: r.active,
            rolloutPercentage: r.rolloutPercentage,
            whitelist: r.whitelist,
            salt: r.salt,
            circuitStatus: {
              state: r.state,
              recoveryPercentage: r.recoveryPercentage,
              changedAt: '',
            },
          }),
        );
        expect(parsed.ok).toBe(true);
        if (!parsed.ok) return;
        const f = compileFlag(parsed.value);
        const v = isActiveFor(f, user);
        expect(typeof v).toBe('boolean');
        if (!r.active || r.state === CircuitState.open) expect(v).toBe(false);
        else if (r.whitelist.includes(user)) expect(v).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
