import fc from 'fast-check';
import type { SignalCounts } from '@tailslide/contracts';
import { describe, expect, it } from 'vitest';
import {
  evidenceSpan,
  windowErrorRate,
  type BucketCounts,
  type EvidenceSpan,
} from './error-rate.js';

const RES = 1000;
const FLAG = 'f';

const countsArb = fc.record({ successes: fc.nat(1000), failures: fc.nat(1000) });

/** An app's buckets (start → flag → counts) aligned with a span, as the poller builds them. */
function align(
  app: ReadonlyMap<number, BucketCounts>,
  span: EvidenceSpan,
): (BucketCounts | undefined)[] {
  return span.bucketStarts.map((s) => app.get(s));
}

function bucket(counts: SignalCounts, other?: SignalCounts): BucketCounts {
  const m = new Map<string, SignalCounts>([[FLAG, counts]]);
  if (other) m.set('other', other);
  return m;
}

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
    expect(windowErrorRate(null, FLAG, 5000)).toBeNull();
  });

  it('is "no data" (null), never 0 %, when the window holds no request for the flag', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(countsArb, { nil: undefined }), { maxLength: 30 }),
        (others) => {
          const buckets = others.map((o) =>
            o === undefined ? undefined : new Map([['other', o]]),
          );
          const zero = [...buckets, bucket({ successes: 0, failures: 0 })];
          expect(windowErrorRate(zero, FLAG, 30_000)).toBeNull();
        },
      ),
    );
  });

  it('sums exactly the buckets in the span for its own flag, whatever else the app holds', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.integer({ min: 0, max: 199 }).map(String), fc.tuple(countsArb, countsArb)),
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1, max: 60 }),
        (raw, nowBucket, windowBuckets) => {
          const app = new Map(
            Object.entries(raw).map(([k, [mine, other]]) => [Number(k) * RES, bucket(mine, other)]),
          );
          const now = nowBucket * RES + 345;
          const span = evidenceSpan(now, windowBuckets * RES, Number.NEGATIVE_INFINITY, RES);
          let s = 0;
          let f = 0;
          for (const [start, b] of app) {
            if (start > now - windowBuckets * RES && start <= now) {
              s += b.get(FLAG)!.successes;
              f += b.get(FLAG)!.failures;
            }
          }
          const stats = windowErrorRate(align(app, span), FLAG, span.windowMs);
          if (s + f === 0) {
            expect(stats).toBeNull();
          } else {
            expect(stats).not.toBeNull();
            expect(stats!.requests).toBe(s + f);
            expect(stats!.failures).toBe(f);
            expect(stats!.errorRatePercentage).toBeCloseTo((f / (s + f)) * 100, 9);
            expect(stats!.errorRatePercentage).toBeGreaterThanOrEqual(0);
            expect(stats!.errorRatePercentage).toBeLessThanOrEqual(100);
            expect(stats!.windowMs).toBe(span.windowMs);
          }
        },
      ),
    );
  });

  it('is order-independent: summing the buckets in any order gives the same stats', () => {
    fc.assert(
      fc.property(fc.array(fc.option(countsArb, { nil: undefined }), { maxLength: 40 }), (cs) => {
        const buckets = cs.map((c) => (c === undefined ? undefined : bucket(c)));
        const a = windowErrorRate(buckets, FLAG, 1000);
        const b = windowErrorRate([...buckets].reverse(), FLAG, 1000);
        expect(b).toEqual(a);
      }),
    );
  });

  it('ignores negative and non-finite counts instead of letting them cancel real traffic', () => {
    const stats = windowErrorRate(
      [bucket({ successes: -50, failures: 10 }), bucket({ successes: Number.NaN, failures: 10 })],
      FLAG,
      2000,
    );
    expect(stats).toMatchObject({ requests: 20, failures: 20, errorRatePercentage: 100 });
  });

  it('gives the same stats from the running sums of a sealed head as from summing every bucket', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.tuple(countsArb, countsArb), { nil: undefined }), { maxLength: 40 }),
        fc.nat(),
        (cs, cut) => {
          const buckets = cs.map((c) => (c === undefined ? undefined : bucket(c[0], c[1])));
          const sealed = buckets.length === 0 ? 0 : cut % (buckets.length + 1);
          const totals = new Map<string, SignalCounts>();
          for (const b of buckets.slice(0, sealed))
            b?.forEach((c, k) => {
              const t = totals.get(k) ?? { successes: 0, failures: 0 };
              totals.set(k, {
                successes: t.successes + c.successes,
                failures: t.failures + c.failures,
              });
            });
          expect(windowErrorRate(buckets, FLAG, 30_000, { totals, sealed })).toEqual(
            windowErrorRate(buckets, FLAG, 30_000),
          );
        },
      ),
    );
  });
});
