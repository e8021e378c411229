import {
  FINE_RESOLUTION_MS,
  signalBucketKey,
  signalField,
  signalWakeChannel,
  signalWakeChannelPattern,
} from '@tailslide/contracts';
import {
  deleteKeysWithPrefix,
  deleteRedisUsersWithPrefix,
  eventually,
  services,
  uniqueName,
} from '@tailslide/test-support';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisSignalWriter } from './redis-signal-writer.js';
import type { SignalBatch } from './signal-sink.js';

// The writer's wake-up (ADR 0003): an early batch publishes the app's wake channel in the same
// pipeline as its counts; other batches publish nothing.

const redis = createClient({ url: services.redisUrl });
const subscriber = createClient({ url: services.redisUrl });
const prefix = uniqueName('twake');
const heard: { channel: string; message: string }[] = [];

beforeAll(async () => {
  await Promise.all([redis.connect(), subscriber.connect()]);
  await subscriber.pSubscribe(signalWakeChannelPattern(prefix), (message, channel) => {
    heard.push({ channel, message });
  });
});

afterAll(async () => {
  await deleteKeysWithPrefix(redis, prefix);
  await deleteRedisUsersWithPrefix(redis, prefix);
  subscriber.destroy();
  redis.destroy();
});

const batch = (wake: boolean): SignalBatch => ({
  appId: 'shop',
  atMs: 1_000_500,
  entries: [{ flagKey: 'checkout', successes: 1, failures: 5, offSuccesses: 0, offFailures: 0 }],
  ...(wake ? { wake } : {}),
});
const failures = async () =>
  Number(
    await redis.hGet(
      signalBucketKey(prefix, 'shop', FINE_RESOLUTION_MS, 1_000_000),
      signalField('checkout', 'failure'),
    ),
  );

describe('RedisSignalWriter wake-ups', () => {
  it("publishes the app's wake channel with an early batch only", async () => {
    const writer = new RedisSignalWriter({ redis: services.redisUrl, prefix });
    writer.start({ onError: () => undefined });
    try {
      await writer.write(batch(false));
      await writer.write(batch(true));
      await eventually(() => heard.length > 0);
      expect(heard).toEqual([{ channel: signalWakeChannel(prefix, 'shop'), message: '1000500' }]);
      expect(await failures()).toBe(10);
    } finally {
      await writer.close();
    }
  });

  it('keeps the counts when Redis refuses the PUBLISH alone (a user granted before wake-ups)', async () => {
    const user = `${prefix}-sdk-old`;
    await redis.sendCommand([
      'ACL',
      'SETUSER',
      user,
      'reset',
      'on',
      '>old-secret',
      `~${prefix}:*`,
      'resetchannels',
      '-@all',
      '+hincrby',
      '+pexpire',
    ]);
    const url = new URL(services.redisUrl);
    url.username = user;
    url.password = 'old-secret';
    const errors: unknown[] = [];
    const writer = new RedisSignalWriter({ redis: url.toString(), prefix });
    writer.start({ onError: (e) => errors.push(e) });
    try {
      const before = await failures();
      await writer.write(batch(true));
      expect(await failures()).toBe(before + 5);
      await writer.write(batch(false));
      expect(await failures()).toBe(before + 10);
      expect(errors).toEqual([]);
    } finally {
      await writer.close();
    }
  });
});
