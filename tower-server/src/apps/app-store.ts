import type { AppDto } from '@tailslide/contracts';
import type { Queryable } from '../db.js';

interface AppRow {
  id: number;
  title: string;
  created_at: Date;
  updated_at: Date;
  flag_count: number;
}

const SELECT = `SELECT a.*, (SELECT count(*)::int FROM flags f WHERE f.app_id = a.id) AS flag_count FROM apps a`;

function toDto(r: AppRow): AppDto {
  return {
    id: String(r.id),
    title: r.title,
    flagCount: r.flag_count,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

/** Apps after `afterId`, oldest first, `limit + 1` rows (the extra one says a next page exists). */
export async function listApps(db: Queryable, afterId: number, limit: number): Promise<AppDto[]> {
  const { rows } = await db.query<AppRow>(`${SELECT} WHERE a.id > $1 ORDER BY a.id LIMIT $2`, [
    afterId,
    limit + 1,
  ]);
  return rows.map(toDto);
}

/** One app, optionally row-locked. */
export async function findApp(
  db: Queryable,
  id: number,
  forUpdate = false,
): Promise<AppDto | null> {
  const { rows } = await db.query<AppRow>(
    `${SELECT} WHERE a.id = $1${forUpdate ? ' FOR UPDATE OF a' : ''}`,
    [id],
  );
  return rows[0] ? toDto(rows[0]) : null;
}

/** True when the app exists; `lock` key-share locks it for the transaction (flags point at it). */
export async function appExists(db: Queryable, id: number, lock = false): Promise<boolean> {
  const { rowCount } = await db.query(
    `SELECT 1 FROM apps WHERE id = $1${lock ? ' FOR KEY SHARE' : ''}`,
    [id],
  );
  return (rowCount ?? 0) > 0;
}

/** Inserts an app; returns its id. */
export async function insertApp(db: Queryable, title: string): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    'INSERT INTO apps (title) VALUES ($1) RETURNING id',
    [title],
  );
  return rows[0]!.id;
}

/** Renames an app. */
export async function updateAppTitle(db: Queryable, id: number, title: string): Promise<void> {
  await db.query('UPDATE apps SET title = $2, updated_at = now() WHERE id = $1', [id, title]);
}

/** Deletes an app row (its flags must have been deleted through the flag path first). */
export async function deleteAppRow(db: Queryable, id: number): Promise<void> {
  await db.query('DELETE FROM apps WHERE id = $1', [id]);
}
