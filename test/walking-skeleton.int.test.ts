/**
 * The walking skeleton (issue 2): one thread through every part against the real services.
 * Tower HTTP API → Postgres → outbox → NATS KV → SDK; SDK → Redis → Airbag tick →
 * JetStream circuit.opened → Tower applies it → KV → SDK sees the flag off.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { jetstreamManager } from '@nats-io/jetstream';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntryDto, FlagDto, Page } from '@tailslide/contracts';
import { startTower, type RunningTower } from '../tower-server/src/server.js';
import { FlagManager } from '../sdk-node/src/index.js';
import { startAirbag, type Airbag } from '../airbag/src/index.js';
import {
  createTestDatabase,
  eventually,
  services,
  uniqueName,
  type TestDatabase,
} from '../test-support/index.js';

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
let airbag: Airbag | undefined;
let manager: FlagManager | undefined;

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${tower.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-tailslide-user': 'walking-skeleton' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

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
  await manager?.close();
  await airbag?.close();
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
    for await (const keys of redis.scanIterator({ MATCH: `${names.redisPrefix}:*` })) {
      if (keys.length) await redis.del(keys);
    }
    await redis.quit();
  }
  await db?.drop();
});

describe('walking skeleton', () => {
  it('carries a flag from the API to the SDK and a failure burst from the SDK back to a trip', async () => {
    // 1. Create an app and a flag through Tower's HTTP API.
    const app = await api<{ id: string }>('POST', '/api/apps', { title: 'Checkout service' });
    const created = await api<FlagDto>('POST', `/api/apps/${app.id}/flags`, {
      key: 'new-checkout',
      title: 'New checkout',
      active: true,
      rolloutPercentage: 0,
      whitelist: ['tester-1'],
      circuit: {
        enabled: true,
        errorThresholdPercentage: 50,
        minimumRequests: 10,
        windowMs: 60_000,
      },
    });
    expect(created.active).toBe(true);

    // 2. An SDK client watching the KV sees it within 1 s; true for the whitelisted user.
    manager = new FlagManager({
      appId: app.id,
      nats: services.natsUrl,
      redis: services.redisUrl,
      flagsBucket: names.flagsBucket,
      redisPrefix: names.redisPrefix,
    });
    await manager.initialize();
    const toggler = manager.newToggler({ flagName: 'new-checkout' });
    await eventually(() => toggler.isFlagActive('tester-1'), 1_000);
    expect(toggler.isFlagActive('someone-else')).toBe(false);

    // 3. Toggle off through the API → the SDK sees false.
    await api('POST', `/api/apps/${app.id}/flags/new-checkout/toggle`, { active: false });
    await eventually(() => !toggler.isFlagActive('tester-1'), 1_000);

    // 4. Toggle on; the SDK records 20 failures.
    const on = await api<FlagDto>('POST', `/api/apps/${app.id}/flags/new-checkout/toggle`, {
      active: true,
    });
    await eventually(() => toggler.isFlagActive('tester-1'), 1_000);
    for (let i = 0; i < 20; i++) toggler.emitFailure();
    await manager.flush();

    // 5. One Airbag tick computes an error rate over the threshold and publishes circuit.opened.
    airbag = await startAirbag({
      nats: nc,
      redis,
      flagsBucket: names.flagsBucket,
      airbagBucket: names.airbagBucket,
      circuitStream: names.circuitStream,
      circuitSubjectRoot: names.circuitSubjectRoot,
      redisPrefix: names.redisPrefix,
      autoPoll: false,
    });
    await airbag.waitForRule(app.id, 'new-checkout', on.version, 2_000);
    const result = await airbag.tick();
    expect(result.published.map((e) => e.type)).toEqual(['circuit.opened']);

    // 6. Tower applies it: flag off in Postgres (API) and KV, an audit row with actor airbag.
    const tripped = await eventually(async () => {
      const f = await api<FlagDto>('GET', `/api/apps/${app.id}/flags/new-checkout`);
      return f.circuitStatus.state === 'open' ? f : null;
    }, 3_000);
    expect(tripped.active).toBe(false);
    const logs = await api<Page<AuditEntryDto>>(
      'GET',
      `/api/apps/${app.id}/flags/new-checkout/logs`,
    );
    expect(logs.items.some((e) => e.actor === 'airbag' && e.action === 'circuit.opened')).toBe(
      true,
    );

    // 7. The SDK sees false.
    await eventually(() => !toggler.isFlagActive('tester-1'), 1_000);
  });
});
