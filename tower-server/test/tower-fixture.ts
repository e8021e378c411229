import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { connect, credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import {
  circuitEventId,
  circuitEventSubject,
  circuitEventTypeToken,
  encodeCircuitEvent,
  flagKvKey,
  parseFlagRule,
  CIRCUIT_EVENT_SCHEMA_VERSION,
  type CircuitEvent,
  type CircuitEventType,
  type CircuitState,
  type FlagDto,
  type FlagRule,
  type ServerToClientEvents,
} from '@tailslide/contracts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NATS_KEY_FILES } from '@tailslide/server-kit';
import { createClient } from 'redis';
import { io as ioClient, type Socket } from 'socket.io-client';
import {
  createTestDatabase,
  eventually,
  services,
  signInAdmin,
  TEST_ADMIN,
  uniqueName,
  type AdminCredentials,
  type TestDatabase,
} from '@tailslide/test-support';
import { startTower, type RunningTower, type TowerOptions } from '../src/server.js';

/** A response read as JSON. */
export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** Options of a test Tower, with the unique names filled in. */
export type TestTowerOptions = TowerOptions & {
  flagsBucket: string;
  circuitStream: string;
  circuitSubjectRoot: string;
  circuitConsumer: string;
  redisPrefix: string;
};

/** A Tower started in-process on a fresh database with unique NATS / Redis names. */
export interface TestTower {
  readonly tower: RunningTower;
  readonly db: TestDatabase;
  readonly options: TestTowerOptions;
  readonly nc: NatsConnection;
  readonly kv: KV;
  /** The signed-in admin whose token `api` sends. */
  readonly admin: AdminCredentials;
  /** Calls the API as the admin (`headers` may replace `authorization`, e.g. another role's). */
  api<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<ApiResponse<T>>;
  kvRule(appId: string, flagKey: string): Promise<FlagRule | null>;
  /** Creates an active flag `key` (title = key, plus `extra`); throws unless Tower answers 201. */
  createFlag(appId: string, key: string, extra?: Record<string, unknown>): Promise<FlagDto>;
  /** Waits until the flag's circuit is in `state` (default `open`) and returns the flag. */
  eventuallyCircuit(
    appId: string,
    flagKey: string,
    state?: CircuitState,
    timeoutMs?: number,
  ): Promise<FlagDto>;
  publishEvent(
    e: Partial<CircuitEvent> & {
      type: CircuitEventType;
      appId: string;
      flagKey: string;
      ruleVersion: number;
    },
    msgId?: string,
  ): Promise<CircuitEvent>;
  close(): Promise<void>;
}

/** Unique names for one test Tower on `natsUrl`. */
export function testTowerOptions(
  databaseUrl: string,
  extra: Partial<TowerOptions> = {},
): TestTowerOptions {
  const suffix = uniqueName('t');
  return {
    databaseUrl,
    natsUrl: services.natsUrl,
    redisUrl: services.redisUrl,
    port: 0,
    flagsBucket: `flags_${suffix}`,
    circuitStream: `CIRCUITS_${suffix}`,
    circuitSubjectRoot: `test.${suffix}.circuit`,
    circuitConsumer: `tower_${suffix}`,
    redisPrefix: `ts_${suffix}`,
    logLevel: 'silent',
    admin: TEST_ADMIN,
    ...extra,
  };
}

/** Starts Tower for a test file. `natsUrl` may point at a private server; `now` is its session clock. */
export async function startTestTower(
  extra: Partial<TowerOptions> = {},
  runtime: { now?: () => Date } = {},
): Promise<TestTower> {
  const db = await createTestDatabase('tower');
  const options = testTowerOptions(db.url, extra);
  let tower: RunningTower;
  let admin: AdminCredentials;
  try {
    tower = await startTower(options, runtime);
  } catch (err) {
    await db.drop();
    throw err;
  }
  try {
    admin = await signInAdmin(tower.url);
  } catch (err) {
    await tower.close();
    await db.drop();
    throw err;
  }
  const nc = await connect({
    servers: options.natsUrl,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 100,
    // On a NATS in operator/JWT mode the fixture acts as Tower (its creds from TAILSLIDE_NATS_DIR).
    ...(options.natsKeysDir
      ? {
          authenticator: credsAuthenticator(
            readFileSync(join(options.natsKeysDir, NATS_KEY_FILES.towerCreds)),
          ),
        }
      : {}),
  });
  // Short API timeout: a read issued while a test has NATS stopped fails fast and is retried.
  const js = jetstream(nc, { timeout: 500 });
  const kv = await new Kvm(js).open(options.flagsBucket);
  const t: TestTower = {
    tower,
    db,
    options,
    nc,
    kv,
    admin,
    async api(method, path, body, headers = {}) {
      const res = await fetch(`${tower.url}${path}`, {
        method,
        headers: {
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...admin.headers,
          ...headers,
        },
        ...(body !== undefined
          ? { body: typeof body === 'string' ? body : JSON.stringify(body) }
          : {}),
      });
      const text = await res.text();
      return {
        status: res.status,
        body: text ? JSON.parse(text) : undefined,
        headers: res.headers,
      };
    },
    async createFlag(appId, key, extra = {}) {
      const res = await t.api<FlagDto>('POST', `/api/apps/${appId}/flags`, {
        key,
        title: key,
        active: true,
        ...extra,
      });
      if (res.status !== 201)
        throw new Error(`creating flag ${key}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    },
    eventuallyCircuit(appId, flagKey, state = 'open', timeoutMs) {
      return eventually(async () => {
        const r = await t.api<FlagDto>('GET', `/api/apps/${appId}/flags/${flagKey}`);
        return r.status === 200 && r.body.circuitStatus.state === state ? r.body : null;
      }, timeoutMs);
    },
    async kvRule(appId, flagKey) {
      const e = await kv.get(flagKvKey(appId, flagKey));
      if (!e || e.operation !== 'PUT') return null;
      const r = parseFlagRule(e.value);
      return r.ok ? r.value : null;
    },
    async publishEvent(partial, msgId) {
      const event: CircuitEvent = {
        schemaVersion: CIRCUIT_EVENT_SCHEMA_VERSION,
        id: circuitEventId(partial.appId, partial.flagKey, partial.ruleVersion, partial.type),
        recoveryPercentage: 0,
        occurredAt: new Date().toISOString(),
        stats: { requests: 40, failures: 30, errorRatePercentage: 75, windowMs: 30_000 },
        reason: 'error rate 75% ≥ 50%',
        ...partial,
      };
      const subject = circuitEventSubject(
        event.appId,
        event.flagKey,
        circuitEventTypeToken(event.type),
        options.circuitSubjectRoot,
      );
      await js.publish(subject, encodeCircuitEvent(event), { msgID: msgId ?? event.id });
      return event;
    },
    async close() {
      await tower.close();
      try {
        const jsm = await jetstreamManager(nc);
        await jsm.streams.delete(options.circuitStream).catch(() => undefined);
        await kv.destroy().catch(() => undefined);
        await dropSdkRedisUsers(options.redisPrefix);
      } finally {
        await nc.close();
        await db.drop();
      }
    },
  };
  return t;
}

/** Deletes the Redis ACL users Tower made for this test's SDK keys (`<prefix>-sdk-<id>`). */
async function dropSdkRedisUsers(prefix: string): Promise<void> {
  const redis = createClient({ url: services.redisUrl });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const users = await redis.sendCommand<string[]>(['ACL', 'USERS']);
    for (const u of users.filter((x) => x.startsWith(`${prefix}-sdk-`)))
      await redis.sendCommand(['ACL', 'DELUSER', u]);
  } catch {
    // Redis gone: nothing to clean
  } finally {
    redis.destroy();
  }
}

/**
 * A dashboard's socket.io client, connected to `url` (closes itself if connecting fails).
 * `headers` go with the handshake (a cookie, `Authorization`, a browser's `Origin`).
 */
export async function connectDashboard(
  url: string,
  headers: Record<string, string> = {},
): Promise<Socket<ServerToClientEvents>> {
  const socket: Socket<ServerToClientEvents> = ioClient(url, {
    path: '/socket.io',
    transports: ['websocket'],
    extraHeaders: headers,
    reconnection: false,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
  } catch (err) {
    socket.close();
    throw err;
  }
  return socket;
}
