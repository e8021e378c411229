import fc from 'fast-check';
import {
  CircuitEventType,
  CircuitState,
  RecoveryProfile,
  circuitEventId,
  errorRateAtLeast,
  evidenceBucketStarts,
  parseCircuitEvent,
  type CircuitSettings,
  type CircuitWindowStats,
  type FlagRule,
} from '@tailslide/contracts';
import { describe, expect, it } from 'vitest';
import { T0, makeRule } from '../test/fixtures.js';
import {
  FAST_BURN_BUCKETS,
  FAST_BURN_NOISE_POINTS,
  decide,
  evidenceRequest,
  fastBurnWindow,
  isStrongBreach,
  isEvaluated,
  nextRecoveryPercentage,
  requiredRecoveryRequests,
  type CircuitDecision,
} from './circuit.js';

const settingsArb: fc.Arbitrary<Partial<CircuitSettings>> = fc.record({
  errorThresholdPercentage: fc.integer({ min: 1, max: 100 }),
  minimumRequests: fc.integer({ min: 0, max: 200 }),
  windowMs: fc.integer({ min: 1000, max: 120_000 }),
  recoveryDelayMs: fc.integer({ min: 0, max: 120_000 }),
  recoveryStepMs: fc.integer({ min: 1, max: 120_000 }),
  recoveryProfile: fc.constantFrom(RecoveryProfile.linear, RecoveryProfile.exponential),
  initialRecoveryPercentage: fc.double({ min: 0, max: 100, noNaN: true }),
  recoveryIncrementPercentage: fc.double({ min: 0.5, max: 200, noNaN: true }),
});

const stateArb = fc.constantFrom(CircuitState.closed, CircuitState.open, CircuitState.recovering);

const windowArb: fc.Arbitrary<CircuitWindowStats> = fc
  .tuple(fc.integer({ min: 1, max: 10_000 }), fc.double({ min: 0, max: 1, noNaN: true }))
  .map(([requests, share]) => {
    const failures = Math.round(requests * share);
    return {
      requests,
      failures,
      errorRatePercentage: (failures / requests) * 100,
      windowMs: 30_000,
    };
  });

const ruleArb: fc.Arbitrary<FlagRule> = fc
  .record({
    circuit: settingsArb,
    state: stateArb,
    pct: fc.double({ min: 0.1, max: 99.9, noNaN: true }),
    version: fc.integer({ min: 0, max: 1_000_000 }),
    changedAgo: fc.integer({ min: 0, max: 300_000 }),
  })
  .map(({ circuit, state, pct, version, changedAgo }) =>
    makeRule({
      version,
      circuit,
      status: {
        state,
        recoveryPercentage: state === CircuitState.recovering ? pct : undefined,
        changedAt: new Date(T0 - changedAgo).toISOString(),
      },
    }),
  );

function window(requests: number, failures: number): CircuitWindowStats {
  return { requests, failures, errorRatePercentage: (failures / requests) * 100, windowMs: 30_000 };
}

/**
 * A failure count out of `requests` inside the hysteresis band `[0.8 × t, t)` (`pos` in [0, 1)
 * picks where), for whole-percent thresholds `t`.
 */
function bandFailures(t: number, requests: number, pos: number): number {
  const low = Math.ceil((requests * t * 4) / 500);
  const high = (requests * t) / 100;
  return low + Math.floor((high - low) * pos);
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function eventOf(d: CircuitDecision) {
  return d.kind === 'publish' ? d.event : null;
}

describe('decide', () => {
  it('takes no data-driven decision without data: a closed or recovering circuit only moves on evidence', () => {
    fc.assert(
      fc.property(ruleArb, fc.integer({ min: 0, max: 600_000 }), (rule, later) => {
        const d = decide({ rule, window: null, now: T0 + later });
        if (rule.circuitStatus.state === CircuitState.open) {
          if (d.kind === 'publish')
            expect([CircuitEventType.recovering, CircuitEventType.closed]).toContain(d.event.type);
        } else {
          expect(d.kind).toBe('none');
        }
      }),
    );
  });

  it('never opens a closed circuit below minimumRequests, and opens it at or above the threshold otherwise', () => {
    fc.assert(
      fc.property(settingsArb, windowArb, (circuit, w) => {
        const rule = makeRule({ circuit });
        const d = decide({ rule, window: w, now: T0 });
        // Exact: failures / requests ≥ threshold / 100, in integers (thresholds here are whole).
        const shouldOpen =
          w.requests >= rule.circuit.minimumRequests &&
          w.failures * 100 >= rule.circuit.errorThresholdPercentage * w.requests;
        expect(eventOf(d)?.type ?? null).toBe(shouldOpen ? CircuitEventType.opened : null);
      }),
    );
  });

  it('opens at exactly its threshold for every two-decimal threshold, and not one failure below', () => {
    const missed: number[] = [];
    for (let bp = 1; bp <= 10_000; bp++) {
      const t = Number((bp / 100).toFixed(2));
      const rule = makeRule({ circuit: { errorThresholdPercentage: t, minimumRequests: 1 } });
      // The smallest window with exactly that rate, e.g. 29 failures / 100 requests for 29 %.
      const g = gcd(bp, 10_000);
      const atRate = decide({ rule, window: window(10_000 / g, bp / g), now: T0 });
      const below = decide({ rule, window: window(10_000 / g, bp / g - 1), now: T0 });
      if (eventOf(atRate)?.type !== CircuitEventType.opened || below.kind !== 'none')
        missed.push(t);
    }
    expect(missed).toEqual([]);
  });

  it('re-opens a recovering circuit at exactly its threshold and steps only strictly below four fifths of it', () => {
    for (const t of [29, 57, 58, 0.07, 33.33]) {
      const bp = Math.round(t * 100);
      const rule = makeRule({
        circuit: { errorThresholdPercentage: t, minimumRequests: 1 },
        status: {
          state: CircuitState.recovering,
          recoveryPercentage: 50,
          changedAt: new Date(T0).toISOString(),
        },
      });
      const now = T0 + rule.circuit.recoveryStepMs;
      // 50,000 requests: the threshold is 5 × bp failures, four fifths of it 4 × bp.
      expect(eventOf(decide({ rule, window: window(50_000, 5 * bp), now }))?.type).toBe(
        CircuitEventType.opened,
      );
      expect(decide({ rule, window: window(50_000, 4 * bp), now }).kind).toBe('none');
      expect(eventOf(decide({ rule, window: window(50_000, 4 * bp - 1), now }))?.type).toBe(
        CircuitEventType.step,
      );
    }
  });

  it('publishes well-formed events with the deterministic id of the rule version it was based on', () => {
    fc.assert(
      fc.property(
        ruleArb,
        fc.option(windowArb, { nil: null }),
        fc.integer({ min: 0, max: 600_000 }),
        (rule, w, later) => {
          const event = eventOf(decide({ rule, window: w, now: T0 + later }));
          if (event === null) return;
          expect(event.ruleVersion).toBe(rule.version);
          expect(event.id).toBe(circuitEventId(rule.appId, rule.flagKey, rule.version, event.type));
          const parsed = parseCircuitEvent(JSON.parse(JSON.stringify(event)));
          expect(parsed.ok).toBe(true);
          if (event.type === CircuitEventType.opened) expect(event.recoveryPercentage).toBe(0);
          if (event.type === CircuitEventType.closed) expect(event.recoveryPercentage).toBe(100);
          if (event.type === CircuitEventType.step) {
            expect(event.recoveryPercentage).toBeGreaterThan(rule.circuitStatus.recoveryPercentage);
            expect(event.recoveryPercentage).toBeLessThan(100);
          }
        },
      ),
    );
  });

  it('starts recovery exactly when the recovery delay since changedAt has passed', () => {
    fc.assert(
      fc.property(settingsArb, fc.integer({ min: -200_000, max: 200_000 }), (circuit, offset) => {
        const rule = makeRule({
          circuit,
          status: { state: CircuitState.open, changedAt: new Date(T0).toISOString() },
        });
        const now = T0 + rule.circuit.recoveryDelayMs + offset;
        const event = eventOf(decide({ rule, window: null, now }));
        if (offset < 0) expect(event).toBeNull();
        else expect([CircuitEventType.recovering, CircuitEventType.closed]).toContain(event?.type);
      }),
    );
  });

  it('never steps a recovering circuit before recoveryStepMs since the last step', () => {
    fc.assert(
      fc.property(
        settingsArb,
        windowArb,
        fc.integer({ min: 0, max: 200_000 }),
        (circuit, w, elapsed) => {
          const rule = makeRule({
            circuit,
            status: {
              state: CircuitState.recovering,
              recoveryPercentage: 20,
              changedAt: new Date(T0).toISOString(),
            },
          });
          const event = eventOf(decide({ rule, window: w, now: T0 + elapsed }));
          if (event && event.type !== CircuitEventType.opened)
            expect(elapsed).toBeGreaterThanOrEqual(rule.circuit.recoveryStepMs);
        },
      ),
    );
  });

  it('holds the ramp while the error rate sits in the hysteresis band below the threshold', () => {
    fc.assert(
      fc.property(settingsArb, fc.double({ min: 0, max: 0.999, noNaN: true }), (circuit, pos) => {
        const rule = makeRule({
          circuit,
          status: {
            state: CircuitState.recovering,
            recoveryPercentage: 30,
            changedAt: new Date(T0).toISOString(),
          },
        });
        const t = rule.circuit.errorThresholdPercentage;
        const requests = 100_000;
        const w = window(requests, bandFailures(t, requests, pos));
        expect(decide({ rule, window: w, now: T0 + rule.circuit.recoveryStepMs }).kind).toBe(
          'none',
        );
      }),
    );
  });

  it('re-opens a recovering circuit only on evidence as strong as a first trip, and does nothing for flags it does not evaluate', () => {
    const recovering = makeRule({
      status: {
        state: CircuitState.recovering,
        recoveryPercentage: 10,
        changedAt: new Date(T0).toISOString(),
      },
    });
    const closed = makeRule();
    // [window, opens a closed circuit, re-opens a recovering one]
    for (const [w, first, reopen] of [
      [window(20, 20), true, true],
      // At the minimum volume, 50 % trips a closed circuit; a re-open needs a breach that a
      // steady rate 10 points under the threshold (40 %) would not give: 20 requests are too few.
      [window(20, 10), true, false],
      [window(1000, 500), true, true],
      [window(19, 19), false, false],
      // The scaled recovery sample (5 at 10 %) is enough for a step, not for a re-open.
      [window(5, 5), false, false],
    ] as const) {
      expect(eventOf(decide({ rule: closed, window: w, now: T0 + 1000 }))?.type ?? null).toBe(
        first ? CircuitEventType.opened : null,
      );
      expect(eventOf(decide({ rule: recovering, window: w, now: T0 + 1000 }))?.type ?? null).toBe(
        reopen ? CircuitEventType.opened : null,
      );
    }

    const disabled = makeRule({ circuit: { enabled: false } });
    const inactive = makeRule({ active: false });
    for (const rule of [disabled, inactive]) {
      expect(isEvaluated(rule)).toBe(false);
      expect(decide({ rule, window: window(1000, 1000), now: T0 }).kind).toBe('none');
    }
  });

  it('steps linearly and exponentially, capped at 100 where it closes', () => {
    const base = {
      status: {
        state: CircuitState.recovering,
        recoveryPercentage: 10,
        changedAt: new Date(T0).toISOString(),
      },
    } as const;
    const linear = makeRule({ ...base, circuit: { recoveryIncrementPercentage: 25 } });
    expect(
      eventOf(decide({ rule: linear, window: window(100, 0), now: T0 + 30_000 })),
    ).toMatchObject({ type: CircuitEventType.step, recoveryPercentage: 35 });
    const exp = makeRule({
      ...base,
      circuit: { recoveryProfile: RecoveryProfile.exponential, recoveryIncrementPercentage: 100 },
    });
    expect(eventOf(decide({ rule: exp, window: window(100, 0), now: T0 + 30_000 }))).toMatchObject({
      type: CircuitEventType.step,
      recoveryPercentage: 20,
    });
    const last = makeRule({ status: { ...base.status, recoveryPercentage: 95 } });
    expect(eventOf(decide({ rule: last, window: window(100, 0), now: T0 + 30_000 }))).toMatchObject(
      { type: CircuitEventType.closed, recoveryPercentage: 100 },
    );
  });
});

describe('ramp helpers', () => {
  it('grows the recovery percentage monotonically and reaches 100 in a bounded number of steps', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(RecoveryProfile.linear, RecoveryProfile.exponential),
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.double({ min: 0.5, max: 1000, noNaN: true }),
        (profile, start, inc) => {
          let p = start;
          for (let i = 0; i < 2000 && p < 100; i++) {
            const next = nextRecoveryPercentage(profile, p, inc);
            expect(next).toBeGreaterThan(p);
            expect(next).toBeLessThanOrEqual(100);
            p = next;
          }
          expect(p).toBe(100);
        },
      ),
    );
  });

  it('scales the requests a recovery interval needs with the share of traffic admitted', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        (min, pct) => {
          const r = requiredRecoveryRequests(min, pct);
          expect(r).toBeLessThanOrEqual(Math.max(min, 0));
          expect(r).toBeGreaterThanOrEqual(Math.min(min, 5));
          expect(r).toBeGreaterThanOrEqual(Math.ceil((min * pct) / 100));
        },
      ),
    );
    expect(requiredRecoveryRequests(20, 10)).toBe(5);
    expect(requiredRecoveryRequests(200, 50)).toBe(100);
  });

  it('asks for no signals for an open circuit and never reaches back before changedAt', () => {
    const open = makeRule({ status: { state: CircuitState.open } });
    expect(evidenceRequest(open)).toBeNull();
    const rec = makeRule({
      circuit: { windowMs: 10_000, recoveryStepMs: 60_000 },
      status: { state: CircuitState.recovering, changedAt: new Date(T0).toISOString() },
    });
    expect(evidenceRequest(rec)).toEqual({ windowMs: 60_000, sinceMs: T0 });
  });
});

/** A model of Tower applying events: bump the version, set the state, stamp changedAt. */
function apply(rule: FlagRule, type: CircuitEventType, pct: number, now: number): FlagRule {
  const state =
    type === CircuitEventType.opened
      ? CircuitState.open
      : type === CircuitEventType.closed
        ? CircuitState.closed
        : CircuitState.recovering;
  return {
    ...rule,
    version: rule.version + 1,
    active: state !== CircuitState.open,
    circuitStatus: { state, recoveryPercentage: pct, changedAt: new Date(now).toISOString() },
  };
}

describe('state machine against a model Tower', () => {
  const simArb = fc.record({
    circuit: settingsArb.map((c) => ({
      ...c,
      minimumRequests: Math.min(c.minimumRequests ?? 0, 50),
    })),
    rates: fc.array(fc.double({ min: 0, max: 100, noNaN: true }), { minLength: 1, maxLength: 200 }),
    tickMs: fc.integer({ min: 100, max: 5000 }),
  });

  function run(circuit: Partial<CircuitSettings>, rates: readonly number[], tickMs: number) {
    let rule = makeRule({ circuit, status: { changedAt: new Date(T0).toISOString() } });
    const transitions: { type: CircuitEventType; at: number }[] = [];
    rates.forEach((rate, i) => {
      const now = T0 + (i + 1) * tickMs;
      const requests = 1000;
      const w = {
        requests,
        failures: Math.round((requests * rate) / 100),
        errorRatePercentage: rate,
        windowMs: 1,
      };
      const d = decide({ rule, window: w, now });
      if (d.kind === 'publish') {
        transitions.push({ type: d.event.type, at: now });
        rule = apply(rule, d.event.type, d.event.recoveryPercentage, now);
      }
    });
    return transitions;
  }

  it('keeps every circuit open for at least the recovery delay, so it opens at most once per delay', () => {
    fc.assert(
      fc.property(simArb, ({ circuit, rates, tickMs }) => {
        const ts = run(circuit, rates, tickMs);
        const delay = circuit.recoveryDelayMs ?? 0;
        ts.forEach((t, i) => {
          const next = ts[i + 1];
          if (t.type === CircuitEventType.opened && next)
            expect(next.at - t.at).toBeGreaterThanOrEqual(delay);
          if (t.type === CircuitEventType.opened && next)
            expect(next.type).not.toBe(CircuitEventType.opened);
        });
        const opens = ts.filter((t) => t.type === CircuitEventType.opened).length;
        const elapsed = rates.length * tickMs;
        expect(opens).toBeLessThanOrEqual(1 + Math.floor(elapsed / Math.max(1, delay, tickMs)));
      }),
    );
  });

  it('never flaps on a borderline rate just under the threshold: it neither opens nor heals', () => {
    fc.assert(
      fc.property(
        simArb,
        fc.double({ min: 0, max: 0.999, noNaN: true }),
        ({ circuit, rates, tickMs }, pos) => {
          const t = circuit.errorThresholdPercentage ?? 50;
          const borderline = rates.map(() => bandFailures(t, 1000, pos) / 10);
          expect(run(circuit, borderline, tickMs)).toEqual([]);
        },
      ),
    );
  });

  it('walks closed → opened → recovering 10 % → 40 % → 70 % → closed on a clean signal after a burst', () => {
    const circuit = {
      recoveryDelayMs: 5000,
      recoveryStepMs: 5000,
      initialRecoveryPercentage: 10,
      recoveryIncrementPercentage: 30,
    };
    const rates = [90, ...Array<number>(40).fill(0)];
    const types = run(circuit, rates, 1000).map((t) => t.type);
    expect(types).toEqual([
      CircuitEventType.opened,
      CircuitEventType.recovering,
      CircuitEventType.step,
      CircuitEventType.step,
      CircuitEventType.closed,
    ]);
  });
});

describe('fast burn', () => {
  const thresholdArb = fc.integer({ min: 1, max: 10_000 }).map((bp) => bp / 100);

  it('never trips on counts a rate 10 points under the threshold gives within 4.9 deviations', () => {
    fc.assert(
      fc.property(thresholdArb, fc.integer({ min: 1, max: 100_000 }), (t, n) => {
        const p0 = Math.max(0, t - FAST_BURN_NOISE_POINTS) / 100;
        const v = Math.max(p0 * (1 - p0), (t / 100) * (1 - t / 100));
        const f = Math.min(n, Math.floor(n * p0 + 4.9 * Math.sqrt(n * v)));
        if (p0 > 0) expect(isStrongBreach(f, n, t, 1)).toBe(false);
      }),
    );
  });

  it('trips at or over the threshold with failures 5.1 deviations over that rate, from minimumRequests on', () => {
    fc.assert(
      fc.property(
        thresholdArb,
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 0, max: 200 }),
        (t, n, min) => {
          const p0 = Math.max(0, t - FAST_BURN_NOISE_POINTS) / 100;
          const v = Math.max(p0 * (1 - p0), (t / 100) * (1 - t / 100));
          const f = Math.max(
            Math.ceil((n * t) / 100),
            Math.ceil(n * p0 + 5.1 * Math.sqrt(n * v) + 1e-9),
            1,
          );
          if (f > n) return;
          expect(isStrongBreach(f, n, t, min)).toBe(n >= Math.max(1, min));
          // Never below the threshold, however strong the evidence.
          const below = Math.ceil((n * t) / 100) - 1;
          if (below >= 0 && !errorRateAtLeast(below, n, t))
            expect(isStrongBreach(below, n, t, 1)).toBe(false);
        },
      ),
    );
  });

  it('reports the shortest fast window that trips, with its own stats', () => {
    const recent = [
      { successes: 5, failures: 5 },
      { successes: 50, failures: 50 },
      { successes: 100, failures: 0 },
    ];
    expect(fastBurnWindow(recent, 30, 20, 1000)).toMatchObject({
      requests: 110,
      failures: 55,
      windowMs: 2000,
    });
    expect(fastBurnWindow(recent.slice(2), 30, 20, 1000)).toBeNull();
  });
});

/** A seeded PRNG (mulberry32): the simulations below are deterministic. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Airbag against a model Tower and model SDK traffic, one 1 s bucket and one tick per second
 * (after a minute of traffic before the first tick):
 * `rps` calls a second while the flag is fully on (the recovery share of it while recovering,
 * none while open), each failing with probability `rate(second)`.
 */
function simulate(
  circuit: Partial<CircuitSettings>,
  seconds: number,
  rps: number,
  rate: (second: number) => number,
  seed: number,
): { type: CircuitEventType; second: number }[] {
  const rand = random(seed);
  let rule = makeRule({ circuit, status: { changedAt: new Date(T0 - 3_600_000).toISOString() } });
  const buckets = new Map<number, { successes: number; failures: number }>();
  const out: { type: CircuitEventType; second: number }[] = [];
  // The flag has been running for a window already: the first decisions see a full window.
  for (let sec = -60; sec < seconds; sec++) {
    const start = T0 + sec * 1000;
    const now = start + 999;
    const share =
      rule.circuitStatus.state === CircuitState.open
        ? 0
        : rule.circuitStatus.state === CircuitState.recovering
          ? rule.circuitStatus.recoveryPercentage / 100
          : 1;
    let successes = 0;
    let failures = 0;
    const p = rate(Math.max(0, sec));
    for (let i = 0; i < rps; i++) {
      if (rand() >= share) continue;
      if (rand() < p) failures++;
      else successes++;
    }
    buckets.set(start, { successes, failures });
    if (sec < 0) continue;
    const req = evidenceRequest(rule);
    let window: CircuitWindowStats | null = null;
    let recent: { successes: number; failures: number }[] = [];
    if (req !== null) {
      const starts = evidenceBucketStarts(now, req.windowMs, req.sinceMs, 1000);
      const counts = starts.map((s) => buckets.get(s) ?? { successes: 0, failures: 0 });
      const s = counts.reduce((a, c) => a + c.successes, 0);
      const f = counts.reduce((a, c) => a + c.failures, 0);
      window = s + f === 0 ? null : window_(s + f, f);
      recent = counts.slice(-FAST_BURN_BUCKETS).reverse();
    }
    const d = decide({ rule, window, now, recent });
    if (d.kind === 'publish') {
      out.push({ type: d.event.type, second: sec });
      rule = apply(rule, d.event.type, d.event.recoveryPercentage, now);
    }
  }
  return out;
}

function window_(requests: number, failures: number): CircuitWindowStats {
  return { requests, failures, errorRatePercentage: (failures / requests) * 100, windowMs: 30_000 };
}

describe('fast and steady decisions (simulated traffic)', () => {
  const opens = (ts: { type: CircuitEventType }[]) =>
    ts.filter((t) => t.type === CircuitEventType.opened).length;

  it('never opens in 10 minutes on a steady rate 10 points under the threshold', () => {
    for (const t of [15, 30, 50, 80])
      for (const rps of [20, 100, 1000]) {
        const ts = simulate(
          { errorThresholdPercentage: t },
          600,
          rps,
          () => (t - 10) / 100,
          t * rps,
        );
        expect({ t, rps, opens: opens(ts) }).toEqual({ t, rps, opens: 0 });
      }
  });

  it('opens at most once per recovery delay on a rate oscillating ±10 points around the threshold', () => {
    for (const t of [30, 50])
      for (const rps of [20, 100, 1000])
        for (const period of [2, 10, 60]) {
          const ts = simulate(
            { errorThresholdPercentage: t },
            600,
            rps,
            (sec) => (Math.floor(sec / period) % 2 === 0 ? t + 10 : t - 10) / 100,
            t + rps + period,
          );
          const opened = ts.filter((x) => x.type === CircuitEventType.opened).map((x) => x.second);
          opened.forEach((s, i) => {
            if (i > 0) expect(s - opened[i - 1]!).toBeGreaterThanOrEqual(30);
          });
          expect(opened.length).toBeLessThanOrEqual(1 + 600 / 30);
        }
  });

  it('opens within 2 s of a 50 % failure onset at a 30 % threshold (30 s window), from 50 calls a second', () => {
    for (const rps of [50, 100, 1000]) {
      const onset = 120;
      const ts = simulate(
        { errorThresholdPercentage: 30 },
        onset + 30,
        rps,
        (sec) => (sec < onset ? 0.05 : 0.5),
        rps,
      );
      expect(ts[0]).toMatchObject({ type: CircuitEventType.opened });
      expect(ts[0]!.second - onset).toBeLessThanOrEqual(1);
      expect(ts[0]!.second).toBeGreaterThanOrEqual(onset);
    }
  });
});
