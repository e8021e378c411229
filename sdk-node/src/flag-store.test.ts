import {
  circuitEventId,
  circuitKvStateOf,
  encodeCircuitKvState,
  encodeFlagRule,
  type CircuitEvent,
} from '@tailslide/contracts';
import { describe, expect, it } from 'vitest';
import { FlagStore, MAX_EMPTY_SLOTS } from './flag-store.js';
import { testFlagRule } from './testing.js';

const rule = (version: number, over = {}) =>
  testFlagRule({ appId: 'shop', flagKey: 'f', version, ...over });

function circuitState(type: CircuitEvent['type'], at: string, seq: number, pct = 0): string {
  const event: CircuitEvent = {
    schemaVersion: 1,
    id: circuitEventId('shop', 'f', 2, type, seq),
    type,
    appId: 'shop',
    flagKey: 'f',
    ruleVersion: 2,
    recoveryPercentage: pct,
    occurredAt: at,
    stats: null,
    reason: '',
  };
  return encodeCircuitKvState(circuitKvStateOf(event, seq));
}

describe('FlagStore', () => {
  it("combines a flag's rule with Airbag's circuit state, whichever arrives first", () => {
    const s = new FlagStore('shop');
    const at = new Date(Date.now() + 60_000).toISOString();
    expect(s.applyCircuit('f', circuitState('circuit.opened', at, 1), 20).changed).toBe(false);
    expect(s.applyValue('f', encodeFlagRule(rule(2)), 10).changed).toBe(true);
    expect(s.slot('f').flag?.active).toBe(false);
    const later = new Date(Date.now() + 120_000).toISOString();
    expect(s.applyCircuit('f', circuitState('circuit.closed', later, 2, 100), 21).changed).toBe(
      true,
    );
    expect(s.slot('f').flag?.active).toBe(true);
    // A replay of the older state is ignored; a bad entry is reported and ignored.
    expect(s.applyCircuit('f', circuitState('circuit.opened', at, 1), 20).changed).toBe(false);
    expect(s.applyCircuit('f', '{', 22).error?.code).toBe('invalid_json');
    expect(s.slot('f').flag?.active).toBe(true);
    // Deleted: the rule alone.
    expect(s.applyCircuit('f', circuitState('circuit.opened', at, 3), 23).changed).toBe(true);
    expect(s.applyCircuit('f', null, 24).changed).toBe(true);
    expect(s.slot('f').flag?.active).toBe(true);
  });

  it('applies an entry only when its version is newer than the one held', () => {
    const s = new FlagStore('shop');
    expect(s.applyValue('f', encodeFlagRule(rule(2)), 10).changed).toBe(true);
    expect(s.applyValue('f', encodeFlagRule(rule(2, { active: false })), 11).changed).toBe(false);
    expect(s.applyValue('f', encodeFlagRule(rule(1, { active: false })), 12).changed).toBe(false);
    expect(s.slot('f').flag?.active).toBe(true);
    expect(s.applyValue('f', encodeFlagRule(rule(3, { active: false })), 13).changed).toBe(true);
    expect(s.slot('f').flag?.active).toBe(false);
  });

  it('treats a replay of an entry older than a delete as a no-op, and a later re-create as new', () => {
    const s = new FlagStore('shop');
    s.applyValue('f', encodeFlagRule(rule(5)), 10);
    expect(s.applyDelete('f', 11).changed).toBe(true);
    expect(s.applyValue('f', encodeFlagRule(rule(5)), 10).changed).toBe(false);
    expect(s.slot('f').flag).toBeNull();
    expect(s.applyValue('f', encodeFlagRule(rule(1)), 12).changed).toBe(true);
    expect(s.slot('f').flag?.rule.version).toBe(1);
  });

  it('keeps serving the last good rule when a newer entry does not parse, and marks the flag invalid', () => {
    const s = new FlagStore('shop');
    s.applyValue('f', encodeFlagRule(rule(1)), 1);
    const bad = s.applyValue('f', '{not json', 2);
    expect(bad.error?.code).toBe('invalid_json');
    expect(bad.changed).toBe(false);
    expect(s.slot('f').flag?.rule.version).toBe(1);
    expect(s.slot('f').invalid).toMatchObject({ version: null, revision: 2 });
    expect(s.rules().map((r) => r.version)).toEqual([1]); // what a snapshot would save
    const other = s.applyValue(
      'g',
      encodeFlagRule(testFlagRule({ appId: 'other', flagKey: 'g' })),
      3,
    );
    expect(other.error?.path).toBe('appId');
    expect(s.slot('g').flag).toBeNull();
    expect(s.applyValue('f', encodeFlagRule(rule(2)), 4).changed).toBe(true);
    expect(s.slot('f').invalid).toBeNull();
  });

  it('ignores a bad entry whose version is not newer than the rule held (version ordering)', () => {
    const s = new FlagStore('shop');
    s.applyValue('f', encodeFlagRule(rule(5)), 1);
    const older = s.applyValue('f', JSON.stringify({ ...rule(3), rolloutPercentage: 'lots' }), 2);
    expect(older).toEqual({ changed: false });
    expect(s.slot('f').invalid).toBeNull();
    expect(s.slot('f').flag?.rule.version).toBe(5);
  });

  it('reports a bad entry once per version, however often it is replayed or rewritten', () => {
    const s = new FlagStore('shop');
    s.applyValue('f', encodeFlagRule(rule(1)), 1);
    const garbage = JSON.stringify({ ...rule(2), active: 'yes' });
    expect(s.applyValue('f', garbage, 2).error).toBeDefined();
    expect(s.applyValue('f', garbage, 2).error).toBeUndefined(); // a replay after a resync
    expect(s.applyValue('f', garbage, 3).error).toBeUndefined(); // the same version written again
    expect(s.applyValue('f', JSON.stringify({ ...rule(3), active: 'yes' }), 4).error).toBeDefined();
    expect(s.slot('f').invalid?.version).toBe(3);
  });

  it('holds a bounded number of slots whatever names togglers ask for, and detaches the ones it drops', () => {
    const s = new FlagStore('shop');
    s.applyRule(testFlagRule({ appId: 'shop', flagKey: 'kept' }), 1);
    const first = s.slot('n0');
    for (let i = 1; i <= MAX_EMPTY_SLOTS * 3; i++) s.slot(`n${i}`);
    expect(s.size).toBeLessThanOrEqual(MAX_EMPTY_SLOTS + 1);
    expect(first.detached).toBe(true);
    expect(s.slot('kept').flag).not.toBeNull(); // slots with a rule are never dropped
    expect(s.slot('n0')).not.toBe(first);
  });

  it('drops flags not seen in a full resync', () => {
    const s = new FlagStore('shop');
    s.applyRule(testFlagRule({ appId: 'shop', flagKey: 'a' }), 0);
    s.applyRule(testFlagRule({ appId: 'shop', flagKey: 'b' }), 0);
    expect(s.retainOnly(new Set(['a']))).toEqual(['b']);
    expect(s.rules().map((r) => r.flagKey)).toEqual(['a']);
  });
});
