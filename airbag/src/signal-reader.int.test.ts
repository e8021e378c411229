import { FINE_RESOLUTION_MS, signalBucketKey, signalField } from '@tailslide/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteKeysWithPrefix, services, uniqueName } from '@tailslide/test-support';
import { T0 } from '../test/fixtures.js';
import { connectRedis, type TestRedis } from '../test/harness.js';
import { SignalReader } from './signal-reader.js';

let redis: TestRedis;
const prefix = uniqueName('abreader');

beforeAll(async () => {
  redis = await connectRedis();
});
afterAll(async () => {
  await deleteKeysWithPrefix(redis, prefix);
  redis.destroy();
});

async function add(
  appId: string,
  start: number,
  flagKey: string,
  s: number,
  f: number,
): Promise<void> {
  const key = signalBucketKey(prefix, appId, FINE_RESOLUTION_MS, start);
  await redis.hIncrBy(key, signalField(flagKey, 'success'), s);
  await redis.hIncrBy(key, signalField(flagKey, 'failure'), f);
}

describe('SignalReader', () => {
  it('reads every app and bucket in one batch, summing SDK instances and ignoring foreign fields', async () => {
    const b0 = T0;
    const b1 = T0 + 1000;
    await add('a', b0, 'x', 3, 1);
    await add('a', b0, 'x', 2, 4); // a second SDK instance, same hash
    await add('b', b1, 'y', 7, 0);
    await redis.hSet(signalBucketKey(prefix, 'b', FINE_RESOLUTION_MS, b1), 'garbage', 'zz');
    const reader = new SignalReader({ redis, prefix });
    const plan = new Map([
      ['a', { bucketStarts: new Set([b0, b1]) }],
      ['b', { bucketStarts: new Set([b0, b1]) }],
    ]);
    const r = await reader.read(plan, b1 + 100);
    expect(r).toMatchObject({ unavailable: false, commands: 4 });
    expect(r.apps.get('a')?.get(b0)?.get('x')).toEqual({
      successes: 5,
      failures: 5,
      offSuccesses: 0,
      offFailures: 0,
    });
    expect(r.apps.get('b')?.get(b1)?.get('y')).toEqual({
      successes: 7,
      failures: 0,
      offSuccesses: 0,
      offFailures: 0,
    });
    expect(r.apps.get('b')?.get(b1)?.size).toBe(1);
  });

  it('serves sealed buckets from memory and keeps re-reading the ones still filling', async () => {
    const reader = new SignalReader({ redis, prefix, sealLagMs: 1000 });
    const old = T0 + 10_000;
    const current = T0 + 14_000;
    await add('c', old, 'x', 1, 0);
    await add('c', current, 'x', 1, 0);
    const plan = new Map([['c', { bucketStarts: new Set([old, current]) }]]);
    const now = current + 500;
    expect((await reader.read(plan, now)).commands).toBe(2);
    await add('c', old, 'x', 100, 0); // too late: the bucket was sealed when read
    await add('c', current, 'x', 1, 0);
    const second = await reader.read(plan, now + 100);
    expect(second.commands).toBe(1);
    expect(second.apps.get('c')?.get(old)?.get('x')?.successes).toBe(1);
    expect(second.apps.get('c')?.get(current)?.get('x')?.successes).toBe(2);
  });
});

describe('SignalReader bucket encodings', () => {
  it('reads the same counts with the joining script and with plain HGETALL', async () => {
    const start = T0 + 20_000;
    for (let f = 0; f < 50; f++) await add('d', start, `flag-${f}`, f + 1, f % 3);
    await redis.hSet(signalBucketKey(prefix, 'd', FINE_RESOLUTION_MS, start), {
      'not-a-signal': 'x',
      'neg:s': '-4',
      'big:f': '123456789012',
    });
    const plan = new Map([['d', { bucketStarts: new Set([start]) }]]);
    const scripted = await new SignalReader({ redis, prefix }).read(plan, start);
    const plain = await new SignalReader({ redis, prefix, script: false }).read(plan, start);
    expect(scripted.commands).toBe(1);
    expect(plain.commands).toBe(1);
    const a = scripted.apps.get('d')?.get(start);
    expect(a?.get('flag-7')).toEqual({
      successes: 8,
      failures: 1,
      offSuccesses: 0,
      offFailures: 0,
    });
    expect(a?.get('big')).toEqual({
      successes: 0,
      failures: 123456789012,
      offSuccesses: 0,
      offFailures: 0,
    });
    expect(a?.has('neg')).toBe(false);
    expect([...(a ?? [])]).toEqual([...(plain.apps.get('d')?.get(start) ?? [])]);
  });

  it('re-reads a bucket with HGETALL when a field name contains a newline', async () => {
    const start = T0 + 30_000;
    await add('e', start, 'x', 3, 2);
    await redis.hSet(signalBucketKey(prefix, 'e', FINE_RESOLUTION_MS, start), 'y:f\nz:f', '7');
    const plan = new Map([['e', { bucketStarts: new Set([start]) }]]);
    const r = await new SignalReader({ redis, prefix }).read(plan, start);
    expect(r.commands).toBe(2);
    const bucket = r.apps.get('e')?.get(start);
    expect(bucket?.get('x')).toEqual({
      successes: 3,
      failures: 2,
      offSuccesses: 0,
      offFailures: 0,
    });
    expect(bucket?.has('z')).toBe(false);
  });
});

describe('SignalReader without scripting', () => {
  it('falls back to HGETALL for good when the server refuses EVAL (ACL)', async () => {
    const user = uniqueName('abnoeval');
    await redis.sendCommand([
      'ACL',
      'SETUSER',
      user,
      'on',
      'nopass',
      `~${prefix}:*`,
      '+@all',
      '-eval',
    ]);
    const limited = await connectRedis(
      services.redisUrl.replace('redis://', `redis://${encodeURIComponent(user)}:x@`),
    );
    try {
      const start = T0 + 40_000;
      await add('g', start, 'x', 4, 1);
      const reader = new SignalReader({ redis: limited, prefix });
      const plan = new Map([['g', { bucketStarts: new Set([start]) }]]);
      const first = await reader.read(plan, start);
      expect(first).toMatchObject({ unavailable: false, commands: 2 });
      expect(first.apps.get('g')?.get(start)?.get('x')).toEqual({
        successes: 4,
        failures: 1,
        offSuccesses: 0,
        offFailures: 0,
      });
      const second = await reader.read(plan, start);
      expect(second.commands).toBe(1);
      expect(second.apps.get('g')?.get(start)?.get('x')).toEqual({
        successes: 4,
        failures: 1,
        offSuccesses: 0,
        offFailures: 0,
      });
    } finally {
      limited.destroy();
      await redis.sendCommand(['ACL', 'DELUSER', user]);
    }
  });
});
