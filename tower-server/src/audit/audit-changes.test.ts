import { describe, expect, it } from 'vitest';
import { auditChanges, MAX_CHANGES_BYTES } from './audit-changes.js';

const flag = (over: Record<string, unknown> = {}) => ({
  id: '1',
  key: 'checkout',
  title: 'Checkout',
  active: false,
  rolloutPercentage: 100,
  whitelist: ['a', 'b'],
  circuit: { enabled: true, windowMs: 30_000 },
  version: 3,
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...over,
});

describe('auditChanges', () => {
  it('lists only the fields that changed, nested ones dotted, ignoring updatedAt', () => {
    const after = flag({
      active: true,
      circuit: { enabled: true, windowMs: 60_000 },
      version: 4,
      updatedAt: '2026-01-02T00:00:00.000Z',
    });
    expect(auditChanges(flag(), after)).toEqual([
      { field: 'active', before: false, after: true },
      { field: 'circuit.windowMs', before: 30_000, after: 60_000 },
      { field: 'version', before: 3, after: 4 },
    ]);
  });

  it('gives every field with a null before for a creation and a null after for a deletion', () => {
    const created = auditChanges(null, { title: 'A', tags: ['x'] });
    expect(created).toEqual([
      { field: 'tags', before: null, after: ['x'] },
      { field: 'title', before: null, after: 'A' },
    ]);
    expect(auditChanges({ title: 'A' }, null)).toEqual([
      { field: 'title', before: 'A', after: null },
    ]);
  });

  it('summarises a long list as size, added and removed', () => {
    const big = Array.from({ length: 1000 }, (_, i) => `user-${i}`);
    const changes = auditChanges(
      flag({ whitelist: big }),
      flag({ whitelist: [...big.slice(1), 'new'] }),
    );
    expect(changes).toEqual([
      { field: 'whitelist.added', before: null, after: ['new'] },
      { field: 'whitelist.removed', before: ['user-0'], after: null },
    ]);
  });

  it('stays under the size cap however large the entity is', () => {
    const huge = Array.from({ length: 10_000 }, (_, i) => `${'x'.repeat(250)}-${i}`);
    const changes = auditChanges(
      flag({ description: 'd'.repeat(2000) }),
      flag({ whitelist: huge, description: 'e'.repeat(2000) }),
    );
    expect(Buffer.byteLength(JSON.stringify(changes))).toBeLessThanOrEqual(MAX_CHANGES_BYTES);
    expect(changes.map((c) => c.field)).toEqual([
      'description',
      'whitelist.size',
      'whitelist.added',
      'whitelist.removed',
    ]);
    const wide = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`f${i}`, i]));
    expect(Buffer.byteLength(JSON.stringify(auditChanges(null, wide)))).toBeLessThanOrEqual(
      MAX_CHANGES_BYTES,
    );
  });

  it('finds nothing when nothing changed', () => {
    expect(auditChanges(flag(), flag({ updatedAt: 'later' }))).toEqual([]);
  });
});
