import { CircuitEventType } from '@tailslide/contracts';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { T0, makeRule } from '../test/fixtures.js';
import { Env, connectNats, connectRedis, type TestRedis } from '../test/harness.js';

let nats: NatsConnection;
let redis: TestRedis;

beforeAll(async () => {
  nats = await connectNats();
  redis = await connectRedis();
});
afterAll(async () => {
  await nats.close();
  redis.destroy();
});

describe('high availability with a NATS KV lease', () => {
  it('lets exactly one of two instances act, even when they tick at the same moment', async () => {
    const env = await Env.create(nats, redis);
    try {
      const leaseMs = 3000;
      const now = T0;
      const a = await env.start({ instanceId: 'a', leaseMs, now: () => now });
      const b = await env.start({ instanceId: 'b', leaseMs, now: () => now });
      await env.putRule(makeRule());
      await a.waitForRule('app1', 'flag1');
      await b.waitForRule('app1', 'flag1');
      await env.record('app1', 'flag1', now, 0, 40);
      for (let i = 0; i < 3; i++) {
        const [ra, rb] = await Promise.all([a.tick(), b.tick()]);
        expect([ra.leader, rb.leader].filter(Boolean)).toHaveLength(1);
        expect(a.isLeader()).not.toBe(b.isLeader());
      }
      const stored = await env.storedEvents();
      expect(stored.map((s) => s.event.type)).toEqual([CircuitEventType.opened]);
    } finally {
      await env.cleanup();
    }
  });

  it('hands over within twice the lease time when the leader dies without releasing', async () => {
    const leaseMs = 3000;
    const leaderNats = await connectNats();
    const env = await Env.create(nats, redis);
    try {
      let now = T0;
      const leader = await env.start({
        nats: leaderNats,
        instanceId: 'leader',
        leaseMs,
        now: () => now,
      });
      const standby = await env.start({ instanceId: 'standby', leaseMs, now: () => now });
      expect((await leader.tick()).leader).toBe(true);
      expect((await standby.tick()).leader).toBe(false);

      // The leader's process dies: its connection goes away, the lease is never released.
      const diedAt = now;
      await leaderNats.close();
      await env.putRule(makeRule({ version: 2 }));
      await standby.waitForRule('app1', 'flag1', 2);

      let tookOverAt: number | null = null;
      for (now = diedAt + 500; now <= diedAt + 2 * leaseMs; now += 500) {
        const r = await standby.tick();
        if (r.leader) {
          tookOverAt = now;
          break;
        }
      }
      expect(tookOverAt).not.toBeNull();
      expect(tookOverAt! - diedAt).toBeGreaterThanOrEqual(leaseMs);
      expect(tookOverAt! - diedAt).toBeLessThanOrEqual(2 * leaseMs);

      // And it acts: a burst now opens the circuit through the new leader.
      await env.record('app1', 'flag1', now, 0, 40);
      const r = await standby.tick();
      expect(r.published.map((e) => e.type)).toEqual([CircuitEventType.opened]);
    } finally {
      await env.cleanup();
    }
  });

  it('releases the lease on close so a standby takes over at once', async () => {
    const env = await Env.create(nats, redis);
    try {
      const now = T0;
      const a = await env.start({ instanceId: 'a', leaseMs: 60_000, now: () => now });
      const b = await env.start({ instanceId: 'b', leaseMs: 60_000, now: () => now });
      expect((await a.tick()).leader).toBe(true);
      expect((await b.tick()).leader).toBe(false);
      await a.close();
      expect((await b.tick()).leader).toBe(true);
    } finally {
      await env.cleanup();
    }
  });
});
