import type { Role } from '@tailslide/contracts';
import type { Queryable } from '../db.js';

/** A live session joined with its user. */
export interface SessionRow {
  readonly secretHash: string;
  readonly userId: number;
  readonly email: string;
  readonly role: Role;
  readonly lastSeenAt: Date;
}

/** Stores a new session. */
export async function insertSession(
  db: Queryable,
  s: { secretHash: string; userId: number; now: Date; expiresAt: Date },
): Promise<void> {
  await db.query(
    `INSERT INTO sessions (secret_hash, user_id, created_at, last_seen_at, expires_at)
     VALUES ($1, $2, $3, $3, $4)`,
    [s.secretHash, s.userId, s.now, s.expiresAt],
  );
}

/**
 * The session with this hash if it is live at `now`: not revoked, before its absolute expiry,
 * seen within `idleMs`, and its user not disabled.
 */
export async function findLiveSession(
  db: Queryable,
  secretHash: string,
  now: Date,
  idleMs: number,
): Promise<SessionRow | null> {
  const { rows } = await db.query<{
    secret_hash: string;
    user_id: number;
    email: string;
    role: Role;
    last_seen_at: Date;
  }>(
    `SELECT s.secret_hash, s.user_id, u.email, u.role, s.last_seen_at
       FROM sessions s JOIN users u ON u.id = s.user_id
      WHERE s.secret_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2
        AND s.last_seen_at > $2::timestamptz - make_interval(secs => $3::double precision / 1000)
        AND NOT u.disabled`,
    [secretHash, now, idleMs],
  );
  const r = rows[0];
  return r
    ? {
        secretHash: r.secret_hash,
        userId: r.user_id,
        email: r.email,
        role: r.role,
        lastSeenAt: r.last_seen_at,
      }
    : null;
}

/** Moves the idle deadline forward. */
export async function touchSession(db: Queryable, secretHash: string, now: Date): Promise<void> {
  await db.query('UPDATE sessions SET last_seen_at = $2 WHERE secret_hash = $1', [secretHash, now]);
}

/** Revokes one session. */
export async function revokeSession(db: Queryable, secretHash: string, now: Date): Promise<void> {
  await db.query(
    'UPDATE sessions SET revoked_at = $2 WHERE secret_hash = $1 AND revoked_at IS NULL',
    [secretHash, now],
  );
}

/** Revokes every session of a user except `keepHash`. */
export async function revokeUserSessions(
  db: Queryable,
  userId: number,
  now: Date,
  keepHash: string | null = null,
): Promise<void> {
  await db.query(
    `UPDATE sessions SET revoked_at = $2
      WHERE user_id = $1 AND revoked_at IS NULL AND ($3::text IS NULL OR secret_hash <> $3)`,
    [userId, now, keepHash],
  );
}

/** Deletes sessions that ended before `cutoff` (housekeeping). */
export async function deleteEndedSessions(db: Queryable, cutoff: Date): Promise<number> {
  const { rowCount } = await db.query(
    'DELETE FROM sessions WHERE expires_at < $1 OR revoked_at < $1',
    [cutoff],
  );
  return rowCount ?? 0;
}
