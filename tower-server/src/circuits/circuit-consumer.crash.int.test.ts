/**
 * A Tower killed with circuit events in flight — pulled from the durable consumer, not yet acked —
 * must not hold them back for long: they are redelivered to the restarted Tower and applied within
 * seconds (issue 11: with a 30 s ack wait and batches of 64, 58 trips waited 30 s). Tower runs as a
 * real child process (the bundled `main.ts`), so SIGKILL leaves it no chance to nak anything.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AckPolicy, jetstreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { CircuitEventType, type AppDto } from '@tailslide/contracts';
import { eventually, services, uniqueName } from '@tailslide/test-support';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleTower } from '../../test/bundle-tower.mjs';
import { startTestTower, testTowerOptions, type TestTower } from '../../test/tower-fixture.js';
import { ensureCircuitStreamAndConsumer } from '../nats.js';
import { CIRCUIT_CONSUMER_SETTINGS } from './circuit-consumer.js';

const packageDir = resolve(import.meta.dirname, '../..');
let towerScript: string;

beforeAll(async () => {
  const outDir = join(packageDir, 'dist');
  mkdirSync(outDir, { recursive: true });
  towerScript = join(outDir, `${uniqueName('crash-tower')}.mjs`);
  await bundleTower({
    input: join(packageDir, 'src', 'main.ts'),
    output: { file: towerScript },
  });
}, 60_000);
afterAll(() => {
  rmSync(towerScript, { force: true });
});

interface TowerChild {
  readonly child: ChildProcess;
  readonly spawnedAt: number;
  /** When it logged `tower listening` (its consumer is subscribed by then). */
  readonly listeningAt: number;
}

/** Starts `main.ts` as a process on the test's database and names; resolves once it listens. */
async function startTowerProcess(t: TestTower): Promise<TowerChild> {
  const o = t.options;
  const spawnedAt = Date.now();
  const child = spawn(process.execPath, [towerScript], {
    env: {
      ...process.env,
      DATABASE_URL: o.databaseUrl,
      NATS_URL: services.natsUrl,
      PORT: '0',
      TAILSLIDE_FLAGS_BUCKET: o.flagsBucket,
      TAILSLIDE_CIRCUIT_STREAM: o.circuitStream,
      TAILSLIDE_CIRCUIT_SUBJECT_ROOT: o.circuitSubjectRoot,
      TAILSLIDE_CIRCUIT_CONSUMER: o.circuitConsumer,
      TAILSLIDE_REDIS_PREFIX: o.redisPrefix,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  const listening = await eventually(() => {
    if (child.exitCode !== null) throw new Error(`tower exited with ${child.exitCode}: ${output}`);
    return output.split('\n').find((line) => line.includes('"msg":"tower listening"'));
  }, 20_000);
  const { time } = JSON.parse(listening) as { time: number };
  return { child, spawnedAt, listeningAt: time };
}

async function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((done) => {
    child.once('exit', () => done());
    child.kill(signal);
  });
}

describe('Tower killed with circuit events in flight', () => {
  let t: TestTower;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    t = await startTestTower();
  });
  afterAll(async () => {
    for (const child of children) await stop(child, 'SIGKILL');
    await t?.close();
  });

  it('has them redelivered to the restarted Tower and applies each once, without a 30 s stall', async () => {
    const flagCount = 60;
    const appId = (await t.api<AppDto>('POST', '/api/apps', { title: 'Crash' })).body.id;
    const versions: number[] = [];
    for (let i = 0; i < flagCount; i++) versions.push((await t.createFlag(appId, `f${i}`)).version);
    // The in-process Tower only set the stage; the processes below consume.
    await t.tower.close();

    // Hold every apply in its transaction, so the first Tower pulls events and cannot ack them.
    const lock = new pg.Client({ connectionString: t.db.url });
    await lock.connect();
    await lock.query('BEGIN');
    await lock.query('LOCK TABLE applied_circuit_events IN EXCLUSIVE MODE');
    let first: TowerChild;
    let inFlight: number;
    try {
      first = await startTowerProcess(t);
      children.push(first.child);
      for (let i = 0; i < flagCount; i++) {
        await t.publishEvent({
          type: CircuitEventType.opened,
          appId,
          flagKey: `f${i}`,
          ruleVersion: versions[i]!,
        });
      }
      const jsm = await jetstreamManager(t.nc);
      const consumerInfo = () =>
        jsm.consumers.info(t.options.circuitStream, t.options.circuitConsumer);
      inFlight = await eventually(async () => {
        const pending = (await consumerInfo()).num_ack_pending;
        return pending > 0 ? pending : undefined;
      }, 10_000);
      await stop(first.child, 'SIGKILL');
    } finally {
      await lock.query('ROLLBACK');
      await lock.end();
    }
    expect(inFlight).toBeGreaterThan(0);

    const second = await startTowerProcess(t);
    children.push(second.child);
    const db = new pg.Client({ connectionString: t.db.url });
    await db.connect();
    try {
      const applied = await eventually(async () => {
        const { rows } = await db.query<{ n: number; first: Date; last: Date }>(
          `SELECT count(*)::int AS n, min(applied_at) AS first, max(applied_at) AS last
             FROM applied_circuit_events WHERE outcome = 'applied'`,
        );
        const row = rows[0]!;
        return row.n === flagCount ? row : undefined;
      }, 40_000);
      const restartToAppliedMs = applied.last.getTime() - second.spawnedAt;
      const listeningToAppliedMs = applied.last.getTime() - second.listeningAt;
      console.info(
        `circuit events in flight at the kill: ${inFlight}; all ${flagCount} applied ` +
          `${restartToAppliedMs} ms after the restart (process spawned), ` +
          `${listeningToAppliedMs} ms after it was listening (start-up took ` +
          `${second.listeningAt - second.spawnedAt} ms; first applied ` +
          `${applied.first.getTime() - second.listeningAt} ms after listening)`,
      );
      // Counted from when the new Tower is up (its start-up time depends on the machine's load).
      // A generous bound, half the 30 s stall it guards against; the figures above are what count.
      expect(listeningToAppliedMs).toBeLessThan(15_000);
      const { rows } = await db.query<{ open: number }>(
        "SELECT count(*)::int AS open FROM flags WHERE circuit_state = 'open'",
      );
      expect(rows[0]!.open).toBe(flagCount);
    } finally {
      await db.end();
      await stop(second.child, 'SIGTERM');
    }
  }, 120_000);
});

describe('ensureCircuitStreamAndConsumer', () => {
  it('brings a consumer an older Tower created (30 s ack wait) to the current settings', async () => {
    const o = testTowerOptions('postgres://unused');
    const t = await startTestTower();
    const jsm = await jetstreamManager(t.nc);
    try {
      await ensureCircuitStreamAndConsumer(t.nc, {
        stream: o.circuitStream,
        subjectRoot: o.circuitSubjectRoot,
        consumer: o.circuitConsumer,
      });
      await jsm.consumers.delete(o.circuitStream, o.circuitConsumer);
      await jsm.consumers.add(o.circuitStream, {
        durable_name: o.circuitConsumer,
        ack_policy: AckPolicy.Explicit,
        ack_wait: nanos(30_000),
      });
      await ensureCircuitStreamAndConsumer(t.nc, {
        stream: o.circuitStream,
        subjectRoot: o.circuitSubjectRoot,
        consumer: o.circuitConsumer,
      });
      const { config } = await jsm.consumers.info(o.circuitStream, o.circuitConsumer);
      expect(config.ack_wait).toBe(nanos(CIRCUIT_CONSUMER_SETTINGS.ackWaitMs));
      expect(config.max_ack_pending).toBe(CIRCUIT_CONSUMER_SETTINGS.maxAckPending);
    } finally {
      await jsm.streams.delete(o.circuitStream).catch(() => undefined);
      await t.close();
    }
  });
});
