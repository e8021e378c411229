import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  newSignalCounter,
  nextFlushDelay,
  SignalSink,
  type SignalBatch,
  type SignalWriter,
} from './signal-sink.js';

class Recorder implements SignalWriter {
  batches: SignalBatch[] = [];
  fail: Error | null = null;
  hang = false;
  write(batch: SignalBatch): Promise<void> {
    if (this.hang) return new Promise(() => undefined);
    if (this.fail) return Promise.reject(this.fail);
    this.batches.push(batch);
    return Promise.resolve();
  }
}

describe('SignalSink', () => {
  it('aggregates emits per flag and flushes them in one writer call, attributed to the interval midpoint', async () => {
    let now = 10_000;
    const w = new Recorder();
    const sink = new SignalSink({ appId: 'shop', writer: w, now: () => now });
    const a = newSignalCounter('a');
    const b = newSignalCounter('b');
    for (let i = 0; i < 1000; i++) sink.success(a);
    sink.add(a, 0, 3);
    sink.failure(b);
    now = 10_250;
    await sink.flush();
    expect(w.batches).toEqual([
      {
        appId: 'shop',
        atMs: 10_125,
        entries: [
          { flagKey: 'a', successes: 1000, failures: 3, offSuccesses: 0, offFailures: 0 },
          { flagKey: 'b', successes: 0, failures: 1, offSuccesses: 0, offFailures: 0 },
        ],
      },
    ]);
    await sink.flush();
    expect(w.batches).toHaveLength(1); // nothing new: no empty write
    expect(sink.stats).toMatchObject({ flushes: 1, signalsWritten: 1004, signalsDropped: 0 });
  });

  it('keeps the off-arm (control) counts apart from the on-arm and flushes a flag with only control counts', async () => {
    const w = new Recorder();
    const sink = new SignalSink({ appId: 'shop', writer: w });
    const a = newSignalCounter('a');
    sink.offSuccess(a);
    sink.offSuccess(a);
    sink.offFailure(a);
    await sink.flush();
    expect(w.batches.at(-1)?.entries).toEqual([
      { flagKey: 'a', successes: 0, failures: 0, offSuccesses: 2, offFailures: 1 },
    ]);
    expect(sink.stats).toMatchObject({ signalsWritten: 3 });
    sink.success(a);
    await sink.flush();
    expect(w.batches.at(-1)?.entries).toEqual([
      { flagKey: 'a', successes: 1, failures: 0, offSuccesses: 0, offFailures: 0 },
    ]);
  });

  it('drops and counts the signals of a failed flush instead of queueing them, and resumes after', async () => {
    const w = new Recorder();
    const dropped: number[] = [];
    const sink = new SignalSink({ appId: 'shop', writer: w, onDropped: (n) => dropped.push(n) });
    const c = newSignalCounter('a');
    w.fail = new Error('The client is offline');
    for (let round = 0; round < 50; round++) {
      sink.add(c, 10, 0);
      await sink.flush();
    }
    expect(dropped).toHaveLength(50);
    expect(sink.stats).toMatchObject({ failedFlushes: 50, signalsDropped: 500, signalsWritten: 0 });
    w.fail = null;
    sink.failure(c);
    await sink.flush();
    expect(w.batches.at(-1)?.entries).toEqual([
      { flagKey: 'a', successes: 0, failures: 1, offSuccesses: 0, offFailures: 0 },
    ]);
  });

  it('stops waiting for a flush after flushTimeoutMs, drops new batches while it is stuck, and counts it as written when it lands late', async () => {
    let calls = 0;
    let release: () => void = () => undefined;
    const stuck: SignalWriter = {
      write: () => {
        calls++;
        return new Promise<void>((r) => (release = r));
      },
    };
    const sink = new SignalSink({ appId: 'shop', writer: stuck, flushTimeoutMs: 20 });
    const c = newSignalCounter('a');
    sink.add(c, 5, 0);
    await sink.flush(); // returns after the timeout; the write is still pending
    expect(sink.stats).toMatchObject({ failedFlushes: 0, signalsDropped: 0, signalsWritten: 0 });
    sink.add(c, 3, 0);
    await sink.flush();
    expect(calls).toBe(1); // nothing more piled up behind the stuck write
    expect(sink.stats).toMatchObject({ failedFlushes: 1, signalsDropped: 3 });
    release(); // the first write lands after all: its 5 signals were written, not dropped
    await new Promise((r) => setImmediate(r));
    expect(sink.stats).toMatchObject({ flushes: 1, signalsWritten: 5, signalsDropped: 3 });
    sink.failure(c);
    await sink.flush();
    expect(calls).toBe(2);
  });

  it('keeps aggregating while a flush is in flight (tick skips) so at most one write is pending', async () => {
    const w = new Recorder();
    let release: () => void = () => undefined;
    let calls = 0;
    const slow: SignalWriter = {
      write: (b) => {
        calls++;
        w.batches.push(b);
        return new Promise((r) => (release = r));
      },
    };
    const sink = new SignalSink({ appId: 'shop', writer: slow });
    const c = newSignalCounter('a');
    sink.success(c);
    const first = sink.tick();
    sink.add(c, 2, 0);
    void sink.tick();
    void sink.tick();
    expect(calls).toBe(1);
    release();
    await first;
    const second = sink.flush();
    await Promise.resolve();
    release();
    await second;
    expect(calls).toBe(2);
    expect(w.batches[1]?.entries[0]?.successes).toBe(2);
  });
});

describe('nextFlushDelay', () => {
  it('flushes on interval and bucket boundaries so no interval straddles a time bucket', () => {
    expect(nextFlushDelay(1_000, 250)).toBe(250);
    expect(nextFlushDelay(1_100, 250)).toBe(150);
    expect(nextFlushDelay(1_900, 300)).toBe(100); // the bucket boundary comes before 2_100
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 45 }),
        fc.integer({ min: 1, max: 5_000 }),
        (now, interval) => {
          const next = now + nextFlushDelay(now, interval);
          expect(next).toBeGreaterThan(now);
          // No multiple of 1000 lies strictly between now and the next flush.
          expect(Math.floor((next - 1) / 1_000)).toBe(Math.floor(now / 1_000));
        },
      ),
    );
  });
});
