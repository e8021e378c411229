import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PollLoop, type PollLoopOptions } from './poll-loop.js';

const IDLE = 1_000;
const RETRY = 250;

/** A loop whose passes answer from `results` (a value, or an Error to throw), then `false`. */
function scripted(results: (boolean | Error)[], opts: Partial<PollLoopOptions> = {}) {
  const calls = { passes: 0 };
  const errors: number[] = [];
  const recovered: number[] = [];
  const loop = new PollLoop({
    pass: () => {
      calls.passes++;
      const r = results.shift() ?? false;
      return r instanceof Error ? Promise.reject(r) : Promise.resolve(r);
    },
    idleMs: IDLE,
    retryMs: RETRY,
    onError: (_err, failures) => errors.push(failures),
    onRecovered: (failures) => recovered.push(failures),
    ...opts,
  });
  return { loop, calls, errors, recovered };
}

describe('PollLoop', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs a pass at start, then one per idle interval', async () => {
    const { loop, calls } = scripted([]);
    loop.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.passes).toBe(1);
    await vi.advanceTimersByTimeAsync(IDLE - 1);
    expect(calls.passes).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls.passes).toBe(2);
    await loop.stop();
  });

  it('goes again at once while a pass reports more work', async () => {
    const { loop, calls } = scripted([true, true, false]);
    loop.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.passes).toBe(3);
    await loop.stop();
  });

  it('wakes at once on a kick, and reruns after a pass that was kicked meanwhile', async () => {
    let kickDuringPass = false;
    let passes = 0;
    const loop: PollLoop = new PollLoop({
      pass: () => {
        passes++;
        if (kickDuringPass) {
          kickDuringPass = false;
          loop.kick();
        }
        return Promise.resolve(false);
      },
      idleMs: IDLE,
      onError: () => {},
    });
    loop.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(passes).toBe(1);
    loop.kick();
    await vi.advanceTimersByTimeAsync(0);
    expect(passes).toBe(2);
    kickDuringPass = true;
    loop.kick();
    await vi.advanceTimersByTimeAsync(0);
    expect(passes).toBe(4);
    await loop.stop();
  });

  it('backs off for retryMs after a failure, even when kicked, and reports the recovery', async () => {
    const { loop, calls, errors, recovered } = scripted([new Error('down'), new Error('down')]);
    loop.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.passes).toBe(1);
    expect(errors).toEqual([1]);
    loop.kick();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.passes).toBe(2);
    expect(errors).toEqual([1, 2]);
    await vi.advanceTimersByTimeAsync(RETRY - 1);
    expect(calls.passes).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls.passes).toBe(3);
    expect(recovered).toEqual([2]);
    await loop.stop();
  });

  it('waits idleMs after a failure when no retryMs is given', async () => {
    const { loop, calls } = scripted([new Error('down')], { retryMs: undefined });
    loop.start();
    await vi.advanceTimersByTimeAsync(RETRY);
    expect(calls.passes).toBe(1);
    await vi.advanceTimersByTimeAsync(IDLE - RETRY);
    expect(calls.passes).toBe(2);
    await loop.stop();
  });

  it('stops after the pass in flight and runs no more passes', async () => {
    let finish: (() => void) | undefined;
    let passes = 0;
    const loop = new PollLoop({
      pass: () => {
        passes++;
        return new Promise<boolean>((resolve) => {
          finish = () => resolve(true);
        });
      },
      idleMs: IDLE,
      onError: () => {},
    });
    loop.start();
    expect(loop.running).toBe(true);
    let stopped = false;
    const stopping = loop.stop().then(() => {
      stopped = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    finish?.();
    await stopping;
    expect(passes).toBe(1);
    expect(loop.running).toBe(false);
    await vi.advanceTimersByTimeAsync(IDLE * 5);
    expect(passes).toBe(1);
  });
});
