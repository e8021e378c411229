import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { encodeFlagRule, flagKvKey, type FlagRule } from '@tailslide/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  freePort,
  privateNatsServer,
  privateRedisServer,
  services,
  uniqueName,
  type ManagedServer,
} from '@tailslide/test-support';
import { FlagManager, type FlagManagerOptions, type StaleEvent } from './flag-manager.js';
import { testFlagRule } from './testing.js';

const bucket = 'faults';
let natsServer: ManagedServer;
let dir: string;

beforeAll(async () => {
  natsServer = await privateNatsServer();
  await natsServer.start();
  dir = mkdtempSync(join(tmpdir(), 'tailslide-sdk-'));
  const nc = await connect({ servers: natsServer.url });
  await new Kvm(nc).create(bucket, { history: 1 });
  await nc.close();
});

afterAll(async () => {
  await natsServer.dispose();
  rmSync(dir, { recursive: true, force: true });
});

async function withKv<T>(fn: (kv: KV) => Promise<T>): Promise<T> {
  const nc: NatsConnection = await connect({ servers: natsServer.url });
  try {
    return await fn(await new Kvm(nc).open(bucket));
  } finally {
    await nc.close();
  }
}
const put = (rule: FlagRule) =>
  withKv((kv) => kv.put(flagKvKey(rule.appId, rule.flagKey), encodeFlagRule(rule)));

function manager(opts: Partial<FlagManagerOptions> & { appId: string }): FlagManager {
  const m = new FlagManager({
    nats: natsServer.url,
    redis: services.redisUrl,
    redisPrefix: uniqueName('tsdk'),
    flagsBucket: bucket,
    retryDelayMs: 100,
    initTimeoutMs: 5000,
    ...opts,
  });
  m.on('error', () => undefined);
  return m;
}

describe('FlagManager when NATS fails', () => {
  it('falls back to the last known rules and reports stale while NATS is down, then catches up', async () => {
    const appId = uniqueName('app');
    await put(testFlagRule({ appId, flagKey: 'f', rolloutPercentage: 100 }));
    const m = manager({ appId });
    const stale: StaleEvent[] = [];
    let readyCount = 0;
    m.on('stale', (e) => stale.push(e));
    m.on('ready', () => readyCount++);
    try {
      expect((await m.initialize()).status).toBe('ready');
      const t = m.newToggler({ flagName: 'f' });
      await natsServer.stop();
      await eventually(() => m.status === 'stale', 10_000);
      expect(stale[0]?.reason).toBe('disconnected');
      expect(t.isFlagActive('u')).toBe(true);
      expect(t.evaluate('u').reason).toBe('rollout_in');

      await natsServer.start();
      await eventually(() => m.status === 'ready', 15_000);
      expect(readyCount).toBe(2);
      await put(testFlagRule({ appId, flagKey: 'f', version: 2, active: false }));
      await eventually(() => !t.isFlagActive('u'), 10_000);
    } finally {
      await m.close();
      await natsServer.start();
    }
  }, 60_000);

  it('keeps reconnecting past the nats.js default of 10 attempts (reconnects forever)', async () => {
    const appId = uniqueName('app');
    await put(testFlagRule({ appId, flagKey: 'f' }));
    // 100 ms between attempts: 10 attempts are spent in ~1 s, so a 2.5 s outage would close a
    // default-configured connection for good.
    const m = manager({ appId, natsOptions: { reconnectTimeWait: 100, reconnectJitter: 0 } });
    try {
      expect((await m.initialize()).status).toBe('ready');
      await natsServer.stop();
      await eventually(() => m.status === 'stale', 10_000);
      await new Promise((r) => setTimeout(r, 2500)); // outage length, not a wait for our timers
      await natsServer.start();
      await eventually(() => m.status === 'ready', 15_000);
      await put(testFlagRule({ appId, flagKey: 'f', version: 2, active: false }));
      await eventually(() => !m.newToggler({ flagName: 'f' }).isFlagActive('u'), 10_000);
    } finally {
      await m.close();
      await natsServer.start();
    }
  }, 60_000);

  it('re-watches within seconds when its watch consumer disappears while the connection stays up', async () => {
    // What a NATS cluster server dying with the consumer looks like to an SDK connected to
    // another server: no disconnect, no error, the consumer simply gone. nats.js alone notices
    // after two missed 30 s heartbeats; the SDK's probe asks for the consumer's info.
    const appId = uniqueName('app');
    await put(testFlagRule({ appId, flagKey: 'f', active: true }));
    const m = manager({ appId, watchCheckMs: 200 });
    const nc = await connect({ servers: natsServer.url });
    try {
      expect((await m.initialize()).status).toBe('ready');
      const t = m.newToggler({ flagName: 'f' });
      const jsm = await jetstreamManager(nc);
      const consumers = await jsm.consumers.list(`KV_${bucket}`).next();
      const ours = consumers.filter((c) => c.config.filter_subject?.includes(appId));
      expect(ours).toHaveLength(1);
      await jsm.consumers.delete(`KV_${bucket}`, ours[0]!.name);
      await put(testFlagRule({ appId, flagKey: 'f', version: 2, active: false }));
      await eventually(() => !t.isFlagActive('u'), 5_000, 20);
      expect(m.status).toBe('ready');
    } finally {
      await nc.close();
      await m.close();
    }
  }, 30_000);

  it('notices a hung NATS server by its pings, reports stale, and recovers when it answers again', async () => {
    const appId = uniqueName('app');
    await put(testFlagRule({ appId, flagKey: 'f', rolloutPercentage: 100 }));
    // Short pings so the test does not wait for the 10 s production interval.
    const m = manager({ appId, natsOptions: { pingInterval: 200, maxPingOut: 2 } });
    try {
      expect((await m.initialize()).status).toBe('ready');
      const t = m.newToggler({ flagName: 'f' });
      natsServer.pause();
      await eventually(() => m.status === 'stale', 10_000);
      expect(t.isFlagActive('u')).toBe(true); // still serving the last known rules
      natsServer.resume();
      await eventually(() => m.status === 'ready', 15_000);
      await put(testFlagRule({ appId, flagKey: 'f', version: 2, active: false }));
      await eventually(() => !t.isFlagActive('u'), 10_000);
    } finally {
      natsServer.resume();
      await m.close();
    }
  }, 60_000);

  it('starts from the snapshot file when NATS is unreachable, and goes live when it returns', async () => {
    const appId = uniqueName('app');
    const file = join(dir, `${appId}.json`);
    await put(testFlagRule({ appId, flagKey: 'f', whitelist: ['vip'], rolloutPercentage: 0 }));
    const first = manager({ appId, snapshotFile: file });
    expect((await first.initialize()).status).toBe('ready');
    await first.close(); // writes the snapshot

    await natsServer.stop();
    const second = manager({ appId, snapshotFile: file, initTimeoutMs: 300 });
    const stale: StaleEvent[] = [];
    second.on('stale', (e) => stale.push(e));
    try {
      expect(await second.initialize()).toEqual({ status: 'stale', flags: 1 });
      expect(stale).toEqual([{ reason: 'snapshot' }]);
      const t = second.newToggler({ flagName: 'f' });
      expect(t.isFlagActive('vip')).toBe(true);
      expect(t.isFlagActive('other')).toBe(false);
      await natsServer.start();
      await eventually(() => second.status === 'ready', 15_000);
    } finally {
      await second.close();
      await natsServer.start();
    }
  }, 60_000);

  it('initialize() settles within initTimeoutMs and close() returns when nothing listens on the NATS port', async () => {
    const port = await freePort();
    const m = manager({
      appId: uniqueName('app'),
      nats: `nats://127.0.0.1:${port}`,
      initTimeoutMs: 200,
    });
    const started = Date.now();
    expect(await m.initialize()).toEqual({ status: 'not_ready', flags: 0 });
    expect(Date.now() - started).toBeLessThan(4000);
    expect(m.newToggler({ flagName: 'f', defaultValue: true }).isFlagActive('u')).toBe(true);
    await m.close();
    expect(m.status).toBe('closed');
  });

  it('close() returns at once when NATS has been frozen (SIGSTOP) since before the first connect', async () => {
    const appId = uniqueName('app');
    natsServer.pause();
    const m = manager({ appId, initTimeoutMs: 200 });
    try {
      expect((await m.initialize()).status).toBe('not_ready');
      const closed = m.close().then(() => 'closed');
      const late = new Promise((r) => setTimeout(() => r('still closing'), 1000).unref());
      expect(await Promise.race([closed, late])).toBe('closed');
    } finally {
      natsServer.resume();
      await m.close();
    }
  });

  it('keeps reconnecting after a logger that throws once', async () => {
    const appId = uniqueName('app');
    await put(testFlagRule({ appId, flagKey: 'f' }));
    await natsServer.stop();
    let calls = 0;
    const m = new FlagManager({
      appId,
      nats: natsServer.url,
      redis: services.redisUrl,
      redisPrefix: uniqueName('tsdk'),
      flagsBucket: bucket,
      retryDelayMs: 100,
      initTimeoutMs: 200,
      logger: {
        warn: () => {
          if (calls++ === 0) throw new Error('log sink full');
        },
        error: () => undefined,
      },
    });
    try {
      expect((await m.initialize()).status).toBe('not_ready');
      await eventually(() => calls > 0);
      await natsServer.start();
      await eventually(() => m.status === 'ready', 15_000);
      expect(m.newToggler('f').isFlagActive('u')).toBe(true);
    } finally {
      await m.close();
      await natsServer.start();
    }
  }, 30_000);

  it('initialize() settles within initTimeoutMs when NATS accepts TCP but never answers', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as AddressInfo;
    const m = manager({
      appId: uniqueName('app'),
      nats: `nats://127.0.0.1:${port}`,
      natsOptions: { timeout: 500 },
      initTimeoutMs: 200,
    });
    try {
      expect(await m.initialize()).toEqual({ status: 'not_ready', flags: 0 });
      expect(m.newToggler({ flagName: 'f' }).isFlagActive('u')).toBe(false);
      await eventually(() => sockets.length > 0);
    } finally {
      await m.close();
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
});

describe('FlagManager when Redis fails', () => {
  it('drops and counts signals while Redis is down without throwing, and resumes when it returns', async () => {
    const redisServer = await privateRedisServer();
    await redisServer.start();
    const appId = uniqueName('app');
    await put(testFlagRule({ appId, flagKey: 'f' }));
    const m = manager({ appId, redis: redisServer.url });
    const dropped: string[] = [];
    m.on('error', (e) => dropped.push(e.code));
    try {
      await m.initialize();
      const t = m.newToggler({ flagName: 'f' });
      await eventually(async () => {
        t.emitSuccess();
        await m.flush();
        return m.stats().signalsWritten > 0;
      }, 10_000);

      await redisServer.stop();
      const before = m.stats();
      for (let round = 0; round < 40; round++) {
        for (let i = 0; i < 1000; i++) t.emitSuccess();
        await m.flush();
      }
      const during = m.stats();
      expect(during.signalsDropped - before.signalsDropped).toBe(40_000);
      expect(during.signalsWritten).toBe(before.signalsWritten);
      expect(dropped).toContain('signals_dropped');
      expect(t.isFlagActive('u')).toBe(true);

      await redisServer.start();
      await eventually(async () => {
        t.emitFailure();
        await m.flush();
        return m.stats().signalsWritten > during.signalsWritten;
      }, 15_000);
    } finally {
      await m.close();
      await redisServer.dispose();
    }
  }, 60_000);
});
