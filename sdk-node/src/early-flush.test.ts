import { eventually } from '@tailslide/test-support';
import { describe, expect, it } from 'vitest';
import { EarlyFlushPolicy } from './early-flush.js';
import { newSignalCounter, SignalSink, type SignalBatch } from './signal-sink.js';

describe('EarlyFlushPolicy', () => {
  it('flushes on a spike of failures, not on isolated ones or on healthy traffic', () => {
    const now = 0;
    const p = new EarlyFlushPolicy({}, () => now);
    const c = newSignalCounter('f');
    c.successes = 1000;
    c.failures = 100; // 9 %: noise under a busy flag
    expect(p.afterFailure(c)).toBe(false);
    const d = newSignalCounter('g');
    d.failures = 4;
    expect(p.afterFailure(d)).toBe(false);
    d.failures = 5;
    d.successes = 20; // 20 %
    expect(p.afterFailure(d)).toBe(true);
  });

  it('allows one early flush per interval, whatever the storm', () => {
    let now = 1_000;
    const p = new EarlyFlushPolicy({ minIntervalMs: 100 }, () => now);
    const c = newSignalCounter('f');
    c.failures = 50;
    const flushes = [];
    for (let i = 0; i < 1_000; i++) {
      now += 1;
      if (p.afterFailure(c)) flushes.push(now);
    }
    expect(flushes).toHaveLength(10);
  });
});

describe('SignalSink early flush', () => {
  it('writes a failure burst at once instead of at the end of the flush interval', async () => {
    const batches: SignalBatch[] = [];
    const sink = new SignalSink({
      appId: 'shop',
      writer: {
        write: (b) => {
          batches.push(b);
          return Promise.resolve();
        },
      },
      flushIntervalMs: 60_000,
    });
    sink.start();
    try {
      const c = newSignalCounter('checkout');
      for (let i = 0; i < 4; i++) sink.failure(c);
      await new Promise((r) => setImmediate(r));
      expect(batches).toHaveLength(0);
      // The whole burst of one turn goes in one early batch.
      for (let i = 0; i < 21; i++) sink.failure(c);
      expect(batches).toHaveLength(0);
      await new Promise((r) => setImmediate(r));
      expect(batches).toEqual([
        expect.objectContaining({
          entries: [expect.objectContaining({ flagKey: 'checkout', successes: 0, failures: 25 })],
          // The early batch asks the writer to wake Airbag for the app.
          wake: true,
        }),
      ]);
      // Healthy calls wait for the timer, and their batch wakes nobody.
      for (let i = 0; i < 100; i++) sink.success(c);
      expect(batches).toHaveLength(1);
      await sink.flush();
      expect(batches).toHaveLength(2);
      expect(batches[1]?.wake).toBeUndefined();
    } finally {
      sink.stop();
    }
  });

  it("sends a spike that follows another flag's within the rate limit when the limit allows, still waking Airbag", async () => {
    const batches: SignalBatch[] = [];
    let release: () => void = () => undefined;
    const sink = new SignalSink({
      appId: 'shop',
      writer: {
        write: (b) => {
          batches.push(b);
          // The first write hangs a while: the second spike must not be folded into it.
          return batches.length === 1 ? new Promise<void>((r) => (release = r)) : Promise.resolve();
        },
      },
      flushIntervalMs: 60_000,
      earlyFlush: { minIntervalMs: 20 },
    });
    sink.start();
    try {
      const a = newSignalCounter('a');
      const b = newSignalCounter('b');
      for (let i = 0; i < 5; i++) sink.failure(a);
      await new Promise((r) => setImmediate(r));
      expect(batches).toHaveLength(1);
      for (let i = 0; i < 5; i++) sink.failure(b); // within 20 ms of a's flush
      release();
      await eventually(() => batches.length === 2, 5_000, 5);
      expect(batches[1]).toMatchObject({
        entries: [expect.objectContaining({ flagKey: 'b', failures: 5 })],
        wake: true,
      });
    } finally {
      sink.stop();
    }
  });

  it('can be turned off', async () => {
    const batches: SignalBatch[] = [];
    const sink = new SignalSink({
      appId: 'shop',
      writer: { write: (b) => (batches.push(b), Promise.resolve()) },
      flushIntervalMs: 60_000,
      earlyFlush: false,
    });
    sink.start();
    const c = newSignalCounter('checkout');
    for (let i = 0; i < 50; i++) sink.failure(c);
    await new Promise((r) => setImmediate(r));
    sink.stop();
    expect(batches).toHaveLength(0);
  });
});
