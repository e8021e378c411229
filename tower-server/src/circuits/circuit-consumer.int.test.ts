import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  circuitEventSubject,
  encodeCircuitEvent,
  type AppDto,
  type CircuitEvent,
  type FlagDto,
} from '@tailslide/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  eventually,
  services,
  signInAdmin,
  type AdminCredentials,
  type TestDatabase,
} from '@tailslide/test-support';
import { openedEvent } from '../../test/circuit-state-fixture.js';
import { TcpProxy } from '../../test/tcp-proxy.js';
import { testTowerOptions, type TestTowerOptions } from '../../test/tower-fixture.js';
import { startTower, type RunningTower } from '../server.js';

const admins = new WeakMap<RunningTower, Promise<AdminCredentials>>();

async function api<T>(
  tower: RunningTower,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  if (!admins.has(tower)) admins.set(tower, signInAdmin(tower.url));
  const admin = await admins.get(tower)!;
  const res = await fetch(tower.url + path, {
    method,
    headers: {
      ...admin.headers,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** Creates an active flag `key` (title = key upper-cased). */
async function createFlag(tower: RunningTower, appId: string, key: string): Promise<FlagDto> {
  const r = await api<FlagDto>(tower, 'POST', `/api/apps/${appId}/flags`, {
    key,
    title: key.toUpperCase(),
    active: true,
  });
  return r.body;
}

/** Waits until `tower` serves flag `key` with its circuit open, and returns it. */
function eventuallyOpen(
  tower: RunningTower,
  appId: string,
  key: string,
  timeoutMs?: number,
): Promise<FlagDto> {
  return eventually(async () => {
    const r = await api<FlagDto>(tower, 'GET', `/api/apps/${appId}/flags/${key}`);
    return r.status === 200 && r.body.circuitStatus.state === 'open' ? r.body : null;
  }, timeoutMs);
}

describe('circuit events survive Tower and Postgres outages', () => {
  let db: TestDatabase;
  let nc: NatsConnection;
  let options: TestTowerOptions;
  const towers: RunningTower[] = [];
  let proxy: TcpProxy | null = null;

  beforeEach(async () => {
    db = await createTestDatabase('tower_consumer');
    nc = await connect({ servers: services.natsUrl });
  });
  afterEach(async () => {
    for (const t of towers.splice(0)) await t.close();
    await proxy?.stop();
    proxy = null;
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(options.circuitStream).catch(() => undefined);
    await (await new Kvm(nc).open(options.flagsBucket)).destroy().catch(() => undefined);
    await nc.close();
    await db.drop();
  });

  /** Waits until Tower has recreated its durable consumer (and the stream under it). */
  async function consumerRecreated(): Promise<void> {
    const jsm = await jetstreamManager(nc);
    await eventually(async () => {
      await jsm.consumers.info(options.circuitStream, options.circuitConsumer);
      return true;
    }, 15_000);
  }

  async function publish(event: CircuitEvent): Promise<void> {
    const subject = circuitEventSubject(
      event.appId,
      event.flagKey,
      'opened',
      options.circuitSubjectRoot,
    );
    await jetstream(nc).publish(subject, encodeCircuitEvent(event), { msgID: event.id });
  }

  it('applies an event published while Tower was stopped once it starts again', async () => {
    options = testTowerOptions(db.url);
    const first = await startTower(options);
    const appId = (await api<AppDto>(first, 'POST', '/api/apps', { title: 'Down' })).body.id;
    const flag = await createFlag(first, appId, 'f');
    await first.close();

    await publish(openedEvent(appId, 'f', flag.version));

    const second = await startTower(options);
    towers.push(second);
    const opened = await eventuallyOpen(second, appId, 'f');
    expect(opened.active).toBe(false);
  }, 30_000);

  it('redelivers an event that arrived while Postgres was unreachable, and answers 503 meanwhile', async () => {
    const pgUrl = new URL(db.url);
    proxy = await TcpProxy.create(pgUrl.hostname, Number(pgUrl.port || 5432));
    const viaProxy = new URL(db.url);
    viaProxy.port = String(proxy.port);
    options = testTowerOptions(viaProxy.toString());
    const tower = await startTower(options);
    towers.push(tower);
    const appId = (await api<AppDto>(tower, 'POST', '/api/apps', { title: 'PG down' })).body.id;
    const flag = await createFlag(tower, appId, 'g');

    await proxy.stop();
    const during = await api<{ error: { code: string } }>(
      tower,
      'PATCH',
      `/api/apps/${appId}/flags/g`,
      { title: 'X' },
    );
    expect(during.status).toBe(503);
    expect(during.body.error.code).toBe('unavailable');
    await publish(openedEvent(appId, 'g', flag.version));
    // Give the consumer a chance to fail on it (it naks; nothing is acked without a commit).
    const jsm = await jetstreamManager(nc);
    await eventually(
      async () =>
        (await jsm.consumers.info(options.circuitStream, options.circuitConsumer)).delivered
          .stream_seq >= 1,
    );

    await proxy.start();
    const opened = await eventuallyOpen(tower, appId, 'g', 15_000);
    expect(opened.active).toBe(false);
    const logs = await api<{ items: { action: string; actor: string }[] }>(
      tower,
      'GET',
      `/api/apps/${appId}/flags/g/logs?action=circuit.opened`,
    );
    expect(logs.body.items).toEqual([
      expect.objectContaining({ action: 'circuit.opened', actor: 'airbag' }),
    ]);
  }, 30_000);

  it('runs two Tower instances side by side: they start together and apply an event once', async () => {
    options = testTowerOptions(db.url);
    const started = await Promise.allSettled([startTower(options), startTower(options)]);
    for (const r of started) if (r.status === 'fulfilled') towers.push(r.value);
    expect(started.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    const [a, b] = towers as [RunningTower, RunningTower];
    const appId = (await api<AppDto>(a, 'POST', '/api/apps', { title: 'HA' })).body.id;
    const flag = await createFlag(b, appId, 'h');
    await publish(openedEvent(appId, 'h', flag.version));
    for (const tower of [a, b]) {
      await eventuallyOpen(tower, appId, 'h');
    }
    const logs = await api<{ items: unknown[] }>(
      a,
      'GET',
      `/api/apps/${appId}/flags/h/logs?action=circuit.opened`,
    );
    expect(logs.body.items).toHaveLength(1);
  }, 30_000);

  it('recreates a deleted consumer and stream and keeps applying events (each once)', async () => {
    options = testTowerOptions(db.url);
    const tower = await startTower(options);
    towers.push(tower);
    const appId = (await api<AppDto>(tower, 'POST', '/api/apps', { title: 'Gone' })).body.id;
    const first = await createFlag(tower, appId, 'x');
    await publish(openedEvent(appId, 'x', first.version));
    await eventuallyOpen(tower, appId, 'x');

    const jsm = await jetstreamManager(nc);
    await jsm.consumers.delete(options.circuitStream, options.circuitConsumer);
    const second = await createFlag(tower, appId, 'y');
    await consumerRecreated();
    await publish(openedEvent(appId, 'y', second.version));
    await eventuallyOpen(tower, appId, 'y', 15_000);

    await jsm.streams.delete(options.circuitStream);
    const third = await createFlag(tower, appId, 'z');
    await consumerRecreated();
    await publish(openedEvent(appId, 'z', third.version));
    await eventuallyOpen(tower, appId, 'z', 15_000);

    // The recreated consumer replayed the stream from the start: the first event was not applied twice.
    const logs = await api<{ items: unknown[] }>(
      tower,
      'GET',
      `/api/apps/${appId}/logs?action=circuit.opened`,
    );
    expect(logs.body.items).toHaveLength(3);
  }, 60_000);
});
