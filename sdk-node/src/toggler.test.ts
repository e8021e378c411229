import { describe, expect, it } from 'vitest';
import { TailslideError } from './errors.js';
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
    expect(writer.totals('checkout')).toEqual({ successes: 2, failures: 3 });
    await manager.close();
  });

  it('run() counts a call slower than the rule slowCallMs as a failure', async () => {
    const { manager, writer } = await setup(0);
    const t = manager.newToggler({ flagName: 'checkout' });
    await t.run(() => new Promise((r) => setTimeout(r, 5)));
    await manager.flush();
    expect(writer.totals('checkout')).toEqual({ successes: 0, failures: 1 });
    await manager.close();
  });

  it('rejects an invalid configuration at construction', () => {
    expect(() => createTestFlagManager({ appId: 'bad app id' })).toThrow(TailslideError);
  });
});
