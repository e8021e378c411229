// KV put → visible in isFlagActive across a fleet of SDK instances spread over several processes
// (issue 14 §4: 1,000 instances, goal p99 ≤ 50 ms). Each instance has its own NATS connection
// and KV watch, as 1,000 service replicas would. Times are wall-clock (performance.timeOrigin +
// performance.now(), comparable across processes on one machine). Prints one JSON line.
// Usage: node bench/sdk/fleet.mjs [instances=1000] [processes=4] [changes=20]
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import { createClient } from 'redis';
import { encodeFlagRule, flagKvKey } from '../../contracts/dist/index.js';
import { FlagManager } from '../../sdk-node/dist/index.js';
import { testFlagRule } from '../../sdk-node/dist/testing.js';
import { FLAG } from './common.mjs';

const natsUrl = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const wallNow = () => performance.timeOrigin + performance.now();

if (process.argv[2] === '--child') {
  // One process of the fleet: `count` SDK instances; reports when each sees each change.
  const [, , , bucket, appId, countArg] = process.argv;
  const count = Number(countArg);
  const redis = createClient({ url: redisUrl });
  await redis.connect();
  const managers = [];
  let expected = null;
  let seen = [];
  for (let i = 0; i < count; i++) {
    const m = new FlagManager({
      appId,
      nats: natsUrl,
      redis,
      flagsBucket: bucket,
      redisPrefix: `tsfleet_${appId}`,
    });
    m.on('error', () => undefined);
    const tg = m.newToggler({ flagName: FLAG });
    m.on('changed', () => {
      if (expected === null || tg.isFlagActive('user-1') !== expected.active) return;
      if (seen[i] !== undefined) return;
      seen[i] = wallNow();
      if (seen.filter((x) => x !== undefined).length === count) {
        process.send({ seq: expected.seq, times: seen });
        expected = null;
      }
    });
    managers.push(m);
  }
  const starts = await Promise.all(
    managers.map(async (m) => {
      const s = performance.now();
      const r = await m.initialize();
      if (r.status !== 'ready') throw new Error(`instance not ready: ${r.status}`);
      return performance.now() - s;
    }),
  );
  process.on('message', async (msg) => {
    if (msg.type === 'expect') {
      seen = [];
      expected = { seq: msg.seq, active: msg.active };
      process.send({ ready: msg.seq });
    } else if (msg.type === 'close') {
      await Promise.all(managers.map((m) => m.close()));
      redis.destroy();
      process.exit(0);
    }
  });
  process.send({ started: starts });
} else {
  const INSTANCES = Number(process.argv[2] ?? 1000);
  const PROCESSES = Number(process.argv[3] ?? 4);
  const CHANGES = Number(process.argv[4] ?? 20);
  const suffix = randomBytes(5).toString('hex');
  const bucket = `bench_fleet_${suffix}`;
  const appId = `fleet_${suffix}`;
  const nc = await connect({ servers: natsUrl });
  const kv = await new Kvm(nc).create(bucket, { history: 1 });
  let version = 1;
  const put = (active) =>
    kv.put(
      flagKvKey(appId, FLAG),
      encodeFlagRule(testFlagRule({ appId, flagKey: FLAG, version: version++, active })),
    );
  await put(true);
  const children = [];
  const latencies = [];
  const startMs = [];
  try {
    const per = Math.ceil(INSTANCES / PROCESSES);
    for (let p = 0; p < PROCESSES; p++) {
      const count = Math.min(per, INSTANCES - p * per);
      if (count <= 0) break;
      const child = fork(
        fileURLToPath(import.meta.url),
        ['--child', bucket, appId, String(count)],
        {
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        },
      );
      const started = new Promise((resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`fleet process exited with ${code}`)));
        child.on('message', (m) => {
          if (m.started) resolve(m.started);
        });
      });
      children.push({ child, started });
    }
    for (const c of children) startMs.push(...(await c.started));
    let active = true;
    for (let seq = 0; seq < CHANGES; seq++) {
      active = !active;
      // Every process is told what to expect before the put, so no instance misses the change.
      await Promise.all(
        children.map(
          ({ child }) =>
            new Promise((resolve) => {
              const h = (m) => {
                if (m.ready === seq) {
                  child.off('message', h);
                  resolve();
                }
              };
              child.on('message', h);
              child.send({ type: 'expect', seq, active });
            }),
        ),
      );
      const seen = Promise.all(
        children.map(
          ({ child }) =>
            new Promise((resolve, reject) => {
              const timer = setTimeout(
                () => reject(new Error(`change ${seq}: a fleet process never saw it all`)),
                20_000,
              );
              const h = (m) => {
                if (m.seq === seq && m.times) {
                  clearTimeout(timer);
                  child.off('message', h);
                  resolve(m.times);
                }
              };
              child.on('message', h);
            }),
        ),
      );
      const t0 = wallNow();
      await put(active);
      for (const times of await seen) for (const t of times) latencies.push(t - t0);
    }
  } finally {
    for (const { child } of children) child.send({ type: 'close' });
    await Promise.all(
      children.map(
        ({ child }) => new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r))),
      ),
    );
    await kv.destroy();
    await nc.close();
  }
  const q = (arr, p) => {
    const s = [...arr].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor(p * s.length))];
  };
  console.log(
    JSON.stringify({
      instances: INSTANCES,
      processes: children.length,
      changes: CHANGES,
      samples: latencies.length,
      p50: q(latencies, 0.5),
      p99: q(latencies, 0.99),
      max: q(latencies, 1),
      coldStartP50: q(startMs, 0.5),
    }),
  );
}
