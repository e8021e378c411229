import type { WebhookDeliveryDto, WebhookDeliveryStatus } from '@tailslide/contracts';
import type { Queryable } from '../db.js';

/** A delivery row the dispatcher works on. */
export interface AlertDeliveryRow {
  id: number;
  webhook_id: number;
  event_id: string;
  event_type: string;
  app_id: number;
  flag_key: string;
  payload: unknown;
  status: WebhookDeliveryStatus;
  attempts: number;
  next_attempt_at: Date;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Date;
  completed_at: Date | null;
}

/** Row → DTO. */
export function toDeliveryDto(r: AlertDeliveryRow): WebhookDeliveryDto {
  return {
    id: String(r.id),
    webhookId: String(r.webhook_id),
    eventId: r.event_id,
    eventType: r.event_type,
    appId: String(r.app_id),
    flagKey: r.flag_key,
    status: r.status,
    attempts: r.attempts,
    lastStatusCode: r.last_status_code,
    lastError: r.last_error,
    nextAttemptAt: r.status === 'pending' ? r.next_attempt_at.toISOString() : null,
    createdAt: r.created_at.toISOString(),
    completedAt: r.completed_at ? r.completed_at.toISOString() : null,
  };
}

/** Queues one delivery per webhook subscribed to the flag (inside the event's transaction). */
export async function queueAlerts(
  db: Queryable,
  flagId: number,
  e: { eventId: string; eventType: string; appId: number; flagKey: string; payload: unknown },
): Promise<number> {
  const { rowCount } = await db.query(
    `INSERT INTO alert_deliveries (webhook_id, event_id, event_type, app_id, flag_key, payload)
     SELECT w.webhook_id, $2, $3, $4, $5, $6 FROM flag_alert_webhooks w WHERE w.flag_id = $1
     ON CONFLICT (webhook_id, event_id) DO NOTHING`,
    [flagId, e.eventId, e.eventType, e.appId, e.flagKey, JSON.stringify(e.payload)],
  );
  return rowCount ?? 0;
}

/** Deliveries of one webhook, newest first. */
export async function listDeliveries(
  db: Queryable,
  webhookId: number,
  limit = 100,
): Promise<WebhookDeliveryDto[]> {
  const { rows } = await db.query<AlertDeliveryRow>(
    'SELECT * FROM alert_deliveries WHERE webhook_id = $1 ORDER BY id DESC LIMIT $2',
    [webhookId, limit],
  );
  return rows.map(toDeliveryDto);
}

/**
 * Claims up to `limit` deliveries due at `now` (with their webhook URL): each is leased until
 * `leaseUntil`, so another dispatcher skips it and a crash mid-send retries after the lease.
 */
export async function claimDueDeliveries(
  db: Queryable,
  now: Date,
  leaseUntil: Date,
  limit: number,
): Promise<(AlertDeliveryRow & { url: string })[]> {
  const { rows } = await db.query<AlertDeliveryRow & { url: string }>(
    `UPDATE alert_deliveries d SET next_attempt_at = $2
       FROM webhooks w
      WHERE w.id = d.webhook_id AND d.id IN (
        SELECT id FROM alert_deliveries WHERE status = 'pending' AND next_attempt_at <= $1
         ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)
     RETURNING d.*, w.url`,
    [now, leaseUntil, limit],
  );
  return rows;
}

/** The outcome of one attempt: done (`delivered` / `failed`), or `retry` at `nextAttemptAt`. */
export type AttemptRecord = {
  readonly attempts: number;
  readonly statusCode: number | null;
  readonly error: string | null;
} & (
  | { readonly status: 'delivered' | 'failed'; readonly completedAt: Date }
  | { readonly status: 'retry'; readonly nextAttemptAt: Date }
);

/** Records an attempt on a delivery. */
export async function recordAttempt(db: Queryable, id: number, a: AttemptRecord): Promise<void> {
  if (a.status === 'retry') {
    await db.query(
      `UPDATE alert_deliveries SET attempts = $2, last_status_code = $3, last_error = $4, next_attempt_at = $5 WHERE id = $1`,
      [id, a.attempts, a.statusCode, a.error, a.nextAttemptAt],
    );
    return;
  }
  await db.query(
    `UPDATE alert_deliveries SET status = $2, attempts = $3, last_status_code = $4, last_error = $5, completed_at = $6 WHERE id = $1`,
    [id, a.status, a.attempts, a.statusCode, a.error, a.completedAt],
  );
}
