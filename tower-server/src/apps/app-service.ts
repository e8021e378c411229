import type { AppDto, Page } from '@tailslide/contracts';
import type pg from 'pg';
import { appendAudit, AuditAction, type ChangeContext } from '../audit/audit-service.js';
import type { ChangeFeed } from '../change-feed.js';
import { withTransaction, type Queryable } from '../db.js';
import { NotFoundError } from '../errors.js';
import { deleteAppFlagsInTx } from '../flags/flag-service.js';
import { idPage, type PageRequest } from '../paging.js';
import { parseId } from '../validation.js';
import {
  appExists,
  deleteAppRow,
  findApp,
  insertApp,
  listApps,
  updateAppTitle,
} from './app-store.js';

export { findApp } from './app-store.js';

/** Throws 404 unless the app exists (and key-share locks it for the transaction). */
export async function requireApp(db: Queryable, appId: number, lock = false): Promise<void> {
  if (!(await appExists(db, appId, lock))) throw new NotFoundError('app');
}

/** What {@link AppService} needs. */
export interface AppServiceDeps {
  readonly pool: pg.Pool;
  readonly feed: ChangeFeed;
}

/** Apps: create, rename, delete (with every flag, each audited and removed from the KV). */
export class AppService {
  readonly #pool: pg.Pool;
  readonly #feed: ChangeFeed;

  constructor(deps: AppServiceDeps) {
    this.#pool = deps.pool;
    this.#feed = deps.feed;
  }

  list(page: PageRequest): Promise<Page<AppDto>> {
    return idPage(page, (afterId, limit) => listApps(this.#pool, afterId, limit));
  }

  async get(idRaw: string): Promise<AppDto> {
    const app = await findApp(this.#pool, parseId(idRaw, 'app'));
    if (!app) throw new NotFoundError('app');
    return app;
  }

  async create(title: string, ctx: ChangeContext): Promise<AppDto> {
    const { app, audit } = await withTransaction(this.#pool, async (tx) => {
      const id = await insertApp(tx, title);
      const app = (await findApp(tx, id))!;
      const audit = await appendAudit(tx, ctx, {
        action: AuditAction.appCreated,
        entityType: 'app',
        entityId: app.id,
        appId: id,
        flagKey: null,
        before: null,
        after: app,
      });
      return { app, audit };
    });
    this.#feed.appChanged(app);
    this.#feed.auditAppended(audit);
    return app;
  }

  async update(idRaw: string, title: string, ctx: ChangeContext): Promise<AppDto> {
    const id = parseId(idRaw, 'app');
    const { app, audit } = await withTransaction(this.#pool, async (tx) => {
      const before = await findApp(tx, id, true);
      if (!before) throw new NotFoundError('app');
      if (before.title === title) return { app: before, audit: null };
      await updateAppTitle(tx, id, title);
      const app = (await findApp(tx, id))!;
      const audit = await appendAudit(tx, ctx, {
        action: AuditAction.appUpdated,
        entityType: 'app',
        entityId: app.id,
        appId: id,
        flagKey: null,
        before,
        after: app,
      });
      return { app, audit };
    });
    if (audit) {
      this.#feed.appChanged(app);
      this.#feed.auditAppended(audit);
    }
    return app;
  }

  async delete(idRaw: string, ctx: ChangeContext): Promise<void> {
    const id = parseId(idRaw, 'app');
    const { audits, flags } = await withTransaction(this.#pool, async (tx) => {
      const before = await findApp(tx, id, true);
      if (!before) throw new NotFoundError('app');
      const { flags, audits } = await deleteAppFlagsInTx(tx, id, ctx);
      await deleteAppRow(tx, id);
      audits.push(
        await appendAudit(tx, ctx, {
          action: AuditAction.appDeleted,
          entityType: 'app',
          entityId: before.id,
          appId: id,
          flagKey: null,
          before: { ...before, flagKeys: flags.map((f) => f.key) },
          after: null,
        }),
      );
      return { audits, flags };
    });
    for (const f of flags)
      this.#feed.flagDeleted({ appId: String(id), flagKey: f.key, id: String(f.id) });
    this.#feed.appDeleted(String(id));
    for (const a of audits) this.#feed.auditAppended(a);
    if (flags.length > 0) this.#feed.outboxWritten();
  }
}
