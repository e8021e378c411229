/**
 * Trips without Tower (issue 11, item 2; ADR 0008). Airbag writes each decision's circuit state
 * into the flags KV beside the rule and the SDKs combine the two, so with Tower stopped a failure
 * onset still turns the flag off in every SDK after one Airbag tick, and the recovery ramp goes
 * on. When Tower returns it folds the events into Postgres and the audit log once each, in order,
 * without switching the healthy flag off again; a human change made after a trip wins; a decision
 * that is stale by the time Tower sees it is recorded, not applied. Real Postgres, NATS, Redis.
 */
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  CIRCUIT_EVENT_SCHEMA_VERSION,
  CircuitEventType,
  FINE_RESOLUTION_MS,
  circuitEventId,
  circuitEventSubject,
  encodeCircuitEvent,
  signalBucketKey,
  signalField,
  type AuditEntryDto,
  type CircuitEvent,
  type FlagDto,
  type Page,
} from '@tailslide/contracts';
import {
  createTestDatabase,
  deleteKeysWithPrefix,
  eventually,
  services,
  signInAdmin,
  type AdminCredentials,
  type TestDatabase,
} from '@tailslide/test-support';
import pg from 'pg';
import { pino } from 'pino';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAirbag, type Airbag } from '../airbag/src/index.js';
import { FlagManager, type Toggler } from '../sdk-node/src/index.js';
import { testTowerOptions, type TestTowerOptions } from '../tower-server/test/tower-fixture.js';
import { startTower, type RunningTower } from '../tower-server/src/server.js';

let db: TestDatabase;
let options: TestTowerOptions;
let tower: RunningTower | null = null;
let admin: AdminCredentials;
let nc: NatsConnection;
let redis: ReturnType<typeof createClient>;
let airbag: Airbag;
const managers: FlagManager[] = [];
/** Airbag's clock runs ahead of the wall clock by this much: recovery intervals without sleeps. */
let offset = 0;
const airbagNow = () => Date.now() + offset;

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  if (!tower) throw new Error('Tower is stopped');
  const res = await fetch(`${tower.url}${path}`, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...admin.headers,
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function startTowerAgain(): Promise<void> {
  tower = await startTower(options);
  admin = await signInAdmin(tower.url);
}

async function stopTower(): Promise<void> {
  await tower?.close();
  tower = null;
}

/** Adds healthy or failing calls at Airbag's time, as SDK flushes do. */
async function record(
  appId: string,
  flagKey: string,
  successes: number,
  failures: number,
  agoMs = 0,
) {
  const at = airbagNow() - agoMs;
  const start = at - (at % FINE_RESOLUTION_MS);
  const key = signalBucketKey(options.redisPrefix, appId, FINE_RESOLUTION_MS, start);
  const m = redis.multi();
  if (successes > 0) m.hIncrBy(key, signalField(flagKey, 'success'), successes);
  if (failures > 0) m.hIncrBy(key, signalField(flagKey, 'failure'), failures);
  m.pExpire(key, 120_000);
  await m.exec();
}

/** Share of 1,000 users the toggler lets in. */
function admitted(t: Toggler): number {
  let n = 0;
  for (let i = 0; i < 1000; i++) if (t.isFlagActive(`user-${i}`)) n++;
  return n / 10;
}

beforeAll(async () => {
  db = await createTestDatabase('trips');
  options = testTowerOptions(db.url, { logLevel: 'silent' });
  await startTowerAgain();
  nc = await connect({ servers: services.natsUrl });
  redis = createClient({ url: services.redisUrl });
  await redis.connect();
  airbag = await startAirbag({
    nats: nc,
    redis,
    flagsBucket: options.flagsBucket,
    airbagBucket: `${options.flagsBucket}_airbag`,
    circuitStream: options.circuitStream,
    circuitSubjectRoot: options.circuitSubjectRoot,
    redisPrefix: options.redisPrefix,
    autoPoll: false,
    now: airbagNow,
    logger: pino({ level: 'silent' }),
  });
});

afterAll(async () => {
  for (const m of managers) await m.close();
  await airbag?.close();
  await tower?.close();
  if (nc) {
    const kvm = new Kvm(nc);
    for (const b of [options.flagsBucket, `${options.flagsBucket}_airbag`])
      await kvm
        .open(b)
        .then((kv) => kv.destroy())
        .catch(() => undefined);
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(options.circuitStream).catch(() => undefined);
    await nc.close();
  }
  if (redis) {
    await deleteKeysWithPrefix(redis, options.redisPrefix);
    await redis.quit();
  }
  await db?.drop();
});

describe('trips without Tower', () => {
  it('trips, ramps and closes with Tower stopped; Tower folds it all once, in order; humans still win', async () => {
    const app = await api<{ id: string }>('POST', '/api/apps', { title: 'Shop' });
    const created = await api<FlagDto>('POST', `/api/apps/${app.id}/flags`, {
      key: 'checkout',
      title: 'Checkout',
      active: true,
      rolloutPercentage: 100,
      whitelist: [],
      circuit: {
        enabled: true,
        errorThresholdPercentage: 50,
        minimumRequests: 10,
        windowMs: 10_000,
        recoveryDelayMs: 0,
        initialRecoveryPercentage: 30,
        recoveryIncrementPercentage: 40,
        recoveryStepMs: 1_000,
      },
    });

    // Two SDK processes' worth of clients, on the same app.
    const togglers: Toggler[] = [];
    for (let i = 0; i < 2; i++) {
      const m = new FlagManager({
        appId: app.id,
        nats: services.natsUrl,
        redis: services.redisUrl,
        flagsBucket: options.flagsBucket,
        redisPrefix: options.redisPrefix,
      });
      managers.push(m);
      await m.initialize();
      togglers.push(m.newToggler('checkout'));
    }
    await airbag.waitForRule(app.id, 'checkout', created.version, 5_000);
    for (const t of togglers) await eventually(() => t.isFlagActive('u'), 2_000);

    await stopTower();

    // Failure onset: both SDKs fail, flush; one Airbag tick → off in both, Tower or not.
    for (const t of togglers) for (let i = 0; i < 15; i++) t.emitFailure();
    for (const m of managers) await m.flush();
    const opened = await airbag.tick();
    expect(opened.published.map((e) => e.type)).toEqual([CircuitEventType.opened]);
    for (const t of togglers) await eventually(() => !t.isFlagActive('u'), 2_000);

    // The ramp proceeds with Tower stopped: recovering at 30 %, a step to 70 %, closed.
    offset += 2_000;
    expect((await airbag.tick()).published.map((e) => e.type)).toEqual([
      CircuitEventType.recovering,
    ]);
    for (const t of togglers) {
      await eventually(() => admitted(t) > 0, 2_000);
      expect(admitted(t)).toBeGreaterThan(20);
      expect(admitted(t)).toBeLessThan(40);
    }
    for (const [, pct] of [
      [CircuitEventType.step, 70],
      [CircuitEventType.closed, 100],
    ] as const) {
      offset += 100;
      await record(app.id, 'checkout', 20, 0);
      offset += 1_500;
      const r = await airbag.tick();
      expect(r.published).toHaveLength(1);
      for (const t of togglers) await eventually(() => admitted(t) >= pct - 10, 2_000);
    }
    for (const t of togglers) expect(admitted(t)).toBe(100);

    // Tower returns: every transition recorded once, in order; the SDKs never go off meanwhile.
    const seenOff: string[] = [];
    const watchOff = () => {
      togglers.forEach((t, i) => {
        if (!t.isFlagActive('u')) seenOff.push(`sdk ${i}`);
      });
    };
    for (const m of managers) m.on('changed', watchOff);
    await startTowerAgain();
    const folded = await eventually(async () => {
      const f = await api<FlagDto>('GET', `/api/apps/${app.id}/flags/checkout`);
      return f.circuitStatus.state === 'closed' && f.version > created.version + 3 ? f : null;
    }, 10_000);
    expect(folded.active).toBe(true);
    const logs = await api<Page<AuditEntryDto>>(
      'GET',
      `/api/apps/${app.id}/flags/checkout/logs?limit=100`,
    );
    const airbagActions = logs.items
      .filter((e) => e.actor === 'airbag')
      .sort((a, b) => Number(a.id) - Number(b.id))
      .map((e) => e.action);
    expect(airbagActions).toEqual([
      CircuitEventType.opened,
      CircuitEventType.recovering,
      CircuitEventType.step,
      CircuitEventType.closed,
    ]);
    // Let the folds reach the KV and the SDKs before judging what they saw.
    for (const m of managers) {
      await eventually(
        () => m.newToggler('checkout').evaluate('u').ruleVersion === folded.version,
        5_000,
      );
    }
    expect(seenOff).toEqual([]);
    for (const t of togglers) expect(admitted(t)).toBe(100);

    // A second trip; a human turns the flag back on afterwards: the human wins, in every SDK and
    // in Airbag (which decides nothing on the old evidence).
    // (The failures land in the second before the trip: the human's reset below comes a few
    // milliseconds after it on Airbag's clock, and evidence is counted in whole seconds.)
    offset += 2_000;
    await record(app.id, 'checkout', 0, 30, FINE_RESOLUTION_MS);
    const second = await airbag.tick();
    expect(second.published.map((e) => e.type)).toEqual([CircuitEventType.opened]);
    for (const t of togglers) await eventually(() => !t.isFlagActive('u'), 2_000);
    const trippedFlag = await eventually(async () => {
      const f = await api<FlagDto>('GET', `/api/apps/${app.id}/flags/checkout`);
      return f.circuitStatus.state === 'open' ? f : null;
    }, 10_000);
    const reset = await api<FlagDto>('POST', `/api/apps/${app.id}/flags/checkout/toggle`, {
      active: true,
    });
    for (const t of togglers) await eventually(() => t.isFlagActive('u'), 2_000);
    await airbag.waitForRule(app.id, 'checkout', reset.version, 5_000);
    offset += 100;
    expect((await airbag.tick()).published).toEqual([]);

    // A decision taken before that human change, delivered only now: recorded as stale, not
    // applied — the flag stays on.
    const late: CircuitEvent = {
      schemaVersion: CIRCUIT_EVENT_SCHEMA_VERSION,
      id: circuitEventId(app.id, 'checkout', trippedFlag.version, CircuitEventType.opened, 99),
      type: CircuitEventType.opened,
      appId: app.id,
      flagKey: 'checkout',
      ruleVersion: trippedFlag.version,
      recoveryPercentage: 0,
      occurredAt: new Date(Date.parse(reset.circuitStatus.changedAt) - 500).toISOString(),
      stats: null,
      reason: 'delivered late',
    };
    await jetstream(nc).publish(
      circuitEventSubject(app.id, 'checkout', 'opened', options.circuitSubjectRoot),
      encodeCircuitEvent(late),
      { msgID: late.id },
    );
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    try {
      const outcome = await eventually(async () => {
        const { rows } = await pool.query<{ outcome: string }>(
          'SELECT outcome FROM applied_circuit_events WHERE event_id = $1',
          [late.id],
        );
        return rows[0]?.outcome ?? null;
      }, 10_000);
      expect(outcome).toBe('stale');
    } finally {
      await pool.end();
    }
    // The audit log says what was skipped and why, as Airbag's.
    const skipped = await api<Page<AuditEntryDto>>(
      'GET',
      `/api/logs?appId=${app.id}&flagKey=checkout&action=circuit.skipped`,
    );
    expect(skipped.items).toEqual([
      expect.objectContaining({ actor: 'airbag', action: 'circuit.skipped', requestId: late.id }),
    ]);
    expect(skipped.items[0]?.reason).toMatch(
      /^circuit\.opened not applied \(stale\): decided at .* the circuit was changed at .*; Airbag's reason: delivered late$/,
    );
    const after = await api<FlagDto>('GET', `/api/apps/${app.id}/flags/checkout`);
    expect(after).toMatchObject({ active: true, version: reset.version });
    for (const t of togglers) expect(t.isFlagActive('u')).toBe(true);
  });
});
