import type { Queryable } from '../db.js';

/** How an event id was handled, recorded once per id. */
export type RecordedOutcome = 'applied' | 'stale' | 'unknown_flag' | 'invalid_transition';

/**
 * Claims an event id for this transaction; `false` when it was handled before (a redelivery).
 * The row commits or rolls back with the event's effect, so "handled" means "committed".
 */
export async function claimCircuitEvent(
  db: Queryable,
  eventId: string,
  appId: number,
  flagKey: string,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO applied_circuit_events (event_id, app_id, flag_key, outcome) VALUES ($1, $2, $3, 'applied')
     ON CONFLICT (event_id) DO NOTHING`,
    [eventId, appId, flagKey],
  );
  return (rowCount ?? 0) > 0;
}

/** Records why a claimed event had no effect. */
export async function setCircuitEventOutcome(
  db: Queryable,
  eventId: string,
  outcome: RecordedOutcome,
): Promise<void> {
  await db.query('UPDATE applied_circuit_events SET outcome = $2 WHERE event_id = $1', [
    eventId,
    outcome,
  ]);
}
