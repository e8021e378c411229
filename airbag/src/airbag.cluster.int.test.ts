/*
 * Airbag on a NATS cluster (issue 14 §2): when the node hosting Airbag's flag watch consumer dies
 * while Airbag's own connection (to another node) stays up, Airbag re-opens its watches at once
 * and sees the next rule change (before, nats.js's heartbeat-based recovery took ~95 s).
 */
import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  ALL_FLAGS_KV_FILTER,
  DEFAULT_CIRCUIT_SETTINGS,
  RULESET_SCHEMA_VERSION,
  encodeFlagRule,
  flagKvKey,
  type FlagRule,
} from '@tailslide/contracts';
import {
  eventually,
  privateNatsCluster,
  services,
  uniqueName,
  type NatsCluster,
} from '@tailslide/test-support';
import { pino } from 'pino';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAirbag, type Airbag } from './airbag.js';

let cluster: NatsCluster;
const redis = createClient({ url: services.redisUrl });

beforeAll(async () => {
  cluster = await privateNatsCluster(3);
  await cluster.start();
  await redis.connect();
}, 60_000);

afterAll(async () => {
  await cluster.dispose();
  redis.destroy();
});

const rule = (appId: string, version: number, errorThresholdPercentage: number): FlagRule => ({
  schemaVersion: RULESET_SCHEMA_VERSION,
  appId,
  flagKey: 'f',
  version,
  active: true,
  rolloutPercentage: 100,
  whitelist: [],
  salt: 'f',
  circuit: { ...DEFAULT_CIRCUIT_SETTINGS, enabled: true, errorThresholdPercentage },
  circuitStatus: { state: 'closed', recoveryPercentage: 100, changedAt: new Date(0).toISOString() },
  updatedAt: new Date().toISOString(),
});

describe('Airbag on a NATS cluster', () => {
  it('sees a rule change soon after the node hosting its flag watch consumer dies', async () => {
    const writer = await connect({ servers: cluster.urls.split(','), name: 'writer' });
    const names = {
      flagsBucket: uniqueName('ab_flags'),
      airbagBucket: uniqueName('ab_lease'),
      circuitStream: uniqueName('AB_CIRCUITS').toUpperCase(),
      circuitSubjectRoot: uniqueName('ab.circuit'),
    };
    const kv = await new Kvm(writer).create(names.flagsBucket, { history: 1, replicas: 3 });
    const jsm = await jetstreamManager(writer);
    const appId = uniqueName('app');
    await kv.put(flagKvKey(appId, 'f'), encodeFlagRule(rule(appId, 1, 50)));

    // Airbag on one node, its flag watch's consumer on another (placement is the server's).
    let airbag: Airbag | undefined;
    let nc: NatsConnection | undefined;
    let host: string | undefined;
    for (let attempt = 0; attempt < 12 && !airbag; attempt++) {
      const node = cluster.nodes[attempt % cluster.nodes.length];
      if (!node) break;
      const c = await connect({ servers: node.url, name: 'airbag-under-test' });
      const a = await startAirbag({
        nats: c,
        redis,
        replicas: 3,
        ...names,
        redisPrefix: uniqueName('ab'),
        autoPoll: false,
        logger: pino({ level: 'silent' }),
      });
      const consumers = await jsm.consumers.list(`KV_${names.flagsBucket}`).next();
      const watch = consumers.find((ci) => ci.config.filter_subject?.endsWith(ALL_FLAGS_KV_FILTER));
      const own = await cluster.nodeOf('airbag-under-test');
      if (watch?.cluster?.leader && own && watch.cluster.leader !== own.name) {
        airbag = a;
        nc = c;
        host = watch.cluster.leader;
      } else {
        await a.close();
        await c.close();
      }
    }
    expect(airbag).toBeDefined();
    if (!airbag || !nc) return;
    try {
      const victim = cluster.nodes.find((n) => n.name === host);
      await victim?.stop();
      await eventually(
        () =>
          kv.put(flagKvKey(appId, 'f'), encodeFlagRule(rule(appId, 2, 30))).then(
            () => true,
            () => false,
          ),
        30_000,
        200,
      );
      const seen = await airbag.waitForRule(appId, 'f', 2, 30_000);
      expect(seen.circuit.errorThresholdPercentage).toBe(30);
      await victim?.start();
    } finally {
      await airbag.close();
      await nc.close();
      await kv.destroy().catch(() => undefined);
      await writer.close();
    }
  }, 120_000);
});
