/**
 * nats.conf grants least privilege: Tower owns the flags bucket and the circuit stream, Airbag
 * may publish circuit events but not write flags, and SDKs (no credentials) may only watch.
 * Runs a private nats-server with the repository's nats.conf.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_CIRCUIT_STREAM,
  DEFAULT_FLAGS_BUCKET,
  circuitEventSubject,
  circuitStreamSubjects,
  feedSubject,
  flagKvKey,
  circuitKvKey,
  SocketEvent,
} from '@tailslide/contracts';
import { createClient } from 'redis';
import { startTower } from '../tower-server/src/server.js';
import {
  createTestDatabase,
  deleteKeysWithPrefix,
  freePort,
  services,
  uniqueName,
  waitForPort,
  TEST_ADMIN,
} from '@tailslide/test-support';
import { runWalkingSkeleton, type SkeletonRun } from './skeleton.js';

const passwords = {
  TOWER_NATS_PASSWORD: 'tower-secret',
  AIRBAG_NATS_PASSWORD: 'airbag-secret',
  SDK_NATS_PASSWORD: 'sdk-secret',
};

let dir: string;
let port: number;
let server: ChildProcess;
const open: NatsConnection[] = [];

async function as(user?: 'tower' | 'airbag'): Promise<NatsConnection> {
  const nc = await connect({
    servers: `nats://127.0.0.1:${port}`,
    ...(user
      ? { user, pass: passwords[`${user.toUpperCase() as 'TOWER' | 'AIRBAG'}_NATS_PASSWORD`] }
      : {}),
    timeout: 2_000,
  });
  open.push(nc);
  return nc;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tailslide-natsconf-'));
  port = await freePort();
  // The repository's config, minus what this machine's nats-server 2.9 lacks (sync_interval) and
  // the fixed ports and paths.
  const conf = readFileSync(new URL('../nats.conf', import.meta.url), 'utf8')
    .replace(/^\s*sync_interval:.*$/m, '')
    .replace(/^port:.*$/m, `port: ${port}`)
    .replace(/^http_port:.*$/m, '')
    .replace(/store_dir:.*$/m, `store_dir: ${join(dir, 'js')}`);
  const confPath = join(dir, 'nats.conf');
  writeFileSync(confPath, conf);
  server = spawn('/usr/sbin/nats-server', ['-c', confPath, '-a', '127.0.0.1'], {
    env: { ...process.env, ...passwords },
    stdio: 'ignore',
  });
  await waitForPort(port);

  const tower = await as('tower');
  const kv = await new Kvm(tower).create(DEFAULT_FLAGS_BUCKET, { history: 1 });
  await kv.put(flagKvKey('1', 'f'), '{"v":1}');
  await (
    await jetstreamManager(tower)
  ).streams.add({ name: DEFAULT_CIRCUIT_STREAM, subjects: circuitStreamSubjects() });
});

afterAll(async () => {
  for (const nc of open) await nc.close().catch(() => undefined);
  if (server && server.exitCode === null) {
    await new Promise<void>((resolve) => {
      server.once('exit', () => resolve());
      server.kill('SIGKILL');
    });
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('nats.conf permissions', () => {
  it('lets an SDK without credentials watch the flags bucket', async () => {
    const sdk = await as();
    const kv = await new Kvm(sdk).open(DEFAULT_FLAGS_BUCKET);
    const watch = await kv.watch({ key: 'apps.1.flags.>' });
    for await (const e of watch) {
      expect(e.key).toBe(flagKvKey('1', 'f'));
      expect(e.string()).toBe('{"v":1}');
      break;
    }
  });

  it('denies an SDK writing a flag', async () => {
    const sdk = await as();
    const kv = await new Kvm(sdk).open(DEFAULT_FLAGS_BUCKET);
    await expect(
      kv.put(flagKvKey('1', 'f'), '{"hacked":true}', { timeout: 1_000 }),
    ).rejects.toThrow(/permission/i);
  });

  it('lets Airbag publish circuit events and circuit states but not write flags', async () => {
    const airbag = await as('airbag');
    const js = jetstream(airbag, { timeout: 2_000 });
    const ack = await js.publish(circuitEventSubject('1', 'f', 'opened'), '{}', { msgID: 'x' });
    expect(ack.stream).toBe(DEFAULT_CIRCUIT_STREAM);
    const kv = await new Kvm(airbag).open(DEFAULT_FLAGS_BUCKET);
    await expect(
      kv.put(flagKvKey('1', 'f'), '{"hacked":true}', { timeout: 1_000 }),
    ).rejects.toThrow(/permission/i);
    expect(await kv.put(circuitKvKey('1', 'f'), '{}', { timeout: 1_000 })).toBeGreaterThan(0);
  });

  it('runs the walking skeleton with every part on its least-privilege user', async () => {
    // Tower creates the bucket, stream and consumer itself, so start from an empty server state.
    const admin = await as('tower');
    await new Kvm(admin)
      .open(DEFAULT_FLAGS_BUCKET)
      .then((kv) => kv.destroy())
      .catch(() => undefined);
    await (await jetstreamManager(admin)).streams.delete(DEFAULT_CIRCUIT_STREAM);

    const db = await createTestDatabase('natsperm');
    const redisPrefix = uniqueName('natsperm');
    const redis: ReturnType<typeof createClient> = createClient({ url: services.redisUrl });
    await redis.connect();
    const run: SkeletonRun = { manager: undefined, airbag: undefined };
    const tower = await startTower({
      databaseUrl: db.url,
      natsUrl: `nats://127.0.0.1:${port}`,
      natsUser: 'tower',
      natsPassword: passwords.TOWER_NATS_PASSWORD,
      redisUrl: services.redisUrl,
      redisPrefix,
      port: 0,
      logLevel: 'warn',
      admin: TEST_ADMIN,
    });
    // Tower may share dashboard events with other Towers on its feed subject (and hear theirs).
    const feed = (await as('tower')).subscribe(feedSubject(DEFAULT_FLAGS_BUCKET), { max: 1 });
    try {
      await runWalkingSkeleton(
        {
          towerUrl: tower.url,
          airbagNats: await as('airbag'),
          sdkNatsUrl: `nats://127.0.0.1:${port}`,
          redis,
          redisUrl: services.redisUrl,
          redisPrefix,
        },
        run,
      );
      for await (const m of feed)
        expect(Object.values(SocketEvent)).toContain(m.json<{ event: string }>().event);
    } finally {
      await run.manager?.close();
      await run.airbag?.close();
      await tower.close();
      await deleteKeysWithPrefix(redis, redisPrefix);
      await redis.quit();
      await db.drop();
    }
  });

  it('rejects a wrong password', async () => {
    await expect(
      connect({
        servers: `nats://127.0.0.1:${port}`,
        user: 'tower',
        pass: 'wrong',
        timeout: 2_000,
      }),
    ).rejects.toThrow();
  });
});
