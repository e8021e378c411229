import type { ApiTokenDto, Role } from '@tailslide/contracts';
import type { Queryable } from '../db.js';

interface Row {
  id: number;
  name: string;
  role: Role;
  created_at: Date;
  created_by: string;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const COLUMNS = 'id, name, role, created_at, created_by, last_used_at, revoked_at';

const toDto = (r: Row): ApiTokenDto => ({
  id: String(r.id),
  name: r.name,
  role: r.role,
  createdAt: r.created_at.toISOString(),
  createdBy: r.created_by,
  lastUsedAt: r.last_used_at ? r.last_used_at.toISOString() : null,
  revokedAt: r.revoked_at ? r.revoked_at.toISOString() : null,
});

/** Tokens after `afterId`, oldest first, `limit + 1` rows. */
export async function listTokens(
  db: Queryable,
  afterId: number,
  limit: number,
): Promise<ApiTokenDto[]> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM api_tokens WHERE id > $1 ORDER BY id LIMIT $2`,
    [afterId, limit + 1],
  );
  return rows.map(toDto);
}

/** Stores a token by the hash of its secret (a live duplicate name raises 23505). */
export async function insertToken(
  db: Queryable,
  t: { name: string; role: Role; secretHash: string; createdBy: string },
): Promise<ApiTokenDto> {
  const { rows } = await db.query<Row>(
    `INSERT INTO api_tokens (name, role, secret_hash, created_by) VALUES ($1, $2, $3, $4)
     RETURNING ${COLUMNS}`,
    [t.name, t.role, t.secretHash, t.createdBy],
  );
  return toDto(rows[0]!);
}

/** One token, row-locked. */
export async function findTokenForUpdate(db: Queryable, id: number): Promise<ApiTokenDto | null> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM api_tokens WHERE id = $1 FOR UPDATE`,
    [id],
  );
  return rows[0] ? toDto(rows[0]) : null;
}

/** Marks a token revoked. */
export async function revokeToken(db: Queryable, id: number, now: Date): Promise<ApiTokenDto> {
  const { rows } = await db.query<Row>(
    `UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, now],
  );
  return toDto(rows[0]!);
}

/** The live token with this secret hash. */
export async function findLiveToken(
  db: Queryable,
  secretHash: string,
): Promise<ApiTokenDto | null> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM api_tokens WHERE secret_hash = $1 AND revoked_at IS NULL`,
    [secretHash],
  );
  return rows[0] ? toDto(rows[0]) : null;
}

/** True when the token exists and is not revoked. */
export async function tokenIsLive(db: Queryable, id: number): Promise<boolean> {
  const { rowCount } = await db.query(
    'SELECT 1 FROM api_tokens WHERE id = $1 AND revoked_at IS NULL',
    [id],
  );
  return (rowCount ?? 0) > 0;
}

/** Records a use. */
export async function touchToken(db: Queryable, id: number, now: Date): Promise<void> {
  await db.query('UPDATE api_tokens SET last_used_at = $2 WHERE id = $1', [id, now]);
}
