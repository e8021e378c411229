import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { errorRateAtLeast, errorRateBelowShare, toBasisPoints } from './thresholds.js';

/** Every threshold Tower accepts: 0.01 … 100.00 in steps of 0.01, as the number JSON gives. */
const EVERY_THRESHOLD = Array.from({ length: 10_000 }, (_, i) =>
  Number(((i + 1) / 100).toFixed(2)),
);

describe('errorRateAtLeast', () => {
  it('reads every two-decimal threshold as its exact basis points', () => {
    EVERY_THRESHOLD.forEach((t, i) => expect(toBasisPoints(t)).toBe(i + 1));
  });

  it('trips at exactly every two-decimal threshold and not one failure below it', () => {
    let wrong = 0;
    for (const t of EVERY_THRESHOLD) {
      const bp = toBasisPoints(t);
      // 10,000 requests: the threshold is exactly bp failures.
      if (!errorRateAtLeast(bp, 10_000, t)) wrong++;
      if (errorRateAtLeast(bp - 1, 10_000, t)) wrong++;
      // The smallest sample with that exact rate: bp / g failures out of 10,000 / g requests.
      const g = gcd(bp, 10_000);
      if (!errorRateAtLeast(bp / g, 10_000 / g, t)) wrong++;
      if (errorRateAtLeast(bp / g - 1, 10_000 / g, t)) wrong++;
    }
    expect(wrong).toBe(0);
  });

  it('agrees with exact rational comparison for any counts and threshold', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 2 ** 40 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (bp, requests, share) => {
          const failures = Math.floor(requests * share);
          const truth = BigInt(failures) * 10_000n >= BigInt(bp) * BigInt(requests);
          expect(errorRateAtLeast(failures, requests, bp / 100)).toBe(truth);
        },
      ),
    );
  });

  it('stays exact when the products pass the safe-integer range', () => {
    const requests = 2 ** 50;
    expect(errorRateAtLeast(requests * 0.5, requests, 50)).toBe(true);
    expect(errorRateAtLeast(requests * 0.5 - 1, requests, 50)).toBe(false);
  });
});

describe('errorRateBelowShare', () => {
  it('agrees with exact rational comparison against a share of the threshold', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        (bp, requests, f) => {
          const failures = f % (requests + 1);
          const truth = BigInt(failures) * 10_000n * 5n < BigInt(bp) * 4n * BigInt(requests);
          expect(errorRateBelowShare(failures, requests, bp / 100, 4, 5)).toBe(truth);
        },
      ),
    );
  });

  it('is exactly false at four fifths of every two-decimal threshold', () => {
    let wrong = 0;
    for (const t of EVERY_THRESHOLD) {
      const bp = toBasisPoints(t);
      // 50,000 requests: four fifths of the threshold is exactly 4 × bp failures.
      if (errorRateBelowShare(4 * bp, 50_000, t, 4, 5)) wrong++;
      if (!errorRateBelowShare(4 * bp - 1, 50_000, t, 4, 5)) wrong++;
    }
    expect(wrong).toBe(0);
  });
});

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
