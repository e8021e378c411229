// KV put → visible in isFlagActive, with N SDK instances (each its own NATS connection and its
// own SDK key) against a private nats-server in the project's operator/JWT mode (the
// configuration `cli.js nats-init` generates, ADR 0007), in their own process; then the SDK's
// start-up time with a key, one instance at a time. Prints one JSON line.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Kvm } from '@nats-io/kv';
import { connect, credsAuthenticator } from '@nats-io/transport-node';
import {
  encodeFlagRule,
  encodeSdkKey,
  flagKvKey,
  sdkRedisUser,
} from '../../contracts/dist/index.js';
import {
  initNatsKeysDir,
  mintUser,
  NATS_KEY_FILES,
  publicKeyOf,
  sdkPermissions,
} from '../../server-kit/dist/index.js';
import { createClient } from 'redis';
import { FlagManager } from '../../sdk-node/dist/index.js';
import { testFlagRule } from '../../sdk-node/dist/testing.js';
import { FLAG } from './common.mjs';

const INSTANCES = Number(process.argv[2] ?? 100);
const CHANGES = Number(process.argv[3] ?? 100);
const STARTS = Number(process.argv[4] ?? 30);
const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const suffix = randomBytes(5).toString('hex');
const bucket = `bench_flags_${suffix}`;
const appId = `bench_${suffix}`;

// A private nats-server with the generated auth configuration, on a free port.
const dir = mkdtempSync(join(tmpdir(), 'tailslide-bench-nats-'));
const port = await new Promise((done) => {
  const srv = createServer().listen(0, '127.0.0.1', () => {
    const p = srv.address().port;
    srv.close(() => done(p));
  });
});
const names = {
  flagsBucket: bucket,
  airbagBucket: `bench_airbag_${suffix}`,
  circuitStream: `BENCH_${suffix}`,
  circuitSubjectRoot: `bench.${suffix}.circuit`,
};
const { seeds, authConf } = await initNatsKeysDir(join(dir, 'keys'), names, {
  resolverDir: join(dir, 'jwt'),
});
writeFileSync(
  join(dir, 'nats.conf'),
  `listen: "127.0.0.1:${port}"\njetstream { store_dir: ${JSON.stringify(join(dir, 'js'))} }\ninclude ${JSON.stringify(relative(dir, authConf))}\n`,
);
const server = spawn(process.env.NATS_SERVER_BIN ?? 'nats-server', ['-c', join(dir, 'nats.conf')], {
  stdio: 'ignore',
});
for (;;) {
  const up = await new Promise((done) => {
    const s = netConnect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), done(true)));
    s.once('error', () => done(false));
  });
  if (up) break;
  await new Promise((r) => setTimeout(r, 50));
}
const natsUrl = `nats://127.0.0.1:${port}`;
const account = publicKeyOf(seeds.account);
let nextKeyId = 1;
const newKey = async () => {
  const keyId = String(nextKeyId++);
  const user = await mintUser(
    account,
    seeds.accountSigning,
    `sdk-${keyId}`,
    sdkPermissions(names, appId, keyId),
  );
  return encodeSdkKey({
    appId,
    keyId,
    natsJwt: user.jwt,
    secret: user.seed,
    redisUser: sdkRedisUser(`tsbench_${suffix}`, keyId),
  });
};

const nc = await connect({
  servers: natsUrl,
  authenticator: credsAuthenticator(readFileSync(join(dir, 'keys', NATS_KEY_FILES.towerCreds))),
});
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
const soloStartMs = [];
try {
  for (let i = 0; i < INSTANCES; i++) {
    const m = new FlagManager({
      sdkKey: await newKey(),
      nats: natsUrl,
      redis,
      flagsBucket: bucket,
      redisPrefix: `tsbench_${suffix}`,
    });
    m.on('error', (e) => process.env.BENCH_DEBUG && console.error(e.message));
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
  await Promise.all(managers.map((m) => m.close()));
  managers.length = 0;
  // Start-up with a key, alone: new FlagManager → initialize() resolved with the rules (connect,
  // nonce signature, ordered consumer, initial values).
  for (let i = 0; i < STARTS; i++) {
    const m = new FlagManager({
      sdkKey: await newKey(),
      nats: natsUrl,
      redis,
      flagsBucket: bucket,
      redisPrefix: `tsbench_${suffix}`,
    });
    m.on('error', () => undefined);
    const s = performance.now();
    const r = await m.initialize();
    const ms = performance.now() - s;
    await m.close();
    if (r.status !== 'ready') throw new Error(`start ${i}: ${r.status}`);
    if (i > 0) soloStartMs.push(ms); // the first pays for JIT warm-up
  }
} finally {
  await Promise.all(managers.map((m) => m.close()));
  await kv.destroy();
  await nc.close();
  redis.destroy();
  server.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
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
    startupP50: q(soloStartMs, 0.5),
    startupP99: q(soloStartMs, 0.99),
  }),
);
