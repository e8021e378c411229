#!/usr/bin/env node
// Tower benchmarks (issue 3 §7, issue 2). Not part of `npm test`. Run: node bench/tower/run.mjs
// Needs the shared Postgres (5432) and Redis (6379), and `nats-server` (NATS_SERVER_BIN, else from
// PATH): NATS runs with keys, as in production — a private nats-server in the project's
// operator/JWT mode (the configuration `cli.js nats-init` generates, ADR 0007) on a free port;
// Tower signs in with its creds and mints the SDK key, the SDK signs in with that key, the
// circuit events are published as Airbag. Builds tower-server and sdk-node (tsc -b, incremental)
// first, then starts Tower in this process from its dist with a fresh database and its own KV
// bucket, circuit stream, subject root, consumer and Redis prefix, all removed at the end (with
// the SDK key's Redis ACL user). See README.md beside this file for what each scenario measures.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as netConnect } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
try {
  execFileSync(
    'npx',
    ['tsc', '-b', 'tower-server/tsconfig.build.json', 'sdk-node/tsconfig.build.json'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
} catch (err) {
  // Other packages may be mid-edit; an existing build is still worth measuring.
  if (!existsSync(join(root, 'tower-server/dist/server.js'))) throw err;
  console.warn('build failed; measuring the existing tower-server/dist');
}

const { connect, credsAuthenticator } = await import('@nats-io/transport-node');
const { jetstream } = await import('@nats-io/jetstream');
const { initNatsKeysDir, NATS_KEY_FILES } = await import(join(root, 'server-kit/dist/index.js'));
const { Kvm } = await import('@nats-io/kv');
const pg = (await import('pg')).default;
const { createClient } = await import('redis');
const { io } = await import('socket.io-client');
const c = await import('@tailslide/contracts');
const { startTower } = await import(join(root, 'tower-server/dist/server.js'));
const BENCH_ADMIN = { email: 'bench@tailslide.test', password: 'bench-admin-password' };
const { FlagManager } = await import(join(root, 'sdk-node/dist/index.js'));

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);
const WARMUP = 20;
const LOAD_CLIENTS = 50;
const LOAD_MS = 10_000;
const TIMEOUT_MS = 5_000;
const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const suffix = randomBytes(4).toString('hex');
const dbName = `tsbench_tower_${suffix}`;
const flagsBucket = `tsbench_flags_${suffix}`;
const circuitStream = `TSBENCH_CIRCUITS_${suffix}`;
const circuitSubjectRoot = `tsbench_${suffix}.circuit`;
const circuitConsumer = `tsbench-tower-${suffix}`;
const redisPrefix = `tsbench_${suffix}`;
const airbagBucket = `tsbench_airbag_${suffix}`;

// A private nats-server with the generated auth configuration, on a free port.
const natsDir = mkdtempSync(join(tmpdir(), 'tailslide-bench-tower-nats-'));
const natsPort = await new Promise((done) => {
  const srv = createServer().listen(0, '127.0.0.1', () => {
    const p = srv.address().port;
    srv.close(() => done(p));
  });
});
const keysDir = join(natsDir, 'keys');
const { authConf } = await initNatsKeysDir(
  keysDir,
  { flagsBucket, airbagBucket, circuitStream, circuitSubjectRoot },
  { resolverDir: join(natsDir, 'jwt') },
);
writeFileSync(
  join(natsDir, 'nats.conf'),
  `listen: "127.0.0.1:${natsPort}"\njetstream { store_dir: ${JSON.stringify(join(natsDir, 'js'))} }\ninclude ${JSON.stringify(relative(natsDir, authConf))}\n`,
);
const natsServer = spawn(
  process.env.NATS_SERVER_BIN ?? 'nats-server',
  ['-c', join(natsDir, 'nats.conf')],
  { stdio: 'ignore' },
);
for (;;) {
  const up = await new Promise((done) => {
    const s = netConnect(natsPort, '127.0.0.1');
    s.once('connect', () => (s.destroy(), done(true)));
    s.once('error', () => done(false));
  });
  if (up) break;
  if (natsServer.exitCode !== null) throw new Error('nats-server did not start');
  await new Promise((r) => setTimeout(r, 50));
}
const NATS_URL = `nats://127.0.0.1:${natsPort}`;
const creds = (file) => credsAuthenticator(readFileSync(join(keysDir, file)));

const quantile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
};

/** Resolves with `value` of the first `check` that returns non-undefined, or rejects on timeout. */
function waitFor(label, subscribe) {
  return new Promise((resolve, reject) => {
    let unsubscribe = () => undefined;
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`timed out waiting for ${label}`));
    }, TIMEOUT_MS);
    unsubscribe = subscribe((value) => {
      clearTimeout(timer);
      unsubscribe();
      resolve(value);
    });
  });
}

const admin = new pg.Client({ connectionString: PG_URL });
await admin.connect();
await admin.query(`CREATE DATABASE "${dbName}"`);
const dbUrl = new URL(PG_URL);
dbUrl.pathname = `/${dbName}`;

// Tower's user reads the KV (convergence check); circuit events are published as Airbag.
const nc = await connect({ servers: NATS_URL, authenticator: creds(NATS_KEY_FILES.towerCreds) });
const airbagNc = await connect({
  servers: NATS_URL,
  authenticator: creds(NATS_KEY_FILES.airbagCreds),
});
const js = jetstream(airbagNc);
const redis = createClient({ url: REDIS_URL });
await redis.connect();

let tower = null;
let towerB = null;
let socket = null;
let socketB = null;
let manager = null;
const rows = [];
let load;
try {
  const towerOptions = {
    databaseUrl: dbUrl.toString(),
    natsUrl: NATS_URL,
    natsKeysDir: keysDir,
    redisUrl: REDIS_URL,
    port: 0,
    flagsBucket,
    circuitStream,
    circuitSubjectRoot,
    circuitConsumer,
    redisPrefix,
    logLevel: 'silent',
    admin: BENCH_ADMIN,
  };
  tower = await startTower(towerOptions);
  // A second Tower of the same platform (same database and NATS names), as behind a balancer.
  towerB = await startTower(towerOptions);
  // Signed in as the admin created at start-up, through an admin API token.
  const login = await fetch(`${tower.url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(BENCH_ADMIN),
  });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
  const minted = await fetch(`${tower.url}/api/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({ name: 'bench', role: 'admin' }),
  });
  if (minted.status !== 201)
    throw new Error(`bench token: ${minted.status} ${await minted.text()}`);
  const authorization = `Bearer ${(await minted.json()).secret}`;
  const api = (method, path, body) => apiOn(tower.url, method, path, body);
  const apiOn = async (url, method, path, body) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  /** Every item of a paged list (`{ items, nextCursor }`). */
  const listAll = async (path) => {
    const items = [];
    let cursor = null;
    do {
      const q = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
      const page = await api('GET', `${path}?limit=${c.MAX_PAGE_LIMIT}${q}`);
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor !== null);
    return items;
  };
  const app = await api('POST', '/api/apps', { title: `bench ${suffix}` });
  const createFlag = (key) =>
    api('POST', `/api/apps/${app.id}/flags`, {
      key,
      title: key,
      active: true,
      rolloutPercentage: 100,
    });
  const toggleKey = 'bench-toggle';
  const circuitKey = 'bench-circuit';
  await createFlag(toggleKey);
  await createFlag(circuitKey);
  const loadKeys = Array.from({ length: LOAD_CLIENTS }, (_, i) => `load-${i}`);
  for (const key of loadKeys) await createFlag(key);

  const dashboard = async (url) => {
    const s = io(url, {
      path: '/socket.io',
      transports: ['websocket'],
      extraHeaders: { authorization },
    });
    await new Promise((resolve, reject) => {
      s.once('connect', resolve);
      s.once('connect_error', reject);
    });
    return s;
  };
  socket = await dashboard(tower.url);
  socketB = await dashboard(towerB.url);

  // The app's SDK key: the SDK's only credential on this NATS (and its own Redis ACL user).
  const { key: sdkKey } = await api('POST', '/api/sdk-keys', { name: 'bench', appId: app.id });
  manager = new FlagManager({
    sdkKey,
    nats: NATS_URL,
    redis: REDIS_URL,
    flagsBucket,
    redisPrefix,
  });
  manager.on('error', () => undefined);
  const init = await manager.initialize();
  if (init.status !== 'ready') throw new Error(`SDK not ready: ${init.status}`);
  const toggleSdk = manager.newToggler({ flagName: toggleKey });
  const circuitSdk = manager.newToggler({ flagName: circuitKey });

  const onSocketOf = (sock) => (event, match) => (done) => {
    const h = (payload) => {
      if (match(payload)) done(performance.now());
    };
    sock.on(event, h);
    return () => sock.off(event, h);
  };
  const onSocket = onSocketOf(socket);
  const onSocketB = onSocketOf(socketB);
  const onSdk = (toggler, expected) => (done) => {
    const h = () => {
      if (toggler.isFlagActive('bench-user') === expected) done(performance.now());
    };
    manager.on('changed', h);
    return () => manager.off('changed', h);
  };

  // 1–3: one toggle per sample, timed from the moment the request is sent.
  console.log(`toggles: ${WARMUP} warm-up + ${SAMPLES} samples …`);
  const rest = [];
  const toSocket = [];
  const toSdk = [];
  const toSocketB = [];
  let active = true;
  for (let i = 0; i < WARMUP + SAMPLES; i++) {
    active = !active;
    const want = active;
    const sock = waitFor(
      'flag.changed',
      onSocket(
        c.SocketEvent.flagChanged,
        (p) => p.flag.key === toggleKey && p.flag.active === want,
      ),
    );
    const sockB = waitFor(
      'flag.changed on Tower B',
      onSocketB(
        c.SocketEvent.flagChanged,
        (p) => p.flag.key === toggleKey && p.flag.active === want,
      ),
    );
    const sdk = waitFor('SDK change', onSdk(toggleSdk, want));
    const t0 = performance.now();
    await api('POST', `/api/apps/${app.id}/flags/${toggleKey}/toggle`, { active: want });
    const tRes = performance.now();
    const [tSock, tSdk, tSockB] = await Promise.all([sock, sdk, sockB]);
    if (i < WARMUP) continue;
    rest.push(tRes - t0);
    toSocket.push(tSock - t0);
    toSdk.push(tSdk - t0);
    toSocketB.push(tSockB - t0);
  }
  rows.push(['1. REST toggle (request → response)', rest]);
  rows.push(['2. toggle → socket flag.changed', toSocket]);
  rows.push(['3. toggle → SDK isFlagActive', toSdk]);
  rows.push(['3b. toggle on A → socket on Tower B', toSocketB]);

  // 4: circuit.opened published to JetStream → socket circuit.event and → SDK sees false.
  console.log(`circuit events: ${WARMUP} warm-up + ${SAMPLES} samples …`);
  const evSocket = [];
  const evSdk = [];
  for (let i = 0; i < WARMUP + SAMPLES; i++) {
    // Turning it on closes the circuit and bumps the version the event must be decided on.
    const flag = await api('POST', `/api/apps/${app.id}/flags/${circuitKey}/toggle`, {
      active: true,
    });
    if (!circuitSdk.isFlagActive('bench-user')) await waitFor('SDK on', onSdk(circuitSdk, true));
    const type = c.CircuitEventType.opened;
    const event = {
      schemaVersion: c.CIRCUIT_EVENT_SCHEMA_VERSION,
      id: c.circuitEventId(app.id, circuitKey, flag.version, type),
      type,
      appId: app.id,
      flagKey: circuitKey,
      ruleVersion: flag.version,
      recoveryPercentage: 0,
      occurredAt: new Date().toISOString(),
      stats: { requests: 100, failures: 90, errorRatePercentage: 90, windowMs: 10_000 },
      reason: 'bench',
    };
    const sock = waitFor(
      'circuit.event',
      onSocket(c.SocketEvent.circuitEvent, (p) => p.event.id === event.id),
    );
    const sdk = waitFor('SDK off', onSdk(circuitSdk, false));
    const subject = c.circuitEventSubject(
      app.id,
      circuitKey,
      c.circuitEventTypeToken(type),
      circuitSubjectRoot,
    );
    const t0 = performance.now();
    await js.publish(subject, c.encodeCircuitEvent(event), { msgID: event.id });
    const [tSock, tSdk] = await Promise.all([sock, sdk]);
    if (i < WARMUP) continue;
    evSocket.push(tSock - t0);
    evSdk.push(tSdk - t0);
  }
  rows.push(['4a. circuit.opened → socket circuit.event', evSocket]);
  rows.push(['4b. circuit.opened → SDK sees false', evSdk]);

  // 5: 50 clients, each PATCHing its own flag as fast as it can for 10 s.
  console.log(`load: ${LOAD_CLIENTS} clients × ${LOAD_MS / 1000} s …`);
  const latencies = [];
  let errors = 0;
  const start = performance.now();
  const deadline = start + LOAD_MS;
  await Promise.all(
    loadKeys.map(async (key, k) => {
      for (let n = 1; performance.now() < deadline; n++) {
        const t0 = performance.now();
        try {
          await api('PATCH', `/api/apps/${app.id}/flags/${key}`, {
            rolloutPercentage: ((n * 7 + k) % 1000) / 10,
          });
          latencies.push(performance.now() - t0);
        } catch {
          errors++;
        }
      }
    }),
  );
  const elapsed = performance.now() - start;
  // Convergence: every flag's KV rule must carry the DB's version and values.
  const kv = await new Kvm(nc).open(flagsBucket);
  const dbFlags = new Map((await listAll(`/api/apps/${app.id}/flags`)).map((f) => [f.key, f]));
  const behind = async () => {
    let n = 0;
    for (const key of loadKeys) {
      const want = dbFlags.get(key);
      const entry = await kv.get(c.flagKvKey(app.id, key));
      const parsed = entry && entry.operation === 'PUT' ? c.parseFlagRule(entry.string()) : null;
      const rule = parsed?.ok ? parsed.value : null;
      if (
        !rule ||
        rule.version !== want.version ||
        rule.rolloutPercentage !== want.rolloutPercentage ||
        rule.active !== want.active
      )
        n++;
    }
    return n;
  };
  const convStart = performance.now();
  let lagging = await behind();
  while (lagging > 0 && performance.now() - convStart < 15_000) {
    await new Promise((r) => setTimeout(r, 20));
    lagging = await behind();
  }
  load = {
    requests: latencies.length,
    errors,
    rps: latencies.length / (elapsed / 1000),
    latencies,
    lagging,
    convergeMs: performance.now() - convStart,
  };
  rows.push([`5. PATCH under load (${LOAD_CLIENTS} clients)`, latencies]);

  // 6: the same load spread over two Towers (even clients on A, odd on B).
  console.log(`load on two Towers: ${LOAD_CLIENTS} clients × ${LOAD_MS / 1000} s …`);
  const latencies2 = [];
  let errors2 = 0;
  const start2 = performance.now();
  const deadline2 = start2 + LOAD_MS;
  await Promise.all(
    loadKeys.map(async (key, k) => {
      const url = k % 2 === 0 ? tower.url : towerB.url;
      for (let n = 1; performance.now() < deadline2; n++) {
        const t0 = performance.now();
        try {
          await apiOn(url, 'PATCH', `/api/apps/${app.id}/flags/${key}`, {
            rolloutPercentage: ((n * 11 + k) % 1000) / 10,
          });
          latencies2.push(performance.now() - t0);
        } catch {
          errors2++;
        }
      }
    }),
  );
  load.twoTowers = {
    requests: latencies2.length,
    errors: errors2,
    rps: latencies2.length / ((performance.now() - start2) / 1000),
  };
  rows.push([`6. PATCH under load, 2 Towers`, latencies2]);
} finally {
  socket?.close();
  socketB?.close();
  await manager?.close().catch(() => undefined);
  await towerB?.close().catch(() => undefined);
  await tower?.close().catch(() => undefined);
  await nc.close();
  await airbagNc.close();
  natsServer.kill('SIGKILL');
  rmSync(natsDir, { recursive: true, force: true });
  for await (const key of redis.scanIterator({ MATCH: `${redisPrefix}:*`, COUNT: 1000 })) {
    const keys = Array.isArray(key) ? key : [key];
    if (keys.length > 0) await redis.del(keys);
  }
  // The SDK key's ACL user Tower created under this run's prefix.
  const users = await redis.sendCommand(['ACL', 'USERS']);
  const mine = users.filter((u) => u.startsWith(`${redisPrefix}-`));
  if (mine.length > 0) await redis.sendCommand(['ACL', 'DELUSER', ...mine]);
  redis.destroy();
  await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  await admin.end();
}

const f = (n) => n.toFixed(1).padStart(8);
const [l1, l5, l15] = loadavg().map((x) => x.toFixed(2));
console.log(`\nTower (${cpus().length} cores, load avg ${l1} / ${l5} / ${l15}), ms:\n`);
console.log(
  `${'scenario'.padEnd(44)}${'n'.padStart(7)}${'p50'.padStart(8)}${'p95'.padStart(8)}${'p99'.padStart(8)}`,
);
for (const [name, xs] of rows) {
  const n = String(xs.length).padStart(7);
  console.log(
    `${name.padEnd(44)}${n}${f(quantile(xs, 0.5))}${f(quantile(xs, 0.95))}${f(quantile(xs, 0.99))}`,
  );
}
const p99Socket = quantile(rows[1][1], 0.99);
console.log(
  `\ngoal (issue 3 §7): flag change → dashboard ≤ 100 ms: p99 ${p99Socket.toFixed(1)} ms ${p99Socket <= 100 ? 'MET' : 'MISSED'}`,
);
const p99B = quantile(rows.find(([name]) => name.startsWith('3b.'))?.[1] ?? [], 0.99);
console.log(
  `goal (issue 14 §1): toggle on Tower A → dashboard on Tower B ≤ 50 ms: p99 ${p99B.toFixed(1)} ms ${p99B <= 50 ? 'MET' : 'MISSED'}`,
);
if (load) {
  console.log(
    `load: ${load.rps.toFixed(0)} req/s over ${LOAD_MS / 1000} s, ${load.requests} ok, ${load.errors} errors; ` +
      `KV ${load.lagging === 0 ? 'converged to the DB for all' : `still behind for ${load.lagging} of`} ${LOAD_CLIENTS} flags ` +
      `(${load.convergeMs.toFixed(0)} ms after the load stopped)`,
  );
  if (load.twoTowers)
    console.log(
      `load on two Towers: ${load.twoTowers.rps.toFixed(0)} req/s, ${load.twoTowers.requests} ok, ${load.twoTowers.errors} errors`,
    );
  if (load.lagging > 0 || load.errors > 0 || (load.twoTowers?.errors ?? 0) > 0)
    process.exitCode = 1;
}
