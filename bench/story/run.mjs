// The safety-net story (issue 11 §9). Not part of `npm test`. Run: node bench/run.mjs story
// Needs the shared Postgres (5432), NATS (4222) and Redis (6379); builds airbag and sdk-node first.
// The real Tower (bundled from tower-server/src), the real Airbag (default settings, wired as its
// main.ts does: 1 s poll plus SDK wake-ups on a second Redis connection, ADR 0003) and two SDK
// processes (bench/story/sdk-process.mjs) making guarded calls:
//  1. failure onset → off in both SDKs: healthy traffic (5 % failures, 100 calls/s per SDK) for a
//     while, then 50 % failures; from the switch until both SDKs evaluate the flag off. Circuit
//     defaults (30 s window, 20 requests minimum) except a 30 % threshold (issue 11's example).
//  2. burst → off: 25 failures emitted at once by one SDK at a random phase of Airbag's poll, no
//     explicit flush (the SDK's early flush sends them and wakes Airbag); all circuit defaults.
//     Once at the default settings and once with wake-ups off (poll only), for comparison.
//  3. flap counts over 10 simulated minutes (seeded; Airbag's own decide() and the KV precedence
//     of contracts, a tick per simulated second): a steady rate 10 points under the threshold,
//     and a rate oscillating ±10 points around it.
//  4. (1) again with Tower stopped: the trip goes through the circuit state in the KV.
//  5. relative (control-arm) mode, 50 % rollouts so both arms get traffic: 10 flags whose shared
//     dependency fails 50 % of calls in both arms (must not open), and one flag failing 50 % on
//     its on-arm only (5 % off-arm; must open).
import { execFileSync, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
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
const { startAirbag } = await import(join(root, 'airbag', 'dist', 'index.js'));
const circuit = await import(join(root, 'airbag', 'dist', 'circuit.js'));

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const id = `story_${randomBytes(4).toString('hex')}`;
const silent = pino({ level: 'silent' });
const ms = (n) => `${Math.round(n)} ms`;
const RUNS = 10;
const started = performance.now();
const rows = [];

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
  return { n: s.length, p50: q(0.5), p99: q(0.99), max: s[s.length - 1] };
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- 3. flap counts (simulated, no services) -------------------------------------------------
/** mulberry32: the simulation is deterministic. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Ten minutes of traffic, one 1 s bucket and one Airbag tick per second, after a minute of
 * history: `rps` calls a second while the flag is fully on (its recovery share while recovering,
 * none while open), each failing with probability `rate(second)`. The circuit state lives in a
 * model KV entry combined with the rule exactly as SDKs and Airbag do (contracts).
 */
function simulate(settings, seconds, rps, rate, seed) {
  const rand = random(seed);
  const T0 = Date.UTC(2026, 0, 1);
  const base = {
    schemaVersion: 1,
    appId: 'sim',
    flagKey: 'f',
    version: 1,
    active: true,
    rolloutPercentage: 100,
    whitelist: [],
    salt: 'f',
    circuit: { ...c.DEFAULT_CIRCUIT_SETTINGS, ...settings },
    circuitStatus: {
      state: 'closed',
      recoveryPercentage: 100,
      changedAt: new Date(T0 - 3_600_000).toISOString(),
    },
    updatedAt: new Date(T0 - 3_600_000).toISOString(),
  };
  let state = null;
  const buckets = new Map();
  const opens = [];
  for (let sec = -60; sec < seconds; sec++) {
    const rule = c.combineCircuitState(base, state);
    const start = T0 + sec * 1000;
    const now = start + 999;
    const share = c.effectiveRolloutPercentage(rule) / 100;
    let successes = 0;
    let failures = 0;
    const p = rate(Math.max(0, sec));
    for (let i = 0; i < rps; i++) {
      if (rand() >= share) continue;
      if (rand() < p) failures++;
      else successes++;
    }
    buckets.set(start, { successes, failures });
    if (sec < 0) continue;
    const req = circuit.evidenceRequest(rule);
    let window = null;
    let recent = [];
    if (req !== null) {
      const starts = c.evidenceBucketStarts(now, req.windowMs, req.sinceMs, 1000);
      const counts = starts.map((s) => buckets.get(s) ?? { successes: 0, failures: 0 });
      const s = counts.reduce((a, x) => a + x.successes, 0);
      const f = counts.reduce((a, x) => a + x.failures, 0);
      if (s + f > 0)
        window = {
          requests: s + f,
          failures: f,
          errorRatePercentage: (f / (s + f)) * 100,
          windowMs: req.windowMs,
        };
      recent = counts.slice(-circuit.FAST_BURN_BUCKETS).reverse();
    }
    const seq = (state?.seq ?? 0) + 1;
    const d = circuit.decide({ rule, window, now, recent, seq });
    if (d.kind === 'publish') {
      state = c.circuitKvStateOf(d.event, seq);
      if (d.event.type === c.CircuitEventType.opened) opens.push(sec);
    }
  }
  return opens;
}
{
  const settings = { errorThresholdPercentage: 30 };
  const delayS = c.DEFAULT_CIRCUIT_SETTINGS.recoveryDelayMs / 1000;
  let steadyOpens = 0;
  let oscOpens = 0;
  let minGap = Infinity;
  let runsDone = 0;
  for (const rps of [20, 100, 1000])
    for (const seed of [1, 2, 3]) {
      steadyOpens += simulate(settings, 600, rps, () => 0.2, seed * rps).length;
      for (const period of [2, 10, 60]) {
        const opens = simulate(
          settings,
          600,
          rps,
          (sec) => (Math.floor(sec / period) % 2 === 0 ? 0.4 : 0.2),
          seed * rps + period,
        );
        oscOpens += opens.length;
        for (let i = 1; i < opens.length; i++) minGap = Math.min(minGap, opens[i] - opens[i - 1]);
        runsDone++;
      }
    }
  rows.push({
    name: 'steady 20 % at a 30 % threshold: opens in 10 simulated min (9 runs: 20/100/1000 calls/s × 3 seeds)',
    value: `${steadyOpens} opens`,
    goal: '0 opens',
    pass: steadyOpens === 0,
  });
  rows.push({
    name: `oscillating 20 % ↔ 40 % (periods 2/10/60 s): shortest time between opens over ${runsDone} runs of 10 simulated min`,
    value: `${oscOpens} opens; shortest gap ${minGap === Infinity ? '—' : `${minGap} s`}`,
    goal: `≥ ${delayS} s (≤ 1 open per recovery delay)`,
    pass: minGap >= delayS,
  });
}

// ---- the platform: Tower, Airbag, two SDK processes ------------------------------------------
const { bundleTower } = await import('../../tower-server/test/bundle-tower.mjs');
const outDir = join(root, 'tower-server', 'dist', `${id}_tower`);
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
  redisPrefix: id,
};
const redis = createClient({ url: REDIS_URL });
redis.on('error', () => undefined);
await redis.connect();
const nats = await connect({ servers: NATS_URL });
const db = await createTestDatabase('story');
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
const app = await api('POST', '/api/apps', { title: 'Story bench' });
// What airbag/src/main.ts builds: a second connection for the wake-ups.
const wakeSubscriber = redis.duplicate();
await wakeSubscriber.connect();
const airbagDefaults = { nats, redis, ...names, wakeSubscriber, logger: silent };
let airbag = await startAirbag(airbagDefaults);

/** flagKey → [on/off per SDK], and when each SDK last changed. */
const seen = new Map();
const waiters = new Set();
const sdks = [];
for (let k = 0; k < 2; k++) {
  const child = fork(
    join(here, 'sdk-process.mjs'),
    [app.id, NATS_URL, REDIS_URL, names.flagsBucket, names.redisPrefix],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  child.on('message', (m) => {
    if (m.type !== 'state') return;
    const s = seen.get(m.flagKey) ?? { on: [undefined, undefined], at: [0, 0] };
    s.on[k] = m.on;
    s.at[k] = m.at;
    seen.set(m.flagKey, s);
    for (const w of waiters) w();
  });
  await new Promise((res) => child.once('message', (m) => m.type === 'ready' && res()));
  sdks.push(child);
}
const send = (m) => sdks.forEach((s) => s.send(m));

/** Resolves with the later of the two SDKs' times once both see `flagKey` as `on`. */
function bothSee(flagKey, on, timeoutMs = 15_000) {
  return new Promise((resolve, reject) => {
    const check = () => {
      const s = seen.get(flagKey);
      if (s && s.on[0] === on && s.on[1] === on) {
        waiters.delete(check);
        clearTimeout(timer);
        resolve(Math.max(s.at[0], s.at[1]));
      }
    };
    const timer = setTimeout(() => {
      waiters.delete(check);
      reject(new Error(`${flagKey}: both SDKs did not see ${on ? 'on' : 'off'}`));
    }, timeoutMs);
    waiters.add(check);
    check();
  });
}

async function createFlag(key, circuitSettings, rolloutPercentage = 100) {
  await api('POST', `/api/apps/${app.id}/flags`, {
    key,
    title: key,
    active: true,
    rolloutPercentage,
    circuit: { enabled: true, ...circuitSettings },
  });
  send({ type: 'watch', flagKey: key });
  if (rolloutPercentage === 100) await bothSee(key, true);
  await airbag.waitForRule(app.id, key);
}

// Every flag is created while Tower is up; onset flags get healthy traffic from the start.
const onsetUp = [];
const onsetDown = [];
for (let i = 0; i < RUNS; i++) {
  onsetUp.push(`up${i}`);
  onsetDown.push(`down${i}`);
}
for (const key of [...onsetUp, ...onsetDown]) {
  await createFlag(key, { errorThresholdPercentage: 30 });
  send({ type: 'traffic', flagKey: key, rps: 100, failurePct: 5 });
}
const sharedKeys = [];
for (let i = 0; i < RUNS; i++) sharedKeys.push(`shared${i}`);
const relative = { mode: 'relative', errorThresholdPercentage: 30 };
for (const key of [...sharedKeys, 'onarm']) {
  await createFlag(key, relative, 50);
  send({ type: 'traffic', flagKey: key, rps: 100, failurePct: 5, offFailurePct: 5 });
}
const warmFrom = performance.now();

// ---- 2. burst → off --------------------------------------------------------------------------
async function bursts(label, pollMs, prefix, goal = 300) {
  const keys = [];
  for (let i = 0; i < RUNS; i++) {
    keys.push(`${prefix}${i}`);
    await createFlag(`${prefix}${i}`, {});
  }
  const latencies = [];
  for (const key of keys) {
    await sleep(Math.random() * pollMs);
    const emitted = new Promise((res) => {
      const onMsg = (m) => {
        if (m.type === 'burst' && m.flagKey === key) {
          sdks[0].off('message', onMsg);
          res(m.at);
        }
      };
      sdks[0].on('message', onMsg);
    });
    sdks[0].send({ type: 'burst', flagKey: key, failures: 25 });
    const t0 = await emitted;
    latencies.push((await bothSee(key, false)) - t0);
  }
  rows.push({ name: label, ...stats(latencies), goal, worst: true });
}
await bursts(
  'burst of 25 failures → off in both SDKs, default settings (1 s poll + SDK wake-ups)',
  1000,
  'burst',
);
await airbag.close();
airbag = await startAirbag({ ...airbagDefaults, wakeSubscriber: undefined });
await bursts(
  'burst of 25 failures → off in both SDKs, poll only (wake-ups off), 1 s poll',
  1000,
  'pollonly',
  null,
);
await airbag.close();
airbag = await startAirbag(airbagDefaults);

// ---- 1. and 4. failure onset → off, Tower up and Tower stopped --------------------------------
async function onsets(label, keys) {
  const latencies = [];
  for (const key of keys) {
    await sleep(Math.random() * 1000);
    const t0 = performance.timeOrigin + performance.now();
    send({ type: 'traffic', flagKey: key, rps: 100, failurePct: 50 });
    latencies.push((await bothSee(key, false)) - t0);
    send({ type: 'traffic', flagKey: key, rps: 0, failurePct: 0 });
  }
  rows.push({ name: label, ...stats(latencies), goal: 2000 });
}
// At least 10 s of healthy history in the 30 s window before the first onset.
await sleep(Math.max(0, 10_000 - (performance.now() - warmFrom)));
await onsets('50 % failure onset → off in both SDKs (Tower up)', onsetUp);

// ---- 5. relative (control-arm) mode ------------------------------------------------------------
{
  const isOpen = (key) => airbag.circuitState(app.id, key)?.state === 'open';
  const t0 = performance.now();
  for (const key of sharedKeys)
    send({ type: 'traffic', flagKey: key, rps: 100, failurePct: 50, offFailurePct: 50 });
  send({ type: 'traffic', flagKey: 'onarm', rps: 100, failurePct: 50, offFailurePct: 5 });
  let openedAfter = null;
  const opened = new Set();
  // 15 s of the shared outage (half the 30 s window), watching every circuit.
  while (performance.now() - t0 < 15_000) {
    if (openedAfter === null && isOpen('onarm')) openedAfter = performance.now() - t0;
    for (const key of sharedKeys) if (isOpen(key)) opened.add(key);
    await sleep(20);
  }
  for (const key of [...sharedKeys, 'onarm']) send({ type: 'traffic', flagKey: key, rps: 0 });
  rows.push({
    name: `relative mode: shared dependency failing 50 % in both arms, ${sharedKeys.length} flags × 15 s (50 % rollouts)`,
    value: `${opened.size} opens`,
    goal: '0 opens',
    pass: opened.size === 0,
  });
  rows.push({
    name: 'relative mode: one flag failing 50 % on its on-arm only (off-arm 5 %): onset → open in Airbag',
    value: openedAfter === null ? 'not opened in 15 s' : `opened after ${ms(openedAfter)}`,
    goal: 'opens',
    pass: openedAfter !== null,
  });
}
await tower.close();
await onsets('50 % failure onset → off in both SDKs (Tower stopped)', onsetDown);

// ---- clean up and print -------------------------------------------------------------------------
for (const s of sdks) s.send({ type: 'close' });
await Promise.all(sdks.map((s) => new Promise((res) => s.once('exit', res))));
await airbag.close();
await db.drop();
await (await jetstreamManager(nats)).streams.delete(names.circuitStream).catch(() => undefined);
const kvm = new Kvm(nats);
for (const b of [names.flagsBucket, names.airbagBucket])
  await (await kvm.open(b)).destroy().catch(() => undefined);
const keys = [];
for await (const batch of redis.scanIterator({ MATCH: `${names.redisPrefix}:*`, COUNT: 1000 }))
  keys.push(...(Array.isArray(batch) ? batch : [batch]));
for (let i = 0; i < keys.length; i += 1000) await redis.del(keys.slice(i, i + 1000));
await nats.close();
wakeSubscriber.destroy();
redis.destroy();

console.log(
  `\nStory benchmarks (${new Date().toISOString()}, Node ${process.version}, load average ${loadavg()[0].toFixed(2)} on 2 cores, ${((performance.now() - started) / 1000).toFixed(0)} s)`,
);
console.log('| scenario | n | p50 | p99 | max | goal | |');
console.log('|---|---|---|---|---|---|---|');
let failed = 0;
for (const r of rows) {
  if (r.value !== undefined) {
    console.log(`| ${r.name} | | ${r.value} | | | ${r.goal} | ${r.pass ? 'PASS' : 'MISS'} |`);
    if (!r.pass) failed++;
    continue;
  }
  const pass = r.goal === null || (r.worst ? r.max : r.p99) <= r.goal;
  if (!pass) failed++;
  const goal = r.goal === null ? 'reported' : `${r.worst ? 'worst' : 'p99'} ≤ ${ms(r.goal)}`;
  console.log(
    `| ${r.name} | ${r.n} | ${ms(r.p50)} | ${ms(r.p99)} | ${ms(r.max)} | ${goal} | ${r.goal === null ? '' : pass ? 'PASS' : 'MISS'} |`,
  );
}
console.log(`\n${failed === 0 ? 'all goals met' : `${failed} goal(s) missed`}`);
