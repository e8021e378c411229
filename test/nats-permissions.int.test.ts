/**
 * The platform on a NATS in operator/JWT mode, configured exactly as `cli.js nats-init` generates
 * it (ADR 0007): the walking skeleton with Tower, Airbag and the SDK each on its own credential,
 * and SDK keys minted and revoked through Tower's API. (server-kit's nats-auth.int.test.ts tries
 * every forbidden action of every credential.)
 */
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Kvm } from '@nats-io/kv';
import {
  connect,
  credsAuthenticator,
  jwtAuthenticator,
  type NatsConnection,
} from '@nats-io/transport-node';
import {
  appKvFilter,
  feedSubject,
  flagKvKey,
  SocketEvent,
  parseSdkKey,
  sdkInboxPrefix,
  type AppDto,
  type CreatedSdkKeyDto,
} from '@tailslide/contracts';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  deleteKeysWithPrefix,
  eventually,
  privateAuthNatsServer,
  services,
  signInAdmin,
  uniqueName,
  TEST_ADMIN,
  type AdminCredentials,
  type AuthNatsServer,
  type TestDatabase,
} from '@tailslide/test-support';
import { FlagManager } from '../sdk-node/src/index.js';
import { InMemorySignalWriter } from '../sdk-node/src/testing.js';
import { startTower, type RunningTower } from '../tower-server/src/server.js';
import { runWalkingSkeleton, type SkeletonRun } from './skeleton.js';

let nats: AuthNatsServer;
let db: TestDatabase;
let tower: RunningTower;
let admin: AdminCredentials;
let redis: ReturnType<typeof createClient>;
const redisPrefix = uniqueName('natsperm');
const open: NatsConnection[] = [];
const managers: FlagManager[] = [];

function asService(credsFile: string): Promise<NatsConnection> {
  return connect({
    servers: nats.url,
    authenticator: credsAuthenticator(readFileSync(credsFile)),
  }).then((nc) => {
    open.push(nc);
    return nc;
  });
}

beforeAll(async () => {
  const suffix = uniqueName('p');
  nats = await privateAuthNatsServer({
    flagsBucket: `flags_${suffix}`,
    airbagBucket: `airbag_${suffix}`,
    circuitStream: `CIRCUITS_${suffix}`,
    circuitSubjectRoot: `test.${suffix}.circuit`,
  });
  await nats.start();
  db = await createTestDatabase('natsperm');
  redis = createClient({ url: services.redisUrl });
  await redis.connect();
  tower = await startTower({
    databaseUrl: db.url,
    natsUrl: nats.url,
    natsKeysDir: nats.keysDir,
    flagsBucket: nats.names.flagsBucket,
    circuitStream: nats.names.circuitStream,
    circuitSubjectRoot: nats.names.circuitSubjectRoot,
    redisUrl: services.redisUrl,
    redisPrefix,
    port: 0,
    logLevel: 'warn',
    admin: TEST_ADMIN,
  });
  admin = await signInAdmin(tower.url);
}, 30_000);

afterAll(async () => {
  for (const m of managers) await m.close();
  for (const nc of open) await nc.close().catch(() => undefined);
  await tower?.close();
  if (redis) {
    await deleteKeysWithPrefix(redis, redisPrefix);
    const users = await redis.sendCommand<string[]>(['ACL', 'USERS']);
    for (const u of users.filter((x) => x.startsWith(`${redisPrefix}-sdk-`)))
      await redis.sendCommand(['ACL', 'DELUSER', u]);
    await redis.quit();
  }
  await db?.drop();
  await nats?.dispose();
});

async function appWithFlag(title: string): Promise<AppDto> {
  const app = await admin.request<AppDto>('POST', '/api/apps', { title });
  await admin.request('POST', `/api/apps/${app.id}/flags`, {
    key: 'checkout',
    title: 'Checkout',
    active: true,
  });
  return app;
}

function newKey(appId: string): Promise<CreatedSdkKeyDto> {
  return admin.request<CreatedSdkKeyDto>('POST', '/api/sdk-keys', { name: 'svc', appId });
}

function sdk(key: string): FlagManager {
  const m = new FlagManager({
    sdkKey: key,
    nats: nats.url,
    flagsBucket: nats.names.flagsBucket,
    signalWriter: new InMemorySignalWriter(),
    retryDelayMs: 200,
    logger: { warn: () => undefined, error: () => undefined },
  });
  managers.push(m);
  return m;
}

describe('the platform on NATS in operator/JWT mode', () => {
  it('runs the walking skeleton with Tower, Airbag and the SDK each on its own credential', async () => {
    const run: SkeletonRun = { manager: undefined, airbag: undefined };
    // Tower may share dashboard events with other Towers on its feed subject (and hear theirs).
    const feed = (await asService(nats.towerCredsFile)).subscribe(
      feedSubject(nats.names.flagsBucket),
      { max: 1 },
    );
    try {
      await runWalkingSkeleton(
        {
          towerUrl: tower.url,
          airbagNats: await asService(nats.airbagCredsFile),
          sdkNatsUrl: nats.url,
          redis,
          redisUrl: services.redisUrl,
          flagsBucket: nats.names.flagsBucket,
          airbagBucket: nats.names.airbagBucket,
          circuitStream: nats.names.circuitStream,
          circuitSubjectRoot: nats.names.circuitSubjectRoot,
          redisPrefix,
        },
        run,
      );
      for await (const m of feed)
        expect(Object.values(SocketEvent)).toContain(m.json<{ event: string }>().event);
    } finally {
      await run.manager?.close();
      await run.airbag?.close();
    }
  });

  it("lets a key from Tower read its own app and refuses it another app's keys and writes", async () => {
    const app = await appWithFlag('Keyed');
    const other = await appWithFlag('Other');
    const key = await newKey(app.id);
    expect(await sdk(key.key).initialize()).toEqual({ status: 'ready', flags: 1 });
    const parsed = parseSdkKey(key.key);
    if (!parsed.ok) throw new Error(parsed.error.message);
    const nc = await connect({
      servers: nats.url,
      authenticator: jwtAuthenticator(
        parsed.value.natsJwt,
        new TextEncoder().encode(parsed.value.secret),
      ),
      inboxPrefix: sdkInboxPrefix(parsed.value.keyId),
    });
    open.push(nc);
    const kv = await new Kvm(nc).open(nats.names.flagsBucket);
    await expect(kv.watch({ key: appKvFilter(other.id) })).rejects.toThrow(/permission/i);
    await expect(kv.put(flagKvKey(app.id, 'checkout'), '{}')).rejects.toThrow(/permission/i);
  });

  it('cuts a key revoked in Tower off within 10 s while another key of the app keeps working', async () => {
    const app = await appWithFlag('Revoked');
    const doomed = await newKey(app.id);
    const kept = await newKey(app.id);
    const a = sdk(doomed.key);
    const b = sdk(kept.key);
    expect((await a.initialize()).status).toBe('ready');
    expect((await b.initialize()).status).toBe('ready');
    const started = performance.now();
    await admin.request('DELETE', `/api/sdk-keys/${doomed.id}`);
    await eventually(() => a.status === 'unauthorized', 10_000);
    const elapsed = performance.now() - started;
    console.log(
      `revoked through Tower's API: the SDK reported unauthorized after ${elapsed.toFixed(0)} ms`,
    );
    expect(elapsed).toBeLessThan(10_000);
    expect(a.newToggler({ flagName: 'checkout' }).isFlagActive('u')).toBe(true);
    await admin.request('POST', `/api/apps/${app.id}/flags/checkout/toggle`, { active: false });
    await eventually(() => !b.newToggler({ flagName: 'checkout' }).isFlagActive('u'));
    expect(b.status).toBe('ready');
  });

  it('keeps every revocation when two keys are revoked at the same time', async () => {
    const app = await appWithFlag('Twice');
    const k1 = await newKey(app.id);
    const k2 = await newKey(app.id);
    const [m1, m2] = [sdk(k1.key), sdk(k2.key)];
    await m1.initialize();
    await m2.initialize();
    await Promise.all([
      admin.request('DELETE', `/api/sdk-keys/${k1.id}`),
      admin.request('DELETE', `/api/sdk-keys/${k2.id}`),
    ]);
    await eventually(() => m1.status === 'unauthorized' && m2.status === 'unauthorized', 10_000);
  });

  it('keeps a revoked key refused when NATS restarts, even one that lost its stored JWTs', async () => {
    const app = await appWithFlag('Restart');
    const key = await newKey(app.id);
    await admin.request('DELETE', `/api/sdk-keys/${key.id}`);
    // The server keeps the account JWT it was pushed (the full resolver's directory). Wipe that
    // too: the server starts from the generated preload, which revokes nothing, until Tower
    // pushes Postgres's revocations again after its reconnect.
    await nats.stop();
    rmSync(join(dirname(nats.keysDir), 'jwt'), { recursive: true, force: true });
    await nats.start();
    const m = sdk(key.key);
    void m.initialize();
    await eventually(() => m.status === 'unauthorized', 10_000);
  });
});
