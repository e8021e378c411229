import {
  CircuitEventType,
  CircuitState,
  circuitEventId,
  circuitKvKey,
  flagKvKey,
} from '@tailslide/contracts';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@tailslide/test-support';
import { T0, makeRule } from '../test/fixtures.js';
import { Env, connectNats, connectRedis, type TestRedis } from '../test/harness.js';
import { createHttpServer } from './http.js';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

let nats: NatsConnection;
let redis: TestRedis;
let env: Env;

beforeAll(async () => {
  nats = await connectNats();
  redis = await connectRedis();
});
afterAll(async () => {
  await nats.close();
  redis.destroy();
});
afterEach(async () => {
  await env.cleanup();
});

async function setup(): Promise<Env> {
  env = await Env.create(nats, redis);
  return env;
}

const iso = (ms: number) => new Date(ms).toISOString();

describe('airbag against real NATS and Redis', () => {
  it('opens a circuit on a failure burst summed across SDK instances, storing circuit.opened once', async () => {
    const e = await setup();
    let now = T0;
    const airbag = await e.start({ now: () => now });
    const rule = makeRule({ appId: 'shop', flagKey: 'checkout', version: 3 });
    await e.putRule(rule);
    await airbag.waitForRule('shop', 'checkout', 3);
    // Two SDK instances, each below minimumRequests (20) on its own: one circuit for the fleet.
    await e.record('shop', 'checkout', now - 2000, 2, 10);
    await e.record('shop', 'checkout', now - 1000, 0, 10);

    const first = await airbag.tick();
    expect(first).toMatchObject({ leader: true, evaluated: 1, noData: 0 });
    expect(first.published.map((ev) => ev.type)).toEqual([CircuitEventType.opened]);
    const id = circuitEventId('shop', 'checkout', 3, CircuitEventType.opened, 1);
    expect(first.published[0]).toMatchObject({
      id,
      ruleVersion: 3,
      recoveryPercentage: 0,
      stats: { requests: 22, failures: 20 },
    });

    // The decision is in the KV beside the rule (ADR 0008): the circuit is open for every SDK
    // without Tower, and more failures decide nothing else.
    expect(airbag.circuitState('shop', 'checkout')).toMatchObject({ state: 'open', seq: 1 });
    now += 1000;
    await e.record('shop', 'checkout', now, 0, 50);
    expect((await airbag.tick()).published).toEqual([]);

    const stored = await e.storedEvents();
    expect(stored.map((s) => s.msgId)).toEqual([id]);
  });

  it('opens a flag created less than a second before the burst (same 1 s bucket)', async () => {
    const e = await setup();
    const created = T0 + 300;
    const now = T0 + 900;
    const airbag = await e.start({ now: () => now });
    await e.putRule(makeRule({ status: { changedAt: iso(created) } }));
    await airbag.waitForRule('app1', 'flag1');
    await e.record('app1', 'flag1', T0 + 800, 0, 20);
    expect((await airbag.tick()).published.map((ev) => ev.type)).toEqual([CircuitEventType.opened]);
  });

  it('follows the rule Tower republishes: open → recovering after the delay, then steps on healthy traffic', async () => {
    const e = await setup();
    let now = T0;
    const airbag = await e.start({ now: () => now });
    const circuit = {
      recoveryDelayMs: 10_000,
      recoveryStepMs: 5000,
      initialRecoveryPercentage: 20,
      recoveryIncrementPercentage: 30,
    };
    await e.putRule(
      makeRule({ version: 7, circuit, status: { state: CircuitState.open, changedAt: iso(T0) } }),
    );
    await airbag.waitForRule('app1', 'flag1', 7);

    now = T0 + 9_999;
    expect((await airbag.tick()).published).toEqual([]);
    now = T0 + 10_000;
    const rec = await airbag.tick();
    expect(rec.published).toMatchObject([
      { type: CircuitEventType.recovering, recoveryPercentage: 20, ruleVersion: 7 },
    ]);

    // Tower applies it: version 8, recovering at 20 % since now.
    const since = now;
    await e.putRule(
      makeRule({
        version: 8,
        circuit,
        status: { state: CircuitState.recovering, recoveryPercentage: 20, changedAt: iso(since) },
      }),
    );
    await airbag.waitForRule('app1', 'flag1', 8);
    // Failures from before the recovery started must not count against it.
    await e.record('app1', 'flag1', since - 1000, 0, 100);
    await e.record('app1', 'flag1', since + 1000, 10, 0);
    now = since + 5000;
    const step = await airbag.tick();
    expect(step.published).toMatchObject([
      {
        type: CircuitEventType.step,
        recoveryPercentage: 50,
        ruleVersion: 8,
        stats: { requests: 10, failures: 0 },
      },
    ]);
  });

  it('moves a circuit on from its own KV state without waiting for Tower', async () => {
    const e = await setup();
    let now = T0 + 5000;
    const airbag = await e.start({ now: () => now });
    const circuit = { recoveryStepMs: 5000, recoveryIncrementPercentage: 10 };
    await e.putRule(
      makeRule({
        version: 20,
        circuit,
        status: { state: CircuitState.recovering, recoveryPercentage: 30, changedAt: iso(T0) },
      }),
    );
    await airbag.waitForRule('app1', 'flag1', 20);
    await e.record('app1', 'flag1', now, 20, 0);
    const step = await airbag.tick();
    expect(step.published).toMatchObject([{ type: CircuitEventType.step, ruleVersion: 20 }]);

    expect(airbag.circuitState('app1', 'flag1')).toMatchObject({
      state: CircuitState.recovering,
      recoveryPercentage: 40,
      since: iso(now),
    });

    // Tower has not applied the step (the rule is still version 20): a breach in the interval
    // since the step re-opens the circuit all the same, judged on the step's state.
    now += 1000;
    await e.record('app1', 'flag1', now, 0, 200);
    const reopened = await airbag.tick();
    expect(reopened.published).toMatchObject([{ type: CircuitEventType.opened, ruleVersion: 20 }]);
    expect(reopened.published[0]?.id).toBe(
      circuitEventId('app1', 'flag1', 20, CircuitEventType.opened, 2),
    );
    expect((await e.storedEvents()).map((s) => s.event.type)).toEqual([
      CircuitEventType.step,
      CircuitEventType.opened,
    ]);
  });

  it('re-opens its watch when the flags bucket is recreated', async () => {
    const e = await setup();
    const airbag = await e.start({ now: () => T0 });
    await e.putRule(makeRule({ version: 1 }));
    await airbag.waitForRule('app1', 'flag1', 1);
    await e.flags.destroy();
    e.flags = await new Kvm(nats).create(e.names.flagsBucket, { history: 1 });
    await e.putRule(makeRule({ appId: 'again', version: 1 }));
    await airbag.waitForRule('again', 'flag1', 1, 20_000);
  });

  it('resumes a ramp after a restart from the rule alone, and holds it without data', async () => {
    const e = await setup();
    const changedAt = T0;
    const circuit = { recoveryStepMs: 5000, recoveryIncrementPercentage: 10 };
    await e.putRule(
      makeRule({
        version: 12,
        circuit,
        status: {
          state: CircuitState.recovering,
          recoveryPercentage: 30,
          changedAt: iso(changedAt),
        },
      }),
    );

    // A fresh instance (as after a crash) knows nothing but the KV.
    let now = changedAt + 5000;
    const airbag = await e.start({ now: () => now });
    expect(airbag.ruleCount()).toBe(1);
    const idle = await airbag.tick();
    expect(idle).toMatchObject({ published: [], noData: 1 });

    now += 1000;
    await e.record('app1', 'flag1', now, 20, 1);
    const resumed = await airbag.tick();
    expect(resumed.published).toMatchObject([
      { type: CircuitEventType.step, recoveryPercentage: 40, ruleVersion: 12 },
    ]);
  });

  it('cancels a pending recovery when a human turns the flag off in Tower', async () => {
    const e = await setup();
    let now = T0;
    const airbag = await e.start({ now: () => now });
    const circuit = { recoveryDelayMs: 10_000 };
    await e.putRule(
      makeRule({ version: 4, circuit, status: { state: CircuitState.open, changedAt: iso(T0) } }),
    );
    await airbag.waitForRule('app1', 'flag1', 4);
    // Manual off: Tower resets the circuit and deactivates the flag (version 5).
    await e.putRule(
      makeRule({
        version: 5,
        active: false,
        circuit,
        status: { state: CircuitState.closed, changedAt: iso(T0 + 1000) },
      }),
    );
    await airbag.waitForRule('app1', 'flag1', 5);
    now = T0 + 60_000;
    expect(await airbag.tick()).toMatchObject({ evaluated: 0, published: [] });
  });

  it('sees flags created after it started and forgets deleted ones', async () => {
    const e = await setup();
    const airbag = await e.start({ now: () => T0 });
    expect(airbag.ruleCount()).toBe(0);
    await e.putRule(makeRule({ appId: 'late', flagKey: 'f' }));
    await airbag.waitForRule('late', 'f');
    expect(airbag.ruleCount()).toBe(1);
    // A stale (older) version never replaces a newer one.
    await e.putRule(makeRule({ appId: 'late', flagKey: 'f', version: 9 }));
    await airbag.waitForRule('late', 'f', 9);
    await e.putRule(makeRule({ appId: 'late', flagKey: 'f', version: 2 }));
    await e.putRule(makeRule({ appId: 'late', flagKey: 'g', version: 1 }));
    await airbag.waitForRule('late', 'g');
    expect(airbag.rule('late', 'f')?.version).toBe(9);
    await e.flags.delete('apps.late.flags.g');
    await expect.poll(() => airbag.ruleCount()).toBe(1);
  });

  it("forgets a deleted flag's circuit: no event re-sent by a new leader, no state once Tower deletes it", async () => {
    const e = await setup();
    const first = await e.start({ now: () => T0, instanceId: 'a' });
    await e.putRule(makeRule({ appId: 'gone', flagKey: 'f' }));
    await first.waitForRule('gone', 'f');
    await e.record('gone', 'f', T0 - 1000, 0, 30);
    expect((await first.tick()).published.map((ev) => ev.type)).toEqual([CircuitEventType.opened]);
    // The flag is deleted while Tower is away (its circuit state still in the KV); the leader
    // changes. A new leader re-sends the last event of every live circuit, not of this one.
    await e.flags.delete(flagKvKey('gone', 'f'));
    await expect.poll(() => first.rule('gone', 'f')).toBeUndefined();
    await first.close();
    const second = await e.start({ now: () => T0 + 1000, instanceId: 'b' });
    expect(second.circuitState('gone', 'f')).toMatchObject({ state: 'open' });
    expect(await second.tick()).toMatchObject({ leader: true, published: [] });
    // Tower deletes the circuit state with the flag (ADR 0008): Airbag forgets it.
    await e.flags.delete(circuitKvKey('gone', 'f'));
    await expect.poll(() => second.circuitState('gone', 'f')).toBeUndefined();
  });

  it('ticks on its own timer when autoPoll is on, and stops on close', async () => {
    const e = await setup();
    const airbag = await e.start({ autoPoll: true, pollIntervalMs: 50 });
    await e.putRule(makeRule({ appId: 'auto', version: 2 }));
    await airbag.waitForRule('auto', 'flag1', 2);
    await e.record('auto', 'flag1', Date.now(), 0, 25);
    await eventually(async () => (await e.storedEvents()).length === 1, 10_000);
    expect((await e.storedEvents())[0]?.event).toMatchObject({
      type: CircuitEventType.opened,
      appId: 'auto',
    });
    await airbag.close();
    expect(airbag.isLeader()).toBe(false);
  });

  it('serves /healthz and /metrics with ticks, tick duration, circuits by state and transitions', async () => {
    const e = await setup();
    const airbag = await e.start({ now: () => T0 });
    await e.putRule(makeRule());
    await airbag.waitForRule('app1', 'flag1');
    await e.record('app1', 'flag1', T0, 0, 30);
    await airbag.tick();
    const server = createHttpServer({ airbag });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const health = await fetch(`${base}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({
        status: 'ok',
        redis: 'up',
        leader: true,
        rules: 1,
      });
      const text = await (await fetch(`${base}/metrics`)).text();
      expect(text).toContain('airbag_ticks_total{role="leader",outcome="ok"} 1');
      expect(text).toContain('airbag_tick_duration_seconds_count 1');
      expect(text).toContain('airbag_circuits{state="closed"} 1');
      expect(text).toContain('airbag_transitions_total{type="circuit.opened"} 1');
      expect((await fetch(`${base}/nope`)).status).toBe(404);
    } finally {
      server.close();
    }
  });
});
