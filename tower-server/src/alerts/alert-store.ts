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
