import {
  API_TOKEN_PREFIX,
  type ApiTokenDto,
  type CreatedApiTokenDto,
  type Page,
  type Role,
} from '@tailslide/contracts';
import type pg from 'pg';
import { appendAudit, AuditAction, type ChangeContext } from '../audit/audit-service.js';
import { hashSecret, randomSecret } from '../auth/secrets.js';
import type { ChangeFeed } from '../change-feed.js';
import { withTransaction } from '../db.js';
import { ConflictError, NotFoundError, pgErrorCode } from '../errors.js';
import { idPage, type PageRequest } from '../paging.js';
import { parseId } from '../validation.js';
import {
  findLiveToken,
  findTokenForUpdate,
  insertToken,
  listTokens,
  revokeToken,
  tokenIsLive,
  touchToken,
} from './token-store.js';

/** `last_used_at` is written at most this often per token. */
const TOUCH_EVERY_MS = 60_000;

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

  /** The live token whose secret this is (its last use recorded), or `null`. */
  async authenticate(secret: string, now: Date): Promise<ApiTokenDto | null> {
    const token = await findLiveToken(this.#pool, hashSecret(secret));
    if (!token) return null;
    const last = token.lastUsedAt ? Date.parse(token.lastUsedAt) : 0;
    if (now.getTime() - last >= TOUCH_EVERY_MS) await touchToken(this.#pool, Number(token.id), now);
    return token;
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
    if (audit) {
      this.#feed.auditAppended(audit);
      this.#feed.credentialsEnded();
    }
  }

  /** True while the token is not revoked (no last-use write: a check, not a use). */
  isLive(id: number): Promise<boolean> {
    return tokenIsLive(this.#pool, id);
  }
}
