import { CircuitEventType, circuitEventId } from '@tailslide/contracts';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  eventually,
  privateNatsServer,
  privateRedisServer,
  type ManagedServer,
} from '@tailslide/test-support';
import { T0, makeRule } from '../test/fixtures.js';
import { Env, connectNats, connectRedis, memoryLogger } from '../test/harness.js';
import { createHttpServer } from './http.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!().catch(() => undefined);
});

describe('faults', () => {
  it('takes no decision while Redis is down, reports degraded health, logs once, and resumes by itself', async () => {
    const server: ManagedServer = await privateRedisServer();
    cleanups.push(() => server.dispose());
    await server.start();
    const redis = await connectRedis(server.url);
    cleanups.push(() => {
      redis.destroy();
      return Promise.resolve();
    });
    const nats = await connectNats();
    cleanups.push(() => nats.close());
    const env = await Env.create(nats, redis);
    cleanups.push(() => env.cleanup());
    const { logger, lines } = memoryLogger();
    let now = T0;
    const airbag = await env.start({ now: () => now, logger, redisTimeoutMs: 500 });
    await env.putRule(makeRule());
    await airbag.waitForRule('app1', 'flag1');
    expect(await airbag.tick()).toMatchObject({ redisUnavailable: false, noData: 1 });
    expect(airbag.health().status).toBe('ok');

    await server.stop();
    for (let i = 0; i < 3; i++) {
      now += 1000;
      const r = await airbag.tick();
      expect(r).toMatchObject({ leader: true, redisUnavailable: true, published: [] });
    }
    expect(airbag.health()).toMatchObject({ status: 'degraded', redis: 'down' });
    const http = createHttpServer({ airbag });
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    try {
      const res = await fetch(`http://127.0.0.1:${(http.address() as AddressInfo).port}/healthz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ status: 'degraded', redis: 'down' });
    } finally {
      http.close();
    }
    const outageLogs = lines().filter((l) => String(l.msg).startsWith('redis unavailable'));
    expect(outageLogs).toHaveLength(1);
    // The ticks that could not read Redis are counted as such, not as `ok`.
    const during = await airbag.metrics.metrics();
    expect(during).toContain('airbag_ticks_total{role="leader",outcome="ok"} 1');
    expect(during).toContain('airbag_ticks_total{role="leader",outcome="redis_unavailable"} 3');

    // Redis comes back empty (no persistence); the client reconnects on its own.
    await server.start();
    await eventually(() => redis.isReady, 10_000);
    now += 1000;
    await env.record('app1', 'flag1', now, 0, 25);
    const r = await airbag.tick();
    expect(r.redisUnavailable).toBe(false);
    expect(r.published.map((e) => e.type)).toEqual([CircuitEventType.opened]);
    expect(airbag.health().status).toBe('ok');
    expect(lines().filter((l) => String(l.msg).startsWith('redis available again'))).toHaveLength(
      1,
    );
  });

  it('takes a decision dropped while NATS was down again, once, when it returns', async () => {
    const server: ManagedServer = await privateNatsServer();
    cleanups.push(() => server.dispose());
    await server.start();
    const nats = await connectNats(server.url);
    cleanups.push(() => nats.close());
    const redis = await connectRedis();
    cleanups.push(() => {
      redis.destroy();
      return Promise.resolve();
    });
    const env = await Env.create(nats, redis);
    cleanups.push(() => env.cleanup());
    let now = T0;
    const airbag = await env.start({ now: () => now, leaseMs: 10_000, natsTimeoutMs: 300 });
    await env.putRule(makeRule({ version: 5 }));
    await airbag.waitForRule('app1', 'flag1', 5);
    expect((await airbag.tick()).leader).toBe(true);

    await server.stop();
    now += 1000;
    await env.record('app1', 'flag1', now, 0, 30);
    const during = await airbag.tick();
    // Still within the lease it holds: it decides, but the circuit state cannot be written, so
    // the decision is dropped and taken again once NATS is back.
    expect(during).toMatchObject({ leader: true, published: [], unacked: 0 });
    await eventually(() => airbag.health().nats === 'down', 10_000);
    expect(airbag.health().status).toBe('degraded');

    await server.start();
    await eventually(async () => {
      await nats.flush();
      return true;
    }, 15_000);
    now += 1000;
    const after = await eventually(async () => {
      const r = await airbag.tick();
      return r.published.length > 0 ? r : null;
    }, 15_000);
    const id = circuitEventId('app1', 'flag1', 5, CircuitEventType.opened, 1);
    await eventually(() => airbag.health().nats === 'up', 10_000);
    expect(after.published.map((e) => e.id)).toEqual([id]);
    expect(after.unacked).toBe(0);
    const stored = await env.storedEvents();
    expect(stored.map((s) => s.msgId)).toEqual([id]);

    // The KV watch survived the outage: Tower's application of the event reaches Airbag.
    await env.putRule(
      makeRule({ version: 6, status: { state: 'open', changedAt: new Date(now).toISOString() } }),
    );
    await airbag.waitForRule('app1', 'flag1', 6, 15_000);
  });
});
