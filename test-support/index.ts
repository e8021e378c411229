/**
 * Shared helpers for integration and fault tests. Every test isolates itself by unique names
 * (a database per test file, random KV bucket / stream names, a random Redis prefix) and cleans
 * up what it creates. Fault tests start private servers on free ports; the shared services on
 * 5432 / 6379 / 4222 are never stopped.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

/** Connection settings of the machine's shared services (overridable through the environment). */
export const services = {
  postgresUrl: process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  redisUrl: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  natsUrl: process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222',
} as const;

/** A name unique to this run: `<prefix>_<10 hex chars>`, safe for databases, buckets and streams. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/** A throwaway Postgres database, dropped by `drop()`. */
export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

/** Creates an empty database on the shared Postgres server. */
export async function createTestDatabase(prefix = 'tailslide_test'): Promise<TestDatabase> {
  const name = uniqueName(prefix).toLowerCase();
  const admin = new pg.Client({ connectionString: services.postgresUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(services.postgresUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: services.postgresUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on `port`, or rejects after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = netConnect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline)
      throw new Error(`nothing listening on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A private server process a fault test can stop and start again on the same port. */
export interface ManagedServer {
  readonly port: number;
  readonly url: string;
  /** Starts (or restarts) the process and waits until it accepts connections. */
  start(): Promise<void>;
  /** Kills the process (SIGKILL by default) and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Freezes the process (SIGSTOP): the port stays open but nothing answers — a hung server. */
  pause(): void;
  /** Thaws a paused process (SIGCONT). */
  resume(): void;
  /** Stops the process and removes its data directory. */
  dispose(): Promise<void>;
}

export function managed(
  port: number,
  url: string,
  command: string,
  args: string[],
  dataDir: string,
  env?: Readonly<Record<string, string>>,
): ManagedServer {
  let child: ChildProcess | null = null;
  const stop = async (signal: NodeJS.Signals = 'SIGKILL') => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill(signal);
    });
  };
  return {
    port,
    url,
    async start() {
      if (child) return;
      child = spawn(command, args, {
        stdio: 'ignore',
        ...(env ? { env: { ...process.env, ...env } } : {}),
      });
      await waitForPort(port);
    },
    stop,
    pause() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
    async dispose() {
      child?.kill('SIGCONT');
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A private `nats-server -js` on a free port with its own store directory (not started yet). */
export async function privateNatsServer(): Promise<ManagedServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'tailslide-nats-'));
  return managed(
    port,
    `nats://127.0.0.1:${port}`,
    '/usr/sbin/nats-server',
    ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir],
    dir,
  );
}

/** One node of a {@link privateNatsCluster}. */
export interface NatsClusterNode extends ManagedServer {
  /** The node's server name (`n1`, `n2`, …). */
  readonly name: string;
  /** Its monitoring endpoint (`http://127.0.0.1:<port>`: `/connz`, `/jsz`). */
  readonly monitorUrl: string;
}

/** Private clustered `nats-server -js` processes on loopback ports. */
export interface NatsCluster {
  readonly nodes: readonly NatsClusterNode[];
  /** Every node's client URL, comma-separated (a `NATS_URL`). */
  readonly urls: string;
  /** Starts every node and waits until JetStream has a meta leader. */
  start(): Promise<void>;
  /** The node a client connection named `name` is connected to, or null. */
  nodeOf(connectionName: string): Promise<NatsClusterNode | null>;
  /** Waits until JetStream has a meta leader again (after a node was killed or restarted). */
  waitForMetaLeader(timeoutMs?: number): Promise<void>;
  dispose(): Promise<void>;
}

/** A cluster of `size` JetStream nodes with routes between them all (not started yet). */
export async function privateNatsCluster(size = 3): Promise<NatsCluster> {
  const cluster = uniqueName('tc');
  const ports = [];
  for (let i = 0; i < size; i++)
    ports.push({ client: await freePort(), route: await freePort(), http: await freePort() });
  const routes = ports.map((p) => `nats://127.0.0.1:${p.route}`).join(',');
  const nodes: NatsClusterNode[] = ports.map((p, i) => {
    const dir = mkdtempSync(join(tmpdir(), 'tailslide-natsc-'));
    const name = `n${i + 1}`;
    const server = managed(
      p.client,
      `nats://127.0.0.1:${p.client}`,
      '/usr/sbin/nats-server',
      [
        '-a',
        '127.0.0.1',
        '-p',
        String(p.client),
        '-js',
        '-sd',
        dir,
        '-n',
        name,
        '--cluster_name',
        cluster,
        '--cluster',
        `nats://127.0.0.1:${p.route}`,
        '--routes',
        routes,
        '-m',
        String(p.http),
      ],
      dir,
    );
    return Object.assign(server, { name, monitorUrl: `http://127.0.0.1:${p.http}` });
  });
  const metaLeader = async (node: NatsClusterNode): Promise<string | null> => {
    try {
      const jsz = (await (await fetch(`${node.monitorUrl}/jsz`)).json()) as {
        meta_cluster?: { leader?: string };
      };
      return jsz.meta_cluster?.leader ?? null;
    } catch {
      return null;
    }
  };
  const waitForMetaLeader = async (timeoutMs = 20_000) => {
    await eventually(
      async () => {
        for (const n of nodes) if (await metaLeader(n)) return true;
        return false;
      },
      timeoutMs,
      100,
    );
  };
  return {
    nodes,
    urls: nodes.map((n) => n.url).join(','),
    async start() {
      await Promise.all(nodes.map((n) => n.start()));
      await waitForMetaLeader();
    },
    async nodeOf(connectionName) {
      for (const n of nodes) {
        try {
          const connz = (await (await fetch(`${n.monitorUrl}/connz`)).json()) as {
            connections?: { name?: string }[];
          };
          if (connz.connections?.some((c) => c.name === connectionName)) return n;
        } catch {
          // A stopped node has no connections.
        }
      }
      return null;
    },
    waitForMetaLeader,
    async dispose() {
      await Promise.all(nodes.map((n) => n.dispose()));
    },
  };
}

/** A private `redis-server` on a free port that keeps nothing on disk (not started yet). */
/** A private redis-server's arguments: loopback, `port`, nothing kept on disk, files in `dir`. */
function redisArgs(port: number, dir: string, extra: readonly string[] = []): string[] {
  return [
    '--bind',
    '127.0.0.1',
    '--port',
    String(port),
    ...extra,
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
  ];
}

export async function privateRedisServer(): Promise<ManagedServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'tailslide-redis-'));
  return managed(port, `redis://127.0.0.1:${port}`, 'redis-server', redisArgs(port, dir), dir);
}

/** The shipped Redis start script (`redis/tailslide-redis.sh`): ACL users, no anonymous rights. */
export const REDIS_START_SCRIPT = fileURLToPath(
  new URL('../redis/tailslide-redis.sh', import.meta.url),
);

/** A private Redis started with the project's real ACL configuration. */
export interface SecuredRedisServer extends ManagedServer {
  /** The key prefix the ACL was generated for. */
  readonly prefix: string;
  /** Password of `<prefix>-tower`. */
  readonly towerPassword: string;
  /** Password of `<prefix>-airbag`. */
  readonly airbagPassword: string;
}

/**
 * A private `redis-server` on a free port started through {@link REDIS_START_SCRIPT} — the same
 * ACL as docker-compose — with random service passwords; keeps nothing on disk, so a restart
 * forgets every user Tower created (not started yet).
 */
export async function privateSecuredRedisServer(
  prefix = uniqueName('ts').replaceAll('_', '-'),
): Promise<SecuredRedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'tailslide-redis-'));
  const towerPassword = randomBytes(16).toString('hex');
  const airbagPassword = randomBytes(16).toString('hex');
  const server = managed(
    port,
    `redis://127.0.0.1:${port}`,
    REDIS_START_SCRIPT,
    redisArgs(port, dir),
    dir,
    {
      TAILSLIDE_REDIS_PREFIX: prefix,
      TOWER_REDIS_PASSWORD: towerPassword,
      AIRBAG_REDIS_PASSWORD: airbagPassword,
      TAILSLIDE_REDIS_ACL_FILE: join(dir, 'users.acl'),
    },
  );
  return { ...server, prefix, towerPassword, airbagPassword };
}

/** One node of a {@link privateRedisCluster}: a secured Redis with cluster mode on. */
export interface RedisClusterNodeServer extends ManagedServer {
  /** Its cluster bus port (`--cluster-port`). */
  readonly busPort: number;
}

/** Private `redis-server --cluster-enabled yes` processes forming one Redis Cluster. */
export interface PrivateRedisCluster {
  readonly nodes: readonly RedisClusterNodeServer[];
  /** Every node's URL, comma-separated: a `REDIS_CLUSTER_NODES` / the SDK's `redisClusterNodes`. */
  readonly clusterNodes: string;
  /** The key prefix the ACL was generated for. */
  readonly prefix: string;
  /** Password of `<prefix>-tower` on every node. */
  readonly towerPassword: string;
  /** Password of `<prefix>-airbag` on every node. */
  readonly airbagPassword: string;
  /** User `<prefix>-admin` (every right; made `redis-cli --cluster create` work). */
  readonly admin: { readonly username: string; readonly password: string };
  /**
   * Starts every node, assigns the slots (`redis-cli --cluster create … --cluster-replicas 0`) and
   * waits until each node reports `cluster_state:ok`.
   */
  start(): Promise<void>;
  /** Runs `redis-cli` as the admin against `node` and returns its output. */
  cli(node: RedisClusterNodeServer, ...args: string[]): Promise<string>;
  /** Stops every node and removes their data directories. */
  dispose(): Promise<void>;
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${command} ${args.join(' ')}: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/**
 * A Redis Cluster of `masters` nodes (no replicas) on free loopback ports, each started through
 * {@link REDIS_START_SCRIPT} with the same service passwords — the ACL every node of a real
 * cluster would run — plus an admin user for creating the cluster. Nothing is kept on disk.
 * Not started yet.
 */
export async function privateRedisCluster(
  masters = 3,
  prefix = uniqueName('ts').replaceAll('_', '-'),
): Promise<PrivateRedisCluster> {
  const towerPassword = randomBytes(16).toString('hex');
  const airbagPassword = randomBytes(16).toString('hex');
  const admin = { username: `${prefix}-admin`, password: randomBytes(16).toString('hex') };
  const nodes: RedisClusterNodeServer[] = [];
  for (let i = 0; i < masters; i++) {
    const port = await freePort();
    const busPort = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'tailslide-redisc-'));
    const server = managed(
      port,
      `redis://127.0.0.1:${port}`,
      REDIS_START_SCRIPT,
      redisArgs(port, dir, [
        '--cluster-enabled',
        'yes',
        '--cluster-port',
        String(busPort),
        '--cluster-config-file',
        join(dir, 'nodes.conf'),
        '--cluster-node-timeout',
        '2000',
      ]),
      dir,
      {
        TAILSLIDE_REDIS_PREFIX: prefix,
        TOWER_REDIS_PASSWORD: towerPassword,
        AIRBAG_REDIS_PASSWORD: airbagPassword,
        TAILSLIDE_REDIS_ADMIN_PASSWORD: admin.password,
        TAILSLIDE_REDIS_ACL_FILE: join(dir, 'users.acl'),
      },
    );
    nodes.push(Object.assign(server, { busPort }));
  }
  const auth = ['--user', admin.username, '--pass', admin.password, '--no-auth-warning'];
  const cli = (node: RedisClusterNodeServer, ...args: string[]) =>
    run('redis-cli', ['-h', '127.0.0.1', '-p', String(node.port), ...auth, ...args]);
  return {
    nodes,
    clusterNodes: nodes.map((n) => n.url).join(','),
    prefix,
    towerPassword,
    airbagPassword,
    admin,
    cli,
    async start() {
      await Promise.all(nodes.map((n) => n.start()));
      await run('redis-cli', [
        ...auth,
        '--cluster',
        'create',
        ...nodes.map((n) => `127.0.0.1:${n.port}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ]);
      for (const node of nodes)
        await eventually(
          async () => (await cli(node, 'CLUSTER', 'INFO')).includes('cluster_state:ok'),
          30_000,
          100,
        );
    },
    async dispose() {
      await Promise.all(nodes.map((n) => n.dispose()));
    },
  };
}

/**
 * Polls `check` until it returns a truthy value or `timeoutMs` passes. For waiting on another
 * process (a KV watcher, a consumer) — never for waiting on our own timers, which expose tick().
 */
export async function eventually<T>(
  check: () => T | Promise<T>,
  timeoutMs = 5_000,
  intervalMs = 10,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `condition not met within ${timeoutMs} ms${last instanceof Error ? `: ${last.message}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** The part of a node-redis client {@link deleteKeysWithPrefix} needs. */
export interface PrefixCleanupClient {
  scanIterator(options: { MATCH: string; COUNT?: number }): AsyncIterable<string[]>;
  del(keys: string[]): Promise<unknown>;
}

/** Deletes every Redis key under `<prefix>:` — what a test wrote under its random prefix. */
export async function deleteKeysWithPrefix(
  redis: PrefixCleanupClient,
  prefix: string,
): Promise<void> {
  for await (const keys of redis.scanIterator({ MATCH: `${prefix}:*`, COUNT: 1000 })) {
    if (keys.length > 0) await redis.del(keys);
  }
}

/**
 * Deletes every Redis ACL user named `<prefix>-…` (the SDK key users a test Tower created under
 * its random prefix), as {@link deleteKeysWithPrefix} does for keys. `redis` must be allowed
 * `ACL USERS` and `ACL DELUSER` (the shared test Redis's default user is).
 */
export async function deleteRedisUsersWithPrefix(
  redis: { sendCommand(args: string[]): Promise<unknown> },
  prefix: string,
): Promise<void> {
  const users = await redis.sendCommand(['ACL', 'USERS']);
  if (!Array.isArray(users)) return;
  const mine = users.filter(
    (u): u is string => typeof u === 'string' && u.startsWith(`${prefix}-`),
  );
  if (mine.length > 0) await redis.sendCommand(['ACL', 'DELUSER', ...mine]);
}

/** The admin every test Tower starts with (`TowerOptions.admin`); never used outside tests. */
export const TEST_ADMIN = {
  email: 'admin@tailslide.test',
  password: 'test-admin-password',
} as const;

/** Credentials of a signed-in admin: a session cookie (browsers) and an API token (scripts). */
export interface AdminCredentials {
  /** Value of the `tailslide_session` cookie. */
  readonly sessionCookie: string;
  /** `Authorization: Bearer tst_…` of an admin API token. */
  readonly headers: { readonly authorization: string };
  /** Creates an API token with `role` and returns its `Authorization` header value. */
  tokenFor(role: 'viewer' | 'editor' | 'admin', name?: string): Promise<string>;
  /** `fetch` of `path` on Tower as the admin (JSON body; throws on a non-2xx answer). */
  request<T>(method: string, path: string, body?: unknown): Promise<T>;
}

/**
 * Signs in to the Tower at `baseUrl` as `admin` (created at start-up from `TowerOptions.admin` /
 * `TAILSLIDE_ADMIN_EMAIL`) and creates an admin API token: the one way every test, the walking
 * skeleton, the e2e harness, examples and benchmarks get credentials.
 */
export async function signInAdmin(
  baseUrl: string,
  admin: { email: string; password: string } = TEST_ADMIN,
  /** Name of the admin token (audit actor `token:<name>`). @default unique `test-admin_…` */
  tokenName: string = uniqueName('test-admin'),
): Promise<AdminCredentials> {
  const login = await fetch(`${baseUrl}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(admin),
  });
  if (login.status !== 200) throw new Error(`admin login: ${login.status} ${await login.text()}`);
  const cookie = /tailslide_session=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1];
  if (!cookie) throw new Error('admin login: no session cookie');
  let n = 0;
  const tokenFor = async (role: 'viewer' | 'editor' | 'admin', name?: string) => {
    const res = await fetch(`${baseUrl}/api/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: `tailslide_session=${cookie}` },
      body: JSON.stringify({ name: name ?? `test-${role}-${++n}-${uniqueName('t')}`, role }),
    });
    if (res.status !== 201) throw new Error(`creating a token: ${res.status} ${await res.text()}`);
    return `Bearer ${((await res.json()) as { secret: string }).secret}`;
  };
  const authorization = await tokenFor('admin', tokenName);
  return {
    sessionCookie: cookie,
    headers: { authorization },
    tokenFor,
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      const res = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { 'content-type': 'application/json', authorization },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text}`);
      return (text ? JSON.parse(text) : undefined) as T;
    },
  };
}
export { privateAuthNatsServer, type AuthNatsServer } from './auth-nats-server.js';
