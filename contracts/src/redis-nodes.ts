/**
 * How every Tailslide process reads a Redis Cluster node list (`REDIS_CLUSTER_NODES` of Tower and
 * Airbag, the SDK's `redisClusterNodes` option): one or more node URLs separated by commas, as in
 * `redis://10.0.0.1:6379,redis://10.0.0.2:6379`. They are seeds: the client asks the first that
 * answers for the cluster's layout (`CLUSTER SLOTS`) and then talks to every node it names, so a
 * few of the masters are enough. One owner, so the three processes accept exactly the same text.
 */

/** One seed node of a Redis Cluster. */
export interface RedisClusterNode {
  /** `redis:` or `rediss:` (TLS). */
  readonly tls: boolean;
  readonly host: string;
  readonly port: number;
}

/**
 * Parses a Redis Cluster node list: a comma-separated string or an array of entries, each
 * `redis://host:port`, `rediss://host:port` or plain `host:port` (port 6379 when left out). Credentials, a database
 * number or a query in an entry are refused — a cluster has only database 0, and credentials come
 * from the service's `REDIS_USER` / `REDIS_PASSWORD` or the SDK key, the same for every node.
 * All entries must use the same scheme. Returns the nodes, or one readable message.
 */
export function parseRedisClusterNodes(
  list: string | readonly string[],
): { ok: true; nodes: RedisClusterNode[] } | { ok: false; error: string } {
  const entries = (typeof list === 'string' ? list.split(',') : [...list])
    .map((e) => (typeof e === 'string' ? e.trim() : ''))
    .filter((e) => e.length > 0);
  if (entries.length === 0)
    return { ok: false, error: 'must name at least one node (redis://host:port,…)' };
  const nodes: RedisClusterNode[] = [];
  for (const entry of entries) {
    let url: URL;
    try {
      url = new URL(entry.includes('://') ? entry : `redis://${entry}`);
    } catch {
      return { ok: false, error: `"${entry}" is not a URL (expected redis://host:port)` };
    }
    if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
      return { ok: false, error: `"${entry}" must start with redis:// or rediss://` };
    if (url.hostname === '') return { ok: false, error: `"${entry}" has no host` };
    if (url.username !== '' || url.password !== '')
      return {
        ok: false,
        error: `"${entry}" carries credentials; give them once for every node (REDIS_USER / REDIS_PASSWORD, or the SDK key)`,
      };
    if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '')
      return {
        ok: false,
        error: `"${entry}" has a path or query; a cluster node is only redis://host:port (a cluster has database 0 only)`,
      };
    nodes.push({
      tls: url.protocol === 'rediss:',
      host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port === '' ? 6379 : Number(url.port),
    });
  }
  if (nodes.some((n) => n.tls !== nodes[0]?.tls))
    return { ok: false, error: 'mixes redis:// and rediss:// nodes; use one scheme for all' };
  return { ok: true, nodes };
}
