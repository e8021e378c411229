import {
  parseSdkKey,
  serviceRedisUser,
  signalBucketKey,
  type AppDto,
  type CreatedSdkKeyDto,
} from '@tailslide/contracts';
import {
  eventually,
  privateSecuredRedisServer,
  type SecuredRedisServer,
} from '@tailslide/test-support';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTower, type TestTower } from '../../test/tower-fixture.js';

// Tower on a Redis with the shipped ACL, signed in as its own user: a key minted through the API
// may write its app's signals and nothing else, deleting it through the API cuts its open
// connection, and a Redis restart (which forgets every user) is repaired by Tower on reconnect.

let redis: SecuredRedisServer;
let t: TestTower;
const clients: { isOpen: boolean; destroy(): void }[] = [];

beforeAll(async () => {
  redis = await privateSecuredRedisServer();
  await redis.start();
  t = await startTestTower({
    redisUrl: redis.url,
    redisUser: serviceRedisUser(redis.prefix, 'tower'),
    redisPassword: redis.towerPassword,
    redisPrefix: redis.prefix,
  });
});

afterAll(async () => {
  for (const c of clients) if (c.isOpen) c.destroy();
  await t.close();
  await t.db.drop();
  await redis.dispose();
});

async function mint(title: string): Promise<{ appId: string; id: string; key: string }> {
  const app = (await t.api<AppDto>('POST', '/api/apps', { title })).body;
  const res = await t.api<CreatedSdkKeyDto>('POST', '/api/sdk-keys', {
    name: `${title} key`,
    appId: app.id,
  });
  expect(res.status).toBe(201);
  return { appId: app.id, id: res.body.id, key: res.body.key };
}

/** Signs in with the key's Redis credentials, as the SDK's writer does. */
async function signIn(key: string) {
  const creds = parseSdkKey(key);
  if (!creds.ok) throw new Error(creds.error.message);
  const client = createClient({
    url: redis.url,
    username: creds.value.redisUser,
    password: creds.value.secret,
    disableClientInfo: true,
    socket: { reconnectStrategy: false },
  });
  client.on('error', () => undefined);
  clients.push(client);
  await client.connect();
  return client;
}

async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

const sig = (appId: string) => signalBucketKey(redis.prefix, appId, 1000, 0);

describe('SDK keys minted by Tower, enforced by Redis', () => {
  it("lets a new key write its app's signals and refuses it another app's", async () => {
    const a = await mint('Redis A');
    const b = await mint('Redis B');
    const sdk = await eventually(() => signIn(a.key), 5_000);
    expect(await sdk.hIncrBy(sig(a.appId), 'f:s', 1)).toBe(1);
    expect(await outcome(sdk.hIncrBy(sig(b.appId), 'f:s', 1))).toMatch(/^NOPERM/);
    expect(await outcome(sdk.hGetAll(sig(a.appId)))).toMatch(/^NOPERM/);
  });

  it('cuts a key deleted through the API off at once; the app’s other key keeps writing', async () => {
    const a = await mint('Redis revoke');
    const other = await t.api<CreatedSdkKeyDto>('POST', '/api/sdk-keys', {
      name: 'second',
      appId: a.appId,
    });
    const doomed = await signIn(a.key);
    const kept = await signIn(other.body.key);
    await doomed.hIncrBy(sig(a.appId), 'f:s', 1);
    const t0 = Date.now();
    expect((await t.api('DELETE', `/api/sdk-keys/${a.id}`)).status).toBe(204);
    await eventually(() => !doomed.isReady, 10_000, 1);
    const cutMs = Date.now() - t0;
    expect(cutMs).toBeLessThan(10_000);
    console.info(
      `SDK key deleted through Tower's API: its Redis connection closed after ${cutMs} ms`,
    );
    expect(await outcome(signIn(a.key))).toMatch(/WRONGPASS/);
    expect(await kept.hIncrBy(sig(a.appId), 'f:s', 1)).toBe(2);
  });

  it('re-creates the live keys’ users after a Redis restart, and not the deleted ones', async () => {
    const live = await mint('Redis restart');
    const gone = await mint('Redis gone');
    expect((await t.api('DELETE', `/api/sdk-keys/${gone.id}`)).status).toBe(204);
    await redis.stop();
    await redis.start();
    // Tower reconnects and syncs; until then the key's sign-in is refused.
    const sdk = await eventually(() => signIn(live.key), 15_000, 50);
    expect(await sdk.hIncrBy(sig(live.appId), 'f:s', 1)).toBe(1);
    expect(await outcome(signIn(gone.key))).toMatch(/WRONGPASS/);
  });
});
