import { jetstreamManager } from '@nats-io/jetstream';
import {
  CircuitEventType,
  SocketEvent,
  circuitKvKey,
  encodeCircuitKvState,
  type AppDto,
  type AuditEntryDto,
  type CircuitEvent,
  type FlagDto,
  type FlagEventDto,
  type Page,
} from '@tailslide/contracts';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@tailslide/test-support';
import { openedState } from '../../test/circuit-state-fixture.js';
import { connectDashboard, startTestTower, type TestTower } from '../../test/tower-fixture.js';
import { connect } from '@nats-io/transport-node';
import { pino } from 'pino';
import { createPool } from '../db.js';
import { FlagsBucket } from '../nats.js';
import { FlagPublisher } from './flag-publisher.js';
import { OutboxRelay } from './outbox-relay.js';

describe('flag publishing and circuit events (real Postgres + NATS)', () => {
  let t: TestTower;
  beforeAll(async () => {
    t = await startTestTower();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('walks the skeleton: create → KV, toggle → KV, circuit.opened from Airbag → applied', async () => {
    const app = await t.api<AppDto>('POST', '/api/apps', { title: 'Checkout' });
    expect(app.status).toBe(201);
    const appId = app.body.id;

    const created = await t.createFlag(appId, 'new-checkout', {
      whitelist: ['alice'],
      rolloutPercentage: 12.5,
    });
    expect(created).toMatchObject({
      appId,
      key: 'new-checkout',
      active: true,
      whitelist: ['alice'],
      rolloutPercentage: 12.5,
    });
    expect(created.circuitStatus.state).toBe('closed');

    const published = await eventually(() => t.kvRule(appId, 'new-checkout'), 1_000);
    expect(published).toMatchObject({
      appId,
      flagKey: 'new-checkout',
      version: created.version,
      active: true,
      whitelist: ['alice'],
    });
    expect(JSON.stringify(published)).not.toMatch(/title|webhook/i);

    const off = await t.api<FlagDto>('POST', `/api/apps/${appId}/flags/new-checkout/toggle`, {
      active: false,
    });
    expect(off.status).toBe(200);
    expect(off.body.active).toBe(false);
    expect(off.body.version).toBeGreaterThan(created.version);
    await eventually(async () => (await t.kvRule(appId, 'new-checkout'))?.active === false);

    const on = await t.api<FlagDto>('POST', `/api/apps/${appId}/flags/new-checkout/toggle`, {
      active: true,
    });
    await eventually(
      async () => (await t.kvRule(appId, 'new-checkout'))?.version === on.body.version,
    );

    await t.publishEvent({
      type: CircuitEventType.opened,
      appId,
      flagKey: 'new-checkout',
      ruleVersion: on.body.version,
    });
    const opened = await t.eventuallyCircuit(appId, 'new-checkout');
    expect(opened.active).toBe(false);
    expect(opened.circuitStatus.recoveryPercentage).toBe(0);
    expect(opened.version).toBeGreaterThan(on.body.version);

    const rule = await eventually(async () => {
      const r = await t.kvRule(appId, 'new-checkout');
      return r?.version === opened.version ? r : null;
    });
    expect(rule.active).toBe(false);
    expect(rule.circuitStatus.state).toBe('open');

    const logs = await t.api<Page<AuditEntryDto>>(
      'GET',
      `/api/apps/${appId}/flags/new-checkout/logs?action=circuit.opened`,
    );
    expect(logs.body.items).toHaveLength(1);
    expect(logs.body.items[0]).toMatchObject({
      actor: 'airbag',
      action: 'circuit.opened',
      flagKey: 'new-checkout',
    });
    expect(logs.body.items[0]!.changes).toContainEqual({
      field: 'circuitStatus.state',
      before: 'closed',
      after: 'open',
    });
  });

  it('applies a redelivered event once and ignores events for an older version', async () => {
    const appId = (await t.api<AppDto>('POST', '/api/apps', { title: 'Idempotency' })).body.id;
    const flag = await t.createFlag(appId, 'search');
    const event = await t.publishEvent({
      type: CircuitEventType.opened,
      appId,
      flagKey: 'search',
      ruleVersion: flag.version,
    });
    const opened = await t.eventuallyCircuit(appId, 'search');
    // The same event again under another message id (past JetStream's duplicate window check).
    await t.publishEvent({ ...event }, `${event.id}-redelivery`);
    // A stale event: decided on the version before the circuit opened, and before the circuit's
    // last change (ADR 0008: an older version alone is not stale while Airbag moves on).
    await t.publishEvent({
      type: CircuitEventType.closed,
      appId,
      flagKey: 'search',
      ruleVersion: flag.version,
      recoveryPercentage: 100,
      occurredAt: new Date(Date.parse(event.occurredAt) - 1000).toISOString(),
    });
    // A marker event that is applied proves the two before it were consumed (the stream is ordered).
    await t.publishEvent({
      type: CircuitEventType.recovering,
      appId,
      flagKey: 'search',
      ruleVersion: opened.version,
      recoveryPercentage: 10,
    });
    const recovering = await eventually(async () => {
      const r = await t.api<FlagDto>('GET', `/api/apps/${appId}/flags/search`);
      return r.body.circuitStatus.state === 'recovering' ? r.body : null;
    });
    expect(recovering.circuitStatus.recoveryPercentage).toBe(10);
    expect(recovering.active).toBe(true);
    const history = await t.api<Page<AuditEntryDto>>(
      'GET',
      `/api/apps/${appId}/flags/search/circuit/history`,
    );
    // The stale event is in the history as skipped, with why; the redelivery left nothing.
    expect(history.body.items.map((e) => e.action)).toEqual([
      'circuit.recovering',
      'circuit.skipped',
      'circuit.opened',
    ]);
    expect(history.body.items[1]).toMatchObject({
      actor: 'airbag',
      reason: expect.stringMatching(/^circuit\.closed not applied \(stale\): /) as unknown,
    });
  });

  it('cancels a recovery on manual toggle off and closes an open circuit on manual toggle on', async () => {
    const appId = (await t.api<AppDto>('POST', '/api/apps', { title: 'Manual' })).body.id;
    const flag = await t.createFlag(appId, 'banner');
    await t.publishEvent({
      type: CircuitEventType.opened,
      appId,
      flagKey: 'banner',
      ruleVersion: flag.version,
    });
    const opened = await t.eventuallyCircuit(appId, 'banner');
    const on = await t.api<FlagDto>('POST', `/api/apps/${appId}/flags/banner/toggle`, {
      active: true,
    });
    expect(on.body).toMatchObject({
      active: true,
      circuitStatus: { state: 'closed', recoveryPercentage: 100 },
    });
    // The open event Airbag had decided earlier is now stale and must not reopen it.
    await t.publishEvent({
      type: CircuitEventType.recovering,
      appId,
      flagKey: 'banner',
      ruleVersion: opened.version,
      recoveryPercentage: 10,
    });

    const flag2 = await t.createFlag(appId, 'banner2');
    await t.publishEvent({
      type: CircuitEventType.opened,
      appId,
      flagKey: 'banner2',
      ruleVersion: flag2.version,
    });
    const opened2 = await t.eventuallyCircuit(appId, 'banner2');
    await t.publishEvent({
      type: CircuitEventType.recovering,
      appId,
      flagKey: 'banner2',
      ruleVersion: opened2.version,
      recoveryPercentage: 10,
    });
    await eventually(
      async () =>
        (await t.api<FlagDto>('GET', `/api/apps/${appId}/flags/banner2`)).body.circuitStatus
          .state === 'recovering',
    );
    const off = await t.api<FlagDto>('POST', `/api/apps/${appId}/flags/banner2/toggle`, {
      active: false,
    });
    expect(off.body).toMatchObject({
      active: false,
      circuitStatus: { state: 'closed', recoveryPercentage: 100 },
    });
    await eventually(async () => (await t.kvRule(appId, 'banner2'))?.version === off.body.version);

    const banner = await t.api<FlagDto>('GET', `/api/apps/${appId}/flags/banner`);
    expect(banner.body.circuitStatus.state).toBe('closed');
    expect(banner.body.version).toBe(on.body.version);
  });

  it('converges the KV on the database after 50 concurrent updates to one flag', async () => {
    const appId = (await t.api<AppDto>('POST', '/api/apps', { title: 'Concurrency' })).body.id;
    await t.createFlag(appId, 'hot');
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        t.api<FlagDto>('PATCH', `/api/apps/${appId}/flags/hot`, {
          rolloutPercentage: (i % 10) * 10 + 0.5,
        }),
      ),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    const final = (await t.api<FlagDto>('GET', `/api/apps/${appId}/flags/hot`)).body;
    const rule = await eventually(async () => {
      const r = await t.kvRule(appId, 'hot');
      return r?.version === final.version ? r : null;
    });
    expect(rule.rolloutPercentage).toBe(final.rolloutPercentage);
    // Every outbox row is eventually consumed (the relay deletes them in its publishing transaction).
    const c = new pg.Client({ connectionString: t.db.url });
    await c.connect();
    try {
      await eventually(async () => {
        const { rows } = await c.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox');
        return rows[0]!.n === 0;
      });
    } finally {
      await c.end();
    }
    expect(await t.kvRule(appId, 'hot')).toEqual(rule);
  });

  it('deletes the KV entry and the circuit state when a flag is deleted, and those of every flag of a deleted app', async () => {
    const appId = (await t.api<AppDto>('POST', '/api/apps', { title: 'Doomed' })).body.id;
    await t.createFlag(appId, 'a');
    await t.createFlag(appId, 'b');
    await eventually(async () => (await t.kvRule(appId, 'a')) && (await t.kvRule(appId, 'b')));
    // Airbag tripped both (ADR 0008: its circuit state beside each rule).
    for (const key of ['a', 'b'])
      await t.kv.put(circuitKvKey(appId, key), encodeCircuitKvState(openedState(appId, key)));
    const held = async (key: string) =>
      (await t.kv.get(circuitKvKey(appId, key)))?.operation === 'PUT';
    expect((await t.api('DELETE', `/api/apps/${appId}/flags/a`)).status).toBe(204);
    await eventually(async () => (await t.kvRule(appId, 'a')) === null && !(await held('a')));
    expect(await held('b')).toBe(true);
    expect((await t.api('DELETE', `/api/apps/${appId}`)).status).toBe(204);
    await eventually(async () => (await t.kvRule(appId, 'b')) === null && !(await held('b')));
    expect((await t.api('GET', `/api/apps/${appId}`)).status).toBe(404);
    const logs = await t.api<Page<AuditEntryDto>>('GET', `/api/apps/${appId}/logs`);
    expect(logs.body.items.map((e) => e.action)).toEqual([
      'app.deleted',
      'flag.deleted',
      'flag.deleted',
      'flag.created',
      'flag.created',
      'app.created',
    ]);
  });

  it('acks a circuit event only after its transaction committed', async () => {
    const appId = (await t.api<AppDto>('POST', '/api/apps', { title: 'Ack' })).body.id;
    const flag = await t.createFlag(appId, 'locked');
    const jsm = await jetstreamManager(t.nc);
    const consumerInfo = () =>
      jsm.consumers.info(t.options.circuitStream, t.options.circuitConsumer);
    await eventually(async () => (await consumerInfo()).num_ack_pending === 0);
    const blocker = new pg.Client({ connectionString: t.db.url });
    await blocker.connect();
    try {
      // Hold the flag's row lock: Tower's apply transaction waits behind it.
      await blocker.query('BEGIN');
      await blocker.query('SELECT 1 FROM flags WHERE id = $1 FOR UPDATE', [flag.id]);
      await t.publishEvent({
        type: CircuitEventType.opened,
        appId,
        flagKey: 'locked',
        ruleVersion: flag.version,
      });
      await eventually(async () => (await consumerInfo()).num_ack_pending === 1);
      expect(
        (await t.api<FlagDto>('GET', `/api/apps/${appId}/flags/locked`)).body.circuitStatus.state,
      ).toBe('closed');
      await blocker.query('ROLLBACK');
      await eventually(async () => (await consumerInfo()).num_ack_pending === 0);
      expect(
        (await t.api<FlagDto>('GET', `/api/apps/${appId}/flags/locked`)).body.circuitStatus.state,
      ).toBe('open');
    } finally {
      await blocker.end();
    }
  });

  it('pushes an applied circuit event with the new flag to dashboards', async () => {
    const appId = (await t.api<AppDto>('POST', '/api/apps', { title: 'Live circuit' })).body.id;
    const flag = await t.createFlag(appId, 'pushed');
    const socket = await connectDashboard(t.tower.url, t.admin.headers);
    try {
      const received = new Promise<{ event: CircuitEvent; flag: FlagEventDto }>((resolve) =>
        socket.on(SocketEvent.circuitEvent, (p) => p.flag.key === 'pushed' && resolve(p)),
      );
      const sent = await t.publishEvent({
        type: CircuitEventType.opened,
        appId,
        flagKey: 'pushed',
        ruleVersion: flag.version,
      });
      const got = await received;
      expect(got.event.id).toBe(sent.id);
      expect(got.flag).toMatchObject({ active: false, circuitStatus: { state: 'open' } });
    } finally {
      socket.close();
    }
  });

  it('never regresses the KV with two relays (two Tower instances) racing on 50 updates', async () => {
    const appId = (await t.api<AppDto>('POST', '/api/apps', { title: 'Two relays' })).body.id;
    await t.createFlag(appId, 'contended');
    const nc = await connect({ servers: t.options.natsUrl });
    const pool = createPool(t.db.url, 4);
    const second = new OutboxRelay({
      pool,
      publisher: new FlagPublisher(new FlagsBucket(nc, t.options.flagsBucket)),
      logger: pino({ level: 'silent' }),
      batchSize: 3,
      pollMs: 5,
    });
    second.start();
    try {
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          t.api('PATCH', `/api/apps/${appId}/flags/contended`, { whitelist: [`user-${i}`] }),
        ),
      );
      const final = (await t.api<FlagDto>('GET', `/api/apps/${appId}/flags/contended`)).body;
      const rule = await eventually(async () => {
        const r = await t.kvRule(appId, 'contended');
        return r?.version === final.version ? r : null;
      });
      expect(rule.whitelist).toEqual(final.whitelist);
    } finally {
      await second.stop();
      await pool.end();
      await nc.close();
    }
  });
});
