import { DEFAULT_CIRCUIT_SETTINGS, type FlagDto } from '@tailslide/contracts';
import { describe, expect, it } from 'vitest';
import { flagFromEvent, newerFlag, removeFlag, upsertFlag } from './flag-list.js';

const flag = (key: string, version: number, active = true): FlagDto => ({
  id: key,
  appId: '1',
  key,
  title: key,
  description: '',
  active,
  rolloutPercentage: 100,
  whitelist: [],
  circuit: DEFAULT_CIRCUIT_SETTINGS,
  circuitStatus: { state: 'closed', recoveryPercentage: 100, changedAt: '' },
  alertWebhookIds: [],
  version,
  createdAt: '',
  updatedAt: '',
});

describe('upsertFlag', () => {
  it('appends a flag it has not seen', () => {
    expect(upsertFlag([flag('a', 1)], flag('b', 1)).map((f) => f.key)).toEqual(['a', 'b']);
  });
  it('replaces with a newer or equal version, in place', () => {
    const out = upsertFlag([flag('a', 1), flag('b', 1)], flag('a', 2, false));
    expect(out.map((f) => f.key)).toEqual(['a', 'b']);
    expect(out[0]!.active).toBe(false);
  });
  it('ignores a stale copy that arrives late', () => {
    const out = upsertFlag([flag('a', 5, false)], flag('a', 4, true));
    expect(out[0]!.active).toBe(false);
    expect(newerFlag(flag('a', 5, false), flag('a', 4)).version).toBe(5);
  });
  it('removes a deleted flag', () => {
    expect(removeFlag([flag('a', 1), flag('b', 1)], '1', 'a').map((f) => f.key)).toEqual(['b']);
  });
});

describe('flagFromEvent', () => {
  it('rebuilds the flag when the event carried its whitelist', () => {
    const f = { ...flag('a', 2), whitelist: ['u1'] };
    expect(flagFromEvent({ ...f, whitelistSize: 1 })).toEqual(f);
  });

  it('returns null when the whitelist was left out (the caller fetches the flag)', () => {
    expect(flagFromEvent({ ...flag('a', 2), whitelist: null, whitelistSize: 5_000 })).toBeNull();
  });
});
