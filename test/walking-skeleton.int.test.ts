/**
 * The walking skeleton (issue 2): one thread through every part against the real services.
 * Tower HTTP API → Postgres → outbox → NATS KV → SDK; SDK → Redis → Airbag tick →
 * JetStream circuit.opened → Tower applies it → KV → SDK sees the flag off.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { jetstreamManager } from '@nats-io/jetstream';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startTower, type RunningTower } from '../tower-server/src/server.js';
import { runWalkingSkeleton, type SkeletonRun } from './skeleton.js';
import {
  createTestDatabase,
  deleteKeysWithPrefix,
  services,
  uniqueName,
  type TestDatabase,
} from '@tailslide/test-support';

const names = {
  flagsBucket: uniqueName('ws_flags'),
  airbagBucket: uniqueName('ws_airbag'),
  circuitStream: uniqueName('WS_CIRCUITS'),
  circuitSubjectRoot: uniqueName('ws.circuit').replace('_', '.'),
  circuitConsumer: uniqueName('ws_tower'),
  redisPrefix: uniqueName('ws'),
};

let db: TestDatabase;
let tower: RunningTower;
let nc: NatsConnection;
let redis: ReturnType<typeof createClient>;
const run: SkeletonRun = { manager: undefined, airbag: undefined };

beforeAll(async () => {
  db = await createTestDatabase('ws');
  tower = await startTower({
    databaseUrl: db.url,
    natsUrl: services.natsUrl,
    redisUrl: services.redisUrl,
    port: 0,
    flagsBucket: names.flagsBucket,
    circuitStream: names.circuitStream,
    circuitSubjectRoot: names.circuitSubjectRoot,
    circuitConsumer: names.circuitConsumer,
    redisPrefix: names.redisPrefix,
    logLevel: 'warn',
  });
  nc = await connect({ servers: services.natsUrl });
  redis = createClient({ url: services.redisUrl });
  await redis.connect();
});

afterAll(async () => {
  await run.manager?.close();
  await run.airbag?.close();
  await tower?.close();
  if (nc) {
    const kvm = new Kvm(nc);
    for (const b of [names.flagsBucket, names.airbagBucket]) {
      await kvm
        .open(b)
        .then((kv) => kv.destroy())
        .catch(() => undefined);
    }
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(names.circuitStream).catch(() => undefined);
    await nc.close();
  }
  if (redis) {
    await deleteKeysWithPrefix(redis, names.redisPrefix);
    await redis.quit();
  }
  await db?.drop();
});

describe('walking skeleton', () => {
  it('carries a flag from the API to the SDK and a failure burst from the SDK back to a trip', async () => {
    await runWalkingSkeleton(
      {
        towerUrl: tower.url,
        airbagNats: nc,
        sdkNatsUrl: services.natsUrl,
        redis,
        redisUrl: services.redisUrl,
        ...names,
      },
      run,
    );
  });
});
