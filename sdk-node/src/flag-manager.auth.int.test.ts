/**
 * The SDK works with the least-privilege NATS user of the repo's nats.conf: it may only create
 * (and delete) ordered consumers on the flags stream, read stream info and receive on _INBOX.>.
 * (Debian's nats-server 2.9.10 rejects nats.conf's `sync_interval`, so the users block is
 * restated here on a private server.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import { DEFAULT_FLAGS_BUCKET, encodeFlagRule, flagKvKey } from '@tailslide/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, freePort, services, uniqueName, waitForPort } from '@tailslide/test-support';
import { FlagManager } from './flag-manager.js';
import { testFlagRule } from './testing.js';

const stream = `KV_${DEFAULT_FLAGS_BUCKET}`;
let dir: string;
let port: number;
let server: ChildProcess;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tailslide-nats-auth-'));
  port = await freePort();
  const conf = `
listen: "127.0.0.1:${port}"
jetstream { store_dir: "${join(dir, 'js')}" }
authorization {
  users = [
    { user: admin, password: admin }
    { user: sdk, password: sdkpw, permissions: {
        publish: { allow: [
          "$JS.API.INFO", "$JS.API.STREAM.INFO.${stream}",
          "$JS.API.CONSUMER.CREATE.${stream}.>", "$JS.API.CONSUMER.DELETE.${stream}.>",
          "$JS.FC.${stream}.>"
        ] }
        subscribe: { allow: ["_INBOX.>"] }
    } }
  ]
}
`;
  writeFileSync(join(dir, 'nats.conf'), conf);
  server = spawn('/usr/sbin/nats-server', ['-c', join(dir, 'nats.conf')], { stdio: 'ignore' });
  await waitForPort(port);
});

afterAll(async () => {
  await stop(server);
  rmSync(dir, { recursive: true, force: true });
});

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

describe('FlagManager NATS authentication', () => {
  it('sends sdkKey as the NATS token (the original Tailslide deployment: nats-server --auth <key>)', async () => {
    const tokenPort = await freePort();
    const store = join(dir, 'token-js');
    const child = spawn(
      '/usr/sbin/nats-server',
      ['-a', '127.0.0.1', '-p', String(tokenPort), '-js', '-sd', store, '--auth', 's3cret'],
      {
        stdio: 'ignore',
      },
    );
    await waitForPort(tokenPort);
    const admin = await connect({ servers: `127.0.0.1:${tokenPort}`, token: 's3cret' });
    const appId = uniqueName('app');
    const m = new FlagManager({
      appId,
      sdkKey: 's3cret',
      nats: `nats://127.0.0.1:${tokenPort}`,
      redis: services.redisUrl,
      redisPrefix: uniqueName('tsdk'),
    });
    try {
      const kv = await new Kvm(admin).create(DEFAULT_FLAGS_BUCKET, { history: 1 });
      await kv.put(flagKvKey(appId, 'f'), encodeFlagRule(testFlagRule({ appId, flagKey: 'f' })));
      expect(await m.initialize()).toEqual({ status: 'ready', flags: 1 });
    } finally {
      await m.close();
      await admin.close();
      await stop(child);
    }
  }, 30_000);

  it('loads and follows the ruleset with the least-privilege SDK user (watch-only permissions)', async () => {
    const admin = await connect({ servers: `127.0.0.1:${port}`, user: 'admin', pass: 'admin' });
    const kv = await new Kvm(admin).create(DEFAULT_FLAGS_BUCKET, { history: 1 });
    const appId = uniqueName('app');
    await kv.put(flagKvKey(appId, 'f'), encodeFlagRule(testFlagRule({ appId, flagKey: 'f' })));
    const m = new FlagManager({
      appId,
      nats: `nats://127.0.0.1:${port}`,
      natsOptions: { user: 'sdk', pass: 'sdkpw' },
      redis: services.redisUrl,
      redisPrefix: uniqueName('tsdk'),
    });
    const errors: string[] = [];
    m.on('error', (e) => errors.push(e.message));
    try {
      expect(await m.initialize()).toEqual({ status: 'ready', flags: 1 });
      const t = m.newToggler({ flagName: 'f' });
      expect(t.isFlagActive('u')).toBe(true);
      await kv.put(
        flagKvKey(appId, 'f'),
        encodeFlagRule(testFlagRule({ appId, flagKey: 'f', version: 2, active: false })),
      );
      await eventually(() => !t.isFlagActive('u'));
      expect(errors).toEqual([]);
    } finally {
      await m.close();
      await admin.close();
    }
  }, 30_000);
});
