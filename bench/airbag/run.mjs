// Airbag benchmarks (issue 5 §9). Not part of `npm test`. Run: node bench/airbag/run.mjs
// Needs the shared NATS (4222) and Redis (6379). Builds airbag (tsc -b) first.
//  1. One tick over 10,000 circuits across 100 apps: rules fed directly, signals seeded in Redis
//     under a unique prefix (30 one-second buckets per app, every flag with traffic).
//  2. Failure burst → every SDK sees the flag off: two real SDK instances (@tailslide/sdk-node),
//     Airbag on its 1 s timer, and a stand-in for Tower's consumer that applies circuit.opened to
//     the KV (the real Tower adds one Postgres transaction; measured by the system benchmark).
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
const { jetstream, jetstreamManager, DeliverPolicy } = await import('@nats-io/jetstream');
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
  const TICKS = 25;
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
  let published = 0;
  let now = t0;
  const poller = new Poller({
    rules: { rules: () => rules },
    reader: new SignalReader({ redis, prefix, timeoutMs: 10_000 }),
    publisher: { publish: async () => void published++ },
    lease: { acquire: async () => true },
    now: () => now,
    logger: silent,
    metrics: new AirbagMetrics(),
  });
  const times = [];
  const cpuTimes = [];
  let cold = 0;
  // AIRBAG_BENCH_PROFILE=<dir>: CPU profile of the steady-state ticks only (not seeding, cold tick).
  const profileDir = process.env.AIRBAG_BENCH_PROFILE;
  const profiler = profileDir ? new (await import('node:inspector/promises')).Session() : null;
  for (let i = 0; i < TICKS; i++) {
    if (i === 1 && profiler) {
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.start');
    }
    const t = performance.now();
    const cpu0 = process.cpuUsage();
    const r = await poller.tick();
    const dt = performance.now() - t;
    const cpu = process.cpuUsage(cpu0);
    if (i > 0) cpuTimes.push((cpu.user + cpu.system) / 1000);
    if (r.evaluated !== APPS * FLAGS || r.noData !== 0)
      throw new Error(`unexpected tick ${JSON.stringify(r)}`);
    if (i === 0) cold = dt;
    else times.push(dt);
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
  rows.push([
    'tick, cold (10,000 circuits / 100 apps, 30 s windows: 3,000 HGETALL)',
    stats([cold]),
    'reported',
  ]);
  rows.push([
    'tick, steady state (clock +1 s per tick; sealed buckets cached)',
    stats(times),
    '≤ 100 ms',
  ]);
  rows.push([
    '  same ticks: Airbag process CPU only (excludes Redis)',
    stats(cpuTimes),
    'reported',
  ]);
  await delPrefix(prefix);
}

// ---- 2. failure burst → SDK sees the flag off ------------------------------------------------
{
  const names = {
    flagsBucket: `${id}_flags`,
    airbagBucket: `${id}_lease`,
    circuitStream: `${id}_CIRCUITS`.toUpperCase(),
    circuitSubjectRoot: `${id}.circuit`,
    redisPrefix: `${id}_burst`,
  };
  const POLL = 1000;
  const airbag = await startAirbag({ nats, redis, ...names, pollIntervalMs: POLL, logger: silent });
  const kvm = new Kvm(nats);
  const flags = await kvm.open(names.flagsBucket);
  const js = jetstream(nats);
  // Stand-in for Tower's consumer: apply each event to the rule (version + 1) and republish it.
  const held = new Map();
  const consumer = await js.consumers.get(names.circuitStream, {
    deliver_policy: DeliverPolicy.New,
  });
  const towerLoop = (async () => {
    const msgs = await consumer.consume();
    for await (const msg of msgs) {
      const ev = c.parseCircuitEvent(msg.data);
      if (!ev.ok) continue;
      const e = ev.value;
      const r = held.get(e.flagKey);
      if (!r || r.version !== e.ruleVersion || e.type !== c.CircuitEventType.opened) continue;
      const next = {
        ...r,
        version: r.version + 1,
        active: false,
        circuitStatus: { state: 'open', recoveryPercentage: 0, changedAt: e.occurredAt },
      };
      held.set(e.flagKey, next);
      await flags.put(c.flagKvKey(r.appId, r.flagKey), c.encodeFlagRule(next));
    }
  })();
  // Two real SDK instances of the app (each opens its own NATS and Redis connections).
  const sdks = [];
  for (let k = 0; k < 2; k++) {
    const m = new FlagManager({
      appId: 'benchapp',
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
    const r = rule('benchapp', flagKey, {
      circuitStatus: {
        state: 'closed',
        recoveryPercentage: 100,
        changedAt: new Date().toISOString(),
      },
    });
    held.set(flagKey, r);
    await flags.put(c.flagKvKey('benchapp', flagKey), c.encodeFlagRule(r));
    await airbag.waitForRule('benchapp', flagKey);
    if (!(await until(() => sees(flagKey, true), 10_000)))
      throw new Error('SDKs never saw the flag');
    // Land the burst at a random phase of the poll cycle: 25 failures from one SDK, flushed.
    await new Promise((res) => setTimeout(res, Math.random() * POLL));
    const toggler = sdks[0].newToggler({ flagName: flagKey });
    for (let n = 0; n < 25; n++) toggler.emitFailure();
    const t0 = performance.now();
    await sdks[0].flush();
    if (!(await until(() => sees(flagKey, false), 10_000)))
      throw new Error(`flag ${flagKey} never turned off`);
    latencies.push(performance.now() - t0);
  }
  rows.push([
    `burst flushed → both SDKs see the flag off (poll ${POLL} ms; Tower stand-in)`,
    stats(latencies),
    `≤ ${POLL + 100} ms max`,
  ]);

  for (const m of sdks) await m.close();
  await airbag.close();
  await consumer.delete().catch(() => undefined);
  await (await jetstreamManager(nats)).streams.delete(names.circuitStream);
  await flags.destroy();
  await (await kvm.open(names.airbagBucket)).destroy();
  await delPrefix(names.redisPrefix);
  void towerLoop;
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
