/**
 * SDK keys on the Redis side, end to end: Redis runs the shipped ACL (redis/tailslide-redis.sh),
 * Tower's RedisSdkAcl creates one user per key, and the SDK's RedisSignalWriter / FlagManager
 * sign in with nothing but the key string. Key A writes app A's signals; a key used for app B, a
 * revoked key and a made-up key are refused, reported once, and never throw into the caller.
 */
import { randomBytes } from 'node:crypto';
import {
  encodeSdkKey,
  parseSdkKey,
  sdkRedisUser,
  serviceRedisUser,
  signalBucketKey,
  signalField,
} from '@tailslide/contracts';
import { createRedis, type RedisClient } from '@tailslide/server-kit';
import {
  eventually,
  privateSecuredRedisServer,
  type SecuredRedisServer,
} from '@tailslide/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlagManager } from '../sdk-node/src/flag-manager.js';
import { RedisSignalWriter } from '../sdk-node/src/redis-signal-writer.js';
import type { SignalBatch } from '../sdk-node/src/signal-sink.js';
import type { TailslideError } from '../sdk-node/src/errors.js';
import type { UnauthorizedEvent } from '../sdk-node/src/flag-manager.js';
import { InMemoryRulesetSource, testFlagRule } from '../sdk-node/src/testing.js';
import { RedisSdkAcl, sdkSecretSha256 } from '../tower-server/src/sdk-keys/redis-acl.js';

let server: SecuredRedisServer;
let tower: RedisClient;
let airbag: RedisClient;
let acl: RedisSdkAcl;
let nextKeyId = 1;
const closers: (() => Promise<void> | void)[] = [];

/** Mints a key for `appId` the way Tower does (Redis side) and returns its string. */
async function mintKey(appId: string): Promise<{ key: string; redisUser: string }> {
  const keyId = String(nextKeyId++);
  const secret = `SU${randomBytes(24).toString('hex').toUpperCase()}`;
  const redisUser = sdkRedisUser(server.prefix, keyId);
  await acl.grant({ redisUser, appId, secretSha256: sdkSecretSha256(secret) });
  const key = encodeSdkKey({ appId, keyId, natsJwt: 'not-used-by-redis', secret, redisUser });
  return { key, redisUser };
}

function writer(sdkKey: string | undefined, url = server.url) {
  const errors: TailslideError[] = [];
  const w = new RedisSignalWriter({ redis: url, prefix: server.prefix, sdkKey });
  w.start({ onError: (e) => errors.push(e) });
  closers.push(() => w.close());
  return { w, errors };
}

const batch = (appId: string): SignalBatch => ({
  appId,
  atMs: 10_000,
  entries: [{ flagKey: 'checkout', successes: 2, failures: 1, offSuccesses: 0, offFailures: 0 }],
});

const bucket = (appId: string) => signalBucketKey(server.prefix, appId, 1000, 10_000);

/** Writes until one write succeeds (the writer connects in the background). */
async function writeWhenReady(w: RedisSignalWriter, b: SignalBatch): Promise<void> {
  await eventually(async () => {
    await w.write(b);
    return true;
  }, 10_000);
}

async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

beforeAll(async () => {
  server = await privateSecuredRedisServer();
  await server.start();
  tower = createRedis(server.url, () => undefined, {
    username: serviceRedisUser(server.prefix, 'tower'),
    password: server.towerPassword,
  });
  airbag = createRedis(server.url, () => undefined, {
    username: serviceRedisUser(server.prefix, 'airbag'),
    password: server.airbagPassword,
  });
  await Promise.all([tower.connect(), airbag.connect()]);
  acl = new RedisSdkAcl(tower, { prefix: server.prefix });
});

afterAll(async () => {
  for (const close of closers) await close();
  tower.destroy();
  airbag.destroy();
  await server.dispose();
});

describe('the SDK signs in to Redis with its key', () => {
  it("writes its own app's signal buckets with nothing but the key", async () => {
    const { key } = await mintKey('app-a');
    const { w, errors } = writer(key);
    await writeWhenReady(w, batch('app-a'));
    expect(await airbag.hGetAll(bucket('app-a'))).toMatchObject({
      [signalField('checkout', 'success')]: '2',
      [signalField('checkout', 'failure')]: '1',
    });
    expect(errors).toEqual([]);
  });

  it("refuses key A's writes to app B, reported once, dropped fast until the back-off ends", async () => {
    const { key } = await mintKey('app-a');
    const { w, errors } = writer(key);
    await writeWhenReady(w, batch('app-a'));
    const first = await outcome(w.write(batch('app-b')));
    expect(first).toMatch(/NOPERM/);
    // Within the back-off the writer does not even ask Redis.
    expect(await outcome(w.write(batch('app-b')))).toMatch(/refused this SDK key/);
    expect(errors.map((e) => e.code)).toEqual(['redis_unauthorized']);
    expect(await airbag.hGetAll(bucket('app-b'))).toEqual({});
  });

  it('refuses a made-up key and no key at all (the default user is off)', async () => {
    const madeUp = encodeSdkKey({
      appId: 'app-z',
      keyId: '999999',
      natsJwt: 'x',
      secret: 'made-up',
      redisUser: sdkRedisUser(server.prefix, '999999'),
    });
    const m = writer(madeUp);
    await eventually(() => m.errors.some((e) => e.code === 'redis_unauthorized'));
    expect(await outcome(m.w.write(batch('app-z')))).not.toBe('ok');
    expect(m.errors.filter((e) => e.code === 'redis_unauthorized')).toHaveLength(1);

    const none = writer(undefined);
    await eventually(() => none.errors.some((e) => e.code === 'redis_unauthorized'));
    expect(await outcome(none.w.write(batch('app-z')))).not.toBe('ok');
    expect(await airbag.hGetAll(bucket('app-z'))).toEqual({});
  });

  it('lets credentials in the URL win over the key', async () => {
    const { key } = await mintKey('app-u');
    const url = new URL(server.url);
    url.username = serviceRedisUser(server.prefix, 'airbag');
    url.password = server.airbagPassword;
    const { w } = writer(key, url.toString());
    // Signed in as Airbag, which may not write: the key's own rights were not used.
    await eventually(async () => /NOPERM/.test(await outcome(w.write(batch('app-u')))), 10_000);
  });

  it('cuts a revoked key off within 10 s (its open connection at once) while key B keeps writing', async () => {
    const a = await mintKey('app-r');
    const b = await mintKey('app-s');
    const wa = writer(a.key);
    const wb = writer(b.key);
    await writeWhenReady(wa.w, batch('app-r'));
    await writeWhenReady(wb.w, batch('app-s'));
    const t0 = Date.now();
    await acl.revoke(a.redisUser);
    // The SDK notices on its own: its connection is closed and its sign-in refused.
    await eventually(() => wa.errors.some((e) => e.code === 'redis_unauthorized'), 10_000, 1);
    const reportedAfterMs = Date.now() - t0;
    expect(reportedAfterMs).toBeLessThan(10_000);
    console.info(
      `revoked key: SDK reported redis_unauthorized ${reportedAfterMs} ms after revoke()`,
    );
    expect(await outcome(wa.w.write(batch('app-r')))).not.toBe('ok');
    await wb.w.write(batch('app-s'));
    expect((await airbag.hGetAll(bucket('app-s')))[signalField('checkout', 'success')]).toBe('4');
  });

  it('keeps a FlagManager with a refused key serving flags: no throw, one redis_unauthorized event', async () => {
    const appId = 'app-m';
    const sdkKey = encodeSdkKey({
      appId,
      keyId: '424242',
      natsJwt: 'x',
      secret: 'wrong',
      redisUser: sdkRedisUser(server.prefix, '424242'),
    });
    const m = new FlagManager({
      appId,
      sdkKey,
      redis: server.url,
      redisPrefix: server.prefix,
      rulesetSource: new InMemoryRulesetSource([testFlagRule({ appId, flagKey: 'a' })]),
    });
    closers.push(() => m.close());
    const codes: string[] = [];
    const events: UnauthorizedEvent[] = [];
    m.on('error', (e) => codes.push(e.code));
    m.on('unauthorized', (e) => events.push(e));
    await m.initialize();
    const t = m.newToggler('a');
    await eventually(() => codes.includes('redis_unauthorized'));
    expect(m.signalStatus).toBe('unauthorized');
    for (let i = 0; i < 5; i++) {
      expect(t.isFlagActive('u')).toBe(true);
      // Emits stay counters: 10 000 of them between two flushes cost one counter.
      for (let j = 0; j < 10_000; j++) t.emitSuccess();
      await m.flush();
    }
    expect(codes.filter((c) => c === 'redis_unauthorized')).toHaveLength(1);
    expect(events.map((e) => [e.service, e.error.code])).toEqual([['redis', 'redis_unauthorized']]);
    expect(m.stats()).toMatchObject({
      status: 'ready',
      signalStatus: 'unauthorized',
      signalsWritten: 0,
      signalsDropped: 50_000,
    });
  });

  it('reports WRONGPASS, NOPERM and a key revoked while running in signalStatus and one event each, and recovers', async () => {
    const manage = (sdkKey: string, appId: string) => {
      const m = new FlagManager({
        sdkKey,
        redis: server.url,
        redisPrefix: server.prefix,
        rulesetSource: new InMemoryRulesetSource([testFlagRule({ appId, flagKey: 'a' })]),
      });
      closers.push(() => m.close());
      const events: UnauthorizedEvent[] = [];
      m.on('error', () => undefined);
      m.on('unauthorized', (e) => events.push(e));
      return { m, events, t: m.newToggler('a') };
    };
    // WRONGPASS: the key's user exists, the secret is not its password.
    const good = await mintKey('app-w');
    const parsed = parseSdkKey(good.key);
    if (!parsed.ok) throw new Error('bad key');
    const wrong = manage(encodeSdkKey({ ...parsed.value, secret: 'SUNOTTHEPASSWORD' }), 'app-w');
    await wrong.m.initialize();
    await eventually(() => wrong.m.signalStatus === 'unauthorized', 10_000);
    expect(String(wrong.events[0]?.error.cause)).toMatch(/WRONGPASS/);
    // NOPERM: a user of app B's signal keys inside a key for app N.
    const keyId = String(nextKeyId++);
    const secret = `SU${randomBytes(24).toString('hex').toUpperCase()}`;
    const redisUser = sdkRedisUser(server.prefix, keyId);
    await acl.grant({ redisUser, appId: 'app-b', secretSha256: sdkSecretSha256(secret) });
    const noperm = manage(
      encodeSdkKey({ appId: 'app-n', keyId, natsJwt: 'x', secret, redisUser }),
      'app-n',
    );
    await noperm.m.initialize();
    await eventually(async () => {
      noperm.t.emitSuccess();
      await noperm.m.flush();
      return noperm.m.signalStatus === 'unauthorized';
    }, 10_000);
    expect(String(noperm.events[0]?.error.cause)).toMatch(/NOPERM/);
    // Revoked while running: Redis closes the connection, the sign-in is refused.
    const live = manage(good.key, 'app-w');
    await live.m.initialize();
    await eventually(async () => {
      live.t.emitSuccess();
      await live.m.flush();
      return live.m.stats().signalsWritten > 0;
    }, 10_000);
    expect(live.m.signalStatus).toBe('ok');
    await acl.revoke(good.redisUser);
    await eventually(() => live.m.signalStatus === 'unauthorized', 10_000, 1);
    for (const x of [wrong, noperm, live]) {
      expect(x.events.map((e) => e.service)).toEqual(['redis']);
      expect(x.m.status).toBe('ready');
      expect(x.t.isFlagActive('u')).toBe(true);
    }
    // Tower grants the user again (a Redis restart, then its sync): signals flow, status ok.
    await acl.grant({
      redisUser: good.redisUser,
      appId: 'app-w',
      secretSha256: sdkSecretSha256(parsed.value.secret),
    });
    const written = live.m.stats().signalsWritten;
    await eventually(async () => {
      live.t.emitSuccess();
      await live.m.flush();
      return live.m.stats().signalsWritten > written;
    }, 10_000);
    expect(live.m.signalStatus).toBe('ok');
    expect(live.events).toHaveLength(1);
  });

  it('signs in again once Tower re-creates the user (Redis restarted, key still live)', async () => {
    const { key } = await mintKey('app-b2');
    const { w, errors } = writer(key);
    await writeWhenReady(w, batch('app-b2'));
    const creds = parseSdkKey(key);
    if (!creds.ok) throw new Error('bad key');
    // Redis forgets the user (as after a restart), then Tower's sync grants it again.
    await acl.revoke(creds.value.redisUser);
    await eventually(() => errors.some((e) => e.code === 'redis_unauthorized'));
    await acl.grant({
      redisUser: creds.value.redisUser,
      appId: 'app-b2',
      secretSha256: sdkSecretSha256(creds.value.secret),
    });
    await writeWhenReady(w, batch('app-b2'));
    expect((await airbag.hGetAll(bucket('app-b2')))[signalField('checkout', 'success')]).toBe('4');
  });
});
