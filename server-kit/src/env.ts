import {
  CIRCUIT_SUBJECT_ROOT,
  DEFAULT_CIRCUIT_STREAM,
  DEFAULT_FLAGS_BUCKET,
  DEFAULT_REDIS_PREFIX,
  parseNatsServers,
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
  TAILSLIDE_REDIS_PREFIX: z.string().min(1).default(DEFAULT_REDIS_PREFIX),
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
