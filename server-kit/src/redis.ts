import { redisReconnectDelayMs } from '@tailslide/contracts';
import { createClient } from 'redis';

/** A node-redis v6 client as {@link createRedis} returns it. */
export type RedisClient = ReturnType<typeof createRedisClient>;

/**
 * A service's Redis ACL user (`REDIS_USER` / `REDIS_PASSWORD`, see docs/security.md). Give the
 * credentials here or in the URL (`redis://user:pass@host`), not both.
 */
export interface RedisCredentials {
  readonly username?: string | undefined;
  readonly password?: string | undefined;
}

function createRedisClient(url: string, credentials: RedisCredentials) {
  return createClient({
    url,
    ...(credentials.username ? { username: credentials.username } : {}),
    ...(credentials.password ? { password: credentials.password } : {}),
    // Fail fast while disconnected: a queued command would only answer after the outage.
    disableOfflineQueue: true,
    // No CLIENT SETINFO: the services' ACL users may not run CLIENT (redis/tailslide-redis.sh).
    disableClientInfo: true,
    socket: { connectTimeout: 2_000, reconnectStrategy: redisReconnectDelayMs },
  });
}

/** True when a Redis URL carries a user name or password. */
function urlHasCredentials(url: string): boolean {
  try {
    const u = new URL(url);
    return u.username !== '' || u.password !== '';
  } catch {
    return false;
  }
}

/**
 * A Redis client (not connected yet: call `connect()`) that rejects commands at once while
 * disconnected and reconnects forever with {@link redisReconnectDelayMs}. node-redis emits
 * `error` on every failed attempt and an unheard `error` ends the process, so `onError` is
 * always attached. Throws when credentials come both in `url` and in `credentials` (which
 * would win is not obvious to a reader of the configuration).
 */
export function createRedis(
  url: string,
  onError: (err: unknown) => void,
  credentials: RedisCredentials = {},
): RedisClient {
  if ((credentials.username || credentials.password) && urlHasCredentials(url))
    throw new Error(
      'Redis credentials are given twice: in REDIS_URL and in REDIS_USER/REDIS_PASSWORD; keep one',
    );
  const client = createRedisClient(url, credentials);
  client.on('error', onError);
  return client;
}
