import type { SdkKeyDto } from '@tailslide/contracts';
import type { Queryable } from '../db.js';

interface Row {
  id: string;
  name: string;
  app_id: string | null;
  prefix: string;
  created_at: Date;
  revoked_at: Date | null;
  note: string | null;
}

const COLUMNS = 'id::text, name, app_id::text, prefix, created_at, revoked_at, note';

const toDto = (r: Row): SdkKeyDto => ({
  id: r.id,
  name: r.name,
  appId: r.app_id,
  prefix: r.prefix,
  createdAt: r.created_at.toISOString(),
  revokedAt: r.revoked_at ? r.revoked_at.toISOString() : null,
  note: r.note,
});

/** Keys after `afterId`, oldest first, `limit + 1` rows; only `appId`'s when given. */
export async function listSdkKeys(
  db: Queryable,
  afterId: number,
  limit: number,
  appId: number | null = null,
): Promise<SdkKeyDto[]> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM sdk_keys WHERE id > $1 AND ($3::bigint IS NULL OR app_id = $3)
      ORDER BY id LIMIT $2`,
    [afterId, limit + 1, appId],
  );
  return rows.map(toDto);
}

/** Reserves a key's id (its credentials are minted with it, then stored by {@link completeSdkKey}). */
export async function nextSdkKeyId(db: Queryable): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    "SELECT nextval(pg_get_serial_sequence('sdk_keys', 'id'))::text AS id",
  );
  return rows[0]!.id;
}

/** What Tower stores of a new key (never its secret). */
export interface NewSdkKeyRow {
  readonly id: string;
  readonly name: string;
  readonly appId: string;
  readonly prefix: string;
  readonly keyHash: string;
  readonly natsPublicKey: string;
  readonly redisUser: string;
  readonly secretSha256: string;
}

/** Stores a new key under the id from {@link nextSdkKeyId}. */
export async function insertSdkKey(db: Queryable, k: NewSdkKeyRow): Promise<SdkKeyDto> {
  const { rows } = await db.query<Row>(
    `INSERT INTO sdk_keys (id, name, app_id, prefix, key_hash, nats_public_key, redis_user, secret_sha256)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
    [k.id, k.name, k.appId, k.prefix, k.keyHash, k.natsPublicKey, k.redisUser, k.secretSha256],
  );
  return toDto(rows[0]!);
}

/** One key, row-locked. */
export async function findSdkKeyForUpdate(
  db: Queryable,
  id: number,
): Promise<(SdkKeyDto & { redisUser: string | null }) | null> {
  const { rows } = await db.query<Row & { redis_user: string | null }>(
    `SELECT ${COLUMNS}, redis_user FROM sdk_keys WHERE id = $1 FOR UPDATE`,
    [id],
  );
  const row = rows[0];
  return row ? { ...toDto(row), redisUser: row.redis_user } : null;
}

/** Marks a key revoked. */
export async function revokeSdkKey(db: Queryable, id: number): Promise<SdkKeyDto> {
  const { rows } = await db.query<Row>(
    `UPDATE sdk_keys SET revoked_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
    [id],
  );
  return toDto(rows[0]!);
}

/** A revoked NATS user: its public key and when it was revoked (seconds, rounded up). */
export interface RevokedNatsUser {
  readonly publicKey: string;
  readonly revokedAtSeconds: number;
}

/** Every revoked key that had a NATS user (the account JWT's revocation list). */
export async function listRevokedNatsUsers(db: Queryable): Promise<RevokedNatsUser[]> {
  const { rows } = await db.query<{ nats_public_key: string; revoked: string }>(
    `SELECT nats_public_key, ceil(extract(epoch FROM revoked_at))::bigint::text AS revoked
       FROM sdk_keys WHERE revoked_at IS NOT NULL AND nats_public_key IS NOT NULL ORDER BY id`,
  );
  return rows.map((r) => ({ publicKey: r.nats_public_key, revokedAtSeconds: Number(r.revoked) }));
}

/** A live key's Redis grant. */
export interface LiveRedisGrant {
  readonly redisUser: string;
  readonly appId: string;
  readonly secretSha256: string;
}

/** The Redis grants of every live key. */
export async function listLiveRedisGrants(db: Queryable): Promise<LiveRedisGrant[]> {
  const { rows } = await db.query<{ redis_user: string; app_id: string; secret_sha256: string }>(
    `SELECT redis_user, app_id::text, secret_sha256 FROM sdk_keys
      WHERE revoked_at IS NULL AND redis_user IS NOT NULL ORDER BY id`,
  );
  return rows.map((r) => ({
    redisUser: r.redis_user,
    appId: r.app_id,
    secretSha256: r.secret_sha256,
  }));
}

/** Serialises every change of the account's revocation list (one Tower or several). */
export async function lockRevocations(db: Queryable): Promise<void> {
  await db.query("SELECT pg_advisory_xact_lock(hashtext('tailslide.sdk_keys.revocations'))");
}
