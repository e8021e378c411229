import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  evidenceBucketStarts,
  isBucketSealed,
  sealedBucketCount,
  windowBucketStarts,
} from './signals.js';

const time = fc.integer({ min: 0, max: 4_000_000_000_000 });
const resolution = fc.constantFrom(1_000, 60_000, 250);

describe('evidenceBucketStarts', () => {
  it('is the window cut to the buckets that end after sinceMs', () => {
    fc.assert(
      fc.property(
        time,
        fc.integer({ min: 1, max: 600_000 }),
        fc.integer({ min: -700_000, max: 10_000 }),
        resolution,
        (now, windowMs, sinceOffset, res) => {
          const since = now + sinceOffset;
          const got = evidenceBucketStarts(now, windowMs, since, res);
          const want = windowBucketStarts(now, windowMs, res).filter((s) => s + res > since);
          expect(got).toEqual(want);
        },
      ),
    );
  });

  it('keeps the whole window for sinceMs = -Infinity', () => {
    expect(evidenceBucketStarts(10_500, 3_000, Number.NEGATIVE_INFINITY, 1_000)).toEqual([
      8_000, 9_000, 10_000,
    ]);
  });
});

describe('sealedBucketCount', () => {
  it('counts the leading buckets that ended at least the seal lag ago', () => {
    fc.assert(
      fc.property(
        time,
        fc.integer({ min: 1, max: 120_000 }),
        resolution,
        fc.nat(5_000),
        (now, w, res, lag) => {
          const starts = windowBucketStarts(now, w, res);
          const n = sealedBucketCount(starts, res, now, lag);
          starts.forEach((s, i) => expect(isBucketSealed(s, res, now, lag)).toBe(i < n));
        },
      ),
    );
  });

  it('seals a 1 s bucket one second after it ends', () => {
    expect(isBucketSealed(0, 1_000, 1_999)).toBe(false);
    expect(isBucketSealed(0, 1_000, 2_000)).toBe(true);
  });
});
