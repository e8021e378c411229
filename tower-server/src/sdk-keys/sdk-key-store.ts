import type { SdkKeyDto } from '@tailslide/contracts';
import type { Queryable } from '../db.js';

interface Row {
  id: number;
  name: string;
  prefix: string;
  created_at: Date;
  revoked_at: Date | null;
}

const COLUMNS = 'id, name, prefix, created_at, revoked_at';

const toDto = (r: Row): SdkKeyDto => ({
  id: String(r.id),
  name: r.name,
  prefix: r.prefix,
  createdAt: r.created_at.toISOString(),
  revokedAt: r.revoked_at ? r.revoked_at.toISOString() : null,
});

/** Every key, oldest first. */
export async function listSdkKeys(db: Queryable): Promise<SdkKeyDto[]> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM sdk_keys ORDER BY id`);
  return rows.map(toDto);
}

/** Stores a new key by its hash. */
export async function insertSdkKey(
  db: Queryable,
  name: string,
  prefix: string,
  keyHash: string,
): Promise<SdkKeyDto> {
  const { rows } = await db.query<Row>(
    `INSERT INTO sdk_keys (name, prefix, key_hash) VALUES ($1, $2, $3) RETURNING ${COLUMNS}`,
    [name, prefix, keyHash],
  );
  return toDto(rows[0]!);
}

/** One key, row-locked. */
export async function findSdkKeyForUpdate(db: Queryable, id: number): Promise<SdkKeyDto | null> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM sdk_keys WHERE id = $1 FOR UPDATE`, [
    id,
  ]);
  return rows[0] ? toDto(rows[0]) : null;
}

/** Marks a key revoked. */
export async function revokeSdkKey(db: Queryable, id: number): Promise<SdkKeyDto> {
  const { rows } = await db.query<Row>(
    `UPDATE sdk_keys SET revoked_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
    [id],
  );
  return toDto(rows[0]!);
}

/** True when a live key has this hash. */
export async function isLiveSdkKeyHash(db: Queryable, keyHash: string): Promise<boolean> {
  const { rowCount } = await db.query(
    'SELECT 1 FROM sdk_keys WHERE key_hash = $1 AND revoked_at IS NULL',
    [keyHash],
  );
  return (rowCount ?? 0) > 0;
}
