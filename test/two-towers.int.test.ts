/**
 * The platform with two Towers and two Airbags (issue 14 §1), as behind a load balancer: people
 * work on either Tower, both Airbags tick, and every change still has exactly one effect — one
 * KV publish, one circuit event, one audit row, one alert — and reaches dashboards on both.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type {
  AuditEntryDto,
  FlagDto,
  Page,
  ServerToClientEvents,
  WebhookDeliveryDto,
} from '@tailslide/contracts';
import {
  createTestDatabase,
  deleteKeysWithPrefix,
  eventually,
  services,
  signInAdmin,
  TEST_ADMIN,
  uniqueName,
  type TestDatabase,
} from '@tailslide/test-support';
import { createClient } from 'redis';
import { io as ioClient, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAirbag, type Airbag } from '../airbag/src/index.js';
import { FlagManager } from '../sdk-node/src/index.js';
import { startTower, type RunningTower } from '../tower-server/src/server.js';

const names = {
  flagsBucket: uniqueName('tt_flags'),
  airbagBucket: uniqueName('tt_airbag'),
  circuitStream: uniqueName('TT_CIRCUITS'),
  circuitSubjectRoot: uniqueName('tt.circuit').replace('_', '.'),
  circuitConsumer: uniqueName('tt_tower'),
  redisPrefix: uniqueName('tt'),
};

let db: TestDatabase;
let hookServer: Server;
let hookHost: string;
const hookBodies: unknown[] = [];
const towers: RunningTower[] = [];
const airbags: Airbag[] = [];
let manager: FlagManager | undefined;
let nc: NatsConnection;
let redis: ReturnType<typeof createClient>;
const sockets: Socket<ServerToClientEvents>[] = [];

async function dashboard(url: string, authorization: string) {
  const socket: Socket<ServerToClientEvents> = ioClient(url, {
    path: '/socket.io',
    transports: ['websocket'],
    extraHeaders: { authorization },
    reconnection: false,
  });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  const circuitEvents: string[] = [];
  socket.on('circuit.event', ({ event }) => circuitEvents.push(event.type));
  return circuitEvents;
}

beforeAll(async () => {
  hookServer = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      hookBodies.push(JSON.parse(body) as unknown);
      res.end('ok');
    });
  });
  await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', r));
  hookHost = `127.0.0.1:${(hookServer.address() as AddressInfo).port}`;
  db = await createTestDatabase('tt');
  const options = {
    databaseUrl: db.url,
    natsUrl: services.natsUrl,
    redisUrl: services.redisUrl,
    port: 0,
    flagsBucket: names.flagsBucket,
    circuitStream: names.circuitStream,
    circuitSubjectRoot: names.circuitSubjectRoot,
    circuitConsumer: names.circuitConsumer,
    redisPrefix: names.redisPrefix,
    webhookAllowedHosts: [hookHost],
    logLevel: 'warn' as const,
    admin: TEST_ADMIN,
  };
  towers.push(await startTower(options));
  towers.push(await startTower(options));
  nc = await connect({ servers: services.natsUrl });
  redis = createClient({ url: services.redisUrl });
  await redis.connect();
});

afterAll(async () => {
  for (const s of sockets) s.close();
  await manager?.close();
  for (const a of airbags) await a.close();
  for (const t of towers) await t.close();
  if (nc) {
    const kvm = new Kvm(nc);
    for (const b of [names.flagsBucket, names.airbagBucket])
      await kvm
        .open(b)
        .then((kv) => kv.destroy())
        .catch(() => undefined);
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(names.circuitStream).catch(() => undefined);
    await nc.close();
  }
  if (redis) {
    await deleteKeysWithPrefix(redis, names.redisPrefix);
    await redis.quit();
  }
  await db?.drop();
  await new Promise((r) => hookServer?.close(r));
});

describe('two Towers and two Airbags', () => {
  it('trip once: one event, one audit row, one alert, seen on dashboards of both Towers', async () => {
    const [a, b] = towers as [RunningTower, RunningTower];
    const admin = await signInAdmin(a.url);
    const onA = (method: string, path: string, body?: unknown) =>
      admin.request<unknown>(method, path, body);
    const onB = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
      const res = await fetch(`${b.url}${path}`, {
        method,
        headers: { ...admin.headers, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!res.ok)
        throw new Error(`${method} ${path} on Tower B: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    };

    // People work on either Tower: the app on A, the webhook and the flag on B.
    const app = (await onA('POST', '/api/apps', { title: 'Two towers' })) as { id: string };
    const hook = await onB<{ id: string }>('POST', '/api/webhooks', {
      name: 'ops',
      url: `http://${hookHost}/slack`,
    });
    const flag = await onB<FlagDto>('POST', `/api/apps/${app.id}/flags`, {
      key: 'checkout',
      title: 'Checkout',
      active: true,
      alertWebhookIds: [hook.id],
      circuit: { errorThresholdPercentage: 50, minimumRequests: 10, windowMs: 60_000 },
    });
    const eventsOnA = await dashboard(a.url, admin.headers.authorization);
    const eventsOnB = await dashboard(b.url, admin.headers.authorization);

    manager = new FlagManager({
      appId: app.id,
      nats: services.natsUrl,
      redis: services.redisUrl,
      flagsBucket: names.flagsBucket,
      redisPrefix: names.redisPrefix,
    });
    await manager.initialize();
    const toggler = manager.newToggler({ flagName: 'checkout' });
    await eventually(() => toggler.isFlagActive('u1'), 2_000);
    for (let i = 0; i < 20; i++) toggler.emitFailure();
    await manager.flush();

    // Both Airbags tick, several times: the lease lets exactly one decide and publish.
    for (let i = 0; i < 2; i++)
      airbags.push(
        await startAirbag({
          nats: nc,
          redis,
          flagsBucket: names.flagsBucket,
          airbagBucket: names.airbagBucket,
          circuitStream: names.circuitStream,
          circuitSubjectRoot: names.circuitSubjectRoot,
          redisPrefix: names.redisPrefix,
          autoPoll: false,
        }),
      );
    for (const airbag of airbags) await airbag.waitForRule(app.id, 'checkout', flag.version, 2_000);
    const published: string[] = [];
    for (let round = 0; round < 3; round++)
      for (const airbag of airbags)
        published.push(...(await airbag.tick()).published.map((e) => e.type));
    expect(published).toEqual(['circuit.opened']);
    expect(airbags.filter((x) => x.isLeader())).toHaveLength(1);

    // One Tower applied it (one durable consumer); the flag is off everywhere.
    await eventually(async () => {
      const f = await onB<FlagDto>('GET', `/api/apps/${app.id}/flags/checkout`);
      return f.circuitStatus.state === 'open';
    }, 5_000);
    await eventually(() => !toggler.isFlagActive('u1'), 2_000);
    await eventually(() => eventsOnA.length >= 1 && eventsOnB.length >= 1, 2_000);

    // Exactly one alert, delivered once.
    const deliveries = await eventually(async () => {
      const body = await onA('GET', `/api/webhooks/${hook.id}/deliveries`);
      const list = (
        Array.isArray(body) ? body : (body as Page<WebhookDeliveryDto>).items
      ) as WebhookDeliveryDto[];
      return list.length > 0 && list.every((d) => d.status === 'delivered') ? list : null;
    }, 5_000);
    expect(deliveries.map((d) => d.eventType)).toEqual(['circuit.opened']);
    expect(hookBodies).toHaveLength(1);

    // Exactly one audit row for the trip, by airbag.
    const logs = (await onA(
      'GET',
      `/api/apps/${app.id}/flags/checkout/logs`,
    )) as Page<AuditEntryDto>;
    expect(logs.items.filter((e) => e.action === 'circuit.opened').map((e) => e.actor)).toEqual([
      'airbag',
    ]);
    // And each dashboard saw the trip once.
    expect(eventsOnA).toEqual(['circuit.opened']);
    expect(eventsOnB).toEqual(['circuit.opened']);
  });
});
