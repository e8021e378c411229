import {
  CIRCUIT_SUBJECT_ROOT,
  DEFAULT_CIRCUIT_STREAM,
  DEFAULT_FLAGS_BUCKET,
  DEFAULT_REDIS_PREFIX,
  DEFAULT_TOWER_CIRCUIT_CONSUMER,
} from '@tailslide/contracts';
import { z } from 'zod';
import { parsePublicUrl, parseTrustProxy } from './security.js';
import type { TowerOptions } from './server.js';

const list = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
);

const envSchema = z.object({
  DATABASE_URL: z.string().min(1),
  NATS_URL: z.string().min(1).default('nats://127.0.0.1:4222'),
  NATS_USER: z.string().min(1).optional(),
  NATS_PASSWORD: z.string().min(1).optional(),
  REDIS_URL: z.string().min(1).optional(),
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  TAILSLIDE_FLAGS_BUCKET: z.string().min(1).default(DEFAULT_FLAGS_BUCKET),
  TAILSLIDE_CIRCUIT_STREAM: z.string().min(1).default(DEFAULT_CIRCUIT_STREAM),
  TAILSLIDE_CIRCUIT_SUBJECT_ROOT: z.string().min(1).default(CIRCUIT_SUBJECT_ROOT),
  TAILSLIDE_CIRCUIT_CONSUMER: z.string().min(1).default(DEFAULT_TOWER_CIRCUIT_CONSUMER),
  TAILSLIDE_REDIS_PREFIX: z.string().min(1).default(DEFAULT_REDIS_PREFIX),
  TAILSLIDE_PUBLIC_URL: z
    .string()
    .min(1)
    .transform((v, ctx) => {
      try {
        return parsePublicUrl(v);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    })
    .optional(),
  TRUST_PROXY: z.string().transform(parseTrustProxy).default(false),
  TOWER_UI_DIR: z.string().min(1).optional(),
  TOWER_WEBHOOK_ALLOWED_HOSTS: list.default([]),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/**
 * Reads and validates Tower's configuration from the environment, once, at startup. The only
 * place that reads `process.env`. Throws a readable error listing every bad variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): TowerOptions {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    databaseUrl: e.DATABASE_URL,
    natsUrl: e.NATS_URL,
    ...(e.NATS_USER ? { natsUser: e.NATS_USER, natsPassword: e.NATS_PASSWORD ?? '' } : {}),
    ...(e.REDIS_URL ? { redisUrl: e.REDIS_URL } : {}),
    port: e.PORT,
    host: e.HOST,
    flagsBucket: e.TAILSLIDE_FLAGS_BUCKET,
    circuitStream: e.TAILSLIDE_CIRCUIT_STREAM,
    circuitSubjectRoot: e.TAILSLIDE_CIRCUIT_SUBJECT_ROOT,
    circuitConsumer: e.TAILSLIDE_CIRCUIT_CONSUMER,
    redisPrefix: e.TAILSLIDE_REDIS_PREFIX,
    ...(e.TAILSLIDE_PUBLIC_URL ? { publicUrl: e.TAILSLIDE_PUBLIC_URL } : {}),
    trustProxy: e.TRUST_PROXY,
    ...(e.TOWER_UI_DIR ? { uiDir: e.TOWER_UI_DIR } : {}),
    webhookAllowedHosts: e.TOWER_WEBHOOK_ALLOWED_HOSTS,
    logLevel: e.LOG_LEVEL,
  };
}
