/**
 * The `relative` circuit mode (ADR 0009): a flag trips only when its on-arm fails worse than its
 * off-arm (control) by the margin, with enough requests in both arms. Pure rule, property-tested.
 */
import fc from 'fast-check';
import {
  CircuitMode,
  CircuitState,
  errorRateExceedsBy,
  type CircuitWindowStats,
  type SignalCounts,
} from '@tailslide/contracts';
import { describe, expect, it } from 'vitest';
import { T0, makeRule } from '../test/fixtures.js';
import { armsDiffer, decide, exceedsControl } from './circuit.js';

function stats(
  requests: number,
  failures: number,
  offRequests: number,
  offFailures: number,
): CircuitWindowStats {
  return {
    requests,
    failures,
    errorRatePercentage: (failures / requests) * 100,
    windowMs: 30_000,
    ...(offRequests > 0
      ? {
          off: {
            requests: offRequests,
            failures: offFailures,
            errorRatePercentage: (offFailures / offRequests) * 100,
          },
        }
      : {}),
  };
}

/** Arm counts: requests 1…5000 and failures ≤ requests. */
const arm = fc
  .integer({ min: 1, max: 5000 })
  .chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n })));
/** Margins Tower accepts: 0.01 … 100.00 points. */
const margin = fc.integer({ min: 1, max: 10_000 }).map((bp) => Number((bp / 100).toFixed(2)));

describe('errorRateExceedsBy', () => {
  it('agrees with exact rational arithmetic for any counts and margin', () => {
    fc.assert(
      fc.property(arm, arm, margin, ([onN, onF], [offN, offF], m) => {
        const bp = BigInt(Math.round(m * 100));
        // onF/onN − offF/offN ≥ bp/10⁴  ⇔  10⁴ (onF·offN − offF·onN) ≥ bp·onN·offN
        const truth =
          10_000n * (BigInt(onF) * BigInt(offN) - BigInt(offF) * BigInt(onN)) >=
          bp * BigInt(onN) * BigInt(offN);
        expect(errorRateExceedsBy(onF, onN, offF, offN, m)).toBe(truth);
      }),
      { numRuns: 2000 },
    );
  });

  it('trips at exactly the margin and not one failure below it', () => {
    // 100 requests per arm, off-arm 20 %: a 10-point margin is met at 30 failures, not 29.
    expect(errorRateExceedsBy(30, 100, 20, 100, 10)).toBe(true);
    expect(errorRateExceedsBy(29, 100, 20, 100, 10)).toBe(false);
    // 29 − 0 = 29 points: the float 29/100*100 is 28.999…, the integer rule is exact.
    expect(errorRateExceedsBy(29, 100, 0, 100, 29)).toBe(true);
    expect(errorRateExceedsBy(1, 0, 0, 100, 1)).toBe(false);
  });
});

describe('armsDiffer', () => {
  it('agrees with the pooled two-proportion z-test (z = 4) computed in floats, away from the boundary', () => {
    fc.assert(
      fc.property(arm, arm, ([onN, onF], [offN, offF]) => {
        const p1 = onF / onN;
        const p2 = offF / offN;
        const p = (onF + offF) / (onN + offN);
        const se = Math.sqrt(p * (1 - p) * (1 / onN + 1 / offN));
        const z = se === 0 ? (p1 > p2 ? Infinity : 0) : (p1 - p2) / se;
        if (Math.abs(z - 4) < 1e-6) return; // floats cannot settle the boundary
        expect(armsDiffer(onF, onN, offF, offN)).toBe(z >= 4);
      }),
      { numRuns: 3000 },
    );
  });

  it('two arms sampling the same 60 % outage at 200 requests each almost never differ (seeded simulation)', () => {
    let state = 42;
    const random = () => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state / 2 ** 31;
    };
    let trips = 0;
    let marginOnly = 0;
    for (let trial = 0; trial < 5000; trial++) {
      let on = 0;
      let off = 0;
      for (let i = 0; i < 200; i++) {
        if (random() < 0.6) on++;
        if (random() < 0.6) off++;
      }
      if (exceedsControl(stats(200, on, 200, off), 20, 10)) trips++;
      if (errorRateExceedsBy(on, 200, off, 200, 10)) marginOnly++;
    }
    // The margin alone would trip ~2 % of the time (about one flag in forty); with the test, none.
    expect(marginOnly).toBeGreaterThan(25);
    expect(trips).toBe(0);
  });
});

describe('relative mode', () => {
  const rule = (o: { margin?: number; min?: number; threshold?: number } = {}) =>
    makeRule({
      circuit: {
        mode: CircuitMode.relative,
        relativeMarginPoints: o.margin ?? 10,
        minimumRequests: o.min ?? 20,
        errorThresholdPercentage: o.threshold ?? 50,
      },
    });

  it('never trips when both arms fail at the same rate (a shared outage), at any volume and rate', () => {
    fc.assert(
      fc.property(
        arm,
        fc.integer({ min: 1, max: 5 }),
        margin,
        fc.integer({ min: 1, max: 100 }),
        ([n, f], k, m, min) => {
          // The off-arm fails at exactly the on-arm's rate, at k times its volume.
          const window = stats(n, f, n * k, f * k);
          const d = decide({ rule: rule({ margin: m, min }), window, now: T0 });
          expect(d.kind).toBe('none');
          expect(exceedsControl(window, min, m)).toBe(false);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('trips exactly when absolute mode would and the on-arm exceeds the off-arm by the margin with both arms at volume', () => {
    fc.assert(
      fc.property(
        arm,
        arm,
        margin,
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1, max: 100 }),
        ([n, f], [on, of], m, min, threshold) => {
          const window = stats(n, f, on, of);
          const abs = decide({
            rule: makeRule({
              circuit: { minimumRequests: min, errorThresholdPercentage: threshold },
            }),
            window,
            now: T0,
          });
          const rel = decide({ rule: rule({ margin: m, min, threshold }), window, now: T0 });
          const guard =
            n >= min &&
            on >= min &&
            errorRateExceedsBy(f, n, of, on, m) &&
            armsDiffer(f, n, of, on);
          expect(rel.kind).toBe(abs.kind === 'publish' && guard ? 'publish' : 'none');
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('holds with too little off-arm traffic, and says why', () => {
    const d = decide({ rule: rule(), window: stats(100, 90, 19, 0), now: T0 });
    expect(d).toEqual({ kind: 'none', reason: 'too few off-arm requests to compare' });
    const none = decide({ rule: rule(), window: stats(100, 90, 0, 0), now: T0 });
    expect(none).toEqual({ kind: 'none', reason: 'too few off-arm requests to compare' });
    const alike = decide({ rule: rule(), window: stats(100, 90, 100, 85), now: T0 });
    expect(alike).toEqual({ kind: 'none', reason: 'off-arm fails alike' });
  });

  it('trips on the on-arm alone, carrying the off-arm counts in the event', () => {
    const d = decide({ rule: rule(), window: stats(100, 60, 100, 2), now: T0 });
    if (d.kind !== 'publish') return expect.fail(d.reason);
    expect(d.event.stats?.off).toEqual({ requests: 100, failures: 2, errorRatePercentage: 2 });
    expect(d.event.reason).toContain('off-arm 2% over 100 requests');
  });

  it('applies the control to a fast burn over the same buckets', () => {
    // A healthy 30 s window, then 2 s failing in both arms: no trip; failing on-arm only: trips.
    const burst = (offFailures: number): SignalCounts[] => [
      { successes: 0, failures: 60, offSuccesses: 60 - offFailures, offFailures },
      { successes: 0, failures: 60, offSuccesses: 60 - offFailures, offFailures },
    ];
    const window = stats(2000, 120, 2000, 120);
    const shared = decide({ rule: rule(), window, now: T0, recent: burst(60) });
    expect(shared.kind).toBe('none');
    const own = decide({ rule: rule(), window, now: T0, recent: burst(0) });
    expect(own.kind).toBe('publish');
  });

  it('a re-open while recovering needs the same relative evidence', () => {
    const recovering = makeRule({
      circuit: { mode: CircuitMode.relative, minimumRequests: 20 },
      status: { state: CircuitState.recovering, changedAt: new Date(T0 - 1000).toISOString() },
    });
    const shared = decide({ rule: recovering, window: stats(200, 180, 200, 180), now: T0 });
    expect(shared.kind).toBe('none');
    const own = decide({ rule: recovering, window: stats(200, 180, 200, 0), now: T0 });
    expect(own.kind).toBe('publish');
  });

  it('absolute mode ignores the off-arm entirely', () => {
    fc.assert(
      fc.property(arm, arm, ([n, f], [on, of]) => {
        const r = makeRule();
        const a = decide({ rule: r, window: stats(n, f, 0, 0), now: T0 });
        const b = decide({ rule: r, window: stats(n, f, on, of), now: T0 });
        expect(b.kind).toBe(a.kind);
      }),
      { numRuns: 500 },
    );
  });
});
