import type { Queryable } from '../db.js';

/** One counted key (`account:<email>` or `address:<ip>`): failures since `windowStart`. */
export interface LoginFailureRow {
  readonly key: string;
  readonly windowStart: Date;
  readonly failures: number;
}

/** The failure counts of `keys` (keys without failures are absent). */
export async function findLoginFailures(
  db: Queryable,
  keys: readonly string[],
): Promise<LoginFailureRow[]> {
  const { rows } = await db.query<{ key: string; window_start: Date; failures: number }>(
    'SELECT key, window_start, failures FROM login_failures WHERE key = ANY($1::text[])',
    [keys],
  );
  return rows.map((r) => ({ key: r.key, windowStart: r.window_start, failures: r.failures }));
}

/**
 * Counts one failure of `key` at `now` in a fixed window of `windowMs`: a window that ended by
 * `now` starts anew at `now` with one failure. One statement, so concurrent failures all count.
 */
export async function countLoginFailure(
  db: Queryable,
  key: string,
  now: Date,
  windowMs: number,
): Promise<void> {
  await db.query(
    `INSERT INTO login_failures (key, window_start, failures) VALUES ($1, $2, 1)
     ON CONFLICT (key) DO UPDATE SET
       window_start = CASE WHEN login_failures.window_start <= $2::timestamptz - make_interval(secs => $3::double precision / 1000)
                           THEN $2 ELSE login_failures.window_start END,
       failures = CASE WHEN login_failures.window_start <= $2::timestamptz - make_interval(secs => $3::double precision / 1000)
                       THEN 1 ELSE login_failures.failures + 1 END`,
    [key, now, windowMs],
  );
}

/** Forgets the failures of `key`. */
export async function clearLoginFailures(db: Queryable, key: string): Promise<void> {
  await db.query('DELETE FROM login_failures WHERE key = $1', [key]);
}
