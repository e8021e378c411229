import type { AuditEntryDto } from '@tailslide/contracts';
import { describe, expect, it } from 'vitest';
import {
  appendPage,
  changedFields,
  filtersFromSearch,
  filtersToSearch,
  isoToLocalInput,
  localInputToIso,
  matchesLogFilters,
  mergeEntries,
} from './log-filters.js';

const entry = (over: Partial<AuditEntryDto> = {}): AuditEntryDto => ({
  id: '1',
  actor: 'dashboard',
  action: 'flag.toggled_on',
  entityType: 'flag',
  entityId: '7',
  appId: '1',
  flagKey: 'checkout',
  changes: [],
  reason: null,
  requestId: null,
  at: '2026-01-01T12:00:00.000Z',
  ...over,
});

describe('matchesLogFilters', () => {
  it('matches on every filter given', () => {
    expect(matchesLogFilters(entry(), {})).toBe(true);
    expect(
      matchesLogFilters(entry(), {
        appId: '1',
        flagKey: 'checkout',
        action: 'flag.toggled_on',
        actor: 'dashboard',
      }),
    ).toBe(true);
    expect(matchesLogFilters(entry(), { appId: '2' })).toBe(false);
    expect(matchesLogFilters(entry(), { actor: 'airbag' })).toBe(false);
    expect(matchesLogFilters(entry(), { action: 'circuit.opened' })).toBe(false);
  });
  it('understands wildcards and comma lists in the action filter', () => {
    expect(matchesLogFilters(entry({ action: 'circuit.opened' }), { action: 'circuit.*' })).toBe(
      true,
    );
    expect(matchesLogFilters(entry({ action: 'flag.updated' }), { action: 'circuit.*' })).toBe(
      false,
    );
    expect(
      matchesLogFilters(entry({ action: 'flag.updated' }), { action: 'circuit.*, flag.updated' }),
    ).toBe(true);
  });
  it('honours the time range inclusively', () => {
    expect(
      matchesLogFilters(entry(), {
        from: '2026-01-01T12:00:00.000Z',
        to: '2026-01-01T12:00:00.000Z',
      }),
    ).toBe(true);
    expect(matchesLogFilters(entry(), { from: '2026-01-01T12:00:01.000Z' })).toBe(false);
    expect(matchesLogFilters(entry(), { to: '2026-01-01T11:59:59.000Z' })).toBe(false);
  });
});

describe('URL round trip', () => {
  it('keeps non-empty filters only', () => {
    const q = filtersToSearch({ appId: '3', actor: '', action: 'flag.updated' });
    expect(q.toString()).toBe('appId=3&action=flag.updated');
    expect(filtersFromSearch(q)).toEqual({ appId: '3', action: 'flag.updated' });
  });
});

describe('merging pages and live entries', () => {
  it('prepends live entries once', () => {
    const out = mergeEntries([entry({ id: '1' })], [entry({ id: '2' }), entry({ id: '1' })]);
    expect(out.map((e) => e.id)).toEqual(['2', '1']);
  });
  it('appends older pages once', () => {
    expect(
      appendPage([entry({ id: '2' })], [entry({ id: '2' }), entry({ id: '1' })]).map((e) => e.id),
    ).toEqual(['2', '1']);
  });
});

describe('datetime-local conversion', () => {
  it('round-trips through ISO in local time', () => {
    const iso = localInputToIso('2026-03-04T05:06');
    expect(iso).toBeDefined();
    expect(isoToLocalInput(iso)).toBe('2026-03-04T05:06');
    expect(localInputToIso('')).toBeUndefined();
    expect(localInputToIso('nope')).toBeUndefined();
  });
});

describe('changedFields', () => {
  it('lists what an update changed, ignoring bookkeeping', () => {
    expect(
      changedFields(
        { title: 'a', rolloutPercentage: 5, version: 1 },
        { title: 'a', rolloutPercentage: 6, version: 2 },
      ),
    ).toEqual(['rolloutPercentage']);
    expect(changedFields(null, { a: 1 })).toEqual([]);
    expect(
      changedFields(
        { circuit: { windowMs: 1, enabled: true }, whitelist: ['a'] },
        { circuit: { windowMs: 2, enabled: true }, whitelist: [] },
      ),
    ).toEqual(['circuit.windowMs', 'whitelist']);
  });
});
