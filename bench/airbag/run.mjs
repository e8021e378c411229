// Airbag benchmarks (issue 5 §9). Not part of `npm test`. Run: node bench/airbag/run.mjs
// Needs the shared NATS (4222) and Redis (6379). Builds airbag (tsc -b) first.
//  1. One tick over 10,000 circuits across 100 apps: rules fed directly, signals seeded in Redis
//     under a unique prefix (30 one-second buckets per app, every flag with traffic).
//  2. Failure burst → every SDK sees the flag off: two real SDK instances (@tailslide/sdk-node),
//     Airbag on its 1 s timer, and the real Tower (tower-server, on a fresh Postgres database).
// Needs Postgres (5432) too.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
execFileSync('npx', ['tsc', '-b', 'airbag/tsconfig.build.json', 'sdk-node/tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
});

const { connect } = await import('@nats-io/transport-node');
const { jetstreamManager } = await import('@nats-io/jetstream');
const { Kvm } = await import('@nats-io/kv');
const { createClient } = await import('redis');
const { pino } = await import('pino');
const c = await import('@tailslide/contracts');
const dist = (f) => import(join(root, 'airbag', 'dist', f));
const { Poller } = await dist('poller.js');
const { SignalReader } = await dist('signal-reader.js');
const { AirbagMetrics } = await dist('airbag-metrics.js');
const { startAirbag } = await dist('index.js');
const { FlagManager } = await import('@tailslide/sdk-node');

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const id = `abbench_${randomBytes(4).toString('hex')}`;
const silent = pino({ level: 'silent' });
// No circuit state is held in the KV: every seeded circuit is healthy and closed (ADR 0008).
const noStates = {
  effective: (rule) => rule,
  get: () => undefined,
  all: () => [],
  write: async () => {
    throw new Error('the bench seeds healthy traffic: no circuit state should be written');
  },
};

function rule(appId, flagKey, over = {}) {
  return {
    schemaVersion: c.RULESET_SCHEMA_VERSION,
    appId,
    flagKey,
    version: 1,
    active: true,
    rolloutPercentage: 100,
    whitelist: [],
    salt: flagKey,
    circuit: { ...c.DEFAULT_CIRCUIT_SETTINGS },
    circuitStatus: {
      state: 'closed',
      recoveryPercentage: 100,
      changedAt: new Date(0).toISOString(),
    },
    updatedAt: new Date(0).toISOString(),
    ...over,
  };
}

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { n: s.length, median: q(0.5), p95: q(0.95), max: s[s.length - 1] };
}

const redis = createClient({ url: REDIS_URL });
redis.on('error', () => undefined);
await redis.connect();
const nats = await connect({ servers: NATS_URL });
const rows = [];
let memoryNote;

async function delPrefix(prefix) {
  const keys = [];
  for await (const batch of redis.scanIterator({ MATCH: `${prefix}:*`, COUNT: 1000 }))
    keys.push(...batch);
  for (let i = 0; i < keys.length; i += 1000) await redis.del(keys.slice(i, i + 1000));
}

// ---- 1. one tick over 10,000 circuits -------------------------------------------------------
{
  const APPS = 100;
  const FLAGS = 100;
  const prefix = `${id}_tick`;
  const TICKS = 41;
  const t0 = Date.now();
  // Seed every bucket the window will cover over TICKS ticks one second apart.
  const starts = c.windowBucketStarts(
    t0 + TICKS * 1000,
    c.DEFAULT_CIRCUIT_SETTINGS.windowMs + TICKS * 1000,
    c.FINE_RESOLUTION_MS,
  );
  const rules = [];
  for (let a = 0; a < APPS; a++)
    for (let f = 0; f < FLAGS; f++) rules.push(rule(`app${a}`, `flag${f}`));
  const m = redis.multi();
  for (let a = 0; a < APPS; a++) {
    for (const s of starts) {
      const fields = {};
      for (let f = 0; f < FLAGS; f++) {
        fields[c.signalField(`flag${f}`, 'success')] = 40 + ((a + f) % 7);
        fields[c.signalField(`flag${f}`, 'failure')] = (a * f) % 3;
      }
      m.hSet(c.signalBucketKey(prefix, `app${a}`, c.FINE_RESOLUTION_MS, s), fields);
    }
  }
  await m.execAsPipeline();
  // Two pollers over the same data, ticked alternately at the same clock (same machine load):
  // the bucket read as one joined string per hash (the default) and as plain HGETALL (how Airbag
  // read before; kept as the fallback for servers that refuse scripts).
  let published = 0;
  let now = t0;
  const variants = [
    { name: 'joined-string read (default)', script: true },
    { name: 'plain HGETALL read (before)', script: false },
  ].map((v) => ({
    ...v,
    times: [],
    cpuTimes: [],
    cold: 0,
    poller: new Poller({
      rules: { rules: () => rules },
      reader: new SignalReader({ redis, prefix, timeoutMs: 10_000, script: v.script }),
      publisher: { publish: async () => void published++ },
      states: noStates,
      lease: { acquire: async () => true },
      now: () => now,
      logger: silent,
      metrics: new AirbagMetrics(),
    }),
  }));
  // AIRBAG_BENCH_PROFILE=<dir>: CPU profile of the steady-state ticks only (not seeding, cold tick).
  const profileDir = process.env.AIRBAG_BENCH_PROFILE;
  const profiler = profileDir ? new (await import('node:inspector/promises')).Session() : null;
  for (let i = 0; i < TICKS; i++) {
    if (i === 1 && profiler) {
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.start');
    }
    for (const v of i % 2 === 0 ? variants : [...variants].reverse()) {
      const t = performance.now();
      const cpu0 = process.cpuUsage();
      const r = await v.poller.tick();
      const dt = performance.now() - t;
      const cpu = process.cpuUsage(cpu0);
      if (r.evaluated !== APPS * FLAGS || r.noData !== 0)
        throw new Error(`unexpected tick ${JSON.stringify(r)}`);
      if (i === 0) v.cold = dt;
      else {
        v.times.push(dt);
        v.cpuTimes.push((cpu.user + cpu.system) / 1000);
      }
    }
    now += 1000;
  }
  if (profiler) {
    const { profile } = await profiler.post('Profiler.stop');
    const { mkdirSync, writeFileSync } = await import('node:fs');
    mkdirSync(profileDir, { recursive: true });
    writeFileSync(join(profileDir, `tick-${Date.now()}.cpuprofile`), JSON.stringify(profile));
    profiler.disconnect();
  }
  if (published !== 0) throw new Error('healthy seed produced decisions');
  for (const v of variants) {
    rows.push([
      `tick, cold, ${v.name} (10,000 circuits / 100 apps, 30 s windows: 3,000 buckets)`,
      stats([v.cold]),
      'reported',
    ]);
    rows.push([
      `tick, steady state, ${v.name} (clock +1 s per tick; sealed buckets cached)`,
      stats(v.times),
      '≤ 100 ms',
    ]);
    rows.push([
      '  same ticks: Airbag process CPU only (excludes Redis)',
      stats(v.cpuTimes),
      'reported',
    ]);
  }
  await delPrefix(prefix);
}

// ---- 2. failure burst → SDK sees the flag off -------------------------------------------------
// The real Tower (bundled from tower-server/src with rolldown: a plain `node` run cannot load
// TypeScript, and this leaves tower-server/dist alone) on a fresh database, the real Airbag on its
// 1 s timer, two real SDK instances. Each run creates a flag through Tower's API, lands a burst
// of 25 failures (explicit SDK flush) at a random phase of Airbag's poll cycle, and measures from
// the flush (the signals are in Redis: the threshold is crossed) until both SDKs evaluate the flag
// off (Airbag tick → circuit.opened → Tower's consumer → Postgres + outbox → KV → SDK watch).
{
  const { bundleTower } = await import('../../tower-server/test/bundle-tower.mjs');
  const { rmSync } = await import('node:fs');
  const outDir = join(root, 'airbag', 'dist', `${id}_tower`);
  await bundleTower({
    input: {
      tower: join(root, 'tower-server', 'src', 'server.ts'),
      support: join(root, 'test-support', 'index.ts'),
    },
    output: { dir: outDir, entryFileNames: '[name].mjs' },
  });
  const { startTower } = await import(join(outDir, 'tower.mjs'));
  const { createTestDatabase, signInAdmin, TEST_ADMIN } = await import(join(outDir, 'support.mjs'));
  rmSync(outDir, { recursive: true, force: true });

  const names = {
    flagsBucket: `${id}_flags`,
    airbagBucket: `${id}_lease`,
    circuitStream: `${id}_CIRCUITS`.toUpperCase(),
    circuitSubjectRoot: `${id}.circuit`,
    redisPrefix: `${id}_burst`,
  };
  const POLL = 1000;
  const db = await createTestDatabase('abbench');
  const tower = await startTower({
    databaseUrl: db.url,
    natsUrl: NATS_URL,
    redisUrl: REDIS_URL,
    port: 0,
    flagsBucket: names.flagsBucket,
    circuitStream: names.circuitStream,
    circuitSubjectRoot: names.circuitSubjectRoot,
    circuitConsumer: `${id}_tower`,
    redisPrefix: names.redisPrefix,
    logLevel: 'warn',
    admin: TEST_ADMIN,
  });
  const admin = await signInAdmin(tower.url);
  const api = (method, path, body) => admin.request(method, path, body);
  const app = await api('POST', '/api/apps', { title: 'Airbag bench' });
  const airbag = await startAirbag({ nats, redis, ...names, pollIntervalMs: POLL, logger: silent });

  // Two real SDK instances of the app (each opens its own NATS and Redis connections).
  const sdks = [];
  for (let k = 0; k < 2; k++) {
    const m = new FlagManager({
      appId: app.id,
      nats: NATS_URL,
      redis: REDIS_URL,
      flagsBucket: names.flagsBucket,
      redisPrefix: names.redisPrefix,
      logger: {
        error: () => undefined,
        warn: () => undefined,
        info: () => undefined,
        debug: () => undefined,
      },
    });
    await m.initialize();
    sdks.push(m);
  }
  const sees = (flagKey, want) =>
    sdks.every((m) => m.evaluate(flagKey, 'user-1', !want).value === want);
  const until = async (cond, ms) => {
    const deadline = performance.now() + ms;
    while (!cond()) {
      if (performance.now() > deadline) return false;
      await new Promise((res) => setTimeout(res, 1));
    }
    return true;
  };

  const RUNS = 12;
  const latencies = [];
  for (let i = 0; i < RUNS; i++) {
    const flagKey = `burst${i}`;
    await api('POST', `/api/apps/${app.id}/flags`, {
      key: flagKey,
      title: `Burst ${i}`,
      active: true,
      rolloutPercentage: 100,
      circuit: { enabled: true },
    });
    if (!(await until(() => sees(flagKey, true), 10_000)))
      throw new Error('SDKs never saw the flag');
    await airbag.waitForRule(app.id, flagKey);
    // Land the burst at a random phase of the poll cycle: 25 failures from one SDK, flushed.
    await new Promise((res) => setTimeout(res, Math.random() * POLL));
    const toggler = sdks[0].newToggler({ flagName: flagKey });
    for (let n = 0; n < 25; n++) toggler.emitFailure();
    await sdks[0].flush();
    const t0 = performance.now();
    if (!(await until(() => sees(flagKey, false), 10_000)))
      throw new Error(`flag ${flagKey} never turned off`);
    latencies.push(performance.now() - t0);
  }
  rows.push([
    `burst flushed → both SDKs see the flag off (poll ${POLL} ms; real Tower + Postgres)`,
    stats(latencies),
    `≤ ${POLL + 100} ms`,
  ]);

  for (const m of sdks) await m.close();
  await airbag.close();
  await tower.close();
  await db.drop();
  await (await jetstreamManager(nats)).streams.delete(names.circuitStream).catch(() => undefined);
  const kvm = new Kvm(nats);
  for (const b of [names.flagsBucket, names.airbagBucket])
    await (await kvm.open(b)).destroy().catch(() => undefined);
  await delPrefix(names.redisPrefix);
}

// ---- 3. scale: one tick over 100,000 circuits across 1,000 apps (issue 14 §4) ---------------
// Same set-up as 1 (default settings: 30 s windows), ten times the apps; only the default read.
// Reports this process's memory (rules, the sealed-bucket cache) beside the tick times.
// AIRBAG_BENCH_SCALE_APPS=<n> changes the app count (100 flags each).
{
  const APPS = Number(process.env.AIRBAG_BENCH_SCALE_APPS ?? 1000);
  const FLAGS = 100;
  const prefix = `${id}_scale`;
  const TICKS = 11;
  const t0 = Date.now();
  const starts = c.windowBucketStarts(
    t0 + TICKS * 1000,
    c.DEFAULT_CIRCUIT_SETTINGS.windowMs + TICKS * 1000,
    c.FINE_RESOLUTION_MS,
  );
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const rules = [];
  for (let a = 0; a < APPS; a++)
    for (let f = 0; f < FLAGS; f++) rules.push(rule(`app${a}`, `flag${f}`));
  const fields = {};
  for (let f = 0; f < FLAGS; f++) {
    fields[c.signalField(`flag${f}`, 'success')] = 40 + (f % 7);
    fields[c.signalField(`flag${f}`, 'failure')] = f % 3;
  }
  process.stdout.write(`seeding ${APPS * starts.length} buckets for ${APPS * FLAGS} circuits … `);
  for (let a = 0; a < APPS; a += 50) {
    const m = redis.multi();
    for (let b = a; b < Math.min(APPS, a + 50); b++)
      for (const st of starts)
        m.hSet(c.signalBucketKey(prefix, `app${b}`, c.FINE_RESOLUTION_MS, st), fields);
    await m.execAsPipeline();
  }
  console.log('done');
  let now = t0;
  const poller = new Poller({
    rules: { rules: () => rules },
    reader: new SignalReader({ redis, prefix, timeoutMs: 30_000, script: true }),
    publisher: { publish: async () => undefined },
    states: noStates,
    lease: { acquire: async () => true },
    now: () => now,
    logger: silent,
    metrics: new AirbagMetrics(),
  });
  const times = [];
  const cpuTimes = [];
  let cold = 0;
  for (let i = 0; i < TICKS; i++) {
    const t = performance.now();
    const cpu0 = process.cpuUsage();
    const r = await poller.tick();
    const dt = performance.now() - t;
    const cpu = process.cpuUsage(cpu0);
    if (r.evaluated !== APPS * FLAGS || r.noData !== 0)
      throw new Error(`unexpected tick ${JSON.stringify(r)}`);
    if (i === 0) cold = dt;
    else {
      times.push(dt);
      cpuTimes.push((cpu.user + cpu.system) / 1000);
    }
    now += 1000;
  }
  global.gc?.();
  const mem = process.memoryUsage();
  const label = `${(APPS * FLAGS).toLocaleString('en')} circuits / ${APPS.toLocaleString('en')} apps`;
  rows.push([`tick, cold (${label}, 30 s windows)`, stats([cold]), 'reported']);
  rows.push([`tick, steady state (${label})`, stats(times), '≤ 100 ms']);
  rows.push([
    '  same ticks: Airbag process CPU only (excludes Redis)',
    stats(cpuTimes),
    'reported',
  ]);
  memoryNote = `memory at ${label}: heap ${((mem.heapUsed - heapBefore) / 1048576).toFixed(0)} MiB for the rules and the bucket cache (heap ${(mem.heapUsed / 1048576).toFixed(0)} MiB, RSS ${(mem.rss / 1048576).toFixed(0)} MiB in all, bench included)`;
  await delPrefix(prefix);
}

await nats.close();
redis.destroy();

const fmt = (n) => `${n.toFixed(1)} ms`;
const { loadavg } = await import('node:os');
console.log(
  `\nAirbag benchmarks (${new Date().toISOString()}, Node ${process.version}, load average ${loadavg()[0].toFixed(2)} on 2 cores)`,
);
console.log('| benchmark | n | median | p95 | max | target |');
console.log('|---|---|---|---|---|---|');
for (const [name, s, target] of rows)
  console.log(
    `| ${name} | ${s.n} | ${fmt(s.median)} | ${fmt(s.p95)} | ${fmt(s.max)} | ${target} |`,
  );
if (memoryNote) console.log(`\n${memoryNote}`);
