import {
  parseRedisClusterNodes,
  redisReconnectDelayMs,
  type RedisClusterNode,
} from '@tailslide/contracts';
import { createClient, createCluster } from 'redis';

/** A node-redis v6 client as {@link createRedis} returns it. */
export type RedisClient = ReturnType<typeof createRedisClient>;

/** A node-redis v6 cluster client as {@link createRedisCluster} returns it. */
export type RedisClusterClient = ReturnType<typeof createRedisClusterClient>;

/** Either kind of client a service runs on ({@link openRedis}). */
export type ServiceRedis = RedisClient | RedisClusterClient;

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
    ...NODE_DEFAULTS,
    socket: { connectTimeout: 2_000, reconnectStrategy: redisReconnectDelayMs },
  });
}

/** Node options shared by the standalone client and every node client of a cluster. */
const NODE_DEFAULTS = {
  // Fail fast while disconnected: a queued command would only answer after the outage.
  disableOfflineQueue: true,
  // No CLIENT SETINFO: the services' ACL users may not run CLIENT (redis/tailslide-redis.sh).
  disableClientInfo: true,
} as const;

function createRedisClusterClient(
  nodes: readonly RedisClusterNode[],
  credentials: RedisCredentials,
  useReplicas: boolean,
) {
  return createCluster({
    rootNodes: nodes.map((n) => ({ socket: { host: n.host, port: n.port, tls: n.tls } })),
    // Credentials, TLS and timeouts of every node client (rootNodes only seed the discovery).
    defaults: {
      ...(credentials.username ? { username: credentials.username } : {}),
      ...(credentials.password ? { password: credentials.password } : {}),
      ...NODE_DEFAULTS,
      socket: {
        tls: nodes[0]?.tls ?? false,
        connectTimeout: 2_000,
        reconnectStrategy: redisReconnectDelayMs,
      },
    },
    useReplicas,
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

/**
 * A Redis Cluster client (not connected yet: use {@link connectRedis}) over the seed `nodes`
 * (`REDIS_CLUSTER_NODES`, contracts' `parseRedisClusterNodes`). Every node client signs in with
 * `credentials`, rejects commands at once while its node is unreachable and reconnects with
 * {@link redisReconnectDelayMs}; MOVED/ASK redirections and topology changes are node-redis's.
 * `useReplicas` also connects to the replicas (Tower: its ACL users must exist on every node).
 * Errors of the cluster and of each node go to `onError`.
 */
export function createRedisCluster(
  nodes: string | readonly string[] | readonly RedisClusterNode[],
  onError: (err: unknown) => void,
  credentials: RedisCredentials = {},
  options: { readonly useReplicas?: boolean } = {},
): RedisClusterClient {
  const seeds = toClusterNodes(nodes);
  const cluster = createRedisClusterClient(seeds, credentials, options.useReplicas ?? false);
  cluster.on('error', onError);
  cluster.on('node-error', onError);
  return cluster;
}

function toClusterNodes(
  nodes: string | readonly string[] | readonly RedisClusterNode[],
): RedisClusterNode[] {
  if (typeof nodes !== 'string' && nodes.every((n) => typeof n !== 'string')) return [...nodes];
  const parsed = parseRedisClusterNodes(nodes);
  if (!parsed.ok) throw new Error(`REDIS_CLUSTER_NODES ${parsed.error}`);
  return parsed.nodes;
}

/** Where a service's Redis is: one server (`REDIS_URL`) or a cluster (`REDIS_CLUSTER_NODES`). */
export type RedisTarget =
  | { readonly url: string; readonly clusterNodes?: undefined }
  | { readonly url?: undefined; readonly clusterNodes: readonly RedisClusterNode[] };

/**
 * The client for `target`: {@link createRedis} for a URL, {@link createRedisCluster} for a node
 * list. Not connected yet: use {@link connectRedis}.
 */
export function openRedis(
  target: RedisTarget,
  onError: (err: unknown) => void,
  credentials: RedisCredentials = {},
  options: { readonly useReplicas?: boolean } = {},
): ServiceRedis {
  return target.clusterNodes
    ? createRedisCluster(target.clusterNodes, onError, credentials, options)
    : createRedis(target.url, onError, credentials);
}

/** True for a cluster client. */
export function isRedisCluster(redis: ServiceRedis): redis is RedisClusterClient {
  return 'masters' in redis;
}

/**
 * Connects `redis` and resolves once it is ready. A standalone client retries by itself; a
 * cluster client gives up when no seed answers, so this retries its discovery on the
 * {@link redisReconnectDelayMs} schedule until it works or the client is destroyed (then it
 * rejects). `onRetry` hears each failed attempt.
 */
export async function connectRedis(
  redis: ServiceRedis,
  onRetry: (err: unknown) => void = () => undefined,
): Promise<void> {
  if (!isRedisCluster(redis)) {
    await redis.connect();
    return;
  }
  for (let attempt = 0; ; attempt++) {
    try {
      await redis.connect();
      return;
    } catch (err) {
      if (closedClusters.has(redis)) throw err;
      onRetry(err);
      await new Promise((r) => setTimeout(r, redisReconnectDelayMs(attempt)).unref());
      if (closedClusters.has(redis)) throw err;
    }
  }
}

const closedClusters = new WeakSet<object>();

/** Closes `redis` at once (pending commands reject) and stops {@link connectRedis}'s retries. */
export function destroyRedis(redis: ServiceRedis): void {
  if (isRedisCluster(redis)) {
    closedClusters.add(redis);
    if (!redis.isOpen) return;
  } else if (!redis.isOpen) return;
  redis.destroy();
}

/** The part of a node client {@link redisNodeClients} hands out. */
export interface RedisNodeClient {
  sendCommand(args: string[]): Promise<unknown>;
}

/**
 * The client of every node `redis` knows (masters, and replicas when it uses them), each
 * connected: for commands that act on one server and are not shared by a cluster — `ACL SETUSER`
 * and `ACL DELUSER` must run on every node. A standalone client is its own only node. Nodes that
 * cannot be reached are left out and reported in `unreachable`.
 */
export async function redisNodeClients(
  redis: ServiceRedis,
): Promise<{ clients: RedisNodeClient[]; unreachable: { address: string; error: unknown }[] }> {
  if (!isRedisCluster(redis)) return { clients: [redis], unreachable: [] };
  const nodes = [...redis.masters, ...redis.replicas];
  const settled = await Promise.allSettled(nodes.map((n) => redis.nodeClient(n)));
  const clients: RedisNodeClient[] = [];
  const unreachable: { address: string; error: unknown }[] = [];
  settled.forEach((s, i) => {
    if (s.status === 'fulfilled' && s.value.isReady) clients.push(s.value);
    else
      unreachable.push({
        address: nodes[i]?.address ?? '?',
        error: s.status === 'rejected' ? s.reason : new Error('node is not connected'),
      });
  });
  return { clients, unreachable };
}

/**
 * Calls `listener` each time `redis` becomes ready to serve: a standalone client's `ready` (every
 * reconnect); for a cluster, its first discovery and every node (re)connect after it — a
 * restarted node has lost what was set on it alone (ACL users). Returns a function that stops.
 */
export function onRedisReady(redis: ServiceRedis, listener: () => void): () => void {
  if (!isRedisCluster(redis)) {
    redis.on('ready', listener);
    return () => redis.off('ready', listener);
  }
  const onNode = () => {
    if (redis.isReady) listener();
  };
  redis.on('connect', listener);
  redis.on('node-ready', onNode);
  return () => {
    redis.off('connect', listener);
    redis.off('node-ready', onNode);
  };
}
