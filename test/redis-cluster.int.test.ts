/**
 * Tailslide on a three-master Redis Cluster (issue 14 §3), the real path end to end: every node
 * runs the shipped ACL (redis/tailslide-redis.sh); Tower, given `REDIS_CLUSTER_NODES`, creates
 * each SDK key's Redis user on every master; SDKs sign in with nothing but their keys and write
 * their apps' buckets (one hash tag per app, so one node per flush); Airbag reads them through
 * the cluster, a node per app, and opens the circuits; Tower's chart reads them too. A master
 * restarted with no memory of the SDK users gets them back from Tower and the SDK writes again.
 * An SDK's wake-up (plain PUBLISH, which a cluster broadcasts to every node) reaches the leading
 * Airbag, subscribed on whichever node, and opens a circuit with no poll at all.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import {
  parseRedisClusterNodes,
  redisAppHashTag,
  serviceRedisUser,
  type FlagDto,
} from '@tailslide/contracts';
import {
  connectNats,
  connectRedis,
  createRedisCluster,
  destroyRedis,
  type RedisClusterClient,
} from '@tailslide/server-kit';
import {
  createTestDatabase,
  eventually,
  privateRedisCluster,
  services,
  signInAdmin,
  TEST_ADMIN,
  uniqueName,
  type AdminCredentials,
  type PrivateRedisCluster,
  type TestDatabase,
} from '@tailslide/test-support';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAirbag, type Airbag } from '../airbag/src/index.js';
import { FlagManager } from '../sdk-node/src/index.js';
import { startTower, type RunningTower } from '../tower-server/src/server.js';

const names = {
  flagsBucket: uniqueName('rc_flags'),
  airbagBucket: uniqueName('rc_airbag'),
  circuitStream: uniqueName('RC_CIRCUITS'),
  circuitSubjectRoot: uniqueName('rc.circuit').replace('_', '.'),
  circuitConsumer: uniqueName('rc_tower'),
};

let cluster: PrivateRedisCluster;
let db: TestDatabase;
let tower: RunningTower;
let admin: AdminCredentials;
let airbagNats: NatsConnection;
let airbagRedis: RedisClusterClient;
let wakeSubscriber: RedisClusterClient;
let airbag: Airbag;
const managers: FlagManager[] = [];

/** The number of the cluster slot `key` hashes to, as the node that owns it reports. */
async function slotOf(key: string): Promise<number> {
  const n = cluster.nodes[0];
  if (!n) throw new Error('no node');
  return Number((await cluster.cli(n, 'CLUSTER', 'KEYSLOT', key)).trim());
}

/** Names of the SDK users a node holds. */
async function sdkUsersOn(node: PrivateRedisCluster['nodes'][number]): Promise<string[]> {
  return (await cluster.cli(node, 'ACL', 'USERS'))
    .split('\n')
    .map((u) => u.trim())
    .filter((u) => u.startsWith(`${cluster.prefix}-sdk-`));
}

beforeAll(async () => {
  cluster = await privateRedisCluster(3);
  await cluster.start();
  db = await createTestDatabase('rcluster');
  const nodes = parseRedisClusterNodes(cluster.clusterNodes);
  if (!nodes.ok) throw new Error(nodes.error);
  tower = await startTower({
    databaseUrl: db.url,
    natsUrl: services.natsUrl,
    redisClusterNodes: nodes.nodes,
    redisUser: serviceRedisUser(cluster.prefix, 'tower'),
    redisPassword: cluster.towerPassword,
    redisPrefix: cluster.prefix,
    port: 0,
    ...names,
    logLevel: 'silent',
    admin: TEST_ADMIN,
  });
  admin = await signInAdmin(tower.url);
  airbagRedis = createRedisCluster(cluster.clusterNodes, () => undefined, {
    username: serviceRedisUser(cluster.prefix, 'airbag'),
    password: cluster.airbagPassword,
  });
  wakeSubscriber = createRedisCluster(cluster.clusterNodes, () => undefined, {
    username: serviceRedisUser(cluster.prefix, 'airbag'),
    password: cluster.airbagPassword,
  });
  await Promise.all([connectRedis(airbagRedis), connectRedis(wakeSubscriber)]);
  airbagNats = await connectNats({ servers: services.natsUrl, name: uniqueName('airbag-rc') });
  airbag = await startAirbag({
    nats: airbagNats,
    redis: airbagRedis,
    ...names,
    redisPrefix: cluster.prefix,
    wakeSubscriber,
    autoPoll: false,
    logger: pino({ level: 'silent' }),
  });
}, 90_000);

afterAll(async () => {
  for (const m of managers) await m.close();
  await airbag?.close();
  await airbagNats?.close();
  if (airbagRedis) destroyRedis(airbagRedis);
  if (wakeSubscriber) destroyRedis(wakeSubscriber);
  await tower?.close();
  await db?.drop();
  // The cluster's nodes hold every key and user the test made: disposing them removes all.
  await cluster?.dispose();
});

describe('a three-master Redis Cluster', () => {
  it('carries signals from SDK keys to tripped circuits, and survives a master losing its users', async () => {
    const api = <T>(method: string, path: string, body?: unknown) =>
      admin.request<T>(method, path, body);

    // Apps until their keys live on at least two different masters (slots are spread evenly).
    const apps: { id: string; version: number; manager: FlagManager }[] = [];
    const masters = new Set<string>();
    const slotOwner = await slotOwners();
    while (apps.length < 3 || (masters.size < 2 && apps.length < 12)) {
      const app = await api<{ id: string }>('POST', '/api/apps', { title: `Shop ${apps.length}` });
      const flag = await api<FlagDto>('POST', `/api/apps/${app.id}/flags`, {
        key: 'checkout',
        title: 'Checkout',
        active: true,
        rolloutPercentage: 100,
        circuit: { enabled: true, errorThresholdPercentage: 50, minimumRequests: 10 },
      });
      const { key } = await api<{ key: string }>('POST', '/api/sdk-keys', {
        name: 'shop backend',
        appId: app.id,
      });
      const manager = new FlagManager({
        sdkKey: key,
        nats: services.natsUrl,
        redisClusterNodes: cluster.clusterNodes,
        flagsBucket: names.flagsBucket,
        redisPrefix: cluster.prefix,
      });
      managers.push(manager);
      await manager.initialize();
      apps.push({ id: app.id, version: flag.version, manager });
      masters.add(slotOwner(await slotOf(redisAppHashTag(app.id))));
    }
    expect(masters.size).toBeGreaterThanOrEqual(2);

    // Tower created every key's user on every master.
    for (const node of cluster.nodes) expect(await sdkUsersOn(node)).toHaveLength(apps.length);

    // Each SDK records 20 failures and flushes them with its key.
    for (const a of apps) {
      const toggler = a.manager.newToggler({ flagName: 'checkout' });
      await eventually(() => toggler.isFlagActive('u1'), 5_000);
      for (let i = 0; i < 20; i++) toggler.emitFailure();
      await a.manager.flush();
      expect(a.manager.stats().signalsWritten).toBeGreaterThan(0);
    }

    // Tower's chart reads the counts through the cluster.
    const chart = await api<{ points: { failures: number }[] }>(
      'GET',
      `/api/apps/${apps[0]!.id}/flags/checkout/timeseries?window=30s`,
    );
    expect(chart.points.reduce((n, p) => n + p.failures, 0)).toBe(20);

    // One Airbag tick reads every app's buckets (a node per app) and opens every circuit.
    for (const a of apps) await airbag.waitForRule(a.id, 'checkout', a.version, 5_000);
    const result = await airbag.tick();
    expect(result.published.filter((e) => e.type === 'circuit.opened')).toHaveLength(apps.length);
    for (const a of apps) {
      const toggler = a.manager.newToggler({ flagName: 'checkout' });
      await eventually(() => !toggler.isFlagActive('u1'), 10_000);
      const f = await api<FlagDto>('GET', `/api/apps/${a.id}/flags/checkout`);
      expect(f.circuitStatus.state).toBe('open');
    }

    // A failure spike in a new app: the SDK's early flush publishes the app's wake channel on the
    // node of its keys; the cluster broadcasts it to the leader's subscription, which ticks the
    // app at once (autoPoll is off: nothing else could decide).
    await eventually(async () => {
      let patterns = 0;
      for (const n of cluster.nodes)
        patterns += Number((await cluster.cli(n, 'PUBSUB', 'NUMPAT')).trim());
      return patterns > 0;
    }, 10_000);
    const woken = await api<{ id: string }>('POST', '/api/apps', { title: 'Woken shop' });
    const wokenFlag = await api<FlagDto>('POST', `/api/apps/${woken.id}/flags`, {
      key: 'checkout',
      title: 'Checkout',
      active: true,
      rolloutPercentage: 100,
      circuit: { enabled: true, errorThresholdPercentage: 50, minimumRequests: 10 },
    });
    const { key: wokenKey } = await api<{ key: string }>('POST', '/api/sdk-keys', {
      name: 'woken backend',
      appId: woken.id,
    });
    const wokenManager = new FlagManager({
      sdkKey: wokenKey,
      nats: services.natsUrl,
      redisClusterNodes: cluster.clusterNodes,
      flagsBucket: names.flagsBucket,
      redisPrefix: cluster.prefix,
    });
    managers.push(wokenManager);
    await wokenManager.initialize();
    await airbag.waitForRule(woken.id, 'checkout', wokenFlag.version, 5_000);
    const wokenToggler = wokenManager.newToggler({ flagName: 'checkout' });
    await eventually(() => wokenToggler.isFlagActive('u1'), 5_000);
    for (let i = 0; i < 20; i++) wokenToggler.emitFailure();
    await eventually(() => airbag.circuitState(woken.id, 'checkout')?.state === 'open', 10_000);

    // A master restarts with nothing in memory: Tower gives it the SDK users again and the SDK
    // whose app lives there writes again.
    const first = apps[0]!;
    const owner = slotOwner(await slotOf(redisAppHashTag(first.id)));
    const node = cluster.nodes.find((n) => `127.0.0.1:${n.port}` === owner)!;
    await node.stop();
    await node.start();
    await eventually(async () => (await sdkUsersOn(node)).length === apps.length + 1, 30_000, 100);
    const written = first.manager.stats().signalsWritten;
    const toggler = first.manager.newToggler({ flagName: 'checkout' });
    await eventually(
      async () => {
        toggler.emitSuccess();
        await first.manager.flush();
        return first.manager.stats().signalsWritten > written;
      },
      30_000,
      200,
    );
  });
});

/** slot → `host:port` of its master, from `CLUSTER NODES` (`<id> <host:port@bus> … <from-to>…`). */
async function slotOwners(): Promise<(slot: number) => string> {
  const n = cluster.nodes[0];
  if (!n) throw new Error('no node');
  const ranges: { from: number; to: number; owner: string }[] = [];
  for (const line of (await cluster.cli(n, 'CLUSTER', 'NODES')).split('\n')) {
    const fields = line.trim().split(' ');
    const owner = fields[1]?.split('@')[0];
    if (!owner) continue;
    for (const range of fields.slice(8)) {
      const [from, to] = range.split('-').map(Number);
      if (from !== undefined && Number.isInteger(from))
        ranges.push({ from, to: to ?? from, owner });
    }
  }
  return (slot) => ranges.find((r) => slot >= r.from && slot <= r.to)?.owner ?? '?';
}
