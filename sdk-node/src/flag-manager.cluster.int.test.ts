/*
 * The SDK on a NATS cluster (issue 14 §2): when the node that hosts the SDK's watch consumer dies
 * while the SDK's own connection (to another node) stays up, the SDK re-watches within seconds
 * instead of waiting for nats.js's heartbeat-based recovery (which took 95 s to deliver the next
 * change). Given the whole server list (as `NATS_URL` usually is), nats.js never reports a server
 * as gone, so it is the watch probe (contracts' watch-probe) that notices; given one URL, the
 * server's INFO update does too.
 */
import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import { encodeFlagRule, flagKvKey } from '@tailslide/contracts';
import {
  eventually,
  privateNatsCluster,
  services,
  uniqueName,
  type NatsCluster,
} from '@tailslide/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlagManager } from './flag-manager.js';
import { testFlagRule } from './testing.js';

let cluster: NatsCluster;

beforeAll(async () => {
  cluster = await privateNatsCluster(3);
  await cluster.start();
}, 60_000);

afterAll(async () => {
  await cluster.dispose();
});

describe('FlagManager on a NATS cluster', () => {
  it.each([
    ['the whole server list', true],
    ['one server', false],
  ])(
    'sees the next change soon after the node hosting its watch consumer dies (given %s)',
    async (_, wholeList) => {
      const nc = await connect({ servers: cluster.urls.split(','), name: 'writer' });
      const bucket = uniqueName('sdk_cluster');
      const kv = await new Kvm(nc).create(bucket, { history: 1, replicas: 3 });
      const jsm = await jetstreamManager(nc);
      const appId = uniqueName('app');
      let version = 1;
      const put = (active: boolean) =>
        kv.put(
          flagKvKey(appId, 'f'),
          encodeFlagRule(testFlagRule({ appId, flagKey: 'f', active, version: version++ })),
        );
      await put(true);
      const connectionName = `tailslide-sdk:${appId}`;

      // Place the SDK on one node and its watch consumer on another (placement is the server's:
      // try each node until they differ).
      let manager: FlagManager | undefined;
      let consumerHost: string | undefined;
      for (let attempt = 0; attempt < 12 && !manager; attempt++) {
        const node = cluster.nodes[attempt % cluster.nodes.length];
        if (!node) break;
        // The whole list with this node first (no shuffle), so the SDK lands on it.
        const others = cluster.nodes.filter((n) => n !== node).map((n) => n.url);
        const m = new FlagManager({
          appId,
          nats: wholeList ? [node.url, ...others].join(',') : node.url,
          natsOptions: { noRandomize: true },
          watchCheckMs: 1000,
          flagsBucket: bucket,
          redis: services.redisUrl,
          redisPrefix: uniqueName('p'),
        });
        m.on('error', () => undefined);
        await m.initialize();
        const [consumer] = await jsm.consumers.list(`KV_${bucket}`).next();
        const host = consumer?.cluster?.leader;
        const sdkNode = await cluster.nodeOf(connectionName);
        if (host && sdkNode && host !== sdkNode.name) {
          manager = m;
          consumerHost = host;
        } else await m.close();
      }
      expect(manager).toBeDefined();
      if (!manager) return;
      try {
        const toggler = manager.newToggler('f');
        expect(toggler.isFlagActive('u')).toBe(true);
        const victim = cluster.nodes.find((n) => n.name === consumerHost);
        await victim?.stop();
        // The write waits out any leader election; the SDK, whose connection never dropped, must
        // then see it — before, nats.js's own recovery delivered it only after ~95 s.
        await eventually(
          () =>
            put(false).then(
              () => true,
              () => false,
            ),
          30_000,
          200,
        );
        await eventually(() => !toggler.isFlagActive('u'), 30_000, 50);
        await victim?.start();
      } finally {
        await manager.close();
        await kv.destroy().catch(() => undefined);
        await nc.close();
      }
    },
    120_000,
  );
});
