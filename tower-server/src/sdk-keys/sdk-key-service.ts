import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import { appendAudit, AuditAction, type ChangeContext } from '../audit/audit-store.js';
import type { ChangeFeed } from '../change-feed.js';
import { withTransaction } from '../db.js';
import { NotFoundError } from '../errors.js';
import { parseId } from '../validation.js';

/** An SDK key as listed (never the key itself). */
export interface SdkKeyDto {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

/** The answer to a create: the plaintext key, shown once. */
export interface CreatedSdkKeyDto {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly createdAt: string;
  readonly key: string;
}

interface Row {
  id: number;
  name: string;
  prefix: string;
  created_at: Date;
  revoked_at: Date | null;
}

const toDto = (r: Row): SdkKeyDto => ({
  id: String(r.id),
  name: r.name,
  prefix: r.prefix,
  createdAt: r.created_at.toISOString(),
  revokedAt: r.revoked_at ? r.revoked_at.toISOString() : null,
});

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

  async list(): Promise<SdkKeyDto[]> {
    const { rows } = await this.#pool.query<Row>(
      'SELECT id, name, prefix, created_at, revoked_at FROM sdk_keys ORDER BY id',
    );
    return rows.map(toDto);
  }

  async create(name: string, ctx: ChangeContext): Promise<CreatedSdkKeyDto> {
    const key = `tsk_${randomBytes(32).toString('base64url')}`;
    const prefix = key.slice(0, 12);
    const { dto, audit } = await withTransaction(this.#pool, async (tx) => {
      const { rows } = await tx.query<Row>(
        'INSERT INTO sdk_keys (name, prefix, key_hash) VALUES ($1, $2, $3) RETURNING id, name, prefix, created_at, revoked_at',
        [name, prefix, hashSdkKey(key)],
      );
      const dto = toDto(rows[0]!);
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
      const { rows } = await tx.query<Row>(
        'SELECT id, name, prefix, created_at, revoked_at FROM sdk_keys WHERE id = $1 FOR UPDATE',
        [id],
      );
      if (!rows[0]) throw new NotFoundError('SDK key');
      if (rows[0].revoked_at) return null;
      const before = toDto(rows[0]);
      const upd = await tx.query<Row>(
        'UPDATE sdk_keys SET revoked_at = now() WHERE id = $1 RETURNING id, name, prefix, created_at, revoked_at',
        [id],
      );
      return appendAudit(tx, ctx, {
        action: AuditAction.sdkKeyRevoked,
        entityType: 'sdk_key',
        entityId: before.id,
        appId: null,
        flagKey: null,
        before,
        after: toDto(upd.rows[0]!),
      });
    });
    if (audit) this.#feed.auditAppended(audit);
  }

  /** True when `key` is a live (not revoked) SDK key. */
  async verify(key: string): Promise<boolean> {
    const { rowCount } = await this.#pool.query(
      'SELECT 1 FROM sdk_keys WHERE key_hash = $1 AND revoked_at IS NULL',
      [hashSdkKey(key)],
    );
    return (rowCount ?? 0) > 0;
  }
}
