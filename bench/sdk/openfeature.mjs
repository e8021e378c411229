// OpenFeature layer cost, reported apart from core evaluation: `await client.getBooleanValue`
// through our TailslideProvider vs through the SDK's own InMemoryProvider (same rule semantics
// via a context evaluator). Own process; prints one JSON line.
import { OpenFeature, InMemoryProvider } from '@openfeature/server-sdk';
import { do_not_optimize, measure } from 'mitata';
import { TailslideProvider } from '../../sdk-node/dist/openfeature.js';
import { createTestFlagManager, testFlagRule } from '../../sdk-node/dist/testing.js';
import { FLAG, USERS, WHITELIST } from './common.mjs';

const appId = 'bench';
const { manager } = createTestFlagManager({
  appId,
  rules: [testFlagRule({ appId, flagKey: FLAG, whitelist: WHITELIST, rolloutPercentage: 50 })],
});
await OpenFeature.setProviderAndWait('tailslide', new TailslideProvider(manager));
const t = manager.newToggler({ flagName: FLAG });
await OpenFeature.setProviderAndWait(
  'inmemory',
  new InMemoryProvider({
    [FLAG]: {
      disabled: false,
      variants: { on: true, off: false },
      defaultVariant: 'off',
      contextEvaluator: (ctx) => (t.isFlagActive(ctx.targetingKey) ? 'on' : 'off'),
    },
  }),
);
const ours = OpenFeature.getClient('tailslide');
const baseline = OpenFeature.getClient('inmemory');
for (const u of USERS.slice(0, 200)) {
  if ((await ours.getBooleanValue(FLAG, false, { targetingKey: u })) !== t.isFlagActive(u))
    throw new Error('mismatch');
}
const mask = USERS.length - 1;
let i = 0;
const a = await measure(
  async () =>
    do_not_optimize(await ours.getBooleanValue(FLAG, false, { targetingKey: USERS[i++ & mask] })),
  {
    min_cpu_time: 1e9,
  },
);
const b = await measure(
  async () =>
    do_not_optimize(
      await baseline.getBooleanValue(FLAG, false, { targetingKey: USERS[i++ & mask] }),
    ),
  { min_cpu_time: 1e9 },
);
await OpenFeature.close();
console.log(JSON.stringify({ provider: a.p50, inMemoryProvider: b.p50 }));
