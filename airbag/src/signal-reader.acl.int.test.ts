import { createHash } from 'node:crypto';
import {
  FINE_RESOLUTION_MS,
  sdkRedisUser,
  serviceRedisUser,
  signalBucketKey,
  signalField,
  signalKeyPattern,
} from '@tailslide/contracts';
import { createRedis, type RedisClient } from '@tailslide/server-kit';
import { privateSecuredRedisServer, type SecuredRedisServer } from '@tailslide/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { T0 } from '../test/fixtures.js';
import { SignalReader } from './signal-reader.js';

// Airbag against Redis with the shipped ACL (redis/tailslide-redis.sh), signed in as its own
// user: its reads work in both encodings (the joining script and plain HGETALL), so the ACL
// gives Airbag everything it needs and nothing more (redis-acl.int.test.ts tries the rest).

let server: SecuredRedisServer;
let airbag: RedisClient;
let writer: RedisClient;

beforeAll(async () => {
  server = await privateSecuredRedisServer();
  await server.start();
  airbag = createRedis(server.url, () => undefined, {
    username: serviceRedisUser(server.prefix, 'airbag'),
    password: server.airbagPassword,
  });
  const tower = createRedis(server.url, () => undefined, {
    username: serviceRedisUser(server.prefix, 'tower'),
    password: server.towerPassword,
  });
  await Promise.all([airbag.connect(), tower.connect()]);
  // An SDK key's user (as Tower creates it) writes the counts.
  const user = sdkRedisUser(server.prefix, '1');
  const hash = createHash('sha256').update('sdk-secret').digest('hex');
  await tower.sendCommand([
    'ACL',
    'SETUSER',
    user,
    'reset',
    'on',
    `#${hash}`,
    `~${signalKeyPattern(server.prefix, 'app')}`,
    '-@all',
    '+hincrby',
  ]);
  tower.destroy();
  writer = createRedis(server.url, () => undefined, { username: user, password: 'sdk-secret' });
  await writer.connect();
});

afterAll(async () => {
  airbag.destroy();
  writer.destroy();
  await server.dispose();
});

describe('SignalReader signed in as Airbag', () => {
  it('reads the buckets with its script and with plain HGETALL', async () => {
    const key = signalBucketKey(server.prefix, 'app', FINE_RESOLUTION_MS, T0);
    await writer.hIncrBy(key, signalField('checkout', 'success'), 7);
    await writer.hIncrBy(key, signalField('checkout', 'failure'), 3);
    const plan = new Map([['app', { bucketStarts: new Set([T0]) }]]);
    for (const script of [true, false]) {
      const r = await new SignalReader({ redis: airbag, prefix: server.prefix, script }).read(
        plan,
        T0 + 100,
      );
      expect(r.unavailable, `script=${script}`).toBe(false);
      expect(r.error, `script=${script}`).toBeFalsy();
      expect(r.apps.get('app')?.get(T0)?.get('checkout')).toEqual({
        successes: 7,
        failures: 3,
        offSuccesses: 0,
        offFailures: 0,
      });
    }
  });
});
