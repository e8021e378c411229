import fc from 'fast-check';
import {
  CircuitEventType,
  CircuitState,
  RecoveryProfile,
  circuitEventId,
  parseCircuitEvent,
  type CircuitSettings,
  type CircuitWindowStats,
  type FlagRule,
} from '@tailslide/contracts';
import { describe, expect, it } from 'vitest';
import { T0, makeRule } from '../test/fixtures.js';
import {
  decide,
  evidenceRequest,
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

  it('re-opens a recovering circuit on a breach and does nothing for flags it does not evaluate', () => {
    const recovering = makeRule({
      status: {
        state: CircuitState.recovering,
        recoveryPercentage: 10,
        changedAt: new Date(T0).toISOString(),
      },
    });
    expect(eventOf(decide({ rule: recovering, window: window(5, 4), now: T0 + 1000 }))?.type).toBe(
      CircuitEventType.opened,
    );
    expect(decide({ rule: recovering, window: window(4, 4), now: T0 + 1000 }).kind).toBe('none');

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
