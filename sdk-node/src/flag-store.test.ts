import { encodeFlagRule } from '@tailslide/contracts';
import { describe, expect, it } from 'vitest';
import { FlagStore } from './flag-store.js';
import { testFlagRule } from './testing.js';

const rule = (version: number, over = {}) =>
  testFlagRule({ appId: 'shop', flagKey: 'f', version, ...over });

describe('FlagStore', () => {
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

  it('marks a flag invalid when its latest entry does not parse, or belongs to another app', () => {
    const s = new FlagStore('shop');
    s.applyValue('f', encodeFlagRule(rule(1)), 1);
    const bad = s.applyValue('f', '{not json', 2);
    expect(bad.error?.code).toBe('invalid_json');
    expect(s.slot('f').flag).toBeNull();
    expect(s.slot('f').invalid).toBe(true);
    const other = s.applyValue(
      'g',
      encodeFlagRule(testFlagRule({ appId: 'other', flagKey: 'g' })),
      3,
    );
    expect(other.error?.path).toBe('appId');
    expect(s.applyValue('f', encodeFlagRule(rule(2)), 4).changed).toBe(true);
    expect(s.slot('f').invalid).toBe(false);
  });

  it('drops flags not seen in a full resync', () => {
    const s = new FlagStore('shop');
    s.applyRule(testFlagRule({ appId: 'shop', flagKey: 'a' }), 0);
    s.applyRule(testFlagRule({ appId: 'shop', flagKey: 'b' }), 0);
    expect(s.retainOnly(new Set(['a']))).toEqual(['b']);
    expect(s.rules().map((r) => r.flagKey)).toEqual(['a']);
  });
});
