/**
 * The SDK with a real SDK key on a nats-server started with the project's generated operator/JWT
 * configuration (what `cli.js nats-init` writes): the key reads its own app and nothing else, a
 * revoked or made-up key is reported (`unauthorized`) while the last known rules keep serving.
 */
import { createAccount, createUser, encodeUser } from '@nats-io/jwt';
import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { connect, credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import { readFileSync } from 'node:fs';
import { encodeFlagRule, encodeSdkKey, flagKvKey, sdkRedisUser } from '@tailslide/contracts';
import {
  accountSignerOf,
  credsFile,
  mintUser,
  publicKeyOf,
  sdkPermissions,
  pushAccountJwt,
  tailslideAccountJwt,
  type NatsRevocation,
} from '@tailslide/server-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  privateAuthNatsServer,
  uniqueName,
  type AuthNatsServer,
} from '@tailslide/test-support';
import { TailslideErrorCode, type TailslideError } from './errors.js';
import { FlagManager } from './flag-manager.js';
import { InMemorySignalWriter, testFlagRule } from './testing.js';

let server: AuthNatsServer;
let tower: NatsConnection;
let kv: KV;
let nextKey = 1;
const revoked: NatsRevocation[] = [];

async function mintKey(appId: string): Promise<{ key: string; publicKey: string }> {
  const keyId = String(nextKey++);
  const user = await server.sdkUser(appId, keyId);
  const key = encodeSdkKey({
    appId,
    keyId,
    natsJwt: user.jwt,
    secret: user.seed,
    redisUser: sdkRedisUser('tailslide', keyId),
  });
  return { key, publicKey: user.publicKey };
}

function manager(
  sdkKey: string,
  extra: Partial<ConstructorParameters<typeof FlagManager>[0]> = {},
) {
  return new FlagManager({
    sdkKey,
    nats: server.url,
    signalWriter: new InMemorySignalWriter(),
    retryDelayMs: 200,
    logger: { warn: () => undefined, error: () => undefined },
    ...extra,
  });
}

async function putFlag(appId: string, flagKey: string, active = true, version = 1): Promise<void> {
  await kv.put(
    flagKvKey(appId, flagKey),
    encodeFlagRule(testFlagRule({ appId, flagKey, active, version })),
  );
}

beforeAll(async () => {
  server = await privateAuthNatsServer();
  await server.start();
  tower = await connect({
    servers: server.url,
    authenticator: credsAuthenticator(readFileSync(server.towerCredsFile)),
  });
  kv = await new Kvm(tower).create(server.names.flagsBucket, { history: 1 });
});

afterAll(async () => {
  await tower?.close();
  await server?.dispose();
});

describe('FlagManager with an SDK key (NATS operator/JWT mode)', () => {
  it("takes the app from the key and follows that app's rules", async () => {
    const app = uniqueName('app');
    const other = uniqueName('other');
    await putFlag(app, 'f');
    await putFlag(other, 'secret');
    const m = manager((await mintKey(app)).key);
    const errors: TailslideError[] = [];
    m.on('error', (e) => errors.push(e));
    try {
      expect(m.appId).toBe(app);
      expect(await m.initialize()).toEqual({ status: 'ready', flags: 1 });
      const t = m.newToggler({ flagName: 'f' });
      expect(t.isFlagActive('u')).toBe(true);
      await putFlag(app, 'f', false, 2);
      await eventually(() => !t.isFlagActive('u'));
      expect(errors).toEqual([]);
    } finally {
      await m.close();
    }
  });

  it('refuses a key with another appId, an old-format key and a damaged key (invalid_config)', async () => {
    const { key } = await mintKey('app-a');
    expect(() => manager(key, { appId: 'app-b' })).toThrow(/differs from the sdkKey's app/);
    expect(() => manager(key, { appId: 'app-a' })).not.toThrow();
    expect(() => manager(`tsk_${'x'.repeat(43)}`)).toThrow(/create a new key/);
    expect(() => manager(key.slice(0, -20) + '!')).toThrow(/sdkKey/);
  });

  it('reports a revoked key within 10 s as unauthorized and keeps serving its last rules', async () => {
    const app = uniqueName('app');
    await putFlag(app, 'f');
    const a = await mintKey(app);
    const b = await mintKey(app);
    const revokedManager = manager(a.key);
    const otherManager = manager(b.key);
    const events: string[] = [];
    revokedManager.on('unauthorized', (e) => events.push(e.error.code));
    const sys = await connect({
      servers: server.url,
      authenticator: credsAuthenticator(new TextEncoder().encode(credsFile(server.system))),
    });
    try {
      expect((await revokedManager.initialize()).status).toBe('ready');
      expect((await otherManager.initialize()).status).toBe('ready');
      const started = performance.now();
      revoked.push({ publicKey: a.publicKey, revokedAtSeconds: Math.ceil(Date.now() / 1000) });
      await pushAccountJwt(sys, await tailslideAccountJwt(accountSignerOf(server.seeds), revoked));
      await eventually(() => revokedManager.status === 'unauthorized', 10_000);
      const elapsed = performance.now() - started;
      console.log(`revoked SDK key reported unauthorized after ${elapsed.toFixed(0)} ms`);
      expect(elapsed).toBeLessThan(10_000);
      expect(events).toEqual([TailslideErrorCode.unauthorized]);
      expect(revokedManager.newToggler({ flagName: 'f' }).isFlagActive('u')).toBe(true);
      // The other key of the same app keeps following updates.
      await putFlag(app, 'f', false, 2);
      const t = otherManager.newToggler({ flagName: 'f' });
      await eventually(() => !t.isFlagActive('u'));
      expect(otherManager.status).toBe('ready');
    } finally {
      await sys.close();
      await revokedManager.close();
      await otherManager.close();
    }
  });

  it('keeps one watch with a key minted before keys could probe their consumer', async () => {
    // Keys minted before the watch probe lack `$JS.API.CONSUMER.INFO`: NATS refuses the probe,
    // and the SDK must stop probing rather than count refusals as a lost consumer and re-watch
    // every few seconds.
    const app = uniqueName('app');
    await putFlag(app, 'f');
    const keyId = String(nextKey++);
    const perms = sdkPermissions(server.names, app, keyId);
    const old = {
      ...perms,
      pub: { allow: perms.pub?.allow?.filter((p) => !p.includes('CONSUMER.INFO')) ?? [] },
    };
    const user = await mintUser(
      publicKeyOf(server.seeds.account),
      server.seeds.accountSigning,
      `sdk-${keyId}`,
      old,
    );
    const key = encodeSdkKey({
      appId: app,
      keyId,
      natsJwt: user.jwt,
      secret: user.seed,
      redisUser: sdkRedisUser('tailslide', keyId),
    });
    const m = manager(key, { watchCheckMs: 100 });
    let resyncs = 0;
    m.on('ready', () => resyncs++);
    try {
      expect((await m.initialize()).status).toBe('ready');
      const jsm = await jetstreamManager(tower);
      const consumerNames = async () =>
        (await jsm.consumers.list(`KV_${server.names.flagsBucket}`).next())
          .filter((c) => c.config.filter_subject?.includes(app))
          .map((c) => c.name);
      const before = await consumerNames();
      expect(before).toHaveLength(1);
      // Ten probe intervals, then one more than two failed probes would take (5 s each).
      await new Promise((r) => setTimeout(r, 11_000));
      expect(await consumerNames()).toEqual(before);
      expect(resyncs).toBe(1);
      expect(m.status).toBe('ready');
      await putFlag(app, 'f', false, 2);
      await eventually(() => !m.newToggler({ flagName: 'f' }).isFlagActive('u'));
    } finally {
      await m.close();
    }
  }, 30_000);

  it('reports a made-up key (a user of an account this server does not know) as unauthorized', async () => {
    const rogue = createUser();
    const jwt = await encodeUser('rogue', rogue, createAccount(), { sub: { allow: ['>'] } });
    const key = encodeSdkKey({
      appId: 'app',
      keyId: '999',
      natsJwt: jwt,
      secret: new TextDecoder().decode(rogue.getSeed()),
      redisUser: 'tailslide-sdk-999',
    });
    const m = manager(key, { initTimeoutMs: 3_000 });
    const seen: string[] = [];
    m.on('unauthorized', (e) => seen.push(e.error.code));
    try {
      expect((await m.initialize()).status).toBe('unauthorized');
      expect(seen).toEqual([TailslideErrorCode.unauthorized]);
      expect(m.newToggler({ flagName: 'f', defaultValue: true }).isFlagActive('u')).toBe(true);
    } finally {
      await m.close();
    }
  });
});
