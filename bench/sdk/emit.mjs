// emitSuccess cost, in its own process: mitata per call, and amortised over a 3 s run with the
// real 250 ms flush to the local Redis going on. Prints one JSON line.
import { randomBytes } from 'node:crypto';
import { do_not_optimize, measure } from 'mitata';
import { createClient } from 'redis';
import { FlagManager } from '../../sdk-node/dist/index.js';
import { InMemoryRulesetSource, testFlagRule } from '../../sdk-node/dist/testing.js';
import { FLAG } from './common.mjs';

const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const appId = 'bench';
const prefix = `tsbench_${randomBytes(5).toString('hex')}`;
const manager = new FlagManager({
  appId,
  redis: redisUrl,
  redisPrefix: prefix,
  rulesetSource: new InMemoryRulesetSource([testFlagRule({ appId, flagKey: FLAG })]),
});
manager.on('error', (e) => process.env.BENCH_DEBUG && console.error(e.message));
await manager.initialize();
const t = manager.newToggler({ flagName: FLAG });
// Signals emitted before Redis is connected are dropped by design; wait until a flush lands.
while (manager.stats().signalsWritten === 0) {
  t.emitSuccess();
  await manager.flush();
  await new Promise((r) => setTimeout(r, 10));
}
const base = manager.stats();

const stats = await measure(() => do_not_optimize(t.emitSuccess()), { min_cpu_time: 1e9 });

// Amortised: emits in chunks, yielding to the event loop so the flush timer runs as in a server.
const chunk = 200_000;
let emitted = 0;
let busyNs = 0n;
const wallStart = process.hrtime.bigint();
const until = Date.now() + 3000;
while (Date.now() < until) {
  const s = process.hrtime.bigint();
  for (let i = 0; i < chunk; i++) t.emitSuccess();
  busyNs += process.hrtime.bigint() - s;
  emitted += chunk;
  await new Promise((r) => setImmediate(r));
}
await manager.flush();
const wallNs = Number(process.hrtime.bigint() - wallStart);
const s = manager.stats();
await manager.close();

const redis = createClient({ url: redisUrl });
await redis.connect();
const keys = await redis.keys(`${prefix}:*`);
if (keys.length) await redis.del(keys);
redis.destroy();

console.log(
  JSON.stringify({
    p50: stats.p50,
    // wall time of the whole run (emits + event-loop turns + every flush) / emits
    amortisedNs: wallNs / emitted,
    loopOnlyNs: Number(busyNs) / emitted,
    emitted,
    flushes: s.flushes - base.flushes,
    dropped: s.signalsDropped - base.signalsDropped,
  }),
);
