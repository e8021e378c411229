import { redisReconnectDelayMs } from '@tailslide/contracts';
import { createClient } from 'redis';

/** A node-redis v6 client as {@link createRedis} returns it. */
export type RedisClient = ReturnType<typeof createRedisClient>;

function createRedisClient(url: string) {
  return createClient({
    url,
    // Fail fast while disconnected: a queued command would only answer after the outage.
    disableOfflineQueue: true,
    socket: { connectTimeout: 2_000, reconnectStrategy: redisReconnectDelayMs },
  });
}

/**
 * A Redis client (not connected yet: call `connect()`) that rejects commands at once while
 * disconnected and reconnects forever with {@link redisReconnectDelayMs}. node-redis emits
 * `error` on every failed attempt and an unheard `error` ends the process, so `onError` is
 * always attached.
 */
export function createRedis(url: string, onError: (err: unknown) => void): RedisClient {
  const client = createRedisClient(url);
  client.on('error', onError);
  return client;
}
