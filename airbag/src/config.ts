import { hostname } from 'node:os';
import {
  CIRCUIT_SUBJECT_ROOT,
  DEFAULT_AIRBAG_BUCKET,
  DEFAULT_CIRCUIT_STREAM,
  DEFAULT_FLAGS_BUCKET,
  DEFAULT_REDIS_PREFIX,
  parseNatsServers,
  type RedisClusterNode,
} from '@tailslide/contracts';
import {
  DEFAULT_HOST,
  DEFAULT_REDIS_URL,
  baseEnvSchema,
  parseEnv,
  portSchema,
  redisPrefixSchema,
  refineRedisTarget,
  type LogLevel,
} from '@tailslide/server-kit';
import { z } from 'zod';

/** The one default of each Airbag setting, for the environment and `startAirbag` alike. */
export const AIRBAG_DEFAULTS = Object.freeze({
  redisUrl: DEFAULT_REDIS_URL,
  flagsBucket: DEFAULT_FLAGS_BUCKET,
  airbagBucket: DEFAULT_AIRBAG_BUCKET,
  circuitStream: DEFAULT_CIRCUIT_STREAM,
  circuitSubjectRoot: CIRCUIT_SUBJECT_ROOT,
  redisPrefix: DEFAULT_REDIS_PREFIX,
  pollIntervalMs: 1000,
  wakeMinIntervalMs: 100,
  leaseMs: 5000,
  redisTimeoutMs: 1000,
  natsTimeoutMs: 2000,
  httpHost: DEFAULT_HOST,
  httpPort: 3002,
});

const positiveInt = z.coerce.number().int().positive();

const schema = baseEnvSchema
  .extend({
    REDIS_URL: z.string().min(1).optional(),
    AIRBAG_FLAGS_BUCKET: z.string().min(1).optional(),
    AIRBAG_BUCKET: z.string().min(1).default(AIRBAG_DEFAULTS.airbagBucket),
    AIRBAG_CIRCUIT_STREAM: z.string().min(1).optional(),
    AIRBAG_CIRCUIT_SUBJECT_ROOT: z.string().min(1).optional(),
    AIRBAG_REDIS_PREFIX: redisPrefixSchema.optional(),
    AIRBAG_POLL_INTERVAL_MS: positiveInt.default(AIRBAG_DEFAULTS.pollIntervalMs),
    AIRBAG_WAKE_MIN_INTERVAL_MS: positiveInt.default(AIRBAG_DEFAULTS.wakeMinIntervalMs),
    AIRBAG_LEASE_MS: positiveInt.default(AIRBAG_DEFAULTS.leaseMs),
    AIRBAG_INSTANCE_ID: z.string().min(1).optional(),
    AIRBAG_REDIS_TIMEOUT_MS: positiveInt.default(AIRBAG_DEFAULTS.redisTimeoutMs),
    AIRBAG_NATS_TIMEOUT_MS: positiveInt.default(AIRBAG_DEFAULTS.natsTimeoutMs),
    AIRBAG_HTTP_HOST: z.string().min(1).default(AIRBAG_DEFAULTS.httpHost),
    AIRBAG_HTTP_PORT: portSchema.default(AIRBAG_DEFAULTS.httpPort),
  })
  .superRefine(refineRedisTarget);

/** Validated Airbag configuration, every setting resolved. */
export interface AirbagConfig {
  /** One or more NATS servers (`NATS_URL`, comma-separated). */
  readonly natsServers: string[];
  readonly natsUser: string | undefined;
  readonly natsPassword: string | undefined;
  /** `NATS_CREDS`: Airbag's `.creds` file (`airbag.creds` of `cli.js nats-init`; ADR 0007). */
  readonly natsCredsFile: string | undefined;
  /** `REDIS_URL` (default redis://127.0.0.1:6379); unused when `redisClusterNodes` is set. */
  readonly redisUrl: string;
  /** `REDIS_CLUSTER_NODES`: seed nodes of the Redis Cluster Airbag reads; unset: `redisUrl`. */
  readonly redisClusterNodes: readonly RedisClusterNode[] | undefined;
  /** Airbag's Redis ACL user (`REDIS_USER`, `<prefix>-airbag` in redis/tailslide-redis.sh). */
  readonly redisUser: string | undefined;
  readonly redisPassword: string | undefined;
  readonly flagsBucket: string;
  readonly airbagBucket: string;
  readonly circuitStream: string;
  readonly circuitSubjectRoot: string;
  readonly redisPrefix: string;
  /** Copies JetStream keeps of the stream and buckets (`TAILSLIDE_NATS_REPLICAS`). */
  readonly natsReplicas: number;
  readonly pollIntervalMs: number;
  /** At most one wake-up tick per app per this many ms (`AIRBAG_WAKE_MIN_INTERVAL_MS`). */
  readonly wakeMinIntervalMs: number;
  readonly leaseMs: number;
  readonly instanceId: string;
  readonly redisTimeoutMs: number;
  readonly natsTimeoutMs: number;
  readonly httpHost: string;
  readonly httpPort: number;
  readonly logLevel: LogLevel;
}

/** Reads and validates the environment once; throws a readable error listing every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AirbagConfig {
  const e = parseEnv(schema, env, 'airbag');
  return {
    natsServers: parseNatsServers(e.NATS_URL),
    natsUser: e.NATS_USER,
    natsPassword: e.NATS_PASSWORD,
    natsCredsFile: e.NATS_CREDS,
    redisUrl: e.REDIS_URL ?? AIRBAG_DEFAULTS.redisUrl,
    redisClusterNodes: e.REDIS_CLUSTER_NODES,
    redisUser: e.REDIS_USER,
    redisPassword: e.REDIS_PASSWORD,
    // The platform-wide names Tower also reads; the AIRBAG_* forms override them.
    flagsBucket: e.AIRBAG_FLAGS_BUCKET ?? e.TAILSLIDE_FLAGS_BUCKET,
    airbagBucket: e.AIRBAG_BUCKET,
    circuitStream: e.AIRBAG_CIRCUIT_STREAM ?? e.TAILSLIDE_CIRCUIT_STREAM,
    circuitSubjectRoot: e.AIRBAG_CIRCUIT_SUBJECT_ROOT ?? e.TAILSLIDE_CIRCUIT_SUBJECT_ROOT,
    redisPrefix: e.AIRBAG_REDIS_PREFIX ?? e.TAILSLIDE_REDIS_PREFIX,
    natsReplicas: e.TAILSLIDE_NATS_REPLICAS,
    pollIntervalMs: e.AIRBAG_POLL_INTERVAL_MS,
    wakeMinIntervalMs: e.AIRBAG_WAKE_MIN_INTERVAL_MS,
    leaseMs: e.AIRBAG_LEASE_MS,
    instanceId: e.AIRBAG_INSTANCE_ID ?? `${hostname()}-${process.pid}`,
    redisTimeoutMs: e.AIRBAG_REDIS_TIMEOUT_MS,
    natsTimeoutMs: e.AIRBAG_NATS_TIMEOUT_MS,
    httpHost: e.AIRBAG_HTTP_HOST,
    httpPort: e.AIRBAG_HTTP_PORT,
    logLevel: e.LOG_LEVEL,
  };
}
