import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  connectNats,
  connectRedis,
  destroyRedis,
  NATS_KEY_FILES,
  openRedis,
  type ServiceRedis,
} from '@tailslide/server-kit';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { TowerConfig } from './config.js';
import { createPool, runMigrations } from './db.js';

/** The clients Tower runs on, opened by {@link openTowerConnections}. */
export interface TowerConnections {
  /** Pool on the migrated database. */
  readonly pool: pg.Pool;
  readonly nats: NatsConnection;
  /** Still connecting when returned; `null` without `redisUrl` or `redisClusterNodes`. */
  readonly redis: ServiceRedis | null;
  /** Closes Redis, NATS (drained) and Postgres, in reverse order of opening. */
  close(): Promise<void>;
}

/** Tower's `.creds`: `NATS_CREDS`, else `tower.creds` of `TAILSLIDE_NATS_DIR`, else none. */
export function towerCredsFile(config: TowerConfig): string | undefined {
  if (config.natsCredsFile) return config.natsCredsFile;
  return config.natsKeysDir ? join(config.natsKeysDir, NATS_KEY_FILES.towerCreds) : undefined;
}

/**
 * Migrates the database and opens Tower's connections. Postgres and NATS must answer now (Tower
 * fails fast and its supervisor restarts it); Redis only feeds the charts, so Tower starts
 * without it and the client keeps reconnecting.
 */
export async function openTowerConnections(
  config: TowerConfig,
  logger: Logger,
): Promise<TowerConnections> {
  await runMigrations(config.databaseUrl, logger);
  const pool = createPool(config.databaseUrl);
  let nats: NatsConnection;
  try {
    nats = await connectNats({
      servers: config.natsUrl,
      name: 'tailslide-tower',
      user: config.natsUser ?? undefined,
      pass: config.natsPassword ?? undefined,
      credsFile: towerCredsFile(config),
    });
  } catch (err) {
    await pool.end();
    throw err;
  }
  let redis: ServiceRedis | null = null;
  const target = config.redisClusterNodes
    ? { clusterNodes: config.redisClusterNodes }
    : config.redisUrl
      ? { url: config.redisUrl }
      : null;
  if (target) {
    const client = openRedis(
      target,
      (err) => logger.debug({ err }, 'redis error'),
      { username: config.redisUser ?? undefined, password: config.redisPassword ?? undefined },
      // SDK key users must exist on replicas too: a replica may become a master.
      { useReplicas: true },
    );
    connectRedis(client, (err) =>
      logger.warn({ err }, 'no Redis Cluster node answers yet; retrying'),
    ).catch((err: unknown) => logger.warn({ err }, 'redis connect failed'));
    redis = client;
  }
  return {
    pool,
    nats,
    redis,
    async close() {
      if (redis) destroyRedis(redis);
      await nats.drain().catch(() => nats.close());
      await pool.end();
    },
  };
}
