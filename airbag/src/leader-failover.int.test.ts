/**
 * High availability across processes: a second Airbag runs as a real child process on its own
 * timer, is SIGKILLed while it holds the lease (no release, no goodbye), and the in-process
 * instance takes over. The in-process instance is driven by tick() with an explicit clock that
 * starts at the kill, and the hand-over is measured from the lease records in NATS KV.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AIRBAG_LEADER_KEY, CircuitEventType } from '@tailslide/contracts';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { build } from 'rolldown';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, services, uniqueName } from '@tailslide/test-support';
import { makeRule } from '../test/fixtures.js';
import { Env, connectNats, connectRedis, type TestRedis } from '../test/harness.js';

const here = import.meta.dirname;
let nats: NatsConnection;
let redis: TestRedis;
let childScript: string;

beforeAll(async () => {
  nats = await connectNats();
  redis = await connectRedis();
  // Node 20 cannot run TypeScript: bundle the child script (and Airbag's sources) into one ESM
  // file inside the package, so its npm dependencies resolve from the workspace's node_modules.
  const outDir = resolve(here, '../dist');
  mkdirSync(outDir, { recursive: true });
  childScript = join(outDir, `${uniqueName('ha-child')}.mjs`);
  await build({
    input: resolve(here, '../test/airbag-child.ts'),
    platform: 'node',
    external: [/^@nats-io\//, /^redis$/, /^pino$/, /^prom-client$/, /^zod$/],
    resolve: { conditionNames: ['source', 'import', 'default'] },
    output: { file: childScript, format: 'esm' },
    logLevel: 'warn',
  });
}, 30_000);
afterAll(async () => {
  rmSync(childScript, { force: true });
  await nats.close();
  redis.destroy();
});

interface LeaseRecord {
  holder: string;
  expiresAt: number;
}

async function readLease(env: Env): Promise<LeaseRecord | null> {
  const kv = await new Kvm(nats).open(env.names.airbagBucket);
  const entry = await kv.get(AIRBAG_LEADER_KEY);
  return entry === null || entry.operation !== 'PUT' ? null : (entry.json<LeaseRecord>() ?? null);
}

async function sigkill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((done) => {
    child.once('exit', () => done());
    child.kill('SIGKILL');
  });
}

describe('leader failover across processes', () => {
  it('takes over within twice the lease time after the leader process is SIGKILLed', async () => {
    const leaseMs = 2000;
    const pollMs = 200;
    const env = await Env.create(nats, redis);
    let output = '';
    const child = spawn(process.execPath, [childScript], {
      env: {
        ...process.env,
        CHILD_NATS_URL: services.natsUrl,
        CHILD_REDIS_URL: services.redisUrl,
        CHILD_FLAGS_BUCKET: env.names.flagsBucket,
        CHILD_AIRBAG_BUCKET: env.names.airbagBucket,
        CHILD_CIRCUIT_STREAM: env.names.circuitStream,
        CHILD_CIRCUIT_SUBJECT_ROOT: env.names.circuitSubjectRoot,
        CHILD_REDIS_PREFIX: env.names.redisPrefix,
        CHILD_LEASE_MS: String(leaseMs),
        CHILD_POLL_MS: String(pollMs),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    try {
      // The child starts first and wins the lease on its own timer.
      await eventually(() => {
        if (child.exitCode !== null) throw new Error(`child exited with ${child.exitCode}`);
        return output.includes('leader');
      }, 20_000);
      let now = Date.now();
      const standby = await env.start({ instanceId: 'standby', leaseMs, now: () => now });
      expect((await standby.tick()).leader).toBe(false);
      expect((await readLease(env))?.holder).toBe('child');

      // It really acts: a failure burst is turned into circuit.opened by the child process.
      await env.putRule(makeRule({ flagKey: 'flag1' }));
      await env.record('app1', 'flag1', Date.now(), 0, 40);
      await eventually(async () => (await env.storedEvents()).length > 0, 10_000);
      const byChild = await env.storedEvents();
      expect(byChild.map((s) => [s.event.flagKey, s.event.type])).toEqual([
        ['flag1', CircuitEventType.opened],
      ]);

      // SIGKILL: the lease is never released; its last renewal is what the standby must outlive.
      await sigkill(child);
      const killedAt = Date.now();
      const last = await readLease(env);
      expect(last?.holder).toBe('child');
      const lastRenewal = last!.expiresAt - leaseMs;
      expect(lastRenewal).toBeLessThanOrEqual(killedAt);

      // The standby ticks every poll interval from the kill on (explicit clock, no timers).
      await env.putRule(makeRule({ flagKey: 'flag2' }));
      await standby.waitForRule('app1', 'flag2');
      let tookOverAt: number | null = null;
      for (now = killedAt; now <= killedAt + 2 * leaseMs; now += pollMs) {
        if ((await standby.tick()).leader) {
          tookOverAt = now;
          break;
        }
      }
      expect(tookOverAt).not.toBeNull();
      const taken = await readLease(env);
      expect(taken).toEqual({ holder: 'standby', expiresAt: tookOverAt! + leaseMs });
      // Not before the dead leader's lease ran out, and within twice the lease time of the kill.
      expect(tookOverAt!).toBeGreaterThanOrEqual(last!.expiresAt);
      expect(tookOverAt! - killedAt).toBeLessThanOrEqual(2 * leaseMs);
      expect(tookOverAt! - lastRenewal).toBeLessThanOrEqual(leaseMs + pollMs);

      // And the new leader acts. (It also re-decides flag1, whose rule no Tower has applied here:
      // same deterministic id, so the stream keeps the child's copy only.)
      await env.record('app1', 'flag2', now, 0, 40);
      const r = await standby.tick();
      expect(r.published.map((e) => [e.flagKey, e.type])).toContainEqual([
        'flag2',
        CircuitEventType.opened,
      ]);
      const stored = await env.storedEvents();
      expect(stored.map((s) => [s.event.flagKey, s.event.type])).toEqual([
        ['flag1', CircuitEventType.opened],
        ['flag2', CircuitEventType.opened],
      ]);
    } finally {
      await sigkill(child);
      await env.cleanup();
    }
  }, 60_000);
});
