import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WakeScheduler, type WakeTimers } from './wake-scheduler.js';

/** A manual clock and timers: `advance` fires what is due, in order. */
function fakeTime() {
  let now = 0;
  let next = 1;
  const due = new Map<number, { at: number; fn: () => void }>();
  const timers: WakeTimers = {
    set: (fn, ms) => {
      const id = next++;
      due.set(id, { at: now + ms, fn });
      return id;
    },
    clear: (id) => void due.delete(id as number),
  };
  return {
    timers,
    now: () => now,
    pending: () => due.size,
    /** Moves the clock to `to`, firing timers (and settling the ticks they start) on the way. */
    async advance(to: number) {
      for (;;) {
        let first: [number, { at: number; fn: () => void }] | undefined;
        for (const e of due) if (e[1].at <= to && (!first || e[1].at < first[1].at)) first = e;
        if (!first) break;
        due.delete(first[0]);
        now = Math.max(now, first[1].at);
        first[1].fn();
        for (let i = 0; i < 5; i++) await Promise.resolve();
      }
      now = to;
    },
  };
}

/** A scheduler whose ticks record their apps and finish when `finish()` is called. */
function harness(minIntervalMs = 100, known: (a: string) => boolean = () => true) {
  const t = fakeTime();
  const ticks: { at: number; apps: string[] }[] = [];
  let running = 0;
  let maxRunning = 0;
  let release: (() => void)[] = [];
  const s = new WakeScheduler({
    minIntervalMs,
    accepts: known,
    now: t.now,
    timers: t.timers,
    run: (apps) => {
      ticks.push({ at: t.now(), apps: [...apps].sort() });
      running++;
      maxRunning = Math.max(maxRunning, running);
      return new Promise<void>((r) =>
        release.push(() => {
          running--;
          r();
        }),
      );
    },
  });
  const finish = async () => {
    const r = release;
    release = [];
    for (const f of r) f();
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { t, s, ticks, finish, maxRunning: () => maxRunning };
}

describe('WakeScheduler', () => {
  it('ticks a woken app at once and coalesces the wake-ups that arrive before its tick', async () => {
    const { t, s, ticks, finish } = harness();
    expect(s.wake('shop')).toBe('queued');
    expect(s.wake('shop')).toBe('coalesced');
    expect(s.wake('blog')).toBe('queued');
    await t.advance(0);
    expect(ticks).toEqual([{ at: 0, apps: ['blog', 'shop'] }]);
    await finish();
    expect(s.waiting()).toBe(0);
  });

  it('ticks one app at most once per interval however often its channel is published', async () => {
    const { t, s, ticks, finish } = harness(100);
    // 1,000 wake-ups a second for 2 s, each tick taking 5 ms.
    for (let ms = 0; ms < 2000; ms++) {
      s.wake('shop');
      await t.advance(ms);
      if (ms % 5 === 4) await finish();
    }
    await finish();
    expect(ticks.length).toBeLessThanOrEqual(21);
    for (let i = 1; i < ticks.length; i++)
      expect((ticks[i]?.at ?? 0) - (ticks[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(100);
  });

  it('never starts a wake-up tick while one is running; apps woken meanwhile go into the next', async () => {
    const { t, s, ticks, finish, maxRunning } = harness(100);
    s.wake('a');
    await t.advance(0);
    s.wake('b');
    s.wake('c');
    await t.advance(500); // the first tick is still running
    expect(ticks).toHaveLength(1);
    await finish();
    await t.advance(500);
    expect(ticks.map((x) => x.apps)).toEqual([['a'], ['b', 'c']]);
    expect(maxRunning()).toBe(1);
  });

  it('ignores apps it does not watch and anything after stop()', async () => {
    const { t, s, ticks } = harness(100, (a) => a === 'shop');
    expect(s.wake('other')).toBe('ignored');
    await s.stop();
    expect(s.wake('shop')).toBe('ignored');
    await t.advance(1000);
    expect(ticks).toEqual([]);
    expect(t.pending()).toBe(0);
  });

  it('keeps every app to one tick per interval and never runs two ticks at once (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 60 })), {
          maxLength: 60,
        }),
        async (wakes) => {
          const { t, s, ticks, finish, maxRunning } = harness(50);
          let at = 0;
          for (const [app, gap] of wakes) {
            at += gap;
            await t.advance(at);
            if (gap > 20) await finish();
            s.wake(`app${app}`);
          }
          for (let i = 0; i < 10; i++) {
            await finish();
            await t.advance((at += 50));
          }
          expect(maxRunning()).toBeLessThanOrEqual(1);
          const last = new Map<string, number>();
          for (const tick of ticks)
            for (const app of tick.apps) {
              const prev = last.get(app);
              if (prev !== undefined) expect(tick.at - prev).toBeGreaterThanOrEqual(50);
              last.set(app, tick.at);
            }
          // Every app woken was ticked at or after its last wake-up.
          expect(s.waiting()).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });
});
