import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evidenceSpan, windowErrorRate, type FlagSignalSeries } from './error-rate.js';

const RES = 1000;

const countsArb = fc.record({ successes: fc.nat(1000), failures: fc.nat(1000) });

describe('evidenceSpan', () => {
  it('covers ceil(window / resolution) aligned buckets ending with the one holding now', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 42 }),
        fc.integer({ min: 1, max: 300_000 }),
        (now, windowMs) => {
          const span = evidenceSpan(now, windowMs, Number.NEGATIVE_INFINITY, RES);
          expect(span.bucketStarts.length).toBe(Math.ceil(windowMs / RES));
          const last = span.bucketStarts.at(-1)!;
          expect(last <= now && now < last + RES).toBe(true);
          for (const s of span.bucketStarts) expect(s % RES === 0).toBe(true);
          expect(span.windowMs).toBeLessThanOrEqual(windowMs);
        },
      ),
    );
  });

  it('never includes a bucket that ended at or before sinceMs, and keeps the one holding it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 100_000, max: 2 ** 42 }),
        fc.integer({ min: 1, max: 120_000 }),
        fc.integer({ min: 0, max: 200_000 }),
        (now, windowMs, back) => {
          const since = now - back;
          const span = evidenceSpan(now, windowMs, since, RES);
          for (const s of span.bucketStarts) expect(s + RES).toBeGreaterThan(since);
          const full = evidenceSpan(now, windowMs, Number.NEGATIVE_INFINITY, RES);
          expect(span.bucketStarts).toEqual(full.bucketStarts.filter((s) => s + RES > since));
        },
      ),
    );
  });
});

describe('windowErrorRate', () => {
  it('is "no data" (null) when the read failed', () => {
    const span = evidenceSpan(10_500, 5000, 0, RES);
    expect(windowErrorRate(null, span)).toBeNull();
  });

  it('is "no data" (null), never 0 %, when the window holds no request', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 100 }), { maxLength: 20 }), (zeroBuckets) => {
        const series: FlagSignalSeries = new Map(
          zeroBuckets.map((b) => [b * RES, { successes: 0, failures: 0 }]),
        );
        const span = evidenceSpan(100 * RES, 100 * RES, 0, RES);
        expect(windowErrorRate(series, span)).toBeNull();
      }),
    );
  });

  it('sums exactly the buckets in the span, whatever else the series holds', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.integer({ min: 0, max: 199 }).map(String), countsArb),
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1, max: 60 }),
        (raw, nowBucket, windowBuckets) => {
          const series = new Map(Object.entries(raw).map(([k, v]) => [Number(k) * RES, v]));
          const now = nowBucket * RES + 345;
          const span = evidenceSpan(now, windowBuckets * RES, Number.NEGATIVE_INFINITY, RES);
          let s = 0;
          let f = 0;
          for (const [start, c] of series) {
            if (start > now - windowBuckets * RES && start <= now) {
              s += c.successes;
              f += c.failures;
            }
          }
          const stats = windowErrorRate(series, span);
          if (s + f === 0) {
            expect(stats).toBeNull();
          } else {
            expect(stats).not.toBeNull();
            expect(stats!.requests).toBe(s + f);
            expect(stats!.failures).toBe(f);
            expect(stats!.errorRatePercentage).toBeCloseTo((f / (s + f)) * 100, 9);
            expect(stats!.errorRatePercentage).toBeGreaterThanOrEqual(0);
            expect(stats!.errorRatePercentage).toBeLessThanOrEqual(100);
          }
        },
      ),
    );
  });

  it('ignores negative and non-finite counts instead of letting them cancel real traffic', () => {
    const series: FlagSignalSeries = new Map([
      [0, { successes: -50, failures: 10 }],
      [RES, { successes: Number.NaN, failures: 10 }],
    ]);
    const stats = windowErrorRate(series, evidenceSpan(RES + 1, 2 * RES, 0, RES));
    expect(stats).toMatchObject({ requests: 20, failures: 20, errorRatePercentage: 100 });
  });
});
