/**
 * The manager as a hostile or careless caller meets it: odd options, odd arguments, broken
 * loggers, writers and sources, garbage in the KV, endless flag names. Nothing here needs NATS or
 * Redis; the fault tests (`*.fault.int.test.ts`) cover the real services.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { FlagRule } from '@tailslide/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { TailslideError } from './errors.js';
import { FlagManager, type FlagManagerOptions, type TailslideLogger } from './flag-manager.js';
import type { RulesetSource } from './ruleset-source.js';
import { readSnapshotFile } from './snapshot-file.js';
import type { SignalWriter } from './signal-sink.js';
import {
  InMemoryRulesetSource,
  InMemorySignalWriter,
  createTestFlagManager,
  testFlagRule,
} from './testing.js';

const dir = mkdtempSync(join(tmpdir(), 'tailslide-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const quiet: TailslideLogger = { warn: () => undefined, error: () => undefined };

async function started(rules: FlagRule[], extra: Partial<Omit<FlagManagerOptions, 'appId'>> = {}) {
  const t = createTestFlagManager({ appId: 'shop', rules, logger: quiet, ...extra });
  const errors: TailslideError[] = [];
  t.manager.on('error', (e) => errors.push(e));
  await t.manager.initialize();
  return { ...t, errors };
}

const after = (ms: number) => new Promise<string>((r) => setTimeout(() => r('ok'), ms));

describe('options are validated once, at construction', () => {
  const base = {
    appId: 'shop',
    rulesetSource: new InMemoryRulesetSource(),
    signalWriter: new InMemorySignalWriter(),
  };

  it.each([
    ['retryDelayMs', 0],
    ['retryDelayMs', 5],
    ['initTimeoutMs', Infinity],
    ['initTimeoutMs', 2 ** 31],
    ['initTimeoutMs', Number.NaN],
    ['initTimeoutMs', 0],
    ['flushIntervalMs', 0],
    ['flushIntervalMs', 1.5],
    ['initTimeoutMs', '500'],
  ])('rejects %s = %s with an error that names the option and its range', (name, value) => {
    expect(() => new FlagManager({ ...base, [name]: value })).toThrow(
      expect.objectContaining({
        code: 'invalid_config',
        message: expect.stringMatching(
          new RegExp(`^${name} must be an integer .* between \\d+ and 2147483647`),
        ),
      }) as Error,
    );
  });

  it('rejects a logger without warn/error, a blank NATS list and a non-token appId', () => {
    expect(() => new FlagManager({ ...base, logger: {} as TailslideLogger })).toThrow(/logger/);
    expect(() => new FlagManager({ ...base, rulesetSource: undefined, nats: ' ' })).toThrow(/nats/);
    expect(() => new FlagManager({ ...base, appId: 'my shop' })).toThrow(/appId/);
    // Neither a key nor an app id: an unset TAILSLIDE_SDK_KEY says what to set.
    expect(() => new FlagManager({ ...base, appId: undefined, sdkKey: undefined })).toThrow(
      /sdkKey is required.*TAILSLIDE_SDK_KEY/,
    );
    expect(() => new FlagManager(undefined as unknown as FlagManagerOptions)).toThrow(
      TailslideError,
    );
  });

  it('rejects redis with redisClusterNodes, a bad cluster node and a prefix that breaks the hash tag', () => {
    const sdk = { appId: 'shop', rulesetSource: new InMemoryRulesetSource() };
    expect(
      () =>
        new FlagManager({ ...sdk, redis: 'redis://a:6379', redisClusterNodes: 'redis://b:7000' }),
    ).toThrow(/not both/);
    expect(() => new FlagManager({ ...sdk, redisClusterNodes: 'redis://u:p@b:7000' })).toThrow(
      /redisClusterNodes .*credentials/,
    );
    expect(() => new FlagManager({ ...sdk, redisClusterNodes: [] })).toThrow(/at least one node/);
    expect(() => new FlagManager({ ...base, redisPrefix: 'a{b}' })).toThrow(/redisPrefix/);
  });

  it('accepts the numeric app id Tower issues, and a numeric userContext, as their strings', async () => {
    const rules = [
      testFlagRule({ appId: '7', flagKey: 'f', rolloutPercentage: 0, whitelist: ['42'] }),
    ];
    const m = new FlagManager({
      appId: 7,
      userContext: 42,
      logger: quiet,
      rulesetSource: new InMemoryRulesetSource(rules),
      signalWriter: new InMemorySignalWriter(),
    });
    expect(m.appId).toBe('7');
    await m.initialize();
    const t = m.newToggler('f');
    expect(t.isFlagActive()).toBe(true);
    expect(t.evaluate()).toMatchObject({ value: true, reason: 'whitelisted' });
    expect(m.evaluate('f').value).toBe(true);
    expect(t.isFlagActive(42 as unknown as string)).toBe(t.evaluate(42 as unknown as string).value);
    await m.close();
  });
});

describe('per-call arguments never throw and never count a healthy call as failed', () => {
  it.each([Infinity, 2 ** 31, null, 0, Number.NaN, -5, 1.5, 'soon', { ms: 5 }])(
    'run(fn, { timeoutMs: %s }) lets a healthy call finish and counts a success',
    async (timeoutMs) => {
      const { manager, writer, errors } = await started([
        testFlagRule({ appId: 'shop', flagKey: 'f' }),
      ]);
      const t = manager.newToggler('f');
      const value = await t.run(() => after(20), { timeoutMs } as unknown as { timeoutMs: number });
      expect(value).toBe('ok');
      await manager.flush();
      expect(writer.totals('f')).toEqual({
        successes: 1,
        failures: 0,
        offSuccesses: 0,
        offFailures: 0,
      });
      if (timeoutMs !== Infinity) expect(errors.map((e) => e.code)).toContain('invalid_argument');
      await manager.close();
    },
  );

  it('run() with odd options objects or a non-function neither throws synchronously nor counts', async () => {
    const { manager, writer } = await started([testFlagRule({ appId: 'shop', flagKey: 'f' })]);
    const t = manager.newToggler('f');
    const getter = {
      get timeoutMs(): number {
        throw new Error('boom');
      },
    };
    await expect(t.run(() => 1, getter)).resolves.toBe(1);
    await expect(t.run(() => 2, 'fast' as never)).resolves.toBe(2);
    await expect(t.run(undefined as never)).rejects.toThrow(TypeError);
    await manager.flush();
    expect(writer.totals('f')).toEqual({
      successes: 2,
      failures: 0,
      offSuccesses: 0,
      offFailures: 0,
    });
    await manager.close();
  });

  it('newToggler() takes a bare flag key; a missing or malformed one gives a default-serving toggler and a report', async () => {
    const { manager, errors } = await started([
      testFlagRule({ appId: 'shop', flagKey: 'checkout' }),
    ]);
    expect(manager.newToggler('checkout').flagName).toBe('checkout');
    expect(manager.newToggler('checkout').isFlagActive('u')).toBe(true);
    for (const bad of [undefined, null, 42n, {}, { flagName: 'no spaces' }]) {
      const t = manager.newToggler(bad as never);
      expect(t.isFlagActive('u')).toBe(false);
      expect(t.flagName).not.toBe('undefined');
      t.emitSuccess();
    }
    expect(errors.map((e) => e.code)).toContain('invalid_argument');
    await manager.close();
  });

  it("treats a non-boolean defaultValue (the string 'false') as false, reported", async () => {
    const { manager, errors } = await started([]);
    const t = manager.newToggler({
      flagName: 'missing',
      defaultValue: 'false' as unknown as boolean,
    });
    expect(t.isFlagActive('u')).toBe(false);
    expect(t.evaluate('u').value).toBe(false);
    expect(manager.evaluate('missing', 'u', 'true' as unknown as boolean).value).toBe(false);
    expect(
      errors.some((e) => e.code === 'invalid_argument' && /defaultValue/.test(e.message)),
    ).toBe(true);
    await manager.close();
  });

  it('initialize() after close() reports closed instead of a cached ready', async () => {
    const { manager } = await started([testFlagRule({ appId: 'shop', flagKey: 'f' })]);
    await manager.close();
    expect(await manager.initialize()).toEqual({ status: 'closed', flags: 1 });
  });
});

describe('initialize() settles whatever the logger, writer or source do', () => {
  const throwingLogger: TailslideLogger = {
    warn: () => {
      throw new Error('logger down');
    },
    error: () => {
      throw new Error('logger down');
    },
  };
  const silentSource: RulesetSource = { start: () => undefined, close: () => Promise.resolve() };
  const throwingSource: RulesetSource = {
    start: () => {
      throw new Error('no');
    },
    close: () => Promise.reject(new Error('no')),
  };
  const hangingWriter: SignalWriter = {
    write: () => new Promise(() => undefined),
    start: () => {
      throw new Error('no');
    },
    close: () => new Promise(() => undefined),
  };

  it.each([
    ['a source that never connects', silentSource],
    ['a source that throws', throwingSource],
  ])(
    'with %s, a throwing logger and a hanging writer: not_ready after initTimeoutMs',
    async (_, source) => {
      const m = new FlagManager({
        appId: 'shop',
        initTimeoutMs: 50,
        logger: throwingLogger,
        rulesetSource: source,
        signalWriter: hangingWriter,
      });
      const t0 = performance.now();
      expect(await m.initialize()).toEqual({ status: 'not_ready', flags: 0 });
      expect(performance.now() - t0).toBeLessThan(50 + 1000);
      m.newToggler('f').emitSuccess();
      await m.flush();
      expect(m.newToggler('f').isFlagActive('u')).toBe(false);
      const closing = m.close();
      expect(await Promise.race([closing.then(() => 'closed'), after(3000)])).toBe('closed');
    },
  );

  it('gives up a snapshot read that hangs (a FIFO) at initTimeoutMs and starts the live source anyway', async () => {
    const fifo = join(dir, 'hung-snapshot');
    execFileSync('mkfifo', [fifo]);
    const m = new FlagManager({
      appId: 'shop',
      initTimeoutMs: 100,
      snapshotFile: fifo,
      logger: quiet,
      rulesetSource: new InMemoryRulesetSource([testFlagRule({ appId: 'shop', flagKey: 'f' })]),
      signalWriter: new InMemorySignalWriter(),
    });
    try {
      expect(['not_ready', 'ready']).toContain((await m.initialize()).status);
      await new Promise((r) => setImmediate(r));
      expect(m.status).toBe('ready');
      expect(m.newToggler('f').isFlagActive('u')).toBe(true);
    } finally {
      closeSync(openSync(fifo, 'w')); // let the blocked read finish (EOF)
      await m.close();
    }
  });

  it('keeps serving and stays ready when every listener and the logger throw', async () => {
    const source = new InMemoryRulesetSource([testFlagRule({ appId: 'shop', flagKey: 'f' })]);
    const m = new FlagManager({
      appId: 'shop',
      logger: throwingLogger,
      rulesetSource: source,
      signalWriter: new InMemorySignalWriter(),
    });
    for (const e of ['ready', 'changed', 'stale', 'error'] as const)
      m.on(e, () => {
        throw new Error(`${e} listener`);
      });
    expect((await m.initialize()).status).toBe('ready');
    source.setRule({ flagKey: 'f', version: 9, garbage: true } as unknown as FlagRule);
    source.setRule(testFlagRule({ appId: 'shop', flagKey: 'f', version: 10, active: false }));
    expect(m.newToggler('f').isFlagActive('u')).toBe(false);
    await m.close();
  });
});

describe('a malformed KV entry never replaces a good rule', () => {
  it('keeps serving the last good rule, reports the flag invalid once per version, and snapshots the good rule', async () => {
    const file = join(dir, 'bad-entry.json');
    const good = testFlagRule({ appId: 'shop', flagKey: 'f', version: 3, rolloutPercentage: 100 });
    const { manager, source, errors } = await started([good], { snapshotFile: file });
    const t = manager.newToggler({ flagName: 'f', defaultValue: false });
    const garbage = (version: number) =>
      ({ ...good, version, rolloutPercentage: 'all' }) as unknown as FlagRule;

    source.setRule(garbage(2)); // older than the rule held: a replay, ignored
    expect(manager.flagStatus('f')).toEqual({ flagKey: 'f', version: 3, invalid: null });
    source.setRule(garbage(4));
    source.setRule(garbage(4)); // the same bad version again: no second report
    expect(t.isFlagActive('u')).toBe(true);
    expect(t.evaluate('u')).toMatchObject({ value: true, ruleVersion: 3 });
    expect(manager.flagStatus('f')).toMatchObject({ version: 3, invalid: { version: 4 } });
    expect(errors.filter((e) => e.code === 'invalid_rule')).toHaveLength(1);
    source.setRule(garbage(5));
    expect(errors.filter((e) => e.code === 'invalid_rule')).toHaveLength(2);

    await manager.close();
    expect((await readSnapshotFile(file, 'shop'))?.rules.map((r) => r.version)).toEqual([3]);
  });

  it('a good newer entry clears the invalid mark', async () => {
    const good = testFlagRule({ appId: 'shop', flagKey: 'f', version: 1 });
    const { manager, source } = await started([good]);
    source.setRule({ ...good, version: 2, active: 'yes' } as unknown as FlagRule);
    source.setRule({ ...good, version: 3, active: false });
    expect(manager.flagStatus('f')).toEqual({ flagKey: 'f', version: 3, invalid: null });
    expect(manager.newToggler('f').isFlagActive('u')).toBe(false);
    await manager.close();
  });
});

describe('wrong app id or flag name', () => {
  it('warns once when, after ready, a toggler names a flag the app does not have', async () => {
    const warnings: string[] = [];
    const t = createTestFlagManager({
      appId: 'shop',
      rules: [testFlagRule({ appId: 'shop', flagKey: 'checkout' })],
      logger: { warn: (m) => warnings.push(m), error: (m) => warnings.push(m) },
    });
    const early = t.manager.newToggler('chekout'); // before ready: reported at ready
    await t.manager.initialize();
    t.manager.newToggler('chekout');
    t.manager.newToggler('other-typo');
    expect(early.isFlagActive('u')).toBe(false);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/has no flag 'chekout'/);
    await t.manager.close();
  });

  it('warns when the app has no flags at all (likely a wrong appId)', async () => {
    const warnings: string[] = [];
    const t = createTestFlagManager({
      appId: '12',
      rules: [],
      logger: { warn: (m) => warnings.push(m), error: (m) => warnings.push(m) },
    });
    await t.manager.initialize();
    expect(warnings).toEqual([
      expect.stringMatching(/app 12 has no flags: is appId the id Tower shows/),
    ]);
    await t.manager.close();
  });
});

describe('memory', () => {
  it('stays bounded for any number of distinct flag names', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const manager = new FlagManager({
      appId: 'shop',
      logger: quiet,
      rulesetSource: new InMemoryRulesetSource([testFlagRule({ appId: 'shop', flagKey: 'f' })]),
      signalWriter: { write: () => Promise.resolve() }, // keeps nothing: only the SDK's memory counts
    });
    await manager.initialize();
    const churn = async (from: number) => {
      for (let i = from; i < from + 100_000; i++) {
        const t = manager.newToggler({ flagName: `flag-${i}` });
        t.isFlagActive('u');
        t.emitSuccess();
        if (i % 10_000 === 0) await manager.flush();
      }
      await manager.flush();
    };
    await churn(0); // warm up: code, maps at their working size
    gc();
    const before = process.memoryUsage().heapUsed;
    await churn(100_000);
    await churn(200_000);
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    expect(grown).toBeLessThan(4 * 1024 * 1024);
    expect(manager.newToggler('f').isFlagActive('u')).toBe(true);
    await manager.close();
  }, 60_000);
});
