import type { Role, UserDto } from '@tailslide/contracts';
import type { Queryable } from '../db.js';

interface Row {
  id: number;
  email: string;
  password_hash: string;
  role: Role;
  disabled: boolean;
  created_at: Date;
  last_login_at: Date | null;
}

/** A user with the hash, for the login path only (never sent anywhere). */
export interface UserWithHash extends UserDto {
  readonly passwordHash: string;
}

const toDto = (r: Row): UserDto => ({
  id: String(r.id),
  email: r.email,
  role: r.role,
  disabled: r.disabled,
  createdAt: r.created_at.toISOString(),
  lastLoginAt: r.last_login_at ? r.last_login_at.toISOString() : null,
});

/** Users after `afterId`, oldest first, `limit + 1` rows (the extra one says a next page exists). */
export async function listUsers(db: Queryable, afterId: number, limit: number): Promise<UserDto[]> {
  const { rows } = await db.query<Row>('SELECT * FROM users WHERE id > $1 ORDER BY id LIMIT $2', [
    afterId,
    limit + 1,
  ]);
  return rows.map(toDto);
}

/** One user by id, optionally row-locked. */
export async function findUser(db: Queryable, id: number, lock = false): Promise<UserDto | null> {
  const { rows } = await db.query<Row>(
    `SELECT * FROM users WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
    [id],
  );
  return rows[0] ? toDto(rows[0]) : null;
}

/** One user by email (any case), with the password hash. */
export async function findUserByEmail(db: Queryable, email: string): Promise<UserWithHash | null> {
  const { rows } = await db.query<Row>('SELECT * FROM users WHERE lower(email) = lower($1)', [
    email,
  ]);
  return rows[0] ? { ...toDto(rows[0]), passwordHash: rows[0].password_hash } : null;
}

/** The password hash of a user. */
export async function findPasswordHash(db: Queryable, id: number): Promise<string | null> {
  const { rows } = await db.query<{ password_hash: string }>(
    'SELECT password_hash FROM users WHERE id = $1',
    [id],
  );
  return rows[0]?.password_hash ?? null;
}

/** Inserts a user (a duplicate email raises 23505). */
export async function insertUser(
  db: Queryable,
  u: { email: string; passwordHash: string; role: Role },
): Promise<UserDto> {
  const { rows } = await db.query<Row>(
    'INSERT INTO users (email, password_hash, role) VALUES ($1, $2, $3) RETURNING *',
    [u.email, u.passwordHash, u.role],
  );
  return toDto(rows[0]!);
}

/** Sets role and/or disabled. */
export async function updateUser(
  db: Queryable,
  id: number,
  change: { role: Role; disabled: boolean },
): Promise<UserDto> {
  const { rows } = await db.query<Row>(
    'UPDATE users SET role = $2, disabled = $3 WHERE id = $1 RETURNING *',
    [id, change.role, change.disabled],
  );
  return toDto(rows[0]!);
}

/** Replaces a password hash. */
export async function setPasswordHash(db: Queryable, id: number, hash: string): Promise<void> {
  await db.query('UPDATE users SET password_hash = $2 WHERE id = $1', [id, hash]);
}

/** Records a successful login. */
export async function touchLogin(db: Queryable, id: number, at: Date): Promise<void> {
  await db.query('UPDATE users SET last_login_at = $2 WHERE id = $1', [id, at]);
}

/** Deletes a user (its sessions go with it). */
export async function deleteUserRow(db: Queryable, id: number): Promise<void> {
  await db.query('DELETE FROM users WHERE id = $1', [id]);
}

/** Active (not disabled) admins, other than `exceptId`, after locking every admin row. */
export async function countOtherActiveAdmins(db: Queryable, exceptId: number): Promise<number> {
  const { rows } = await db.query<{ id: number; disabled: boolean }>(
    `SELECT id, disabled FROM users WHERE role = 'admin' ORDER BY id FOR UPDATE`,
  );
  return rows.filter((r) => r.id !== exceptId && !r.disabled).length;
}

/** Serialises first-admin creation until the transaction ends (concurrent starts, the CLI). */
export async function lockFirstAdmin(tx: Queryable): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext('tailslide.first-admin'))`);
}

/** Number of users. */
export async function countUsers(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM users');
  return rows[0]!.n;
}
