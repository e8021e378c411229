import {
  API_TOKEN_PREFIX,
  type ApiTokenDto,
  type CreatedApiTokenDto,
  type Page,
  type Role,
} from '@tailslide/contracts';
import type pg from 'pg';
import { appendAudit, AuditAction, type ChangeContext } from '../audit/audit-store.js';
import { hashSecret, randomSecret } from '../auth/secrets.js';
import type { ChangeFeed } from '../change-feed.js';
import { withTransaction } from '../db.js';
import { ConflictError, NotFoundError, pgErrorCode } from '../errors.js';
import { idPage, type PageRequest } from '../paging.js';
import { parseId } from '../validation.js';
import { findTokenForUpdate, insertToken, listTokens, revokeToken } from './token-store.js';

/** API tokens for automation: a random secret shown once, stored as its SHA-256, revocable. */
export class TokenService {
  readonly #pool: pg.Pool;
  readonly #feed: ChangeFeed;
  readonly #now: () => Date;

  constructor(deps: { pool: pg.Pool; feed: ChangeFeed; now?: () => Date }) {
    this.#pool = deps.pool;
    this.#feed = deps.feed;
    this.#now = deps.now ?? (() => new Date());
  }

  list(page: PageRequest): Promise<Page<ApiTokenDto>> {
    return idPage(page, (afterId, limit) => listTokens(this.#pool, afterId, limit));
  }

  async create(name: string, role: Role, ctx: ChangeContext): Promise<CreatedApiTokenDto> {
    const secret = randomSecret(API_TOKEN_PREFIX);
    const { token, audit } = await withTransaction(this.#pool, async (tx) => {
      let token: ApiTokenDto;
      try {
        token = await insertToken(tx, {
          name,
          role,
          secretHash: hashSecret(secret),
          createdBy: ctx.actor,
        });
      } catch (err) {
        if (pgErrorCode(err) === '23505')
          throw new ConflictError(`a live token named '${name}' already exists`);
        throw err;
      }
      const audit = await appendAudit(tx, ctx, {
        action: AuditAction.apiTokenCreated,
        entityType: 'api_token',
        entityId: token.id,
        appId: null,
        flagKey: null,
        before: null,
        after: { name: token.name, role: token.role },
      });
      return { token, audit };
    });
    this.#feed.auditAppended(audit);
    return { token, secret };
  }

  async revoke(idRaw: string, ctx: ChangeContext): Promise<void> {
    const id = parseId(idRaw, 'API token');
    const audit = await withTransaction(this.#pool, async (tx) => {
      const before = await findTokenForUpdate(tx, id);
      if (!before) throw new NotFoundError('API token');
      if (before.revokedAt) return null;
      const after = await revokeToken(tx, id, this.#now());
      return appendAudit(tx, ctx, {
        action: AuditAction.apiTokenRevoked,
        entityType: 'api_token',
        entityId: before.id,
        appId: null,
        flagKey: null,
        before: { name: before.name, revokedAt: null },
        after: { name: after.name, revokedAt: after.revokedAt },
      });
    });
    if (audit) this.#feed.auditAppended(audit);
  }
}
