import { describe, expect, it } from 'vitest';
import { TailslideError } from './errors.js';
import type { RunOptions } from './toggler.js';
import { createTestFlagManager, testFlagRule } from './testing.js';

async function setup(slowCallMs: number | null = null) {
  const rule = testFlagRule({
    appId: 'shop',
    flagKey: 'checkout',
    whitelist: ['vip'],
    rolloutPercentage: 0,
    circuit: { ...testFlagRule({ appId: 'a', flagKey: 'b' }).circuit, slowCallMs },
  });
  const t = createTestFlagManager({ appId: 'shop', rules: [rule], userContext: 'vip' });
  await t.manager.initialize();
  return t;
}

describe('Toggler', () => {
  it('evaluates per call, falling back to the manager userContext, and never throws on odd input', async () => {
    const { manager } = await setup();
    const t = manager.newToggler({ flagName: 'checkout' });
    expect(t.isFlagActive()).toBe(true);
    expect(t.isFlagActive('someone')).toBe(false);
    expect(t.isFlagActive(42 as unknown as string)).toBe(false);
    expect(
      t.isFlagActive({
        toString: () => {
          throw new Error('x');
        },
      } as unknown as string),
    ).toBe(false);
    expect(manager.newToggler({ flagName: 'missing', defaultValue: true }).isFlagActive('x')).toBe(
      true,
    );
    expect(manager.newToggler({ flagName: 'missing' }).evaluate('x').reason).toBe('flag_not_found');
    await manager.close();
  });

  it('sees a rule change immediately through the same toggler', async () => {
    const { manager, source } = await setup();
    const t = manager.newToggler({ flagName: 'checkout' });
    const changed: string[][] = [];
    manager.on('changed', (e) => changed.push(e.flags));
    source.setRule(testFlagRule({ appId: 'shop', flagKey: 'checkout', version: 2, active: false }));
    expect(t.isFlagActive('vip')).toBe(false);
    source.deleteFlag('checkout');
    expect(t.evaluate('vip').reason).toBe('flag_not_found');
    expect(changed).toEqual([['checkout'], ['checkout']]);
    await manager.close();
  });

  it('run() counts resolves as successes, throws and timeouts as failures, and rethrows', async () => {
    const { manager, writer } = await setup();
    const t = manager.newToggler({ flagName: 'checkout' });
    expect(await t.run(() => 7)).toBe(7);
    expect(await t.run(() => Promise.resolve('ok'))).toBe('ok');
    await expect(t.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(
      t.run(() => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    const err = await t
      .run(() => new Promise(() => undefined), { timeoutMs: 5 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TailslideError);
    expect((err as TailslideError).code).toBe('timeout');
    await manager.flush();
    expect(writer.totals('checkout')).toEqual({
      successes: 2,
      failures: 3,
      offSuccesses: 0,
      offFailures: 0,
    });
    await manager.close();
  });

  it('run() counts a call slower than the rule slowCallMs as a failure', async () => {
    const { manager, writer } = await setup(0);
    const t = manager.newToggler({ flagName: 'checkout' });
    await t.run(() => new Promise((r) => setTimeout(r, 5)));
    await manager.flush();
    expect(writer.totals('checkout')).toEqual({
      successes: 0,
      failures: 1,
      offSuccesses: 0,
      offFailures: 0,
    });
    await manager.close();
  });

  it('run() with a fallback runs fn on the on-arm and the fallback on the off-arm, by the user', async () => {
    const { manager, writer } = await setup();
    const t = manager.newToggler({ flagName: 'checkout' });
    const on = () => 'new';
    const fallback = () => 'old';
    // 'vip' is whitelisted (on); everyone else is outside the 0 % rollout (off).
    expect(await t.run(on, { fallback, userContext: 'vip' })).toBe('new');
    expect(await t.run(on, { fallback })).toBe('new'); // the manager's userContext is 'vip'
    expect(await t.run(on, { fallback, userContext: 'someone' })).toBe('old');
    await expect(
      t.run(on, { fallback: () => Promise.reject(new Error('db down')), userContext: 'x' }),
    ).rejects.toThrow('db down');
    await manager.flush();
    expect(writer.totals('checkout')).toEqual({
      successes: 2,
      failures: 0,
      offSuccesses: 1,
      offFailures: 1,
    });
    await manager.close();
  });

  it('run() counts the fallback on the off-arm while the circuit is open too', async () => {
    const { manager, writer, source } = await setup();
    source.setRule(
      testFlagRule({
        appId: 'shop',
        flagKey: 'checkout',
        version: 2,
        active: false,
        circuitStatus: {
          state: 'open',
          recoveryPercentage: 0,
          changedAt: new Date(0).toISOString(),
        },
      }),
    );
    const t = manager.newToggler({ flagName: 'checkout' });
    expect(await t.run(() => 'new', { fallback: () => 'old' })).toBe('old');
    await manager.flush();
    expect(writer.totals('checkout')).toMatchObject({ successes: 0, offSuccesses: 1 });
    await manager.close();
  });

  it("run() with arm: 'off' and the control emits count on the off-arm", async () => {
    const { manager, writer } = await setup();
    const t = manager.newToggler({ flagName: 'checkout' });
    await t.run(() => 1, { arm: 'off' });
    await expect(t.run(() => Promise.reject(new Error('x')), { arm: 'off' })).rejects.toThrow();
    t.emitControlSuccess();
    t.emitControlFailure();
    t.emitSuccess();
    await t.run(() => 1, { arm: 'sideways' as 'on' }); // reported, counted on the on-arm
    await manager.flush();
    expect(writer.totals('checkout')).toEqual({
      successes: 2,
      failures: 0,
      offSuccesses: 2,
      offFailures: 2,
    });
    await manager.close();
  });

  it('run() rejects a fallback that is not a function and counts nothing', async () => {
    const { manager, writer } = await setup();
    const t = manager.newToggler({ flagName: 'checkout' });
    await expect(
      t.run(() => 1, { fallback: 'old' as unknown as () => number }),
    ).rejects.toBeInstanceOf(TypeError);
    await manager.flush();
    expect(writer.totals('checkout')).toEqual({
      successes: 0,
      failures: 0,
      offSuccesses: 0,
      offFailures: 0,
    });
    await manager.close();
  });

  it('run() counts what classify calls a failure, returns the result unchanged, and never lets a classifier throw', async () => {
    const { manager, writer } = await setup();
    const errors: string[] = [];
    manager.on('error', (e) => errors.push(e.message));
    const t = manager.newToggler({ flagName: 'checkout' });
    const classify = (r: { status: number }) => (r.status >= 500 ? 'failure' : 'success');
    expect(await t.run(() => ({ status: 503 }), { classify })).toEqual({ status: 503 });
    expect(await t.run(() => ({ status: 200 }), { classify })).toEqual({ status: 200 });
    const res = await t.run(() => ({ status: 500 }), {
      classify,
      fallback: () => ({ status: 500 }),
      userContext: 'someone',
    });
    expect(res).toEqual({ status: 500 });
    // A classifier that throws: the call counts as a failure and still resolves.
    const thrower = (r: { status: number } | undefined) =>
      (r as { status: number }).status >= 500 ? 'failure' : 'success';
    expect(await t.run(() => undefined, { classify: thrower })).toBeUndefined();
    // One that returns something else: a success, reported.
    await t.run(() => 1, { classify: () => true as unknown as 'success' });
    // One that is not a function: ignored, reported.
    await t.run(() => 1, { classify: 42 as unknown as () => 'success' });
    await manager.flush();
    expect(writer.totals('checkout')).toEqual({
      successes: 3,
      failures: 2,
      offSuccesses: 0,
      offFailures: 1,
    });
    expect(errors.some((m) => m.includes('classify threw'))).toBe(true);
    await manager.close();
  });

  it('run() never reads a hostile options object twice and survives throwing getters', async () => {
    const { manager, writer } = await setup();
    const t = manager.newToggler({ flagName: 'checkout' });
    const hostile = Object.defineProperty({}, 'fallback', {
      get() {
        throw new Error('getter');
      },
    });
    expect(await t.run(() => 'x', hostile as RunOptions<string>)).toBe('x');
    await manager.flush();
    expect(writer.totals('checkout')).toMatchObject({ successes: 1 });
    await manager.close();
  });

  it('rejects an invalid configuration at construction', () => {
    expect(() => createTestFlagManager({ appId: 'bad app id' })).toThrow(TailslideError);
  });
});
