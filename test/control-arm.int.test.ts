/**
 * Control arm, end to end against real NATS and Redis (issue 11 item 5, ADR 0009): SDK
 * `run(onFn, { fallback })` → the real Redis signal writer (on-arm and off-arm fields) →
 * Airbag `tick()` → circuit events. Ten flags whose shared dependency fails in both arms give
 * no trip in relative mode (and all ten trip in absolute mode); one flag failing only on its
 * on-arm trips.
 */
import { CircuitEventType, CircuitMode, type FlagRule } from '@tailslide/contracts';
import { FlagManager, RedisSignalWriter } from '@tailslide/sdk-node';
import { InMemoryRulesetSource } from '@tailslide/sdk-node/testing';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeRule } from '../airbag/test/fixtures.js';
import { Env, connectNats, connectRedis, type TestRedis } from '../airbag/test/harness.js';

let nats: NatsConnection;
let redis: TestRedis;
let env: Env | undefined;

beforeAll(async () => {
  nats = await connectNats();
  redis = await connectRedis();
});
afterAll(async () => {
  await nats.close();
  redis.destroy();
});
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

const APP = 'shop';
const USERS = 400;

/**
 * A dependency failing 60 % of calls at random, whichever arm calls it (a shared database
 * outage). Seeded, so every run sees the same sequence.
 */
function sharedDependency(seed: number): () => Promise<string> {
  let state = seed >>> 0;
  const random = () => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => (random() < 0.6 ? Promise.reject(new Error('db down')) : Promise.resolve('row'));
}

function rule(flagKey: string, mode: CircuitMode, version = 1): FlagRule {
  return {
    ...makeRule({
      appId: APP,
      flagKey,
      version,
      circuit: { mode, relativeMarginPoints: 10, minimumRequests: 50 },
    }),
    // Half the users get the flag (on-arm), the other half the fallback (off-arm).
    rolloutPercentage: 50,
  };
}

/**
 * Starts Airbag and an SDK writing to the test's Redis prefix, sends every user of every flag
 * through `run(onFn, { fallback })`, flushes and ticks once. Returns the flags that opened.
 */
async function trafficThenTick(
  rules: FlagRule[],
  paths: (flagKey: string) => { on: () => Promise<string>; off: () => Promise<string> },
): Promise<{ opened: string[]; stats: Map<string, unknown> }> {
  const e = (env = await Env.create(nats, redis));
  const airbag = await e.start();
  for (const r of rules) await e.putRule(r);
  for (const r of rules) await airbag.waitForRule(APP, r.flagKey, r.version);
  const manager = new FlagManager({
    appId: APP,
    rulesetSource: new InMemoryRulesetSource(rules),
    signalWriter: new RedisSignalWriter({ redis, prefix: e.names.redisPrefix }),
  });
  await manager.initialize();
  try {
    for (const r of rules) {
      const t = manager.newToggler(r.flagKey);
      const { on, off } = paths(r.flagKey);
      for (let u = 0; u < USERS; u++)
        await t.run(on, { fallback: off, userContext: `user-${u}` }).catch(() => undefined);
    }
    await manager.flush();
  } finally {
    await manager.close();
  }
  const result = await airbag.tick();
  const opened = result.published.filter((ev) => ev.type === CircuitEventType.opened);
  return {
    opened: opened.map((ev) => ev.flagKey).sort(),
    stats: new Map(opened.map((ev) => [ev.flagKey, ev.stats])),
  };
}

const shared = Array.from({ length: 10 }, (_, i) => `shared-${i}`);

describe('control arm: relative circuits against real Redis and Airbag', () => {
  it('a shared dependency failing both arms of ten flags trips none in relative mode; a flag failing only when on trips', async () => {
    const rules = [...shared, 'own-fault'].map((k) => rule(k, CircuitMode.relative));
    const db = sharedDependency(11);
    const { opened, stats } = await trafficThenTick(rules, (flagKey) =>
      flagKey === 'own-fault'
        ? {
            on: () => Promise.reject(new Error('new code broken')),
            off: () => Promise.resolve('ok'),
          }
        : { on: db, off: db },
    );
    expect(opened).toEqual(['own-fault']);
    // The event carries both arms: on-arm all failing, off-arm healthy.
    const s = stats.get('own-fault') as { requests: number; failures: number; off: unknown };
    expect(s.failures).toBe(s.requests);
    expect(s.off).toMatchObject({ failures: 0 });
  });

  it('the same outage trips all ten flags in absolute mode (the default, unchanged)', async () => {
    const rules = shared.map((k) => rule(k, CircuitMode.absolute));
    const db = sharedDependency(11);
    const { opened } = await trafficThenTick(rules, () => ({ on: db, off: db }));
    expect(opened).toEqual([...shared].sort());
  });
});
