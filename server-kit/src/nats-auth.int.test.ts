/**
 * The project's NATS authorization, end to end on a real nats-server (2.9.10 here) started with
 * the configuration `nats-init` generates: each credential may do its job and nothing else.
 */
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { createAccount, createUser, encodeAccount, encodeUser } from '@nats-io/jwt';
import { Kvm, type KV, type KvWatchEntry } from '@nats-io/kv';
import {
  connect,
  jwtAuthenticator,
  type NatsConnection,
  type NodeConnectionOptions,
} from '@nats-io/transport-node';
import {
  appKvFilter,
  circuitEventSubject,
  circuitKvKey,
  flagKvKey,
  sdkInboxPrefix,
} from '@tailslide/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  privateAuthNatsServer,
  uniqueName,
  type AuthNatsServer,
} from '../../test-support/index.js';
import {
  accountSignerOf,
  pushAccountJwt,
  tailslideAccountJwt,
  type NatsUserCredentials,
} from './nats-auth.js';

let server: AuthNatsServer;
let tower: NatsConnection;
const open: NatsConnection[] = [];
const A = 'app-a';
const B = 'app-b';

function as(
  user: Pick<NatsUserCredentials, 'jwt' | 'seed'> | null,
  extra: Partial<NodeConnectionOptions> = {},
): Promise<NatsConnection> {
  return connect({
    servers: server.url,
    ...(user
      ? { authenticator: jwtAuthenticator(user.jwt, new TextEncoder().encode(user.seed)) }
      : {}),
    maxReconnectAttempts: 0,
    ...extra,
  }).then((nc) => {
    open.push(nc);
    return nc;
  });
}

async function sdk(
  appId: string,
  keyId: string,
): Promise<{ nc: NatsConnection; kv: KV; user: NatsUserCredentials }> {
  const user = await server.sdkUser(appId, keyId);
  const nc = await as(user, { inboxPrefix: sdkInboxPrefix(keyId) });
  const kv = await new Kvm(nc).open(server.names.flagsBucket);
  return { nc, kv, user };
}

async function firstKeys(kv: KV, filter: string, n: number): Promise<string[]> {
  const iter = await kv.watch({ key: filter });
  const keys: string[] = [];
  for await (const e of iter as AsyncIterable<KvWatchEntry>) {
    keys.push(e.key);
    if (keys.length >= n) break;
  }
  iter.stop();
  return keys.sort();
}

beforeAll(async () => {
  server = await privateAuthNatsServer({
    flagsBucket: uniqueName('flags'),
    airbagBucket: uniqueName('lease'),
  });
  await server.start();
  tower = await as(server.tower);
  const kv = await new Kvm(tower).create(server.names.flagsBucket, { history: 1 });
  await kv.put(flagKvKey(A, 'checkout'), '{"a":1}');
  await kv.put(circuitKvKey(A, 'checkout'), '{"state":"closed"}');
  await kv.put(flagKvKey(B, 'secret'), '{"b":1}');
});

afterAll(async () => {
  for (const nc of open) await nc.close().catch(() => undefined);
  await server.dispose();
});

describe('NATS authorization in operator/JWT mode', () => {
  it('lets an SDK key watch its own app (rules and circuit state)', async () => {
    const { kv } = await sdk(A, '101');
    expect(await firstKeys(kv, appKvFilter(A), 2)).toEqual([
      circuitKvKey(A, 'checkout'),
      flagKvKey(A, 'checkout'),
    ]);
  });

  it("refuses an SDK key a watch of another app's keys", async () => {
    const { kv } = await sdk(A, '102');
    await expect(kv.watch({ key: appKvFilter(B) })).rejects.toThrow(/permission/i);
  });

  it('refuses an SDK key put, delete and purge', async () => {
    const { kv } = await sdk(A, '103');
    await expect(kv.put(flagKvKey(A, 'checkout'), 'x')).rejects.toThrow(/permission/i);
    await expect(kv.delete(flagKvKey(A, 'checkout'))).rejects.toThrow(/permission/i);
    await expect(kv.purge(flagKvKey(A, 'checkout'))).rejects.toThrow(/permission/i);
  });

  it('refuses an SDK key any consumer beyond its watch, and stream or consumer listing', async () => {
    const { nc } = await sdk(A, '104');
    const jsm = await jetstreamManager(nc, { checkAPI: false });
    const stream = `KV_${server.names.flagsBucket}`;
    await expect(
      jsm.consumers.add(stream, {
        durable_name: 'stolen',
        filter_subject: `$KV.${server.names.flagsBucket}.>`,
      }),
    ).rejects.toThrow(/permission/i);
    await expect(
      jsm.consumers.add(stream, {
        name: 'wide',
        filter_subject: `$KV.${server.names.flagsBucket}.>`,
      }),
    ).rejects.toThrow(/permission/i);
    await expect(jsm.streams.info(stream)).rejects.toThrow(/permission/i);
    await expect(jsm.consumers.list(stream).next()).rejects.toThrow(/permission/i);
  });

  it("refuses an SDK key circuit subjects and other clients' inboxes", async () => {
    const { nc } = await sdk(A, '105');
    for (const subject of [
      `${server.names.circuitSubjectRoot}.>`,
      '_INBOX.>',
      `${sdkInboxPrefix('106')}.>`,
      `$KV.${server.names.flagsBucket}.>`,
    ]) {
      const sub = nc.subscribe(subject);
      await expect(sub.closed).resolves.toBeInstanceOf(Error);
    }
    const js = jetstream(nc);
    await expect(
      js.publish(
        circuitEventSubject(A, 'checkout', 'opened', server.names.circuitSubjectRoot),
        '{}',
      ),
    ).rejects.toThrow(/permission/i);
  });

  it('refuses a connection without credentials', async () => {
    await expect(as(null)).rejects.toThrow(/authorization/i);
  });

  it('refuses a made-up key: a user signed by an account the operator never signed', async () => {
    const rogueAccount = createAccount();
    const rogue = createUser();
    const jwt = await encodeUser('rogue', rogue, rogueAccount, {
      pub: { allow: ['>'] },
      sub: { allow: ['>'] },
    });
    const seed = new TextDecoder().decode(rogue.getSeed());
    await expect(as({ jwt, seed })).rejects.toThrow(/authorization/i);
    // A forged account JWT (self-signed) is no better.
    const forged = await encodeAccount('TAILSLIDE', rogueAccount, {});
    expect(forged).not.toBe('');
  });

  it('lets Airbag write circuit state but never a flag rule', async () => {
    const nc = await as(server.airbag);
    const kv = await new Kvm(nc).open(server.names.flagsBucket);
    await expect(kv.put(circuitKvKey(A, 'checkout'), '{"state":"open"}')).resolves.toBeGreaterThan(
      0,
    );
    await expect(kv.put(flagKvKey(A, 'checkout'), '{}')).rejects.toThrow(/permission/i);
    await expect(kv.delete(flagKvKey(A, 'checkout'))).rejects.toThrow(/permission/i);
    await expect(kv.purge(flagKvKey(B, 'secret'))).rejects.toThrow(/permission/i);
    const lease = await new Kvm(nc).create(server.names.airbagBucket, { history: 1 });
    await expect(lease.put('leader', 'me')).resolves.toBeGreaterThan(0);
  });

  it('cuts a revoked key off once Tower pushes the account JWT; other keys keep working', async () => {
    const revoked = await sdk(A, '107');
    const other = await sdk(A, '108');
    const sys = await as(server.system);
    const closed = revoked.nc.closed();
    const started = performance.now();
    const jwt = await tailslideAccountJwt(accountSignerOf(server.seeds), [
      { publicKey: revoked.user.publicKey, revokedAtSeconds: Math.floor(Date.now() / 1000) + 1 },
    ]);
    await pushAccountJwt(sys, jwt);
    const err = await closed;
    const elapsed = performance.now() - started;
    expect(String(err)).toMatch(/revoked|authorization/i);
    expect(elapsed).toBeLessThan(10_000);
    console.log(`revocation cut the connection after ${elapsed.toFixed(0)} ms`);
    expect(await firstKeys(other.kv, appKvFilter(A), 2)).toHaveLength(2);
    // The revoked user cannot come back.
    await expect(as(revoked.user)).rejects.toThrow(/revoked|authorization/i);
  });
});
