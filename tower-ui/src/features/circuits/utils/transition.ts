import type { AuditEntryDto } from '@tailslide/contracts';

/**
 * The recovery percentage a circuit transition left the flag at, from its audit row: the `after`
 * of the `circuitStatus.recoveryPercentage` change (rows store only what changed), or, for rows
 * written before `changes` existed, the whole `after` entity. `null` when it did not change.
 */
export function recoveryAfter(entry: Pick<AuditEntryDto, 'changes' | 'after'>): number | null {
  const change = entry.changes.find(
    (c) => c.field === 'circuitStatus.recoveryPercentage' || c.field === 'recoveryPercentage',
  );
  if (change) return typeof change.after === 'number' ? change.after : null;
  const after = entry.after;
  if (typeof after !== 'object' || after === null) return null;
  const a = after as {
    recoveryPercentage?: unknown;
    circuitStatus?: { recoveryPercentage?: unknown };
  };
  const v = a.circuitStatus?.recoveryPercentage ?? a.recoveryPercentage;
  return typeof v === 'number' ? v : null;
}
