import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import pg from 'pg';
import type { Logger } from 'pino';

/** The narrow slice of pg a store needs: a pool or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

// bigint (int8) ids and versions fit in a JS number for any realistic lifetime; numeric columns
// (percentages) are parsed where they are read.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

/** Opens a pool; it connects lazily, so a Postgres outage surfaces per query (→ 503). */
export function createPool(databaseUrl: string, max = 10): pg.Pool {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max,
    connectionTimeoutMillis: 3_000,
    idleTimeoutMillis: 10_000,
  });
  // An idle client losing its connection must not crash the process.
  pool.on('error', () => undefined);
  // Nor a checked-out one: a FATAL (pg_terminate_backend) can arrive in the same socket read as
  // the connect handshake, after the pool removed its own listener and before the borrower (see
  // withTransaction) added one. The failing query rejects anyway, so it is handled there.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/** One round trip to Postgres (readiness). */
export async function pingDatabase(db: Queryable): Promise<void> {
  await db.query('SELECT 1');
}

/** Runs `fn` in a transaction on one client, committing on success and rolling back on throw. */
export async function withTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  // A connection lost while the client is checked out is emitted as 'error' on the client; without
  // a listener it would crash the process. The failing query rejects anyway, so it is handled there.
  let broken: Error | undefined;
  const onError = (err: Error) => {
    broken = err;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch((rollbackErr: unknown) => {
      broken ??= rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr));
    });
    throw err;
  } finally {
    client.removeListener('error', onError);
    // A broken client is destroyed instead of going back to the pool.
    client.release(broken);
  }
}

/** Directory of the numbered SQL migrations (works from `src/` and from `dist/`). */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));

/** Applies every pending migration (node-pg-migrate, advisory-locked, so concurrent starts are safe). */
export async function runMigrations(databaseUrl: string, logger: Logger): Promise<void> {
  await runner({
    databaseUrl,
    dir: MIGRATIONS_DIR,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    checkOrder: true,
    // Several Towers starting together: the others wait for the first to finish migrating.
    advisoryLockMode: 'wait',
    log: (msg: string) => logger.debug(msg),
  });
}
