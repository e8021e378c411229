// KV put → visible in isFlagActive, with N SDK instances (each its own NATS connection) against
// the local NATS, in their own process. Prints one JSON line.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import { encodeFlagRule, flagKvKey } from '../../contracts/dist/index.js';
import { createClient } from 'redis';
import { FlagManager } from '../../sdk-node/dist/index.js';
import { testFlagRule } from '../../sdk-node/dist/testing.js';
import { FLAG } from './common.mjs';

const INSTANCES = Number(process.argv[2] ?? 100);
const CHANGES = Number(process.argv[3] ?? 100);
const natsUrl = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const suffix = randomBytes(5).toString('hex');
const bucket = `bench_flags_${suffix}`;
const appId = `bench_${suffix}`;

const nc = await connect({ servers: natsUrl });
const kv = await new Kvm(nc).create(bucket, { history: 1 });
const redis = createClient({ url: redisUrl });
await redis.connect();
let version = 1;
const put = (active) =>
  kv.put(
    flagKvKey(appId, FLAG),
    encodeFlagRule(testFlagRule({ appId, flagKey: FLAG, version: version++, active })),
  );
await put(true);

const managers = [];
const startMs = [];
let expected = true;
let pending = 0;
let t0 = 0;
let done = () => undefined;
const latencies = [];
try {
  for (let i = 0; i < INSTANCES; i++) {
    const m = new FlagManager({
      appId,
      nats: natsUrl,
      redis,
      flagsBucket: bucket,
      redisPrefix: `tsbench_${suffix}`,
    });
    m.on('error', () => undefined);
    const tg = m.newToggler({ flagName: FLAG });
    m.on('changed', () => {
      if (pending > 0 && tg.isFlagActive('user-1') === expected) {
        latencies.push(performance.now() - t0);
        if (--pending === 0) done();
      }
    });
    managers.push(m);
  }
  await Promise.all(
    managers.map(async (m) => {
      const s = performance.now();
      const r = await m.initialize();
      if (r.status !== 'ready') throw new Error(`instance not ready: ${r.status}`);
      startMs.push(performance.now() - s);
    }),
  );
  for (let c = 0; c < CHANGES; c++) {
    expected = !expected;
    pending = INSTANCES;
    const all = new Promise((resolve, reject) => {
      done = resolve;
      setTimeout(
        () => reject(new Error(`change ${c}: ${pending} instance(s) never saw it`)),
        10_000,
      ).unref();
    });
    t0 = performance.now();
    await put(expected);
    await all;
  }
} finally {
  await Promise.all(managers.map((m) => m.close()));
  await kv.destroy();
  await nc.close();
  redis.destroy();
}
const q = (arr, p) => {
  const s = [...arr].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};
console.log(
  JSON.stringify({
    instances: INSTANCES,
    changes: CHANGES,
    samples: latencies.length,
    p50: q(latencies, 0.5),
    p99: q(latencies, 0.99),
    max: q(latencies, 1),
    coldStartP50: q(startMs, 0.5),
  }),
);
