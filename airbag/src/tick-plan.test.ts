import fc from 'fast-check';
import {
  CircuitEventType,
  CircuitState,
  FINE_RESOLUTION_MS,
  circuitEventId,
  evidenceBucketStarts,
  type CircuitEvent,
  type FlagRule,
} from '@tailslide/contracts';
import { describe, expect, it } from 'vitest';
import { T0, makeRule } from '../test/fixtures.js';
import { evidenceRequest, isEvaluated } from './circuit.js';
import { circuitId, planTick, type PendingEvent } from './tick-plan.js';

const ruleArb: fc.Arbitrary<FlagRule> = fc
  .record({
    app: fc.integer({ min: 0, max: 4 }),
    flag: fc.integer({ min: 0, max: 9 }),
    version: fc.integer({ min: 1, max: 5 }),
    enabled: fc.boolean(),
    active: fc.boolean(),
    state: fc.constantFrom(CircuitState.closed, CircuitState.open, CircuitState.recovering),
    windowMs: fc.constantFrom(5_000, 30_000, 30_500, 60_000),
    changedAgo: fc.integer({ min: 0, max: 120_000 }),
  })
  .map((r) =>
    makeRule({
      appId: `app${r.app}`,
      flagKey: `flag${r.flag}`,
      version: r.version,
      active: r.active,
      circuit: { enabled: r.enabled, windowMs: r.windowMs },
      status: { state: r.state, changedAt: new Date(T0 - r.changedAgo).toISOString() },
    }),
  );

/** Rules as the watcher holds them: at most one per (app, flag). */
const rulesArb = fc
  .array(ruleArb, { maxLength: 60 })
  .map((rs) => [...new Map(rs.map((r) => [circuitId(r.appId, r.flagKey), r])).values()]);

function event(appId: string, flagKey: string, version: number): CircuitEvent {
  return {
    schemaVersion: 1,
    id: circuitEventId(appId, flagKey, version, CircuitEventType.opened),
    type: CircuitEventType.opened,
    appId,
    flagKey,
    ruleVersion: version,
    recoveryPercentage: 0,
    occurredAt: new Date(T0).toISOString(),
    stats: null,
    reason: 'test',
  };
}

const pendingArb = fc
  .array(
    fc.record({
      app: fc.integer({ min: 0, max: 4 }),
      flag: fc.integer({ min: 0, max: 9 }),
      version: fc.integer({ min: 1, max: 5 }),
      acked: fc.boolean(),
    }),
    { maxLength: 20 },
  )
  .map(
    (ps) =>
      new Map<string, PendingEvent>(
        ps.map((p) => [
          circuitId(`app${p.app}`, `flag${p.flag}`),
          { event: event(`app${p.app}`, `flag${p.flag}`, p.version), acked: p.acked },
        ]),
      ),
  );

const nowArb = fc.integer({ min: T0, max: T0 + 10_000 });

describe('planTick', () => {
  it('decides every evaluated circuit exactly once, except those waiting on their own event', () => {
    fc.assert(
      fc.property(rulesArb, pendingArb, nowArb, (rules, pending, now) => {
        const plan = planTick({ rules, pending, now });
        const planned = [...plan.apps.values()].flatMap((a) => a.work.map((w) => w.rule));
        const waiting = (r: FlagRule) =>
          pending.get(circuitId(r.appId, r.flagKey))?.acked === false;
        const want = rules.filter((r) => isEvaluated(r) && !waiting(r));
        expect(new Set(planned)).toEqual(new Set(want));
        expect(planned).toHaveLength(want.length);
        for (const [appId, app] of plan.apps)
          for (const w of app.work) expect(w.rule.appId).toBe(appId);
        expect(plan.evaluated).toBe(rules.filter(isEvaluated).length);
        for (const state of Object.values(CircuitState))
          expect(plan.counts[state]).toBe(
            rules.filter((r) => r.circuit.enabled && r.circuitStatus.state === state).length,
          );
      }),
    );
  });

  it('resends unacked events of evaluated circuits and settles the rest', () => {
    fc.assert(
      fc.property(rulesArb, pendingArb, nowArb, (rules, pending, now) => {
        const plan = planTick({ rules, pending, now });
        const byId = new Map(
          rules.filter(isEvaluated).map((r) => [circuitId(r.appId, r.flagKey), r]),
        );
        const resend: string[] = [];
        const settled: string[] = [];
        for (const [id, p] of pending) {
          const rule = byId.get(id);
          if (rule !== undefined && !p.acked) resend.push(p.event.id);
          else settled.push(id);
        }
        expect(plan.resend.map((e) => e.id).sort()).toEqual(resend.sort());
        expect([...plan.settled].sort()).toEqual(settled.sort());
      }),
    );
  });

  it("reads exactly the buckets of each circuit's evidence span, one span object per window and cut-off", () => {
    fc.assert(
      fc.property(rulesArb, nowArb, (rules, now) => {
        const plan = planTick({ rules, pending: new Map(), now });
        const byKey = new Map<string, object>();
        for (const app of plan.apps.values()) {
          const union = new Set<number>();
          for (const w of app.work) {
            const req = evidenceRequest(w.rule);
            if (req === null) {
              expect(w.span).toBeNull();
              continue;
            }
            const starts = evidenceBucketStarts(now, req.windowMs, req.sinceMs, FINE_RESOLUTION_MS);
            expect(w.span!.bucketStarts).toEqual(starts);
            expect(w.full).toBe(!(req.sinceMs > now - req.windowMs));
            for (const s of starts) union.add(s);
            const key = `${req.windowMs}/${w.full ? 'all' : req.sinceMs}`;
            const held = byKey.get(key);
            if (held === undefined) byKey.set(key, w.span!);
            else expect(w.span).toBe(held);
          }
          expect([...app.bucketStarts].sort()).toEqual([...union].sort());
        }
      }),
    );
  });
});
