/**
 * Tailslide on a three-node NATS cluster with every stream and bucket at three replicas (issue 14
 * §2). Each part is given the whole server list; the test then kills the node each part is
 * connected to, one at a time, mid-traffic: evaluations never stop, toggles and trips still
 * arrive, and nothing is lost or applied twice.
 */
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { AuditEntryDto, FlagDto, Page } from '@tailslide/contracts';
import { connectNats } from '@tailslide/server-kit';
import {
  createTestDatabase,
  deleteKeysWithPrefix,
  eventually,
  privateNatsCluster,
  services,
  signInAdmin,
  TEST_ADMIN,
  uniqueName,
  type AdminCredentials,
  type NatsCluster,
  type TestDatabase,
} from '@tailslide/test-support';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAirbag, type Airbag } from '../airbag/src/index.js';
import { FlagManager } from '../sdk-node/src/index.js';
import { startTower, type RunningTower } from '../tower-server/src/server.js';

const names = {
  flagsBucket: uniqueName('cl_flags'),
  airbagBucket: uniqueName('cl_airbag'),
  circuitStream: uniqueName('CL_CIRCUITS'),
  circuitSubjectRoot: uniqueName('cl.circuit').replace('_', '.'),
  circuitConsumer: uniqueName('cl_tower'),
  redisPrefix: uniqueName('cl'),
};
const AIRBAG_CONNECTION = uniqueName('airbag-cluster');

let cluster: NatsCluster;
let db: TestDatabase;
let tower: RunningTower;
let airbagNats: NatsConnection;
let airbag: Airbag;
let manager: FlagManager;
let redis: ReturnType<typeof createClient>;
let admin: AdminCredentials;

beforeAll(async () => {
  cluster = await privateNatsCluster(3);
  await cluster.start();
  db = await createTestDatabase('cluster');
  tower = await startTower({
    databaseUrl: db.url,
    natsUrl: cluster.urls,
    natsReplicas: 3,
    redisUrl: services.redisUrl,
    port: 0,
    ...names,
    logLevel: 'silent',
    admin: TEST_ADMIN,
  });
  admin = await signInAdmin(tower.url);
  redis = createClient({ url: services.redisUrl });
  await redis.connect();
  airbagNats = await connectNats({ servers: cluster.urls, name: AIRBAG_CONNECTION });
  airbag = await startAirbag({
    nats: airbagNats,
    redis,
    replicas: 3,
    flagsBucket: names.flagsBucket,
    airbagBucket: names.airbagBucket,
    circuitStream: names.circuitStream,
    circuitSubjectRoot: names.circuitSubjectRoot,
    redisPrefix: names.redisPrefix,
    autoPoll: false,
    logger: (await import('pino')).pino({ level: 'silent' }),
  });
}, 90_000);

afterAll(async () => {
  await manager?.close();
  await airbag?.close();
  await airbagNats?.close();
  await tower?.close();
  if (redis) {
    await deleteKeysWithPrefix(redis, names.redisPrefix);
    await redis.quit();
  }
  await db?.drop();
  await cluster?.dispose();
});

describe('a three-node NATS cluster at R3', () => {
  it('keeps flags and trips flowing while the node each part uses is killed', async () => {
    const api = <T>(method: string, path: string, body?: unknown) =>
      admin.request<T>(method, path, body);
    const jsm = await jetstreamManager(airbagNats);
    for (const stream of [
      `KV_${names.flagsBucket}`,
      `KV_${names.airbagBucket}`,
      names.circuitStream,
    ])
      expect((await jsm.streams.info(stream)).config.num_replicas).toBe(3);

    const app = await api<{ id: string }>('POST', '/api/apps', { title: 'Clustered' });
    let flag = await api<FlagDto>('POST', `/api/apps/${app.id}/flags`, {
      key: 'checkout',
      title: 'Checkout',
      active: true,
      // A long recovery delay: the ticks after the trip (and a slow node restart under load)
      // must not move the circuit on to recovering before the log is checked.
      circuit: {
        errorThresholdPercentage: 50,
        minimumRequests: 10,
        windowMs: 60_000,
        recoveryDelayMs: 3_600_000,
      },
    });
    manager = new FlagManager({
      appId: app.id,
      nats: cluster.urls,
      redis: services.redisUrl,
      flagsBucket: names.flagsBucket,
      redisPrefix: names.redisPrefix,
    });
    await manager.initialize();
    const toggler = manager.newToggler({ flagName: 'checkout' });
    await eventually(() => toggler.isFlagActive('u1'), 5_000);

    // Evaluations never stop: an in-memory read every millisecond for the whole test.
    let evaluations = 0;
    let evaluationErrors = 0;
    const traffic = setInterval(() => {
      try {
        toggler.isFlagActive(`u${evaluations++}`);
      } catch {
        evaluationErrors++;
      }
    }, 1);

    // A toggle commits to Postgres whatever NATS is doing; the outbox relay publishes it.
    const toggle = async (active: boolean) => {
      flag = await api<FlagDto>('POST', `/api/apps/${app.id}/flags/checkout/toggle`, { active });
      await eventually(() => toggler.isFlagActive('u1') === active, 60_000);
    };
    const killNodeOf = async (connectionName: string) => {
      const node = await eventually(() => cluster.nodeOf(connectionName), 10_000);
      await node.stop();
      return node;
    };
    // A restarted node is back when every stream has a leader and both followers are current
    // again; only then may the next node die without losing the quorum of two.
    const streams = [`KV_${names.flagsBucket}`, `KV_${names.airbagBucket}`, names.circuitStream];
    const restart = async (node: { start(): Promise<void> }) => {
      await node.start();
      await cluster.waitForMetaLeader();
      await eventually(
        async () => {
          for (const stream of streams) {
            const info = await jsm.streams.info(stream).catch(() => null);
            const replicas = info?.cluster?.replicas ?? [];
            if (!info?.cluster?.leader || replicas.length !== 2) return false;
            if (!replicas.every((r) => r.current && !r.offline)) return false;
          }
          return true;
        },
        30_000,
        100,
      );
    };

    const published: string[] = [];
    try {
      // 1. Tower's node dies: a toggle still reaches the SDK (the relay republishes).
      let node = await killNodeOf('tailslide-tower');
      await toggle(false);
      await restart(node);

      // 2. The SDK's node dies: the next toggle reaches it through another node.
      node = await killNodeOf(`tailslide-sdk:${app.id}`);
      await toggle(true);
      await restart(node);

      // 3. Airbag's node dies mid-trip: the decision still lands, once.
      for (let i = 0; i < 20; i++) toggler.emitFailure();
      await manager.flush();
      await airbag.waitForRule(app.id, 'checkout', flag.version, 10_000);
      node = await killNodeOf(AIRBAG_CONNECTION);
      await eventually(
        async () => {
          const r = await airbag.tick().catch(() => null);
          if (r) published.push(...r.published.map((e) => e.type));
          return published.length > 0;
        },
        60_000,
        250,
      );
      await eventually(async () => {
        const f = await api<FlagDto>('GET', `/api/apps/${app.id}/flags/checkout`);
        return f.circuitStatus.state === 'open';
      }, 60_000);
      // The SDK sees the trip while that node is still down (its watch consumer may have lived
      // there: the SDK re-watches as soon as the server leaves the cluster).
      await eventually(() => !toggler.isFlagActive('u1'), 60_000);
      await restart(node);
      // Ticks after the trip publish nothing more for it.
      for (let i = 0; i < 3; i++)
        published.push(...(await airbag.tick()).published.map((e) => e.type));
    } finally {
      clearInterval(traffic);
    }

    expect(evaluationErrors).toBe(0);
    expect(evaluations).toBeGreaterThan(0);
    const logs = await api<Page<AuditEntryDto>>('GET', `/api/apps/${app.id}/flags/checkout/logs`);
    const actions = logs.items.map((e) => e.action).reverse();
    // Nothing lost, nothing applied twice: exactly these changes, in this order.
    expect(actions).toEqual([
      'flag.created',
      'flag.toggled_off',
      'flag.toggled_on',
      'circuit.opened',
    ]);
    expect(published.filter((t) => t === 'circuit.opened')).toHaveLength(1);
  }, 300_000);
});
