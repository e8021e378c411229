// One peer's evaluation benchmark, in its own process. Prints one JSON line.
// Usage: node --expose-gc --max-semi-space-size=64 bench/sdk/eval-peer.mjs <tailslide|unleash|growthbook|flagd>
import { do_not_optimize, measure } from 'mitata';
import { FLAG, USERS, WHITELIST, bytesPerCall, sanityCheck } from './common.mjs';

const peer = process.argv[2];

async function setup() {
  switch (peer) {
    case 'tailslide': {
      const { createTestFlagManager, testFlagRule } =
        await import('../../sdk-node/dist/testing.js');
      const appId = 'bench';
      const { manager } = createTestFlagManager({
        appId,
        rules: [
          testFlagRule({ appId, flagKey: FLAG, whitelist: WHITELIST, rolloutPercentage: 50 }),
        ],
      });
      await manager.initialize();
      const t = manager.newToggler({ flagName: FLAG });
      return {
        version: 'workspace',
        evalFn: (id) => t.isFlagActive(id),
        close: () => manager.close(),
      };
    }
    case 'unleash': {
      const { Unleash, InMemStorageProvider } = await import('unleash-client');
      const unleash = new Unleash({
        appName: 'bench',
        url: 'http://127.0.0.1:9/api/',
        disableAutoStart: true,
        refreshInterval: 0,
        disableMetrics: true,
        skipInstanceCountWarning: true,
        storageProvider: new InMemStorageProvider(),
        bootstrapOverride: true,
        bootstrap: {
          data: [
            {
              name: FLAG,
              enabled: true,
              strategies: [
                { name: 'userWithId', parameters: { userIds: WHITELIST.join(',') } },
                {
                  name: 'flexibleRollout',
                  parameters: { rollout: '50', stickiness: 'userId', groupId: FLAG },
                },
              ],
            },
          ],
        },
      });
      unleash.on('error', () => undefined);
      await unleash.start();
      return {
        version: (await import('unleash-client/package.json', { with: { type: 'json' } })).default
          .version,
        evalFn: (id) => unleash.isEnabled(FLAG, { userId: id }),
        close: () => unleash.destroy(),
      };
    }
    case 'growthbook': {
      const { GrowthBookClient } = await import('@growthbook/growthbook');
      const gb = new GrowthBookClient();
      gb.initSync({
        payload: {
          features: {
            [FLAG]: {
              defaultValue: false,
              rules: [
                { condition: { id: { $in: WHITELIST } }, force: true },
                { force: true, coverage: 0.5, hashAttribute: 'id' },
              ],
            },
          },
        },
      });
      return {
        version: (await import('@growthbook/growthbook/package.json', { with: { type: 'json' } }))
          .default.version,
        evalFn: (id) => gb.isOn(FLAG, { attributes: { id } }),
        close: () => gb.destroy?.(),
      };
    }
    case 'flagd': {
      const { FlagdCore } = await import('@openfeature/flagd-core');
      const core = new FlagdCore();
      core.setConfigurations(
        JSON.stringify({
          flags: {
            [FLAG]: {
              state: 'ENABLED',
              variants: { on: true, off: false },
              defaultVariant: 'off',
              targeting: {
                if: [
                  { in: [{ var: 'targetingKey' }, WHITELIST] },
                  'on',
                  {
                    fractional: [
                      ['on', 50],
                      ['off', 50],
                    ],
                  },
                ],
              },
            },
          },
        }),
      );
      const logger = { debug() {}, info() {}, warn() {}, error() {} };
      return {
        version: (await import('@openfeature/flagd-core/package.json', { with: { type: 'json' } }))
          .default.version,
        evalFn: (id) =>
          core.resolveBooleanEvaluation(FLAG, false, { targetingKey: id }, logger).value,
        close: () => undefined,
      };
    }
    default:
      throw new Error(`unknown peer ${peer}`);
  }
}

const { version, evalFn, close } = await setup();
const share = sanityCheck(peer, evalFn);
const mask = USERS.length - 1;
let i = 0;
const stats = await measure(() => do_not_optimize(evalFn(USERS[i++ & mask])), {
  min_cpu_time: 2e9,
});
const bytes = bytesPerCall((k) => do_not_optimize(evalFn(USERS[k & mask])));
await close();
console.log(
  JSON.stringify({ peer, version, share, p50: stats.p50, avg: stats.avg, p99: stats.p99, bytes }),
);
process.exit(0);
