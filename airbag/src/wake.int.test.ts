import { CircuitState, signalWakeChannel } from '@tailslide/contracts';
import type { NatsConnection } from '@nats-io/transport-node';
import { eventually } from '@tailslide/test-support';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeRule } from '../test/fixtures.js';
import { Env, connectNats, connectRedis, type TestRedis } from '../test/harness.js';

// Wake-ups (ADR 0003): an SDK's early flush publishes the app's wake channel; the leader ticks
// that app at once. autoPoll is off, so only a wake-up can decide here.

let nats: NatsConnection;
let redis: TestRedis;
let subscriber: TestRedis;
let env: Env;

beforeAll(async () => {
  nats = await connectNats();
  redis = await connectRedis();
  subscriber = await connectRedis();
});
afterAll(async () => {
  await nats.close();
  redis.destroy();
  subscriber.destroy();
});
afterEach(async () => {
  await env.cleanup();
});

/** Publishes until the leader hears its channels (a channel of an app nobody watches). */
async function untilSubscribed(prefix: string): Promise<void> {
  await eventually(
    async () => (await redis.publish(signalWakeChannel(prefix, 'nobody'), '0')) > 0,
    10_000,
  );
}

async function metric(text: string, e: Env): Promise<number> {
  const airbag = e.airbags[0];
  if (airbag === undefined) return NaN;
  const body = await airbag.metrics.metrics();
  const line = body.split('\n').find((l) => l.startsWith(text));
  return line === undefined ? 0 : Number(line.slice(text.length).trim());
}

describe('airbag wake-ups', () => {
  it('opens a circuit on a wake-up without waiting for the next poll', async () => {
    env = await Env.create(nats, redis);
    const airbag = await env.start({ now: Date.now, wakeSubscriber: subscriber });
    await env.putRule(makeRule({ appId: 'shop', flagKey: 'checkout' }));
    await airbag.waitForRule('shop', 'checkout');
    expect((await airbag.tick()).leader).toBe(true);
    await untilSubscribed(env.names.redisPrefix);

    await env.record('shop', 'checkout', Date.now(), 0, 25);
    await redis.publish(signalWakeChannel(env.names.redisPrefix, 'shop'), '1');
    await eventually(() => airbag.circuitState('shop', 'checkout')?.state === CircuitState.open);
    expect(await metric('airbag_wakes_total{outcome="queued"}', env)).toBeGreaterThanOrEqual(1);
    expect(await metric('airbag_wakes_total{outcome="ignored"}', env)).toBeGreaterThanOrEqual(1);
  });

  it('leaves the wake channels alone while it does not lead, and listens once it does', async () => {
    env = await Env.create(nats, redis);
    const leader = await env.start({ now: Date.now, instanceId: 'a' });
    const follower = await env.start({
      now: Date.now,
      instanceId: 'b',
      wakeSubscriber: subscriber,
    });
    await env.putRule(makeRule({ appId: 'shop', flagKey: 'checkout' }));
    await follower.waitForRule('shop', 'checkout');
    expect((await leader.tick()).leader).toBe(true);
    expect((await follower.tick()).leader).toBe(false);
    expect(await redis.publish(signalWakeChannel(env.names.redisPrefix, 'shop'), '1')).toBe(0);

    // The leader steps down; the other instance takes the lease and starts listening.
    await leader.close();
    expect((await follower.tick()).leader).toBe(true);
    await untilSubscribed(env.names.redisPrefix);
    await env.record('shop', 'checkout', Date.now(), 0, 25);
    await redis.publish(signalWakeChannel(env.names.redisPrefix, 'shop'), '1');
    await eventually(() => follower.circuitState('shop', 'checkout')?.state === CircuitState.open);
  });
});
