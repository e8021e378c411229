import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CircuitState,
  DEFAULT_CIRCUIT_SETTINGS,
  effectiveRolloutPercentage,
  encodeFlagRule,
  parseFlagRule,
  type FlagRule,
} from './ruleset.js';
import {
  circuitEventId,
  CircuitEventType,
  encodeCircuitEvent,
  parseCircuitEvent,
} from './circuit-events.js';
import {
  appKvFilter,
  circuitKvKey,
  flagKvKey,
  parseCircuitKvKey,
  parseFlagKvKey,
  parseSignalField,
  signalField,
  signalWakeChannel,
  signalWakeChannelPattern,
  parseSignalWakeChannel,
} from './names.js';
import { bucketStart, windowBucketStarts } from './signals.js';

const rule: FlagRule = {
  schemaVersion: 1,
  appId: '7',
  flagKey: 'new-checkout',
  version: 3,
  active: true,
  rolloutPercentage: 12.5,
  whitelist: ['alice'],
  salt: 'new-checkout',
  circuit: DEFAULT_CIRCUIT_SETTINGS,
  circuitStatus: {
    state: 'closed',
    recoveryPercentage: 100,
    changedAt: '2026-01-01T00:00:00.000Z',
  },
  updatedAt: '2026-01-01T00:00:00.000Z',
};

describe('parseFlagRule', () => {
  it('round-trips an encoded rule from text and bytes', () => {
    expect(parseFlagRule(encodeFlagRule(rule))).toEqual({ ok: true, value: rule });
    expect(parseFlagRule(new TextEncoder().encode(encodeFlagRule(rule)))).toEqual({
      ok: true,
      value: rule,
    });
  });

  it('rejects a newer schema version with a typed error', () => {
    const r = parseFlagRule({ ...rule, schemaVersion: 2 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('unsupported_schema');
  });

  it('names the offending field', () => {
    const r = parseFlagRule({ ...rule, rolloutPercentage: 101 });
    expect(r).toMatchObject({
      ok: false,
      error: { code: 'invalid_field', path: 'rolloutPercentage' },
    });
    const c = parseFlagRule({ ...rule, circuit: { ...rule.circuit, windowMs: 'x' } });
    expect(c).toMatchObject({ ok: false, error: { path: 'circuit.windowMs' } });
  });

  it('reports invalid JSON instead of throwing', () => {
    expect(parseFlagRule('{nope')).toMatchObject({ ok: false, error: { code: 'invalid_json' } });
  });

  it('never throws, whatever it is given', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.string(), fc.uint8Array()), (input) => {
        const r = parseFlagRule(input);
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });

  it('ignores unknown fields for forward compatibility', () => {
    expect(parseFlagRule({ ...rule, futureField: 1 })).toEqual({ ok: true, value: rule });
  });
});

describe('effectiveRolloutPercentage', () => {
  it('scales the rollout by the recovery percentage while recovering', () => {
    expect(effectiveRolloutPercentage(rule)).toBe(12.5);
    expect(
      effectiveRolloutPercentage({
        ...rule,
        circuitStatus: {
          ...rule.circuitStatus,
          state: CircuitState.recovering,
          recoveryPercentage: 40,
        },
      }),
    ).toBe(5);
    expect(
      effectiveRolloutPercentage({
        ...rule,
        circuitStatus: { ...rule.circuitStatus, state: 'open' },
      }),
    ).toBe(0);
    expect(effectiveRolloutPercentage({ ...rule, active: false })).toBe(0);
  });
});

describe('circuit events', () => {
  it('builds deterministic ids and round-trips', () => {
    const id = circuitEventId('7', 'new-checkout', 3, CircuitEventType.opened);
    expect(id).toBe('7.new-checkout.3.opened');
    const event = {
      schemaVersion: 1,
      id,
      type: CircuitEventType.opened,
      appId: '7',
      flagKey: 'new-checkout',
      ruleVersion: 3,
      recoveryPercentage: 0,
      occurredAt: '2026-01-01T00:00:00.000Z',
      stats: { requests: 20, failures: 20, errorRatePercentage: 100, windowMs: 30000 },
      reason: 'error rate 100% ≥ 50%',
    };
    expect(parseCircuitEvent(encodeCircuitEvent(event))).toEqual({ ok: true, value: event });
    expect(parseCircuitEvent({ ...event, type: 'circuit.exploded' }).ok).toBe(false);
  });

  it('never throws on arbitrary input', () => {
    fc.assert(fc.property(fc.anything(), (x) => void parseCircuitEvent(x)));
  });
});

describe('names', () => {
  it('round-trips KV keys and signal fields', () => {
    expect(parseFlagKvKey(flagKvKey('7', 'a-b_c'))).toEqual({ appId: '7', flagKey: 'a-b_c' });
    expect(parseFlagKvKey('apps.7.other.x')).toBeNull();
    expect(parseCircuitKvKey(circuitKvKey('7', 'a-b_c'))).toEqual({ appId: '7', flagKey: 'a-b_c' });
    expect(parseCircuitKvKey(flagKvKey('7', 'x'))).toBeNull();
    expect(parseFlagKvKey(circuitKvKey('7', 'x'))).toBeNull();
    expect(appKvFilter('7')).toBe('apps.7.>');
    expect(parseSignalField(signalField('a-b', 'failure'))).toEqual({
      flagKey: 'a-b',
      kind: 'failure',
      arm: 'on',
    });
    expect(parseSignalField('junk')).toBeNull();
    expect(parseSignalField('a:constructor')).toBeNull();
  });

  it('keeps the on-arm fields of SDKs without arms and adds distinct off-arm fields', () => {
    expect(signalField('f', 'success')).toBe('f:s');
    expect(signalField('f', 'failure', 'on')).toBe('f:f');
    expect(signalField('f', 'success', 'off')).toBe('f:os');
    expect(signalField('f', 'failure', 'off')).toBe('f:of');
    for (const kind of ['success', 'failure'] as const)
      for (const arm of ['on', 'off'] as const)
        expect(parseSignalField(signalField('x_1-Y', kind, arm))).toEqual({
          flagKey: 'x_1-Y',
          kind,
          arm,
        });
  });
});

describe('wake channels', () => {
  it('names one channel per app and parses it back', () => {
    expect(signalWakeChannel('tailslide', '7')).toBe('tailslide:wake:7');
    expect(parseSignalWakeChannel('tailslide', signalWakeChannel('tailslide', 'a-b_c'))).toBe(
      'a-b_c',
    );
    expect(parseSignalWakeChannel('tailslide', 'tailslide:wake:')).toBeNull();
    expect(parseSignalWakeChannel('tailslide', 'other:wake:7')).toBeNull();
    expect(parseSignalWakeChannel('tailslide', 'tailslide:wake:a:b')).toBeNull();
  });

  it('builds ACL patterns with glob characters escaped', () => {
    expect(signalWakeChannelPattern('tailslide')).toBe('tailslide:wake:*');
    expect(signalWakeChannelPattern('t*', '7')).toBe('t\\*:wake:7');
  });
});

describe('signal windows', () => {
  it('covers the window with whole buckets ending at the current one', () => {
    expect(bucketStart(12_345, 1000)).toBe(12_000);
    expect(windowBucketStarts(12_345, 3000, 1000)).toEqual([10_000, 11_000, 12_000]);
  });
});
