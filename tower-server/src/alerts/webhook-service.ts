import type pg from 'pg';
import { appendAudit, AuditAction, type ChangeContext } from '../audit/audit-store.js';
import type { ChangeFeed } from '../change-feed.js';
import { withTransaction } from '../db.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { parseId } from '../validation.js';
import { listDeliveries, type AlertDeliveryDto } from './alert-store.js';
import { checkWebhookUrl, maskWebhookUrl } from './webhook-url.js';

/** A webhook as the API shows it: the URL is a secret, so only a masked form leaves Tower. */
export interface WebhookDto {
  readonly id: string;
  readonly name: string;
  readonly urlMasked: string;
  readonly createdAt: string;
}

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

/** Alert webhooks (Slack incoming webhooks). */
export class WebhookService {
  readonly #pool: pg.Pool;
  readonly #feed: ChangeFeed;
  readonly #allowedHosts: readonly string[];

  constructor(deps: { pool: pg.Pool; feed: ChangeFeed; allowedHosts: readonly string[] }) {
    this.#pool = deps.pool;
    this.#feed = deps.feed;
    this.#allowedHosts = deps.allowedHosts;
  }

  async list(): Promise<WebhookDto[]> {
    const { rows } = await this.#pool.query<Row>('SELECT * FROM webhooks ORDER BY id');
    return rows.map(toDto);
  }

  async create(name: string, url: string, ctx: ChangeContext): Promise<WebhookDto> {
    const check = checkWebhookUrl(url, this.#allowedHosts);
    if (!check.ok)
      throw new ValidationError(`invalid webhook url: ${check.reason}`, [
        { path: 'url', message: check.reason },
      ]);
    const { dto, audit } = await withTransaction(this.#pool, async (tx) => {
      const { rows } = await tx.query<Row>(
        'INSERT INTO webhooks (name, url) VALUES ($1, $2) RETURNING *',
        [name, check.url.toString()],
      );
      const dto = toDto(rows[0]!);
      const audit = await appendAudit(tx, ctx, {
        action: AuditAction.webhookCreated,
        entityType: 'webhook',
        entityId: dto.id,
        appId: null,
        flagKey: null,
        before: null,
        after: dto,
      });
      return { dto, audit };
    });
    this.#feed.auditAppended(audit);
    return dto;
  }

  async delete(idRaw: string, ctx: ChangeContext): Promise<void> {
    const id = parseId(idRaw, 'webhook');
    const audit = await withTransaction(this.#pool, async (tx) => {
      const { rows } = await tx.query<Row>('DELETE FROM webhooks WHERE id = $1 RETURNING *', [id]);
      if (!rows[0]) throw new NotFoundError('webhook');
      return appendAudit(tx, ctx, {
        action: AuditAction.webhookDeleted,
        entityType: 'webhook',
        entityId: String(id),
        appId: null,
        flagKey: null,
        before: toDto(rows[0]),
        after: null,
      });
    });
    this.#feed.auditAppended(audit);
  }

  async deliveries(idRaw: string): Promise<AlertDeliveryDto[]> {
    const id = parseId(idRaw, 'webhook');
    const { rowCount } = await this.#pool.query('SELECT 1 FROM webhooks WHERE id = $1', [id]);
    if (!rowCount) throw new NotFoundError('webhook');
    return listDeliveries(this.#pool, id);
  }
}
