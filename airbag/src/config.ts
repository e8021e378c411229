import { hostname } from 'node:os';
import {
  CIRCUIT_SUBJECT_ROOT,
  DEFAULT_AIRBAG_BUCKET,
  DEFAULT_CIRCUIT_STREAM,
  DEFAULT_FLAGS_BUCKET,
  DEFAULT_REDIS_PREFIX,
  parseNatsServers,
} from '@tailslide/contracts';
import { z } from 'zod';

const positiveInt = z.coerce.number().int().positive();

const schema = z.object({
  NATS_URL: z.string().min(1).default('nats://127.0.0.1:4222'),
  NATS_USER: z.string().min(1).optional(),
  NATS_PASSWORD: z.string().min(1).optional(),
  REDIS_URL: z.string().min(1).default('redis://127.0.0.1:6379'),
  TAILSLIDE_FLAGS_BUCKET: z.string().min(1).default(DEFAULT_FLAGS_BUCKET),
  TAILSLIDE_CIRCUIT_STREAM: z.string().min(1).default(DEFAULT_CIRCUIT_STREAM),
  TAILSLIDE_CIRCUIT_SUBJECT_ROOT: z.string().min(1).default(CIRCUIT_SUBJECT_ROOT),
  TAILSLIDE_REDIS_PREFIX: z.string().min(1).default(DEFAULT_REDIS_PREFIX),
  AIRBAG_FLAGS_BUCKET: z.string().min(1).optional(),
  AIRBAG_BUCKET: z.string().min(1).default(DEFAULT_AIRBAG_BUCKET),
  AIRBAG_CIRCUIT_STREAM: z.string().min(1).optional(),
  AIRBAG_CIRCUIT_SUBJECT_ROOT: z.string().min(1).optional(),
  AIRBAG_REDIS_PREFIX: z.string().min(1).optional(),
  AIRBAG_POLL_INTERVAL_MS: positiveInt.default(1000),
  AIRBAG_LEASE_MS: positiveInt.default(5000),
  AIRBAG_INSTANCE_ID: z.string().min(1).optional(),
  AIRBAG_REDIS_TIMEOUT_MS: positiveInt.default(1000),
  AIRBAG_NATS_TIMEOUT_MS: positiveInt.default(2000),
  AIRBAG_HTTP_HOST: z.string().min(1).default('0.0.0.0'),
  AIRBAG_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(3002),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** Validated Airbag configuration. */
export interface AirbagConfig {
  /** One or more NATS servers (`NATS_URL`, comma-separated). */
  readonly natsServers: string[];
  readonly natsUser: string | undefined;
  readonly natsPassword: string | undefined;
  readonly redisUrl: string;
  readonly flagsBucket: string;
  readonly airbagBucket: string;
  readonly circuitStream: string;
  readonly circuitSubjectRoot: string;
  readonly redisPrefix: string;
  readonly pollIntervalMs: number;
  readonly leaseMs: number;
  readonly instanceId: string;
  readonly redisTimeoutMs: number;
  readonly natsTimeoutMs: number;
  readonly httpHost: string;
  readonly httpPort: number;
  readonly logLevel: string;
}

/** Reads and validates the environment once; throws a readable error listing every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AirbagConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid airbag configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    natsServers: parseNatsServers(e.NATS_URL),
    natsUser: e.NATS_USER,
    natsPassword: e.NATS_PASSWORD,
    redisUrl: e.REDIS_URL,
    // The platform-wide names Tower also reads; the AIRBAG_* forms override them.
    flagsBucket: e.AIRBAG_FLAGS_BUCKET ?? e.TAILSLIDE_FLAGS_BUCKET,
    airbagBucket: e.AIRBAG_BUCKET,
    circuitStream: e.AIRBAG_CIRCUIT_STREAM ?? e.TAILSLIDE_CIRCUIT_STREAM,
    circuitSubjectRoot: e.AIRBAG_CIRCUIT_SUBJECT_ROOT ?? e.TAILSLIDE_CIRCUIT_SUBJECT_ROOT,
    redisPrefix: e.AIRBAG_REDIS_PREFIX ?? e.TAILSLIDE_REDIS_PREFIX,
    pollIntervalMs: e.AIRBAG_POLL_INTERVAL_MS,
    leaseMs: e.AIRBAG_LEASE_MS,
    instanceId: e.AIRBAG_INSTANCE_ID ?? `${hostname()}-${process.pid}`,
    redisTimeoutMs: e.AIRBAG_REDIS_TIMEOUT_MS,
    natsTimeoutMs: e.AIRBAG_NATS_TIMEOUT_MS,
    httpHost: e.AIRBAG_HTTP_HOST,
    httpPort: e.AIRBAG_HTTP_PORT,
    logLevel: e.LOG_LEVEL,
  };
}
