import fc from 'fast-check';
import type { SignalCounts } from '@tailslide/contracts';
import { describe, expect, it } from 'vitest';
import type { BucketCounts } from './error-rate.js';
import { SlidingWindowSums } from './window-sums.js';

const RES = 1000;
const FLAGS = ['a', 'b', 'c'];

const bucketArb: fc.Arbitrary<BucketCounts | undefined> = fc.option(
  fc
    .subarray(FLAGS)
    .chain((keys) =>
      fc.tuple(
        ...keys.map((k) =>
          fc.tuple(fc.constant(k), fc.record({ successes: fc.nat(50), failures: fc.nat(50) })),
        ),
      ),
    )
    .map((entries) => new Map<string, SignalCounts>(entries)),
  { nil: undefined },
);

function naive(buckets: readonly (BucketCounts | undefined)[], n: number, flag: string) {
  let successes = 0;
  let failures = 0;
  for (let i = 0; i < n; i++) {
    const c = buckets[i]?.get(flag);
    if (c) {
      successes += c.successes;
      failures += c.failures;
    }
  }
  return { successes, failures };
}

describe('SlidingWindowSums', () => {
  it('equals summing from scratch for any sequence of window positions and sizes', () => {
    fc.assert(
      fc.property(
        fc.array(bucketArb, { minLength: 80, maxLength: 80 }),
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: 5 }),
            fc.integer({ min: 1, max: 30 }),
            fc.integer({ min: 0, max: 3 }),
          ),
          {
            minLength: 1,
            maxLength: 30,
          },
        ),
        (timeline, moves) => {
          const sums = new SlidingWindowSums(RES);
          let head = 30;
          for (const [advance, size, unsealed] of moves) {
            head = Math.min(79, head + advance);
            const firstIdx = Math.max(0, head - size + 1);
            const starts: number[] = [];
            const buckets: (BucketCounts | undefined)[] = [];
            for (let i = firstIdx; i <= head; i++) {
              starts.push(i * RES);
              buckets.push(timeline[i]);
            }
            const sealed = Math.max(0, starts.length - unsealed);
            const got = sums.sealedTotals('k', starts, buckets, sealed);
            for (const f of FLAGS) {
              const want = naive(buckets, sealed, f);
              const have = got.get(f) ?? { successes: 0, failures: 0 };
              expect({ successes: have.successes, failures: have.failures }).toEqual(want);
            }
          }
        },
      ),
    );
  });
});
