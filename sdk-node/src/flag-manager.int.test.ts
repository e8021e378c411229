import { Kvm, type KV } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  SIGNAL_RESOLUTIONS,
  bucketStart,
  encodeFlagRule,
  flagKvKey,
  signalBucketKey,
  signalField,
  type FlagRule,
} from '@tailslide/contracts';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, freePort, services, uniqueName } from '@tailslide/test-support';
import { FlagManager, type ChangedEvent } from './flag-manager.js';
import { InMemoryRulesetSource, testFlagRule } from './testing.js';

let nc: NatsConnection;
let kv: KV;
let bucket: string;
const redis = createClient({ url: services.redisUrl });
const prefix = uniqueName('tsdk');
const managers: FlagManager[] = [];

beforeAll(async () => {
  nc = await connect({ servers: services.natsUrl });
  bucket = uniqueName('sdk_flags');
  kv = await new Kvm(nc).create(bucket, { history: 1 });
  await redis.connect();
});

afterAll(async () => {
  await Promise.all(managers.map((m) => m.close()));
  await kv.destroy();
  await nc.close();
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(keys);
  redis.destroy();
});

function manager(
  appId: string,
  extra: Partial<ConstructorParameters<typeof FlagManager>[0]> = {},
): FlagManager {
  const m = new FlagManager({
    appId,
    nats: services.natsUrl,
    redis: services.redisUrl,
    flagsBucket: bucket,
    redisPrefix: prefix,
    initTimeoutMs: 5000,
    ...extra,
  });
  m.on('error', () => undefined);
  managers.push(m);
  return m;
}

const put = (rule: FlagRule) => kv.put(flagKvKey(rule.appId, rule.flagKey), encodeFlagRule(rule));

describe('FlagManager against NATS KV and Redis', () => {
  it('accepts a comma-separated NATS server list, as Tower and Airbag read NATS_URL', async () => {
    const appId = uniqueName('app');
    await put(testFlagRule({ appId, flagKey: 'a' }));
    const dead = `nats://127.0.0.1:${await freePort()}`;
    const m = manager(appId, { nats: ` ${dead}, ${services.natsUrl},` });
    expect(await m.initialize()).toEqual({ status: 'ready', flags: 1 });
    expect(m.newToggler('a').isFlagActive('u')).toBe(true);
  });

  it('writes the signals emitted before its Redis client connected, instead of dropping them', async () => {
    const appId = uniqueName('app');
    const m = manager(appId, {
      nats: undefined,
      rulesetSource: new InMemoryRulesetSource([testFlagRule({ appId, flagKey: 'a' })]),
    });
    const t = m.newToggler('a');
    t.emitSuccess();
    t.emitFailure();
    const init = m.initialize(); // starts connecting Redis; the flush below comes before it is up
    await m.flush();
    await init;
    expect(m.stats()).toMatchObject({ signalsWritten: 2, signalsDropped: 0 });
  });

  it('loads the initial ruleset, then applies live updates and deletes', async () => {
    const appId = uniqueName('app');
    await put(testFlagRule({ appId, flagKey: 'a', whitelist: ['vip'], rolloutPercentage: 0 }));
    await put(testFlagRule({ appId, flagKey: 'b' }));
    await put(testFlagRule({ appId: uniqueName('other'), flagKey: 'a' }));
    const m = manager(appId);
    const ready: number[] = [];
    m.on('ready', (e) => ready.push(e.flags));
    const result = await m.initialize();
    expect(result).toEqual({ status: 'ready', flags: 2 });
    expect(ready).toEqual([2]);
    const a = m.newToggler({ flagName: 'a' });
    expect(a.isFlagActive('vip')).toBe(true);
    expect(a.isFlagActive('x')).toBe(false);

    const changes: ChangedEvent[] = [];
    m.on('changed', (e) => changes.push(e));
    await put(testFlagRule({ appId, flagKey: 'a', version: 2, rolloutPercentage: 100 }));
    await eventually(() => a.isFlagActive('x'));
    await kv.delete(flagKvKey(appId, 'a'));
    await eventually(() => a.evaluate('x').reason === 'flag_not_found');
    expect(changes).toEqual([{ flags: ['a'] }, { flags: ['a'] }]);
  });

  it('ignores duplicate and replayed (older-version) entries', async () => {
    const appId = uniqueName('app');
    await put(testFlagRule({ appId, flagKey: 'f', version: 5, active: true }));
    const m = manager(appId);
    await m.initialize();
    const t = m.newToggler({ flagName: 'f' });
    const changes: ChangedEvent[] = [];
    m.on('changed', (e) => changes.push(e));
    await put(testFlagRule({ appId, flagKey: 'f', version: 5, active: false })); // duplicate version
    await put(testFlagRule({ appId, flagKey: 'f', version: 4, active: false })); // replay
    await put(testFlagRule({ appId, flagKey: 'g', version: 1 })); // a marker that both arrived
    await eventually(() => m.newToggler({ flagName: 'g' }).evaluate().reason !== 'flag_not_found');
    expect(t.isFlagActive('x')).toBe(true);
    expect(changes).toEqual([{ flags: ['g'] }]);
  });

  it('reports an invalid entry through error and returns the default for that flag', async () => {
    const appId = uniqueName('app');
    await kv.put(flagKvKey(appId, 'broken'), '{"schemaVersion":99}');
    const m = manager(appId);
    const errors: string[] = [];
    m.on('error', (e) => errors.push(e.code));
    await m.initialize();
    expect(m.newToggler({ flagName: 'broken', defaultValue: true }).evaluate('u')).toEqual({
      value: true,
      reason: 'invalid_rule',
      ruleVersion: null,
    });
    expect(errors).toContain('invalid_rule');
  });

  it('flushes emits in one pipeline of HINCRBY + PEXPIRE for both resolutions', async () => {
    const appId = uniqueName('app');
    const m = manager(appId);
    await m.initialize();
    const t = m.newToggler({ flagName: 'checkout' });
    for (let i = 0; i < 1000; i++) t.emitSuccess();
    for (let i = 0; i < 7; i++) t.emitFailure();
    const before = Date.now();
    await m.flush();
    const after = Date.now();
    let total = 0;
    for (const r of SIGNAL_RESOLUTIONS) {
      const starts = new Set([
        bucketStart(before, r.resolutionMs),
        bucketStart(after, r.resolutionMs),
      ]);
      let s = 0;
      let f = 0;
      for (const start of starts) {
        const key = signalBucketKey(prefix, appId, r.resolutionMs, start);
        const h = await redis.hGetAll(key);
        s += Number(h[signalField('checkout', 'success')] ?? 0);
        f += Number(h[signalField('checkout', 'failure')] ?? 0);
        if (Object.keys(h).length) {
          const ttl = await redis.pTTL(key);
          expect(ttl).toBeGreaterThan(r.ttlMs - 60_000);
          expect(ttl).toBeLessThanOrEqual(r.ttlMs);
        }
      }
      expect({ s, f }).toEqual({ s: 1000, f: 7 });
      total += s + f;
    }
    expect(total).toBe(2014);
    expect(m.stats()).toMatchObject({ signalsWritten: 1007, signalsDropped: 0, flushes: 1 });
  });

  it('writes many flags in exactly one pipeline per flush', async () => {
    const appId = uniqueName('app');
    let pipelines = 0;
    const counting = {
      get isReady() {
        return redis.isReady;
      },
      multi: () => {
        pipelines++;
        return redis.multi();
      },
    };
    const m = manager(appId, { redis: counting });
    await m.initialize();
    for (let i = 0; i < 50; i++) m.newToggler({ flagName: `flag-${i}` }).emitSuccess();
    await m.flush();
    expect(pipelines).toBe(1);
    expect(m.stats()).toMatchObject({ flushes: 1, signalsWritten: 50 });
  });

  it('uses an existing NATS connection and Redis client without closing them', async () => {
    const appId = uniqueName('app');
    await put(testFlagRule({ appId, flagKey: 'f' }));
    const m = manager(appId, { nats: nc, redis });
    await m.initialize();
    expect(m.newToggler({ flagName: 'f' }).isFlagActive('u')).toBe(true);
    m.newToggler({ flagName: 'f' }).emitSuccess();
    await m.close();
    expect(nc.isClosed()).toBe(false);
    expect(redis.isOpen).toBe(true);
    expect(m.stats().signalsWritten).toBe(1);
  });

  it('reports stale and keeps the last rules when a connection it was given is closed', async () => {
    const appId = uniqueName('app');
    await put(testFlagRule({ appId, flagKey: 'f' }));
    const own = await connect({ servers: services.natsUrl });
    const m = manager(appId, { nats: own });
    await m.initialize();
    await own.close();
    await eventually(() => m.status === 'stale');
    expect(m.newToggler({ flagName: 'f' }).isFlagActive('u')).toBe(true);
    await m.close();
  });

  it('stays not-ready (and keeps retrying) while the bucket is missing, then becomes ready when it appears', async () => {
    const appId = uniqueName('app');
    const missing = uniqueName('sdk_missing');
    const m = manager(appId, { flagsBucket: missing, initTimeoutMs: 300, retryDelayMs: 100 });
    const errors: string[] = [];
    m.on('error', (e) => errors.push(e.code));
    expect(await m.initialize()).toEqual({ status: 'not_ready', flags: 0 });
    expect(errors).toContain('nats_unavailable');
    const late = await new Kvm(nc).create(missing, { history: 1 });
    try {
      await late.put(flagKvKey(appId, 'f'), encodeFlagRule(testFlagRule({ appId, flagKey: 'f' })));
      await eventually(() => m.status === 'ready', 10_000);
      expect(m.newToggler({ flagName: 'f' }).isFlagActive('u')).toBe(true);
    } finally {
      await m.close();
      await late.destroy();
    }
  });
});
