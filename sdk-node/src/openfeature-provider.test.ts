import { OpenFeature, ProviderEvents, ProviderStatus } from '@openfeature/server-sdk';
import { afterAll, describe, expect, it } from 'vitest';
import { TailslideProvider } from './openfeature-provider.js';
import { createTestFlagManager, testFlagRule, InMemoryRulesetSource } from './testing.js';
import { FlagManager } from './flag-manager.js';
import { TailslideError } from './errors.js';
import type { RulesetListener } from './ruleset-source.js';

afterAll(async () => {
  await OpenFeature.close();
});

describe('TailslideProvider', () => {
  it('resolves boolean flags through the same evaluator as isFlagActive, with OpenFeature reasons', async () => {
    const rule = testFlagRule({
      appId: 'shop',
      flagKey: 'checkout',
      rolloutPercentage: 50,
      whitelist: ['vip'],
      version: 3,
    });
    const { manager } = createTestFlagManager({ appId: 'shop', rules: [rule] });
    await OpenFeature.setProviderAndWait('of-eval', new TailslideProvider(manager));
    const client = OpenFeature.getClient('of-eval');
    const t = manager.newToggler({ flagName: 'checkout' });
    for (let i = 0; i < 200; i++) {
      const user = `user-${i}`;
      expect(
        await client.getBooleanValue('checkout', !t.isFlagActive(user), { targetingKey: user }),
      ).toBe(t.isFlagActive(user));
    }
    const vip = await client.getBooleanDetails('checkout', false, { targetingKey: 'vip' });
    expect(vip).toMatchObject({
      value: true,
      reason: 'TARGETING_MATCH',
      flagMetadata: { ruleVersion: 3 },
    });
    const missing = await client.getBooleanDetails('nope', true, { targetingKey: 'u' });
    expect(missing).toMatchObject({ value: true, reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' });
    const str = await client.getStringDetails('checkout', 'x', { targetingKey: 'u' });
    expect(str).toMatchObject({ value: 'x', errorCode: 'TYPE_MISMATCH' });
  });

  it('maps changed events to CONFIGURATION_CHANGED and track() to success/failure signals', async () => {
    const { manager, source, writer } = createTestFlagManager({
      appId: 'shop',
      rules: [testFlagRule({ appId: 'shop', flagKey: 'checkout' })],
    });
    await OpenFeature.setProviderAndWait('of-events', new TailslideProvider(manager));
    const client = OpenFeature.getClient('of-events');
    const changed: (string[] | undefined)[] = [];
    client.addHandler(ProviderEvents.ConfigurationChanged, (e) => changed.push(e?.flagsChanged));
    source.setRule(testFlagRule({ appId: 'shop', flagKey: 'checkout', version: 2, active: false }));
    expect(changed).toEqual([['checkout']]);
    expect(await client.getBooleanValue('checkout', true, { targetingKey: 'u' })).toBe(false);

    client.track('success', { targetingKey: 'u' }, { flagKey: 'checkout' });
    client.track('success', { targetingKey: 'u' }, { flagKey: 'checkout' });
    client.track('failure', { targetingKey: 'u' }, { flagKey: 'checkout', value: 12 });
    client.track('page-view', { targetingKey: 'u' }, { flagKey: 'checkout' });
    await manager.flush();
    expect(writer.totals('checkout')).toEqual({
      successes: 2,
      failures: 1,
      offSuccesses: 0,
      offFailures: 0,
    });
  });

  it('maps stale to PROVIDER_STALE and resolves with reason STALE while stale', async () => {
    let listener: RulesetListener | null = null;
    const manager = new FlagManager({
      appId: 'shop',
      signalWriter: { write: () => Promise.resolve() },
      rulesetSource: {
        start: (l) => {
          listener = l;
          l.onResync();
          l.onEntry('f', testFlagRule({ appId: 'shop', flagKey: 'f' }), 1);
          l.onSynced();
        },
        close: () => Promise.resolve(),
      },
    });
    manager.on('error', () => undefined);
    await OpenFeature.setProviderAndWait('of-stale', new TailslideProvider(manager));
    const client = OpenFeature.getClient('of-stale');
    const stale: string[] = [];
    client.addHandler(ProviderEvents.Stale, (e) => stale.push(e?.message ?? ''));
    listener!.onStale(new TailslideError('nats_unavailable', 'NATS connection lost'));
    await Promise.resolve();
    expect(stale).toEqual(['NATS connection lost']);
    expect(client.providerStatus).toBe(ProviderStatus.STALE);
    expect(await client.getBooleanDetails('f', false, { targetingKey: 'u' })).toMatchObject({
      value: true,
      reason: 'STALE',
    });
  });

  it('reports ERROR while no ruleset is available, then READY once rules arrive', async () => {
    let start: (() => void) | null = null;
    const inner = new InMemoryRulesetSource([testFlagRule({ appId: 'shop', flagKey: 'f' })]);
    const manager = new FlagManager({
      appId: 'shop',
      initTimeoutMs: 10,
      signalWriter: { write: () => Promise.resolve() },
      rulesetSource: {
        start: (l) => {
          start = () => inner.start(l);
        },
        close: () => inner.close(),
      },
    });
    const provider = new TailslideProvider(manager);
    await OpenFeature.setProviderAndWait('of-late', provider).catch(() => undefined);
    const client = OpenFeature.getClient('of-late');
    expect(client.providerStatus).toBe(ProviderStatus.ERROR);
    const ready = new Promise<void>((r) => client.addHandler(ProviderEvents.Ready, () => r()));
    start!();
    await ready;
    expect(client.providerStatus).toBe(ProviderStatus.READY);
    expect(await client.getBooleanValue('f', false, { targetingKey: 'u' })).toBe(true);
  });
});
