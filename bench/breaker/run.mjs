#!/usr/bin/env node
// Guard overhead per call: Tailslide's flag guard and toggler.run() against opossum's fire(),
// around the same trivial async function, in one process (same JIT conditions for both).
// Uses the built SDK (`npm run build` first).
import { run, bench, summary, do_not_optimize } from 'mitata';
import CircuitBreaker from 'opossum';
import { createTestFlagManager, testFlagRule } from '../../sdk-node/dist/testing.js';

const work = async () => 1;

const { manager } = createTestFlagManager({
  appId: 'bench',
  rules: [testFlagRule({ appId: 'bench', flagKey: 'guarded', rolloutPercentage: 100 })],
});
await manager.initialize();
const toggler = manager.newToggler({ flagName: 'guarded' });

const breaker = new CircuitBreaker(work, {
  errorThresholdPercentage: 50,
  resetTimeout: 30_000,
  rollingCountTimeout: 10_000,
  timeout: false,
});

summary(() => {
  bench('baseline: await fn()', async () => do_not_optimize(await work()));
  bench('tailslide: isFlagActive + await fn() + emitSuccess', async () => {
    if (toggler.isFlagActive('user-1')) {
      do_not_optimize(await work());
      toggler.emitSuccess();
    }
  });
  bench('tailslide: toggler.run(fn)', async () => do_not_optimize(await toggler.run(work)));
  bench('opossum: breaker.fire()', async () => do_not_optimize(await breaker.fire()));
});

await run({ format: 'mitata', colors: false });
breaker.shutdown();
await manager.close();
