import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  circuitKvKey,
  encodeCircuitKvState,
  encodeFlagRule,
  flagKvKey,
  type AppDto,
  type AuditEntryDto,
  type FlagDto,
  type Page,
} from '@tailslide/contracts';
import { pino } from 'pino';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@tailslide/test-support';
import { openedState } from '../../test/circuit-state-fixture.js';
import { startTestTower, type TestTower } from '../../test/tower-fixture.js';
import { createPool } from '../db.js';
import { FlagsBucket } from '../nats.js';
import { createMetrics } from '../ops/metrics.js';
import { FlagPublisher } from './flag-publisher.js';
import { FlagReconciler } from './flag-reconciler.js';

describe('FlagReconciler (real Postgres + NATS)', () => {
  let t: TestTower;
  let nc: NatsConnection;
  let pool: pg.Pool;
  let reconciler: FlagReconciler;
  let appId: string;
  let flags: FlagDto[];

  beforeAll(async () => {
    t = await startTestTower();
    nc = await connect({ servers: t.options.natsUrl });
    pool = createPool(t.db.url, 2);
    const bucket = new FlagsBucket(nc, t.options.flagsBucket);
    reconciler = new FlagReconciler({
      pool,
      bucket,
      publisher: new FlagPublisher(bucket),
      logger: pino({ level: 'silent' }),
    });
    appId = (await t.api<AppDto>('POST', '/api/apps', { title: 'Drift' })).body.id;
    flags = [];
    for (const key of ['one', 'two', 'three']) {
      flags.push(
        (
          await t.api<FlagDto>('POST', `/api/apps/${appId}/flags`, {
            key,
            title: key,
            active: true,
          })
        ).body,
      );
    }
    await eventually(async () =>
      (await Promise.all(flags.map((f) => t.kvRule(appId, f.key)))).every(Boolean),
    );
  });
  afterAll(async () => {
    await pool?.end();
    await nc?.close();
    await t?.close();
  });

  it('reports nothing to do when the KV matches the database', async () => {
    expect(await reconciler.tick()).toMatchObject({ rewritten: 0, deleted: 0 });
  });

  it('rewrites a tampered entry, restores a purged key and deletes an entry without a flag', async () => {
    const tampered = (await t.kvRule(appId, 'one'))!;
    await t.kv.put(
      flagKvKey(appId, 'one'),
      encodeFlagRule({ ...tampered, active: false, whitelist: ['mallory'] }),
    );
    await t.kv.purge(flagKvKey(appId, 'two'));
    await t.kv.put(flagKvKey(appId, 'ghost'), encodeFlagRule({ ...tampered, flagKey: 'ghost' }));

    expect(await reconciler.tick()).toMatchObject({ checked: 3, rewritten: 2, deleted: 1 });
    expect(await t.kvRule(appId, 'one')).toMatchObject({
      active: true,
      whitelist: [],
      version: flags[0]!.version,
    });
    expect(await t.kvRule(appId, 'two')).toMatchObject({ version: flags[1]!.version });
    expect(await t.kvRule(appId, 'ghost')).toBeNull();
  });

  it("deletes a circuit state whose flag has no row, and leaves a live flag's alone", async () => {
    await t.kv.put(circuitKvKey(appId, 'ghost'), encodeCircuitKvState(openedState(appId, 'ghost')));
    await t.kv.put(
      circuitKvKey(appId, 'three'),
      encodeCircuitKvState(openedState(appId, 'three', flags[2]!.version)),
    );
    expect(await reconciler.tick()).toMatchObject({ rewritten: 0, deleted: 1 });
    expect((await t.kv.get(circuitKvKey(appId, 'ghost')))?.operation).not.toBe('PUT');
    expect((await t.kv.get(circuitKvKey(appId, 'three')))?.operation).toBe('PUT');
    await t.kv.delete(circuitKvKey(appId, 'three'));
  });

  it('recreates and refills a deleted bucket, after which the relay publishes again', async () => {
    await t.kv.destroy();
    const report = await reconciler.tick();
    expect(report.rewritten).toBe(3);
    for (const f of flags) expect((await t.kvRule(appId, f.key))?.version).toBe(f.version);
    const toggled = (
      await t.api<FlagDto>('POST', `/api/apps/${appId}/flags/three/toggle`, { active: false })
    ).body;
    await eventually(async () => (await t.kvRule(appId, 'three'))?.version === toggled.version);
  });

  it('moves the database version past a KV entry that is ahead of it, so readers accept the repair', async () => {
    const current = (await t.api<FlagDto>('GET', `/api/apps/${appId}/flags/one`)).body;
    const held = (await t.kvRule(appId, 'one'))!;
    await t.kv.put(
      flagKvKey(appId, 'one'),
      encodeFlagRule({ ...held, version: current.version + 1_000, active: false }),
    );
    await reconciler.tick();
    const after = (await t.api<FlagDto>('GET', `/api/apps/${appId}/flags/one`)).body;
    expect(after.version).toBeGreaterThan(current.version + 1_000);
    expect(await t.kvRule(appId, 'one')).toMatchObject({ version: after.version, active: true });
    const logs = await t.api<Page<AuditEntryDto>>(
      'GET',
      `/api/apps/${appId}/flags/one/logs?actor=reconciler`,
    );
    expect(logs.body.items).toHaveLength(1);
    expect(logs.body.items[0]).toMatchObject({
      action: 'flag.updated',
      changes: [{ field: 'version', before: current.version, after: after.version }],
    });
  });

  it('leaves a change still in the outbox to the relay: it is neither rewritten nor counted as drift', async () => {
    const metrics = createMetrics();
    const bucket = new FlagsBucket(nc, t.options.flagsBucket);
    const counted = new FlagReconciler({
      pool,
      bucket,
      publisher: new FlagPublisher(bucket),
      logger: pino({ level: 'silent' }),
      metrics,
    });
    const before = (await t.kvRule(appId, 'two'))!;
    // A committed change whose outbox row the relay has not published yet: commit it, then hold
    // the row locked (the relay skips locked rows) — again if the relay took it in between.
    const holder = await pool.connect();
    let version = 0;
    try {
      for (;;) {
        const changed = await pool.query<{ version: number; id: number }>(
          `WITH f AS (
             UPDATE flags SET title = 'changed', version = nextval('flag_version_seq')
             WHERE app_id = $1 AND key = 'two' RETURNING version)
           , o AS (INSERT INTO outbox (app_id, flag_key) VALUES ($1, 'two') RETURNING id)
           SELECT f.version, o.id FROM f, o`,
          [appId],
        );
        version = changed.rows[0]!.version;
        await holder.query('BEGIN');
        const held = await holder.query('SELECT id FROM outbox WHERE id = $1 FOR UPDATE', [
          changed.rows[0]!.id,
        ]);
        if (held.rowCount === 1) break;
        await holder.query('ROLLBACK');
      }
      expect(await counted.tick()).toMatchObject({ rewritten: 0, deleted: 0 });
      expect(await t.kvRule(appId, 'two')).toMatchObject({ version: before.version });
      expect(
        await metrics.registry.getSingleMetricAsString('tower_reconciler_repairs_total'),
      ).not.toMatch(/outcome=/);
      // The pass finished: its time is exported for "reconciler stopped running" alerts.
      const last = await metrics.registry.getSingleMetricAsString(
        'tower_reconciler_last_success_timestamp_seconds',
      );
      const seconds = Number(/ (\d+(?:\.\d+)?)$/m.exec(last)?.[1]);
      expect(Math.abs(seconds - Date.now() / 1000)).toBeLessThan(600);
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
    // Once the row is free the relay publishes the change.
    await eventually(async () => (await t.kvRule(appId, 'two'))?.version === version);
  });
});
