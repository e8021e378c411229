import {
  FINE_RESOLUTION_MS,
  type CircuitEvent,
  type CircuitState,
  type FlagRule,
} from '@tailslide/contracts';
import { evidenceRequest, isEvaluated, type EvidenceRequest } from './circuit.js';
import { evidenceSpan, type EvidenceSpan } from './error-rate.js';
import type { AppReadPlan } from './signal-reader.js';

/** One circuit to decide this tick. */
export interface CircuitWork {
  readonly rule: FlagRule;
  readonly changedAtMs: number;
  /** The signals its decision counts, or `null` when it needs none (an open circuit). */
  readonly span: EvidenceSpan | null;
  /** The span is the whole sliding window (no cut-off at changedAt): use the running sums. */
  readonly full: boolean;
}

/** What to read for one app and which circuits of it to decide. */
export interface AppWork extends AppReadPlan {
  readonly bucketStarts: Set<number>;
  readonly work: CircuitWork[];
}

/** An event decided for a circuit, until the stream acked it. */
export interface PendingEvent {
  readonly event: CircuitEvent;
  readonly acked: boolean;
}

/** Everything one tick reads and decides, planned without I/O. */
export interface TickPlan {
  /** Watched circuits (circuit enabled) by state. */
  readonly counts: Record<CircuitState, number>;
  /** Circuits looked at (circuit enabled and flag active, open or recovering). */
  readonly evaluated: number;
  /** Apps to read, with their buckets and circuits (circuits with a pending event excluded). */
  readonly apps: Map<string, AppWork>;
  /** Pending events of evaluated circuits not acked yet: published again with the same id. */
  readonly resend: CircuitEvent[];
  /** Circuit ids whose pending event is settled (acked) or no longer evaluated. */
  readonly settled: string[];
}

/** What planning looks at. `changedAt` and `request` may memoize per rule object. */
export interface TickPlanInput {
  readonly rules: Iterable<FlagRule>;
  readonly pending: ReadonlyMap<string, PendingEvent>;
  readonly now: number;
  readonly changedAt?: (rule: FlagRule) => number;
  readonly request?: (rule: FlagRule, changedAtMs: number) => EvidenceRequest | null;
}

/** Key of one circuit in the pending map: `<appId>.<flagKey>`. */
export function circuitId(appId: string, flagKey: string): string {
  return `${appId}.${flagKey}`;
}

const parseChangedAt = (rule: FlagRule): number => Date.parse(rule.circuitStatus.changedAt);

/**
 * Plans one tick: which circuits to decide, which apps and buckets to read for them, and which
 * pending events to resend or forget. A circuit whose last event is not acked yet is not decided
 * again (ADR 0008: every decision reaches the stream, in order). Circuits that
 * share a window and a cut-off share one {@link EvidenceSpan} object (most of 10,000 circuits
 * do), so the windowing step aligns and sums each span once per app. Pure.
 */
export function planTick(input: TickPlanInput): TickPlan {
  const { pending, now } = input;
  const changedAtOf = input.changedAt ?? parseChangedAt;
  const requestOf = input.request ?? evidenceRequest;
  const counts: Record<CircuitState, number> = { closed: 0, open: 0, recovering: 0 };
  const apps = new Map<string, AppWork>();
  const resend: CircuitEvent[] = [];
  const settled: string[] = [];
  // windowMs → cut-off (-Infinity for the whole window) → span.
  const spans = new Map<number, Map<number, EvidenceSpan>>();
  const spansOfApp = new Map<string, Set<EvidenceSpan>>();
  const trackPending = pending.size > 0;
  const live = trackPending ? new Set<string>() : null;
  let evaluated = 0;

  for (const rule of input.rules) {
    if (!rule.circuit.enabled) continue;
    counts[rule.circuitStatus.state]++;
    if (!isEvaluated(rule)) continue;
    evaluated++;
    if (live !== null) {
      const id = circuitId(rule.appId, rule.flagKey);
      live.add(id);
      const p = pending.get(id);
      if (p !== undefined) {
        // Not acked: sent again (same id) and nothing new decided, so the stream holds every
        // decision in order. Acked: the circuit state in the KV already reflects it (ADR 0008).
        if (!p.acked) {
          resend.push(p.event);
          continue;
        }
        settled.push(id);
      }
    }
    let app = apps.get(rule.appId);
    if (app === undefined) {
      app = { bucketStarts: new Set(), work: [] };
      apps.set(rule.appId, app);
    }
    const changedAtMs = changedAtOf(rule);
    const req = requestOf(rule, changedAtMs);
    if (req === null) {
      app.work.push({ rule, changedAtMs, span: null, full: false });
      continue;
    }
    const since = req.sinceMs > now - req.windowMs ? req.sinceMs : Number.NEGATIVE_INFINITY;
    let byCut = spans.get(req.windowMs);
    if (byCut === undefined) {
      byCut = new Map();
      spans.set(req.windowMs, byCut);
    }
    let span = byCut.get(since);
    if (span === undefined) {
      span = evidenceSpan(now, req.windowMs, since, FINE_RESOLUTION_MS);
      byCut.set(since, span);
    }
    let seen = spansOfApp.get(rule.appId);
    if (seen === undefined) {
      seen = new Set();
      spansOfApp.set(rule.appId, seen);
    }
    if (!seen.has(span)) {
      seen.add(span);
      for (const b of span.bucketStarts) app.bucketStarts.add(b);
    }
    app.work.push({ rule, changedAtMs, span, full: since === Number.NEGATIVE_INFINITY });
  }
  if (live !== null) for (const id of pending.keys()) if (!live.has(id)) settled.push(id);
  return { counts, evaluated, apps, resend, settled };
}
