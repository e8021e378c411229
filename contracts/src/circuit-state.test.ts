import { describe, expect, it } from 'vitest';
import { CircuitEventType, circuitEventId, type CircuitEvent } from './circuit-events.js';
import {
  circuitKvStateOf,
  combineCircuitState,
  encodeCircuitKvState,
  isCircuitDecisionStale,
  parseCircuitKvState,
} from './circuit-state.js';
import { DEFAULT_CIRCUIT_SETTINGS, effectiveRolloutPercentage, type FlagRule } from './ruleset.js';

const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-01T00:00:10.000Z';
const T2 = '2026-01-01T00:00:20.000Z';

const rule: FlagRule = {
  schemaVersion: 1,
  appId: '7',
  flagKey: 'checkout',
  version: 5,
  active: true,
  rolloutPercentage: 100,
  whitelist: [],
  salt: 'checkout',
  circuit: DEFAULT_CIRCUIT_SETTINGS,
  circuitStatus: { state: 'closed', recoveryPercentage: 100, changedAt: T0 },
  updatedAt: T0,
};

function event(
  type: CircuitEvent['type'],
  at: string,
  ruleVersion = 5,
  pct = 0,
  seq = 1,
): CircuitEvent {
  return {
    schemaVersion: 1,
    id: circuitEventId('7', 'checkout', ruleVersion, type, seq),
    type,
    appId: '7',
    flagKey: 'checkout',
    ruleVersion,
    recoveryPercentage: pct,
    occurredAt: at,
    stats: null,
    reason: 'test',
  };
}

describe('circuit state in the KV', () => {
  it('round-trips and rejects what it cannot read without throwing', () => {
    const s = circuitKvStateOf(event(CircuitEventType.recovering, T1, 5, 10, 2), 2);
    expect(s).toMatchObject({ state: 'recovering', recoveryPercentage: 10, since: T1, seq: 2 });
    expect(s.event.id).toBe('7.checkout.5.2.recovering');
    expect(parseCircuitKvState(encodeCircuitKvState(s))).toEqual({ ok: true, value: s });
    expect(parseCircuitKvState('{').ok).toBe(false);
    expect(parseCircuitKvState({ ...s, schemaVersion: 99 })).toMatchObject({
      ok: false,
      error: { code: 'unsupported_schema' },
    });
    expect(parseCircuitKvState({ ...s, state: 'half-open' })).toMatchObject({
      ok: false,
      error: { path: 'state' },
    });
    expect(parseCircuitKvState({ ...s, flagKey: 'other' })).toMatchObject({ ok: false });
    expect(parseCircuitKvState({ ...s, event: { ...s.event, type: 'x' } })).toMatchObject({
      ok: false,
      error: { path: 'event.type' },
    });
  });

  it('forces the flag off while open and ramps while recovering, decided on this rule', () => {
    const open = combineCircuitState(rule, circuitKvStateOf(event('circuit.opened', T1), 1));
    expect(open.circuitStatus).toEqual({ state: 'open', recoveryPercentage: 0, changedAt: T1 });
    expect(effectiveRolloutPercentage(open)).toBe(0);
    const ramp = combineCircuitState(
      rule,
      circuitKvStateOf(event('circuit.recovering', T2, 5, 10, 2), 2),
    );
    expect(effectiveRolloutPercentage(ramp)).toBe(10);
  });

  it('keeps a later decision over Tower folding an earlier one (no replayed trip)', () => {
    // Tower folded the opened event: version 6, active false, open since the decision's time.
    const folded: FlagRule = {
      ...rule,
      version: 6,
      active: false,
      circuitStatus: { state: 'open', recoveryPercentage: 0, changedAt: T1 },
    };
    const closedLater = circuitKvStateOf(event('circuit.closed', T2, 5, 100, 4), 4);
    const eff = combineCircuitState(folded, closedLater);
    expect(eff.active).toBe(true);
    expect(effectiveRolloutPercentage(eff)).toBe(100);
    // The same decision Tower has folded: the rule stands as it is.
    const same = circuitKvStateOf(event('circuit.opened', T1), 1);
    expect(combineCircuitState(folded, same)).toBe(folded);
  });

  it('lets a human change to the circuit made after the decision win', () => {
    const reset: FlagRule = {
      ...rule,
      version: 6,
      circuitStatus: { ...rule.circuitStatus, changedAt: T2 },
    };
    const opened = circuitKvStateOf(event('circuit.opened', T1), 1);
    expect(combineCircuitState(reset, opened)).toBe(reset);
    expect(isCircuitDecisionStale({ version: 6, changedAt: T2 }, opened.event)).toBe(true);
    // A rollout edit after the trip leaves the circuit alone: still open.
    const edit: FlagRule = { ...rule, version: 6, rolloutPercentage: 50 };
    expect(effectiveRolloutPercentage(combineCircuitState(edit, opened))).toBe(0);
    expect(isCircuitDecisionStale({ version: 6, changedAt: T0 }, opened.event)).toBe(false);
    // A human switching the flag off keeps it off whatever the circuit says.
    const off: FlagRule = { ...rule, version: 6, active: false };
    const recovering = circuitKvStateOf(event('circuit.recovering', T2, 5, 10, 2), 2);
    expect(combineCircuitState(off, recovering).active).toBe(false);
  });

  it('ignores a state of another flag', () => {
    const other = { ...circuitKvStateOf(event('circuit.opened', T1), 1), flagKey: 'x' };
    expect(combineCircuitState(rule, other)).toBe(rule);
    expect(combineCircuitState(rule, null)).toBe(rule);
  });
});
