import {
  CIRCUIT_SUBJECT_ROOT,
  DEFAULT_CIRCUIT_STREAM,
  DEFAULT_FLAGS_BUCKET,
  DEFAULT_REDIS_PREFIX,
  isValidRedisPrefix,
  parseNatsServers,
  parseRedisClusterNodes,
  type RedisClusterNode,
} from '@tailslide/contracts';
import { z } from 'zod';

/** Address a service's HTTP server binds unless told otherwise: loopback, never every interface. */
export const DEFAULT_HOST = '127.0.0.1';

/** Where the NATS and Redis of a local install listen. */
export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** pino levels accepted in `LOG_LEVEL`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A TCP port (0: any free port), read from a string. */
export const portSchema = z.coerce.number().int().min(0).max(65_535);

/** A comma-separated NATS server list with at least one server. */
export const natsServerListSchema = z
  .string()
  .refine((s) => parseNatsServers(s).length > 0, { message: 'must name at least one server' });

/**
 * `REDIS_CLUSTER_NODES`: seed nodes of a Redis Cluster (`redis://host:port,…`, contracts'
 * `parseRedisClusterNodes`), read into their hosts and ports.
 */
export const redisClusterNodesSchema = z.string().transform((value, ctx) => {
  const parsed = parseRedisClusterNodes(value);
  if (parsed.ok) return parsed.nodes;
  ctx.addIssue({ code: 'custom', message: parsed.error });
  return z.NEVER;
});

/** A Redis key prefix ({@link isValidRedisPrefix}: it must not break the keys' hash tag). */
export const redisPrefixSchema = z.string().refine(isValidRedisPrefix, {
  message:
    "must be 1-64 letters, digits, '_', '-' or '.' (no braces: keys carry a {appId} hash tag)",
});

/**
 * Refinement of a service schema holding `REDIS_URL` and `REDIS_CLUSTER_NODES`: at most one is
 * set (a service talks to one Redis server or one Redis Cluster).
 */
export function refineRedisTarget(
  e: { readonly REDIS_URL?: string | undefined; readonly REDIS_CLUSTER_NODES?: unknown },
  ctx: z.RefinementCtx,
): void {
  if (e.REDIS_URL !== undefined && e.REDIS_CLUSTER_NODES !== undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['REDIS_CLUSTER_NODES'],
      message:
        'REDIS_URL is set too: set REDIS_URL for one Redis server or REDIS_CLUSTER_NODES for a Redis Cluster, not both',
    });
}

/** Where a service's Redis is, from its environment; `fallbackUrl` when neither is set. */
export function redisTargetFromEnv(
  e: {
    readonly REDIS_URL?: string | undefined;
    readonly REDIS_CLUSTER_NODES?: readonly RedisClusterNode[] | undefined;
  },
  fallbackUrl: string | null,
): { url: string } | { clusterNodes: readonly RedisClusterNode[] } | null {
  if (e.REDIS_CLUSTER_NODES) return { clusterNodes: e.REDIS_CLUSTER_NODES };
  const url = e.REDIS_URL ?? fallbackUrl;
  return url === null ? null : { url };
}

/**
 * The environment both Tower and Airbag read: NATS (servers, credentials), Redis credentials
 * (`REDIS_USER` / `REDIS_PASSWORD`; the URL is each service's own), the platform-wide
 * names of the shared buckets, stream and Redis prefix, and the log level. Each service extends
 * it with its own variables.
 */
export const baseEnvSchema = z.object({
  NATS_URL: natsServerListSchema.default(DEFAULT_NATS_URL),
  NATS_USER: z.string().min(1).optional(),
  NATS_PASSWORD: z.string().min(1).optional(),
  /** `.creds` file of the service's NATS user (operator/JWT mode, `cli.js nats-init`). */
  NATS_CREDS: z.string().min(1).optional(),
  TAILSLIDE_FLAGS_BUCKET: z.string().min(1).default(DEFAULT_FLAGS_BUCKET),
  TAILSLIDE_CIRCUIT_STREAM: z.string().min(1).default(DEFAULT_CIRCUIT_STREAM),
  TAILSLIDE_CIRCUIT_SUBJECT_ROOT: z.string().min(1).default(CIRCUIT_SUBJECT_ROOT),
  TAILSLIDE_REDIS_PREFIX: redisPrefixSchema.default(DEFAULT_REDIS_PREFIX),
  /**
   * Seed nodes of a Redis Cluster (`redis://host:port,…`); set instead of the service's
   * `REDIS_URL` to run on Redis Cluster (docs/operations.md).
   */
  REDIS_CLUSTER_NODES: redisClusterNodesSchema.optional(),
  /** Copies JetStream keeps of the flags bucket, circuit stream and lease bucket (3 on a cluster). */
  TAILSLIDE_NATS_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  /** The service's Redis ACL user (`tailslide-tower`, `tailslide-airbag`); none: `default`. */
  REDIS_USER: z.string().min(1).optional(),
  REDIS_PASSWORD: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
});

/**
 * Validates `env` against `schema` once, at start-up. Throws one readable error listing every bad
 * variable (`invalid <service> configuration:` then `  NAME: message` lines), so a person fixes
 * them all in one go.
 */
export function parseEnv<S extends z.ZodType>(
  schema: S,
  env: Readonly<Record<string, string | undefined>>,
  service: string,
): z.output<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
  throw new Error(`invalid ${service} configuration:\n${lines.join('\n')}`);
}
