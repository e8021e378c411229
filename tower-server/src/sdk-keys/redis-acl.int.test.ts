import { createHash, randomBytes } from 'node:crypto';
import {
  sdkRedisUser,
  serviceRedisUser,
  signalBucketKey,
  signalWakeChannel,
  signalWakeChannelPattern,
  type RedisService,
} from '@tailslide/contracts';
import { createRedis, type RedisClient } from '@tailslide/server-kit';
import {
  deleteRedisUsersWithPrefix,
  eventually,
  privateSecuredRedisServer,
  type SecuredRedisServer,
} from '@tailslide/test-support';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keepSdkAclInSync, RedisSdkAcl, type SdkRedisGrant } from './redis-acl.js';

// Redis started with the shipped ACL (redis/tailslide-redis.sh): each credential tries what it
// must not do and is refused; Tower's RedisSdkAcl creates, revokes and re-creates SDK users.

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

let server: SecuredRedisServer;
let tower: RedisClient;
let acl: RedisSdkAcl;
const opened: { destroy(): void; isOpen: boolean }[] = [];

async function connectAs(username?: string, password?: string) {
  const client = createClient({
    url: server.url,
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
    disableClientInfo: true,
    disableOfflineQueue: true,
    socket: { reconnectStrategy: false },
  });
  client.on('error', () => undefined);
  opened.push(client);
  await client.connect();
  return client;
}

async function service(name: RedisService) {
  const password = name === 'tower' ? server.towerPassword : server.airbagPassword;
  return connectAs(serviceRedisUser(server.prefix, name), password);
}

function sdkKey(appId: string): SdkRedisGrant & { secret: string } {
  const secret = randomBytes(24).toString('base64url');
  const keyId = String(Math.floor(Math.random() * 1e9));
  return {
    redisUser: sdkRedisUser(server.prefix, keyId),
    appId,
    secretSha256: sha256(secret),
    secret,
  };
}

/** The error message of `p`, or `'ok'` when it resolves. */
async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

const sigKey = (appId: string) => signalBucketKey(server.prefix, appId, 1000, 5000);

beforeAll(async () => {
  server = await privateSecuredRedisServer();
  await server.start();
  tower = createRedis(server.url, () => undefined, {
    username: serviceRedisUser(server.prefix, 'tower'),
    password: server.towerPassword,
  });
  await tower.connect();
  acl = new RedisSdkAcl(tower, { prefix: server.prefix });
});

afterAll(async () => {
  for (const c of opened) if (c.isOpen) c.destroy();
  if (tower.isOpen) tower.destroy();
  await server.dispose();
});

describe('SDK key users (RedisSdkAcl.grant)', () => {
  it("lets key A write its app's signal buckets the way the SDK writer does", async () => {
    const a = sdkKey('app-a');
    await acl.grant(a);
    const sdk = await connectAs(a.redisUser, a.secret);
    const replies = await sdk
      .multi()
      .hIncrBy(sigKey('app-a'), 'checkout:s', 3)
      .hIncrBy(sigKey('app-a'), 'checkout:f', 1)
      .pExpire(sigKey('app-a'), 60_000)
      .execAsPipeline();
    expect(replies).toEqual([3, 1, 1]);
  });

  it("lets key A publish its own app's wake channel and nobody else's", async () => {
    const a = sdkKey('app-a');
    await acl.grant(a);
    const sdk = await connectAs(a.redisUser, a.secret);
    // The writer's early flush: counts and the wake-up in one pipeline (0 subscribers here).
    const replies = await sdk
      .multi()
      .hIncrBy(sigKey('app-a'), 'wake-test:f', 5)
      .pExpire(sigKey('app-a'), 60_000)
      .publish(signalWakeChannel(server.prefix, 'app-a'), '1')
      .execAsPipeline();
    expect(replies).toEqual([5, 1, 0]);
    const refused = {
      wakeAppB: await outcome(sdk.publish(signalWakeChannel(server.prefix, 'app-b'), '1')),
      wakeAppAPrefixed: await outcome(
        sdk.publish(signalWakeChannel(server.prefix, 'app-a-other'), '1'),
      ),
      wakePattern: await outcome(sdk.publish(signalWakeChannelPattern(server.prefix), '1')),
      otherChannel: await outcome(sdk.publish(`${server.prefix}:other`, '1')),
      subscribeOwn: await outcome(
        sdk.sendCommand(['SUBSCRIBE', signalWakeChannel(server.prefix, 'app-a')]),
      ),
    };
    for (const [action, message] of Object.entries(refused)) {
      expect(message, action).toMatch(/^NOPERM/);
    }
  });

  it('refuses key A everything else: app B, reads, other commands, other keys', async () => {
    const a = sdkKey('app-a');
    await acl.grant(a);
    const sdk = await connectAs(a.redisUser, a.secret);
    const own = sigKey('app-a');
    const refused = {
      writeAppB: await outcome(sdk.hIncrBy(sigKey('app-b'), 'checkout:s', 1)),
      expireAppB: await outcome(sdk.pExpire(sigKey('app-b'), 1)),
      // An app id that starts like A's must not match A's pattern.
      writeAppAPrefixed: await outcome(sdk.hIncrBy(sigKey('app-a-other'), 'x:s', 1)),
      readOwn: await outcome(sdk.hGetAll(own)),
      hgetOwn: await outcome(sdk.hGet(own, 'checkout:s')),
      getOwn: await outcome(sdk.get(own)),
      setOwn: await outcome(sdk.set(own, 'x')),
      delOwn: await outcome(sdk.del(own)),
      hsetOwn: await outcome(sdk.hSet(own, 'checkout:s', '999999')),
      setOther: await outcome(sdk.set(`${server.prefix}:other`, 'x')),
      delOther: await outcome(sdk.del(`${server.prefix}:other`)),
      flushall: await outcome(sdk.flushAll()),
      keys: await outcome(sdk.keys('*')),
      scan: await outcome(sdk.scan('0')),
      config: await outcome(sdk.configGet('*')),
      acl: await outcome(sdk.sendCommand(['ACL', 'LIST'])),
      aclSetuser: await outcome(sdk.sendCommand(['ACL', 'SETUSER', a.redisUser, '+@all'])),
      eval: await outcome(sdk.eval("return redis.call('DEL', KEYS[1])", { keys: [own] })),
      publish: await outcome(sdk.publish('x', 'y')),
      clientList: await outcome(sdk.sendCommand(['CLIENT', 'LIST'])),
    };
    for (const [action, message] of Object.entries(refused)) {
      expect(message, action).toMatch(/^NOPERM/);
    }
  });

  it('refuses a made-up user, a wrong password and no credentials at all', async () => {
    const a = sdkKey('app-a');
    await acl.grant(a);
    expect(await outcome(connectAs('tailslide-sdk-999999', 'made-up'))).toMatch(/WRONGPASS/);
    expect(await outcome(connectAs(a.redisUser, 'not-the-secret'))).toMatch(/WRONGPASS/);
    // The default user is off: a connection without credentials is refused at its HELLO, and a
    // RESP2 client (no HELLO) may connect but run nothing.
    expect(await outcome(connectAs())).toMatch(/NOAUTH/);
    const anonymous = createClient({ url: server.url, RESP: 2, disableClientInfo: true });
    anonymous.on('error', () => undefined);
    opened.push(anonymous);
    await anonymous.connect();
    expect(await outcome(anonymous.ping())).toMatch(/NOAUTH/);
    expect(await outcome(anonymous.hIncrBy(sigKey('app-a'), 'x:s', 1))).toMatch(/NOAUTH/);
    expect(await outcome(anonymous.hGetAll(sigKey('app-a')))).toMatch(/NOAUTH/);
    expect(await outcome(connectAs('default', 'anything'))).toMatch(/WRONGPASS/);
  });

  it('cuts a revoked key off at once — its open connection too — and leaves key B working', async () => {
    const a = sdkKey('app-a');
    const b = sdkKey('app-b');
    await acl.grant(a);
    await acl.grant(b);
    const sdkA = await connectAs(a.redisUser, a.secret);
    const sdkB = await connectAs(b.redisUser, b.secret);
    await sdkA.hIncrBy(sigKey('app-a'), 'f:s', 1);
    const t0 = Date.now();
    await acl.revoke(a.redisUser);
    await eventually(() => !sdkA.isReady, 10_000, 1);
    const cutAfterMs = Date.now() - t0;
    expect(cutAfterMs).toBeLessThan(10_000);
    console.info(`revoked SDK key's Redis connection closed ${cutAfterMs} ms after revoke()`);
    expect(await outcome(connectAs(a.redisUser, a.secret))).toMatch(/WRONGPASS/);
    expect(await sdkB.hIncrBy(sigKey('app-b'), 'f:s', 1)).toBe(1);
    // Revoking again (a retry) is harmless.
    await acl.revoke(a.redisUser);
  });

  it('refuses to grant a user outside its prefix or with a bad hash', async () => {
    const a = sdkKey('app-a');
    await expect(acl.grant({ ...a, redisUser: 'other-sdk-1' })).rejects.toThrow(/not an SDK/);
    await expect(
      acl.grant({ ...a, redisUser: serviceRedisUser(server.prefix, 'tower') }),
    ).rejects.toThrow(/not an SDK/);
    await expect(acl.grant({ ...a, appId: 'a*' })).rejects.toThrow(/invalid app id/);
    await expect(acl.grant({ ...a, secretSha256: 'abc' })).rejects.toThrow(/hex/);
    await expect(acl.revoke(serviceRedisUser(server.prefix, 'airbag'))).rejects.toThrow(
      /not an SDK/,
    );
  });
});

describe('service users', () => {
  it('lets Airbag read signal buckets (HGETALL and its read-only script) and nothing else', async () => {
    const airbag = await service('airbag');
    const key = sigKey('app-r');
    const a = sdkKey('app-r');
    await acl.grant(a);
    await (await connectAs(a.redisUser, a.secret)).hIncrBy(key, 'x:s', 2);
    expect(await airbag.hGetAll(key)).toEqual({ 'x:s': '2' });
    const script =
      "#!lua flags=no-writes\nlocal t = redis.call('HGETALL', KEYS[1]) return { #t, table.concat(t, '\\n') }";
    expect(await airbag.sendCommand(['EVAL', script, '1', key])).toEqual([2, 'x:s\n2']);
    const refused = {
      hincrby: await outcome(airbag.hIncrBy(key, 'x:s', 1)),
      hset: await outcome(airbag.hSet(key, 'x:f', '1')),
      del: await outcome(airbag.del(key)),
      pexpire: await outcome(airbag.pExpire(key, 1)),
      set: await outcome(airbag.set(`${server.prefix}:other`, 'x')),
      readOther: await outcome(airbag.hGetAll(`${server.prefix}:other`)),
      flushall: await outcome(airbag.flushAll()),
      keys: await outcome(airbag.keys('*')),
      config: await outcome(airbag.configGet('*')),
      acl: await outcome(airbag.sendCommand(['ACL', 'SETUSER', 'x', 'on'])),
      publishWake: await outcome(airbag.publish(signalWakeChannel(server.prefix, 'app-r'), '1')),
      subscribeOther: await outcome(airbag.sendCommand(['PSUBSCRIBE', `${server.prefix}:*`])),
    };
    for (const [action, message] of Object.entries(refused)) {
      expect(message, action).toMatch(/^NOPERM/);
    }
    // A script may only run what the user may run: no write through EVAL.
    expect(
      await outcome(
        airbag.eval("return redis.call('HINCRBY', KEYS[1], 'x:s', 1)", { keys: [key] }),
      ),
    ).toMatch(/can't run this command/);
    expect(
      await outcome(airbag.eval("return redis.call('DEL', KEYS[1])", { keys: [key] })),
    ).toMatch(/can't run this command/);
    expect(await airbag.hGetAll(key)).toEqual({ 'x:s': '2' });
    // It hears every app's wake-ups (ADR 0003), which SDK keys publish.
    const subscriber = await service('airbag');
    const heard: string[] = [];
    await subscriber.pSubscribe(signalWakeChannelPattern(server.prefix), (_m, channel) => {
      heard.push(channel);
    });
    const sdk = await connectAs(a.redisUser, a.secret);
    expect(await sdk.publish(signalWakeChannel(server.prefix, 'app-r'), '1')).toBe(1);
    await eventually(() => heard.length > 0, 10_000, 5);
    expect(heard).toEqual([signalWakeChannel(server.prefix, 'app-r')]);
  });

  it('lets Tower read signal buckets for the charts and manage SDK users, nothing else', async () => {
    const key = sigKey('app-t');
    expect(await tower.hmGet(key, ['x:s'])).toEqual([null]);
    const refused = {
      hincrby: await outcome(tower.hIncrBy(key, 'x:s', 1)),
      del: await outcome(tower.del(key)),
      hgetall: await outcome(tower.hGetAll(key)),
      readOther: await outcome(tower.hmGet(`${server.prefix}:other`, ['x'])),
      set: await outcome(tower.set(`${server.prefix}:other`, 'x')),
      flushall: await outcome(tower.flushAll()),
      keys: await outcome(tower.keys('*')),
      config: await outcome(tower.configGet('*')),
      aclList: await outcome(tower.sendCommand(['ACL', 'LIST'])),
      aclGetuser: await outcome(tower.sendCommand(['ACL', 'GETUSER', 'default'])),
      eval: await outcome(tower.eval('return 1', { keys: [key] })),
      clientList: await outcome(tower.sendCommand(['CLIENT', 'LIST'])),
      shutdown: await outcome(tower.sendCommand(['SHUTDOWN', 'NOSAVE'])),
    };
    for (const [action, message] of Object.entries(refused)) {
      expect(message, action).toMatch(/^NOPERM/);
    }
  });
});

describe('RedisSdkAcl.sync', () => {
  it("keeps exactly the live keys of its prefix and leaves other platforms' users alone", async () => {
    const live = sdkKey('app-s');
    const stale = sdkKey('app-s');
    await acl.grant(stale);
    const staleConn = await connectAs(stale.redisUser, stale.secret);
    const otherPlatform = `${server.prefix}x-sdk-5`;
    await tower.sendCommand(['ACL', 'SETUSER', otherPlatform, 'on', `#${sha256('p')}`]);
    await acl.sync([live]);
    const users = await acl.sdkUsers();
    expect(users).toContain(live.redisUser);
    expect(users).not.toContain(stale.redisUser);
    expect(await tower.sendCommand(['ACL', 'USERS'])).toContain(otherPlatform);
    await eventually(() => !staleConn.isOpen);
    await (await connectAs(live.redisUser, live.secret)).hIncrBy(sigKey('app-s'), 'x:s', 1);
    await deleteRedisUsersWithPrefix(tower, `${server.prefix}x`);
    expect(await tower.sendCommand(['ACL', 'USERS'])).not.toContain(otherPlatform);
    expect(await acl.sdkUsers()).toContain(live.redisUser);
  });

  it('re-creates every SDK user after a redis-server restart (keepSdkAclInSync)', async () => {
    const restartServer = await privateSecuredRedisServer();
    await restartServer.start();
    const client = createRedis(restartServer.url, () => undefined, {
      username: serviceRedisUser(restartServer.prefix, 'tower'),
      password: restartServer.towerPassword,
    });
    try {
      await client.connect();
      const restartAcl = new RedisSdkAcl(client, { prefix: restartServer.prefix });
      const secret = randomBytes(16).toString('hex');
      const grant: SdkRedisGrant = {
        redisUser: sdkRedisUser(restartServer.prefix, '42'),
        appId: 'app-r',
        secretSha256: sha256(secret),
      };
      let loads = 0;
      const stop = keepSdkAclInSync(
        client,
        restartAcl,
        () => {
          loads += 1;
          return Promise.resolve([grant]);
        },
        () => undefined,
      );
      await eventually(async () => (await restartAcl.sdkUsers()).includes(grant.redisUser));
      await restartServer.stop();
      await restartServer.start();
      // Reconnected to an empty Redis: the ready listener syncs the users back.
      await eventually(
        async () => client.isReady && (await restartAcl.sdkUsers()).includes(grant.redisUser),
        10_000,
      );
      expect(loads).toBeGreaterThanOrEqual(2);
      const sdk = createClient({
        url: restartServer.url,
        username: grant.redisUser,
        password: secret,
        disableClientInfo: true,
      });
      sdk.on('error', () => undefined);
      await sdk.connect();
      expect(
        await sdk.hIncrBy(signalBucketKey(restartServer.prefix, 'app-r', 1000, 0), 'x:s', 1),
      ).toBe(1);
      sdk.destroy();
      stop();
    } finally {
      client.destroy();
      await restartServer.dispose();
    }
  });
});
