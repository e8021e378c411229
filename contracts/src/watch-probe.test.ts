import { describe, expect, it } from 'vitest';
import { classifyProbeError, probeKvWatch, startWatchProbe } from './watch-probe.js';

// The probe's decisions on the errors nats.js raises; the real thing (a consumer deleted under a
// live SDK, a cluster node killed) is in sdk-node's fault and cluster integration tests.
const apiError = (message: string, errCode: number) =>
  Object.assign(new Error(message), { api_error: { code: 404, err_code: errCode } });

const never = 2_000_000_000;

describe('classifyProbeError', () => {
  it('tells a gone consumer, a refused credential and other failures apart', () => {
    expect(classifyProbeError(apiError('consumer not found', 10014))).toBe('gone');
    expect(classifyProbeError(apiError('stream not found', 10059))).toBe('gone');
    expect(classifyProbeError(new Error('consumer not found'))).toBe('gone');
    expect(
      classifyProbeError(
        new Error('Permissions Violation for Publish to "$JS.API.CONSUMER.INFO.KV_f.x"'),
      ),
    ).toBe('refused');
    expect(classifyProbeError(new Error('timeout'))).toBe('failed');
    expect(classifyProbeError(new Error('503', { cause: new Error('no responders') }))).toBe(
      'failed',
    );
    expect(classifyProbeError('weird')).toBe('failed');
  });
});

describe('startWatchProbe', () => {
  const consumerFailing = (errors: (Error | undefined)[]) => ({
    calls: 0,
    info(): Promise<unknown> {
      const err = errors[this.calls++];
      return err === undefined ? Promise.resolve({}) : Promise.reject(err);
    },
  });

  it('reports a consumer that is not found at once, and only once', async () => {
    const lost: string[] = [];
    const c = consumerFailing([apiError('consumer not found', 10014)]);
    const p = startWatchProbe(c, { intervalMs: never, onLost: (r) => lost.push(r) });
    await p.check();
    await p.check();
    expect(lost).toEqual(['consumer not found']);
    expect(c.calls).toBe(1);
  });

  it('reports a consumer lost after failures in a row, and forgives a failure between successes', async () => {
    const lost: string[] = [];
    const c = consumerFailing([new Error('timeout'), undefined, new Error('timeout')]);
    const p = startWatchProbe(c, { intervalMs: never, onLost: (r) => lost.push(r) });
    await p.check();
    await p.check();
    await p.check();
    expect(lost).toEqual([]);
    c.info = () => Promise.reject(new Error('timeout'));
    await p.check();
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatch(/2 consumer info requests failed: timeout/);
    p.stop();
  });

  it('stops quietly when the credential may not ask', async () => {
    const lost: string[] = [];
    const c = consumerFailing([new Error('Permissions Violation for Publish'), undefined]);
    const p = startWatchProbe(c, { intervalMs: never, onLost: (r) => lost.push(r) });
    await p.check();
    await p.check();
    expect(lost).toEqual([]);
    expect(c.calls).toBe(1);
  });

  it('probes a KV watch iterator by the consumer it holds, and skips one without', async () => {
    const c = consumerFailing([apiError('consumer not found', 10014)]);
    const lost: string[] = [];
    const p = probeKvWatch({ _data: c }, { intervalMs: never, onLost: (r) => lost.push(r) });
    await p?.check();
    expect(lost).toEqual(['consumer not found']);
    expect(probeKvWatch({}, { onLost: () => undefined })).toBeNull();
    expect(probeKvWatch({ _data: { info: 1 } }, { onLost: () => undefined })).toBeNull();
  });
});
