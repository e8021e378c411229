import { createHash, randomBytes } from 'node:crypto';
import type { CreatedSdkKeyDto, SdkKeyDto } from '@tailslide/contracts';
import type pg from 'pg';
import { appendAudit, AuditAction, type ChangeContext } from '../audit/audit-service.js';
import type { ChangeFeed } from '../change-feed.js';
import { withTransaction } from '../db.js';
import { NotFoundError } from '../errors.js';
import { parseId } from '../validation.js';
import {
  findSdkKeyForUpdate,
  insertSdkKey,
  isLiveSdkKeyHash,
  listSdkKeys,
  revokeSdkKey,
} from './sdk-key-store.js';

/**
 * Hash of a key. The keys are 256 random bits, so a fast hash is enough: nobody can brute-force
 * the preimage of a uniformly random 256-bit secret, and a slow KDF (scrypt) only matters for
 * low-entropy secrets such as passwords. A fast hash also keeps per-request checks cheap.
 */
export function hashSdkKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** SDK keys: created with a random secret, stored hashed, revocable. */
export class SdkKeyService {
  readonly #pool: pg.Pool;
  readonly #feed: ChangeFeed;

  constructor(deps: { pool: pg.Pool; feed: ChangeFeed }) {
    this.#pool = deps.pool;
    this.#feed = deps.feed;
  }

  list(): Promise<SdkKeyDto[]> {
    return listSdkKeys(this.#pool);
  }

  async create(name: string, ctx: ChangeContext): Promise<CreatedSdkKeyDto> {
    const key = `tsk_${randomBytes(32).toString('base64url')}`;
    const prefix = key.slice(0, 12);
    const { dto, audit } = await withTransaction(this.#pool, async (tx) => {
      const dto = await insertSdkKey(tx, name, prefix, hashSdkKey(key));
      const audit = await appendAudit(tx, ctx, {
        action: AuditAction.sdkKeyCreated,
        entityType: 'sdk_key',
        entityId: dto.id,
        appId: null,
        flagKey: null,
        before: null,
        after: dto,
      });
      return { dto, audit };
    });
    this.#feed.auditAppended(audit);
    return { id: dto.id, name: dto.name, prefix: dto.prefix, createdAt: dto.createdAt, key };
  }

  async revoke(idRaw: string, ctx: ChangeContext): Promise<void> {
    const id = parseId(idRaw, 'SDK key');
    const audit = await withTransaction(this.#pool, async (tx) => {
      const before = await findSdkKeyForUpdate(tx, id);
      if (!before) throw new NotFoundError('SDK key');
      if (before.revokedAt) return null;
      const after = await revokeSdkKey(tx, id);
      return appendAudit(tx, ctx, {
        action: AuditAction.sdkKeyRevoked,
        entityType: 'sdk_key',
        entityId: before.id,
        appId: null,
        flagKey: null,
        before,
        after,
      });
    });
    if (audit) this.#feed.auditAppended(audit);
  }

  /** True when `key` is a live (not revoked) SDK key. */
  verify(key: string): Promise<boolean> {
    return isLiveSdkKeyHash(this.#pool, hashSdkKey(key));
  }
}
