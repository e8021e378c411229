import {
  CIRCUIT_SUBJECT_ROOT,
  DEFAULT_AIRBAG_BUCKET,
  DEFAULT_CIRCUIT_STREAM,
  DEFAULT_FLAGS_BUCKET,
  DEFAULT_REDIS_PREFIX,
  DEFAULT_TOWER_CIRCUIT_CONSUMER,
  feedSubject,
  type RedisClusterNode,
} from '@tailslide/contracts';
import {
  DEFAULT_HOST,
  DEFAULT_NATS_URL,
  baseEnvSchema,
  parseEnv,
  portSchema,
  refineRedisTarget,
  type LogLevel,
} from '@tailslide/server-kit';
import { MIN_PASSWORD_LENGTH } from '@tailslide/contracts';
import { z } from 'zod';
import { DEFAULT_SESSION_LIFETIME, type SessionLifetime } from './auth/auth-service.js';
import type { LoginLimiterOptions } from './auth/login-limiter.js';
import { parsePublicUrl, parseTrustProxy, type TrustProxy } from './security.js';

/** Tower's settings, every one resolved: what the composition root builds Tower from. */
export interface TowerConfig {
  /** Postgres connection string; migrations run at startup. */
  readonly databaseUrl: string;
  /** NATS server URL (JetStream enabled), or several separated by commas. */
  readonly natsUrl: string;
  /** NATS user (see nats.conf: `tower`); `null` connects without credentials. */
  readonly natsUser: string | null;
  /** Password of `natsUser`. */
  readonly natsPassword: string | null;
  /**
   * `TAILSLIDE_NATS_DIR`: the directory `cli.js nats-init` wrote (operator/JWT mode, ADR 0007).
   * Tower connects with its `tower.creds`, mints SDK users with the account signing key and
   * pushes revocations as the system user. `null`: NATS without authorization; SDK keys are
   * minted but nothing enforces them (Tower warns at start).
   */
  readonly natsKeysDir: string | null;
  /** `NATS_CREDS`: Tower's `.creds` file when it is not `<natsKeysDir>/tower.creds`. */
  readonly natsCredsFile: string | null;
  /** Redis for the time-series endpoint and SDK key users; `null`: the endpoint answers 503. */
  readonly redisUrl: string | null;
  /**
   * `REDIS_CLUSTER_NODES`: seed nodes of a Redis Cluster, used instead of `redisUrl`. Tower then
   * creates SDK key users on every master and replica (ACL users are per node).
   */
  readonly redisClusterNodes: readonly RedisClusterNode[] | null;
  /** Tower's Redis ACL user (`REDIS_USER`, `<prefix>-tower` in redis/tailslide-redis.sh). */
  readonly redisUser: string | null;
  /** Password of `redisUser` (`REDIS_PASSWORD`). */
  readonly redisPassword: string | null;
  /** HTTP port; 0 picks a free one. */
  readonly port: number;
  /** Address the HTTP server binds. */
  readonly host: string;
  readonly flagsBucket: string;
  readonly circuitStream: string;
  readonly circuitSubjectRoot: string;
  readonly circuitConsumer: string;
  /**
   * NATS subject the Towers of one platform share dashboard events on (`TAILSLIDE_FEED_SUBJECT`);
   * by default `tailslide.feed.<flagsBucket>`.
   */
  readonly feedSubject: string;
  readonly redisPrefix: string;
  /** Copies JetStream keeps of the flags bucket and circuit stream (`TAILSLIDE_NATS_REPLICAS`). */
  readonly natsReplicas: number;
  /** Directory of the built tower-ui, served with an SPA fallback; `null`: API only. */
  readonly uiDir: string | null;
  /** Hosts (`host` or `host:port`) allowed for alert webhooks besides hooks.slack.com; http allowed for them. */
  readonly webhookAllowedHosts: readonly string[];
  /** pino level ('silent' in tests is fine). */
  readonly logLevel: LogLevel;
  /** Reconciler interval. */
  readonly reconcileIntervalMs: number;
  /**
   * `TAILSLIDE_ADMIN_EMAIL` / `TAILSLIDE_ADMIN_PASSWORD`: the first admin, created at start-up
   * when there are no users at all (later starts ignore it). There is never a default password.
   */
  readonly admin: { readonly email: string; readonly password: string } | null;
  /** Session idle and absolute lifetimes (`TAILSLIDE_SESSION_IDLE_MINUTES`, `_MAX_HOURS`). */
  readonly session: SessionLifetime;
  /** Failed-login limits per account and per address (5 and 50 per 15 min). */
  readonly loginLimits: LoginLimiterOptions;
  /**
   * `TAILSLIDE_PUBLIC_URL`: the URL people open (`https://flags.example.com`). Browsers may reach
   * Tower only through its host name (or a loopback name); https turns on HSTS and Secure cookies.
   * `null`: loopback names only (development).
   */
  readonly publicUrl: URL | null;
  /** `TRUST_PROXY`: which proxies may set `X-Forwarded-*` (TLS offload). */
  readonly trustProxy: TrustProxy;
  /**
   * Time a client has to send a request's headers, and its whole request (body included); a
   * slower client gets 408 and is disconnected instead of holding a connection for minutes.
   */
  readonly requestTimeouts: { readonly headersMs: number; readonly requestMs: number };
}

/** How to run Tower in-process: `databaseUrl` and anything that differs from {@link TOWER_DEFAULTS}. */
export type TowerOptions = Pick<TowerConfig, 'databaseUrl'> & {
  readonly [K in Exclude<keyof TowerConfig, 'databaseUrl'>]?: TowerConfig[K] | undefined;
};

/** The one default of every optional setting, for the environment and in-process use alike. */
export const TOWER_DEFAULTS: Omit<TowerConfig, 'databaseUrl'> = Object.freeze({
  natsUrl: DEFAULT_NATS_URL,
  natsUser: null,
  natsPassword: null,
  natsKeysDir: null,
  natsCredsFile: null,
  redisUrl: null,
  redisClusterNodes: null,
  redisUser: null,
  redisPassword: null,
  port: 3000,
  host: DEFAULT_HOST,
  flagsBucket: DEFAULT_FLAGS_BUCKET,
  circuitStream: DEFAULT_CIRCUIT_STREAM,
  circuitSubjectRoot: CIRCUIT_SUBJECT_ROOT,
  circuitConsumer: DEFAULT_TOWER_CIRCUIT_CONSUMER,
  feedSubject: feedSubject(DEFAULT_FLAGS_BUCKET),
  redisPrefix: DEFAULT_REDIS_PREFIX,
  natsReplicas: 1,
  uiDir: null,
  webhookAllowedHosts: [],
  logLevel: 'info',
  reconcileIntervalMs: 30_000,
  admin: null,
  session: DEFAULT_SESSION_LIFETIME,
  loginLimits: {},
  publicUrl: null,
  trustProxy: false,
  requestTimeouts: { headersMs: 10_000, requestMs: 30_000 },
});

/** Fills every setting `options` leaves out with its {@link TOWER_DEFAULTS} value. */
export function resolveTowerConfig(options: TowerOptions): TowerConfig {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const config = { ...TOWER_DEFAULTS, ...given } as TowerConfig;
  return options.feedSubject ? config : { ...config, feedSubject: feedSubject(config.flagsBucket) };
}

const list = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
);

const envSchema = baseEnvSchema
  .extend({
    DATABASE_URL: z.string().min(1),
    REDIS_URL: z.string().min(1).optional(),
    PORT: portSchema.optional(),
    HOST: z.string().min(1).optional(),
    TAILSLIDE_NATS_DIR: z.string().min(1).optional(),
    TAILSLIDE_CIRCUIT_CONSUMER: z.string().min(1).optional(),
    TAILSLIDE_FEED_SUBJECT: z.string().min(1).optional(),
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
    TRUST_PROXY: z.string().transform(parseTrustProxy).optional(),
    TOWER_UI_DIR: z.string().min(1).optional(),
    TOWER_WEBHOOK_ALLOWED_HOSTS: list.optional(),
    TAILSLIDE_ADMIN_EMAIL: z.string().trim().max(254).pipe(z.email()).optional(),
    TAILSLIDE_ADMIN_PASSWORD: z.string().min(MIN_PASSWORD_LENGTH).max(1024).optional(),
    TAILSLIDE_SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(525_600).optional(),
    TAILSLIDE_SESSION_MAX_HOURS: z.coerce.number().int().min(1).max(8_760).optional(),
  })
  .superRefine(refineRedisTarget);

/**
 * Reads and validates Tower's configuration from the environment, once, at startup. The only
 * place that reads `process.env`. Throws a readable error listing every bad variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): TowerConfig {
  const e = parseEnv(envSchema, env, 'tower');
  return resolveTowerConfig({
    databaseUrl: e.DATABASE_URL,
    natsUrl: e.NATS_URL,
    natsUser: e.NATS_USER,
    natsPassword: e.NATS_USER ? (e.NATS_PASSWORD ?? '') : undefined,
    natsKeysDir: e.TAILSLIDE_NATS_DIR,
    natsCredsFile: e.NATS_CREDS,
    redisUrl: e.REDIS_URL,
    redisClusterNodes: e.REDIS_CLUSTER_NODES,
    redisUser: e.REDIS_USER,
    redisPassword: e.REDIS_PASSWORD,
    port: e.PORT,
    host: e.HOST,
    flagsBucket: e.TAILSLIDE_FLAGS_BUCKET,
    circuitStream: e.TAILSLIDE_CIRCUIT_STREAM,
    circuitSubjectRoot: e.TAILSLIDE_CIRCUIT_SUBJECT_ROOT,
    circuitConsumer: e.TAILSLIDE_CIRCUIT_CONSUMER,
    feedSubject: e.TAILSLIDE_FEED_SUBJECT,
    redisPrefix: e.TAILSLIDE_REDIS_PREFIX,
    natsReplicas: e.TAILSLIDE_NATS_REPLICAS,
    uiDir: e.TOWER_UI_DIR,
    publicUrl: e.TAILSLIDE_PUBLIC_URL,
    trustProxy: e.TRUST_PROXY,
    webhookAllowedHosts: e.TOWER_WEBHOOK_ALLOWED_HOSTS,
    logLevel: e.LOG_LEVEL,
    admin: adminFromEnv(e.TAILSLIDE_ADMIN_EMAIL, e.TAILSLIDE_ADMIN_PASSWORD),
    session: {
      idleMs: (e.TAILSLIDE_SESSION_IDLE_MINUTES ?? 480) * 60_000,
      absoluteMs: (e.TAILSLIDE_SESSION_MAX_HOURS ?? 168) * 3_600_000,
    },
  });
}

function adminFromEnv(
  email: string | undefined,
  password: string | undefined,
): TowerConfig['admin'] {
  if (email === undefined && password === undefined) return null;
  if (email === undefined || password === undefined)
    throw new Error('set both TAILSLIDE_ADMIN_EMAIL and TAILSLIDE_ADMIN_PASSWORD, or neither');
  return { email, password };
}

/** What `cli.js create-admin` reads from the environment. */
export interface CliConfig {
  readonly databaseUrl: string;
  /** `TAILSLIDE_ADMIN_PASSWORD`, else the CLI reads the password from stdin. */
  readonly password?: string;
}

/** Reads the CLI's configuration (`DATABASE_URL`, optional `TAILSLIDE_ADMIN_PASSWORD`). */
export function loadCliConfig(env: NodeJS.ProcessEnv = process.env): CliConfig {
  const parsed = z
    .object({
      DATABASE_URL: z.string().min(1),
      TAILSLIDE_ADMIN_PASSWORD: z.string().min(1).optional(),
    })
    .safeParse(env);
  if (!parsed.success) throw new Error('DATABASE_URL must be set');
  return {
    databaseUrl: parsed.data.DATABASE_URL,
    ...(parsed.data.TAILSLIDE_ADMIN_PASSWORD
      ? { password: parsed.data.TAILSLIDE_ADMIN_PASSWORD }
      : {}),
  };
}

/** The names `cli.js nats-init` builds the service permissions from (the `TAILSLIDE_*` settings). */
export function loadNatsNames(env: NodeJS.ProcessEnv = process.env): {
  flagsBucket: string;
  airbagBucket: string;
  circuitStream: string;
  circuitSubjectRoot: string;
  feedSubject: string | undefined;
} {
  const e = parseEnv(
    z.object({
      TAILSLIDE_FLAGS_BUCKET: z.string().min(1).default(DEFAULT_FLAGS_BUCKET),
      AIRBAG_BUCKET: z.string().min(1).default(DEFAULT_AIRBAG_BUCKET),
      TAILSLIDE_CIRCUIT_STREAM: z.string().min(1).default(DEFAULT_CIRCUIT_STREAM),
      TAILSLIDE_CIRCUIT_SUBJECT_ROOT: z.string().min(1).default(CIRCUIT_SUBJECT_ROOT),
      TAILSLIDE_FEED_SUBJECT: z.string().min(1).optional(),
    }),
    env,
    'nats-init',
  );
  return {
    flagsBucket: e.TAILSLIDE_FLAGS_BUCKET,
    airbagBucket: e.AIRBAG_BUCKET,
    circuitStream: e.TAILSLIDE_CIRCUIT_STREAM,
    circuitSubjectRoot: e.TAILSLIDE_CIRCUIT_SUBJECT_ROOT,
    feedSubject: e.TAILSLIDE_FEED_SUBJECT,
  };
}
