import { encodeFlagRule, flagKvKey } from '@tailslide/contracts';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName } from '@tailslide/test-support';
import { makeRule } from '../test/fixtures.js';
import { connectNats } from '../test/harness.js';
import { AirbagMetrics } from './airbag-metrics.js';
import { RuleWatcher } from './rule-watcher.js';

let nats: NatsConnection;
beforeAll(async () => {
  nats = await connectNats();
});
afterAll(async () => {
  await nats.close();
});

/** A fresh flags bucket, destroyed by the returned cleanup. */
async function bucket(): Promise<{ kv: KV; cleanup: () => Promise<void> }> {
  const kv = await new Kvm(nats).create(uniqueName('abwatch'), { history: 1 });
  return { kv, cleanup: () => kv.destroy().then(() => undefined) };
}

describe('RuleWatcher bucket check', () => {
  it('does not report a purge when writes land while the status request is in flight', async () => {
    const { kv, cleanup } = await bucket();
    let watcher: RuleWatcher | undefined;
    try {
      const put = (version: number) =>
        kv.put(flagKvKey('app1', 'flag1'), encodeFlagRule(makeRule({ version })));
      await put(1);
      let version = 1;
      // The status reply is taken first; then, as under heavy write load, newer entries reach the
      // watch before the reply is looked at.
      const racing = new Proxy(kv, {
        get(target, prop, receiver) {
          if (prop !== 'status') return Reflect.get(target, prop, receiver) as unknown;
          return async () => {
            const status = await target.status();
            for (let i = 0; i < 3; i++) await put(++version);
            await watcher?.waitForRule('app1', 'flag1', version);
            return status;
          };
        },
      });
      const metrics = new AirbagMetrics();
      watcher = await RuleWatcher.start({
        kv: racing,
        logger: pino({ level: 'silent' }),
        checkIntervalMs: 3_600_000,
        metrics,
      });
      await watcher.waitForRule('app1', 'flag1', 1);
      for (let i = 0; i < 5; i++) expect(await watcher.checkBucket()).toBe(false);
      expect(
        await metrics.registry.getSingleMetricAsString('airbag_watch_rereads_total'),
      ).not.toMatch(/reason=/);
    } finally {
      await watcher?.stop();
      await cleanup();
    }
  });

  it('re-reads every key when the stream is behind the revisions the watch already saw', async () => {
    const { kv, cleanup } = await bucket();
    // A status from before the first write: what a bucket restored from an older backup reports.
    const before = await kv.status();
    let checking = false;
    const rewound = new Proxy(kv, {
      get(target, prop, receiver) {
        if (prop !== 'status') return Reflect.get(target, prop, receiver) as unknown;
        return () => (checking ? Promise.resolve(before) : target.status());
      },
    });
    const metrics = new AirbagMetrics();
    await kv.put(flagKvKey('app1', 'flag1'), encodeFlagRule(makeRule({ version: 1 })));
    const watcher = await RuleWatcher.start({
      kv: rewound,
      logger: pino({ level: 'silent' }),
      checkIntervalMs: 3_600_000,
      restartDelayMs: 3_600_000,
      metrics,
    });
    try {
      await watcher.waitForRule('app1', 'flag1', 1);
      checking = true;
      expect(await watcher.checkBucket()).toBe(true);
      expect(await metrics.registry.getSingleMetricAsString('airbag_watch_rereads_total')).toMatch(
        /reason="purged"\} 1/,
      );
    } finally {
      await watcher.stop();
      await cleanup();
    }
  });
});
