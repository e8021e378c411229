import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CircuitEventType,
  type AppDto,
  type FlagDto,
  type WebhookDeliveryDto,
} from '@tailslide/contracts';
import { pino } from 'pino';
import type pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, eventually, type TestDatabase } from '@tailslide/test-support';
import { startTestTower, type TestTower } from '../../test/tower-fixture.js';
import { createPool, runMigrations } from '../db.js';
import { AlertDispatcher } from './alert-dispatcher.js';

/** A local webhook receiver answering from a script of status codes. */
class Receiver {
  readonly bodies: unknown[] = [];
  script: { status: number; headers?: Record<string, string> }[] = [];
  server: Server = createServer((req: IncomingMessage, res) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString('utf8')));
    req.on('end', () => {
      this.bodies.push(JSON.parse(data));
      const next = this.script.shift() ?? { status: 200 };
      res.writeHead(next.status, next.headers ?? {}).end(next.status === 200 ? 'ok' : 'no');
    });
  });
  get host(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe('AlertDispatcher.tick (real Postgres, local receiver)', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  const receiver = new Receiver();
  let seq = 0;

  beforeAll(async () => {
    await receiver.start();
    db = await createTestDatabase('tower_alerts');
    await runMigrations(db.url, pino({ level: 'silent' }));
    pool = createPool(db.url, 2);
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
    await receiver.stop();
  });
  beforeEach(() => {
    receiver.bodies.length = 0;
    receiver.script = [];
  });

  async function queueDelivery(url: string, at: number): Promise<number> {
    const hook = await pool.query<{ id: number }>(
      'INSERT INTO webhooks (name, url) VALUES ($1, $2) RETURNING id',
      ['h', url],
    );
    const row = await pool.query<{ id: number }>(
      `INSERT INTO alert_deliveries (webhook_id, event_id, event_type, app_id, flag_key, payload, next_attempt_at)
       VALUES ($1, $2, 'circuit.opened', 1, 'f', $3, $4) RETURNING id`,
      [hook.rows[0]!.id, `e${++seq}`, JSON.stringify({ text: 'hi', blocks: [] }), new Date(at)],
    );
    return row.rows[0]!.id;
  }

  async function delivery(id: number) {
    const { rows } = await pool.query<{
      status: string;
      attempts: number;
      last_status_code: number | null;
      last_error: string | null;
      next_attempt_at: Date;
    }>('SELECT * FROM alert_deliveries WHERE id = $1', [id]);
    return rows[0]!;
  }

  const dispatcher = (allowedHosts: string[]) =>
    new AlertDispatcher({ pool, logger: pino({ level: 'silent' }), allowedHosts });

  it("waits for a 429's Retry-After, then delivers and records both attempts", async () => {
    const t0 = Date.parse('2030-01-01T00:00:00Z');
    const id = await queueDelivery(`http://${receiver.host}/hook`, t0);
    receiver.script = [{ status: 429, headers: { 'Retry-After': '7' } }];
    const d = dispatcher([receiver.host]);
    expect(await d.tick(t0)).toBe(1);
    expect(await delivery(id)).toMatchObject({
      status: 'pending',
      attempts: 1,
      last_status_code: 429,
    });
    expect((await delivery(id)).next_attempt_at.getTime()).toBe(t0 + 7_000);
    expect(await d.tick(t0 + 6_999)).toBe(0);
    expect(await d.tick(t0 + 7_000)).toBe(1);
    expect(await delivery(id)).toMatchObject({
      status: 'delivered',
      attempts: 2,
      last_status_code: 200,
      last_error: null,
    });
    expect(receiver.bodies).toEqual([
      { text: 'hi', blocks: [] },
      { text: 'hi', blocks: [] },
    ]);
  });

  it('backs off on 5xx, fails at once on 404, and refuses a URL the policy no longer allows', async () => {
    const t0 = Date.parse('2031-01-01T00:00:00Z');
    const flaky = await queueDelivery(`http://${receiver.host}/flaky`, t0);
    receiver.script = [{ status: 503 }];
    await dispatcher([receiver.host]).tick(t0);
    expect(await delivery(flaky)).toMatchObject({
      status: 'pending',
      attempts: 1,
      last_status_code: 503,
    });
    expect((await delivery(flaky)).next_attempt_at.getTime()).toBe(t0 + 1_000);
    receiver.script = [{ status: 404 }];
    await dispatcher([receiver.host]).tick(t0 + 1_000);
    expect(await delivery(flaky)).toMatchObject({
      status: 'failed',
      attempts: 2,
      last_status_code: 404,
    });

    const t1 = Date.parse('2032-01-01T00:00:00Z');
    const refused = await queueDelivery(`http://${receiver.host}/refused`, t1);
    const before = receiver.bodies.length;
    await dispatcher([]).tick(t1);
    expect(await delivery(refused)).toMatchObject({ status: 'failed', attempts: 1 });
    expect((await delivery(refused)).last_error).toMatch(/url not allowed/);
    expect(receiver.bodies.length).toBe(before);
  });
});

describe('Slack alerts from circuit events (Tower in-process)', () => {
  const receiver = new Receiver();
  let t: TestTower;
  beforeAll(async () => {
    await receiver.start();
    t = await startTestTower({ webhookAllowedHosts: [receiver.host] });
  });
  afterAll(async () => {
    await t?.close();
    await receiver.stop();
  });

  it('sends a Block Kit message when a circuit opens, without delaying the flag change', async () => {
    const hook = await t.api<{ id: string }>('POST', '/api/webhooks', {
      name: 'local',
      url: `http://${receiver.host}/slack`,
    });
    expect(hook.status).toBe(201);
    const appId = (await t.api<AppDto>('POST', '/api/apps', { title: 'Payments' })).body.id;
    const flag = (
      await t.api<FlagDto>('POST', `/api/apps/${appId}/flags`, {
        key: 'pay',
        title: 'Pay',
        active: true,
        alertWebhookIds: [hook.body.id],
      })
    ).body;
    await t.publishEvent({
      type: CircuitEventType.opened,
      appId,
      flagKey: 'pay',
      ruleVersion: flag.version,
    });

    const deliveries = await eventually(async () => {
      const r = await t.api<WebhookDeliveryDto[]>(
        'GET',
        `/api/webhooks/${hook.body.id}/deliveries`,
      );
      return r.body[0]?.status === 'delivered' ? r.body : null;
    });
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({
      eventType: 'circuit.opened',
      attempts: 1,
      lastStatusCode: 200,
      flagKey: 'pay',
    });
    const body = receiver.bodies[0] as { text: string; blocks: { type: string }[] };
    expect(body.text).toContain('Circuit opened: pay');
    expect(body.blocks.map((b) => b.type)).toEqual([
      'header',
      'section',
      'section',
      'section',
      'context',
    ]);
    const opened = (await t.api<FlagDto>('GET', `/api/apps/${appId}/flags/pay`)).body;
    expect(opened.circuitStatus.state).toBe('open');

    // recovering and closed alert too; a recovery step does not.
    await t.publishEvent({
      type: CircuitEventType.recovering,
      appId,
      flagKey: 'pay',
      ruleVersion: opened.version,
      recoveryPercentage: 10,
    });
    const recovering = await eventually(async () => {
      const r = (await t.api<FlagDto>('GET', `/api/apps/${appId}/flags/pay`)).body;
      return r.circuitStatus.state === 'recovering' ? r : null;
    });
    await t.publishEvent({
      type: CircuitEventType.step,
      appId,
      flagKey: 'pay',
      ruleVersion: recovering.version,
      recoveryPercentage: 20,
    });
    const stepped = await eventually(async () => {
      const r = (await t.api<FlagDto>('GET', `/api/apps/${appId}/flags/pay`)).body;
      return r.circuitStatus.recoveryPercentage === 20 ? r : null;
    });
    await t.publishEvent({
      type: CircuitEventType.closed,
      appId,
      flagKey: 'pay',
      ruleVersion: stepped.version,
      recoveryPercentage: 100,
    });
    const all = await eventually(async () => {
      const r = await t.api<WebhookDeliveryDto[]>(
        'GET',
        `/api/webhooks/${hook.body.id}/deliveries`,
      );
      return r.body.length === 3 && r.body.every((d) => d.status === 'delivered') ? r.body : null;
    });
    expect(all.map((d) => d.eventType)).toEqual([
      'circuit.closed',
      'circuit.recovering',
      'circuit.opened',
    ]);
  });
});
