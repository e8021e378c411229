import { FINE_RESOLUTION_MS, signalBucketKey, signalField } from '@tailslide/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName } from '../../test-support/index.js';
import { T0 } from '../test/fixtures.js';
import { connectRedis, type TestRedis } from '../test/harness.js';
import { SignalReader } from './signal-reader.js';

let redis: TestRedis;
const prefix = uniqueName('abreader');

beforeAll(async () => {
  redis = await connectRedis();
});
afterAll(async () => {
  const keys: string[] = [];
  for await (const batch of redis.scanIterator({ MATCH: `${prefix}:*` })) keys.push(...batch);
  if (keys.length > 0) await redis.del(keys);
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
    expect(r.apps.get('a')?.get(b0)?.get('x')).toEqual({ successes: 5, failures: 5 });
    expect(r.apps.get('b')?.get(b1)?.get('y')).toEqual({ successes: 7, failures: 0 });
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
