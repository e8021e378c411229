import type { WebhookDto } from '@tailslide/contracts';
import type { Queryable } from '../db.js';
import { maskWebhookUrl } from './webhook-url.js';

interface Row {
  id: number;
  name: string;
  url: string;
  created_at: Date;
}

const toDto = (r: Row): WebhookDto => ({
  id: String(r.id),
  name: r.name,
  urlMasked: maskWebhookUrl(r.url),
  createdAt: r.created_at.toISOString(),
});

/** Webhooks after `afterId`, oldest first, `limit + 1` rows (the extra one says a next page exists). */
export async function listWebhooks(
  db: Queryable,
  afterId: number,
  limit: number,
): Promise<WebhookDto[]> {
  const { rows } = await db.query<Row>(
    'SELECT * FROM webhooks WHERE id > $1 ORDER BY id LIMIT $2',
    [afterId, limit + 1],
  );
  return rows.map(toDto);
}

/** Stores a (validated) webhook. */
export async function insertWebhook(db: Queryable, name: string, url: string): Promise<WebhookDto> {
  const { rows } = await db.query<Row>(
    'INSERT INTO webhooks (name, url) VALUES ($1, $2) RETURNING *',
    [name, url],
  );
  return toDto(rows[0]!);
}

/** Deletes a webhook (its subscriptions and deliveries cascade); `null` when there was none. */
export async function deleteWebhook(db: Queryable, id: number): Promise<WebhookDto | null> {
  const { rows } = await db.query<Row>('DELETE FROM webhooks WHERE id = $1 RETURNING *', [id]);
  return rows[0] ? toDto(rows[0]) : null;
}

/** True when the webhook exists. */
export async function webhookExists(db: Queryable, id: number): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM webhooks WHERE id = $1', [id]);
  return (rowCount ?? 0) > 0;
}
