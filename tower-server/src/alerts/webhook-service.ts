import type { Page, WebhookDeliveryDto, WebhookDto } from '@tailslide/contracts';
import type pg from 'pg';
import { appendAudit, AuditAction, type ChangeContext } from '../audit/audit-service.js';
import type { ChangeFeed } from '../change-feed.js';
import { withTransaction } from '../db.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { idPage, type PageRequest } from '../paging.js';
import { parseId } from '../validation.js';
import { listDeliveries } from './alert-store.js';
import { checkWebhookUrl } from './webhook-url.js';
import { deleteWebhook, insertWebhook, listWebhooks, webhookExists } from './webhook-store.js';

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

  list(page: PageRequest): Promise<Page<WebhookDto>> {
    return idPage(page, (afterId, limit) => listWebhooks(this.#pool, afterId, limit));
  }

  async create(name: string, url: string, ctx: ChangeContext): Promise<WebhookDto> {
    const check = checkWebhookUrl(url, this.#allowedHosts);
    if (!check.ok) {
      throw new ValidationError(`invalid webhook url: ${check.reason}`, [
        { path: 'url', message: check.reason },
      ]);
    }
    const { dto, audit } = await withTransaction(this.#pool, async (tx) => {
      const dto = await insertWebhook(tx, name, check.url.toString());
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
      const before = await deleteWebhook(tx, id);
      if (!before) throw new NotFoundError('webhook');
      return appendAudit(tx, ctx, {
        action: AuditAction.webhookDeleted,
        entityType: 'webhook',
        entityId: before.id,
        appId: null,
        flagKey: null,
        before,
        after: null,
      });
    });
    this.#feed.auditAppended(audit);
  }

  async deliveries(idRaw: string): Promise<WebhookDeliveryDto[]> {
    const id = parseId(idRaw, 'webhook');
    if (!(await webhookExists(this.#pool, id))) throw new NotFoundError('webhook');
    return listDeliveries(this.#pool, id);
  }
}
