import {
  circuitKvStateOf,
  DEFAULT_SEAL_LAG_MS,
  FINE_RESOLUTION_MS,
  sealedBucketCount,
  type CircuitEvent,
  type CircuitKvState,
  type CircuitWindowStats,
  type FlagRule,
  type SignalCounts,
} from '@tailslide/contracts';
import type { Logger } from 'pino';
import type { AirbagMetrics } from './airbag-metrics.js';
import { FAST_BURN_BUCKETS, decide, evidenceRequest, type EvidenceRequest } from './circuit.js';
import {
  recentCounts,
  windowErrorRate,
  type BucketCounts,
  type EvidenceSpan,
  type SealedHead,
} from './error-rate.js';
import type { AppReadPlan, AppSignals, SignalReadResult } from './signal-reader.js';
import { circuitId, planTick, type AppWork } from './tick-plan.js';
import { SlidingWindowSums } from './window-sums.js';
import type { HeldCircuitState } from './circuit-state-store.js';

/** Airbag's circuit states in the KV (ADR 0008): what {@link Poller} reads and writes. */
export interface CircuitStates {
  /** `rule` combined with its circuit state. */
  effective(rule: FlagRule): FlagRule;
  get(appId: string, flagKey: string): HeldCircuitState | undefined;
  all(): Iterable<HeldCircuitState>;
  /** Compare-and-set on `expectedRevision` (0: none yet); rejects on a conflict. */
  write(state: CircuitKvState, expectedRevision: number): Promise<HeldCircuitState>;
}

/** What one tick did. */
export interface TickResult {
  /** Whether this instance held the lease (followers do nothing else). */
  readonly leader: boolean;
  /** Circuits looked at (circuit enabled and flag active, open or recovering). */
  readonly evaluated: number;
  /** Events the stream acked during this tick (new decisions and retries). */
  readonly published: CircuitEvent[];
  /** Evaluated circuits that needed signals and had none (failed or empty read). */
  readonly noData: number;
  /** Decided events still waiting for an ack (retried with the same id on the next tick). */
  readonly unacked: number;
  /** True when Redis could not be read: no decision was taken. */
  readonly redisUnavailable: boolean;
}

export interface PollerDeps {
  readonly rules: {
    rules(): Iterable<FlagRule>;
    /** The rules of one app, for a tick of some apps only (default: `rules()` filtered). */
    rulesOf?(appId: string): Iterable<FlagRule>;
    /** One flag's rule; without it every held circuit state counts as live. */
    get?(appId: string, flagKey: string): FlagRule | undefined;
  };
  readonly reader: {
    read(
      plan: ReadonlyMap<string, AppReadPlan>,
      now: number,
      opts?: { readonly partial?: boolean },
    ): Promise<SignalReadResult>;
  };
  readonly publisher: { publish(event: CircuitEvent): Promise<unknown> };
  readonly states: CircuitStates;
  readonly lease: {
    acquire(now: number): Promise<boolean>;
    /**
     * Whether the lease renewed at the last full tick is still ours at `now`, without a round
     * trip: a tick of some apps (a wake-up) relies on it. Without it such ticks renew the lease.
     */
    holds?(now: number): boolean;
  };
  readonly now: () => number;
  readonly logger: Logger;
  readonly metrics: AirbagMetrics;
  /** The reader's seal lag (contracts' `isBucketSealed`). @default DEFAULT_SEAL_LAG_MS */
  readonly sealLagMs?: number;
}

/** One circuit's configured window and, when it has failures, its newest buckets. */
interface SpanWindow {
  readonly window: CircuitWindowStats | null;
  readonly recent: readonly SignalCounts[] | undefined;
}

const NO_WINDOW: SpanWindow = Object.freeze({ window: null, recent: undefined });

interface Pending {
  readonly event: CircuitEvent;
  acked: boolean;
}

/**
 * One poll tick: renew the lease, read every evaluated circuit's signals in one pipelined batch,
 * decide, publish. The only memory kept between ticks is the event published per circuit and
 * not yet reflected in the rule: until the rule's version moves past it, no other transition is
 * decided for that circuit, and an unacked event is re-sent with the same id.
 */
export class Poller {
  readonly #deps: PollerDeps;
  readonly #pending = new Map<string, Pending>();
  #running: Promise<unknown> = Promise.resolve();
  #redisDown = false;
  readonly #changedAtCache = new WeakMap<FlagRule, number>();
  readonly #requestCache = new WeakMap<FlagRule, EvidenceRequest | null>();
  readonly #sums = new SlidingWindowSums(FINE_RESOLUTION_MS);
  #lastRead: 'up' | 'down' | 'unknown' = 'unknown';
  #wasLeader = false;

  constructor(deps: PollerDeps) {
    this.#deps = deps;
  }

  /** `changedAt` parsed once per rule object (the watcher replaces the object on every change). */
  #changedAt(rule: FlagRule): number {
    let ms = this.#changedAtCache.get(rule);
    if (ms === undefined) {
      ms = Date.parse(rule.circuitStatus.changedAt);
      this.#changedAtCache.set(rule, ms);
    }
    return ms;
  }

  /** `evidenceRequest` once per rule object: it depends on the rule only. */
  #request(rule: FlagRule, changedAtMs: number): EvidenceRequest | null {
    let req = this.#requestCache.get(rule);
    if (req === undefined) {
      req = evidenceRequest(rule, changedAtMs);
      this.#requestCache.set(rule, req);
    }
    return req;
  }

  /** Outcome of the last Redis read, for `/healthz`. */
  redisState(): 'up' | 'down' | 'unknown' {
    return this.#lastRead;
  }

  /** Resolves when no tick is running. */
  async idle(): Promise<void> {
    await this.#running.catch(() => undefined);
  }

  /**
   * Runs one tick after any tick in progress. Never rejects. With `apps`, only those apps'
   * circuits are read and decided (a wake-up, ADR 0003): the rest keep their caches and pending
   * events, and the lease is not renewed (the leader of the last full tick acts while it holds).
   */
  tick(apps?: ReadonlySet<string>): Promise<TickResult> {
    const next = this.#running.then(() => this.#tick(apps));
    this.#running = next;
    return next;
  }

  /** The pending events of `apps` only: a tick of those apps settles no other app's events. */
  #pendingOf(apps: ReadonlySet<string>): Map<string, Pending> {
    const out = new Map<string, Pending>();
    for (const [id, p] of this.#pending) if (apps.has(p.event.appId)) out.set(id, p);
    return out;
  }

  /** The rules of `apps`, each combined with its circuit state. */
  *#effectiveRulesOf(apps: ReadonlySet<string>): Generator<FlagRule> {
    const { rules, states } = this.#deps;
    for (const appId of apps) {
      if (rules.rulesOf !== undefined) {
        for (const rule of rules.rulesOf(appId)) yield states.effective(rule);
      } else {
        for (const rule of rules.rules()) if (rule.appId === appId) yield states.effective(rule);
      }
    }
  }

  /**
   * Lease → plan (pure) → one pipelined read → windows and decisions (pure) → publish. A failed
   * Redis read decides nothing (ADR 0003 rule 1) and is counted as such.
   */
  async #tick(apps?: ReadonlySet<string>): Promise<TickResult> {
    const { metrics, logger } = this.#deps;
    const endTimer = metrics.tickDuration.startTimer();
    const published: CircuitEvent[] = [];
    let evaluated = 0;
    let noData = 0;
    let redisUnavailable = false;
    let leader = false;
    try {
      const now = this.#deps.now();
      const partial = apps !== undefined;
      const { lease } = this.#deps;
      if (partial) {
        // A wake-up between full ticks: no lease round trip, no change of role.
        leader = lease.holds !== undefined ? lease.holds(now) : await lease.acquire(now);
        if (!leader) return { leader, evaluated, published, noData, unacked: 0, redisUnavailable };
      } else {
        leader = await lease.acquire(now);
        metrics.leader.set(leader ? 1 : 0);
      }
      const newLeader = !partial && leader && !this.#wasLeader;
      if (!partial) this.#wasLeader = leader;
      if (!leader) {
        metrics.ticks.inc({ role: 'follower', outcome: 'ok' });
        return { leader, evaluated, published, noData, unacked: 0, redisUnavailable };
      }

      const plan = planTick({
        rules: partial ? this.#effectiveRulesOf(apps) : this.#effectiveRules(),
        pending: partial ? this.#pendingOf(apps) : this.#pending,
        now,
        changedAt: (rule) => this.#changedAt(rule),
        request: (rule, changedAtMs) => this.#request(rule, changedAtMs),
      });
      evaluated = plan.evaluated;
      for (const id of plan.settled) this.#pending.delete(id);
      if (!partial) metrics.setCircuitCounts(plan.counts);

      const read = await this.#deps.reader.read(plan.apps, now, { partial });
      redisUnavailable = read.unavailable;
      this.#noteRedis(read);

      const due = [...plan.resend];
      // A leader that died between writing a state and publishing its event left that event out
      // of the stream: a new leader publishes the last event of every circuit again (the stream's
      // duplicate window and Tower's applied-event table drop the ones already there).
      if (newLeader) due.push(...this.#unsentCandidates(due));
      const decided: { readonly event: CircuitEvent; readonly expected: number; seq: number }[] =
        [];
      if (redisUnavailable) {
        this.#sums.retain();
        for (const app of plan.apps.values()) for (const w of app.work) if (w.span) noData++;
      } else {
        const usedSums = new Set<string>();
        for (const [appId, app] of plan.apps) {
          const windows = this.#windows(appId, app, read.apps.get(appId) ?? null, now, usedSums);
          app.work.forEach(({ rule, changedAtMs, span }, i) => {
            const { window, recent } = windows[i] ?? NO_WINDOW;
            if (span !== null && window === null) noData++;
            const held = this.#deps.states.get(rule.appId, rule.flagKey);
            const seq = (held?.state.seq ?? 0) + 1;
            const decision = decide({ rule, window, now, changedAtMs, recent, seq });
            if (decision.kind !== 'publish') return;
            decided.push({ event: decision.event, expected: held?.revision ?? 0, seq });
          });
        }
        // A partial tick used only its apps' sums: the others stay for the next full tick.
        if (!partial) this.#sums.retain(usedSums);
      }
      metrics.noData.inc(noData);

      await this.#writeStates(decided, due);
      await this.#publish(due, published);
      const outcome = redisUnavailable ? 'redis_unavailable' : 'ok';
      metrics.ticks.inc({ role: 'leader', outcome });
      return { leader, evaluated, published, noData, unacked: this.#unacked(), redisUnavailable };
    } catch (err) {
      logger.error({ err }, 'airbag tick failed');
      metrics.ticks.inc({ role: leader ? 'leader' : 'follower', outcome: 'error' });
      return { leader, evaluated, published, noData, unacked: this.#unacked(), redisUnavailable };
    } finally {
      if (leader) endTimer();
    }
  }

  /**
   * The window of every circuit of one app (aligned with `app.work`; `null` = no data), with the
   * newest buckets for the fast-burn windows. The
   * buckets of each span are aligned once; a full window adds its still-filling buckets to the
   * running sums of its sealed head, kept from tick to tick.
   */
  #windows(
    appId: string,
    app: AppWork,
    signals: AppSignals,
    now: number,
    usedSums: Set<string>,
  ): SpanWindow[] {
    if (signals === null) return app.work.map(() => NO_WINDOW);
    const aligned = new Map<EvidenceSpan, (BucketCounts | undefined)[]>();
    const heads = new Map<EvidenceSpan, SealedHead>();
    return app.work.map(({ rule, span, full }) => {
      if (span === null) return NO_WINDOW;
      let buckets = aligned.get(span);
      if (buckets === undefined) {
        buckets = span.bucketStarts.map((b) => signals.get(b));
        aligned.set(span, buckets);
      }
      let head: SealedHead | undefined;
      if (full) {
        head = heads.get(span);
        if (head === undefined) {
          const key = `${appId}\u0000${span.windowMs}`;
          usedSums.add(key);
          const lag = this.#deps.sealLagMs ?? DEFAULT_SEAL_LAG_MS;
          const sealed = sealedBucketCount(span.bucketStarts, FINE_RESOLUTION_MS, now, lag);
          const totals = this.#sums.sealedTotals(key, span.bucketStarts, buckets, sealed);
          head = { totals, sealed };
          heads.set(span, head);
        }
      }
      const window = windowErrorRate(buckets, rule.flagKey, span.windowMs, head);
      // Only a window with failures can hold a fast burn: healthy circuits allocate nothing.
      if (window === null || window.failures === 0) return { window, recent: undefined };
      return { window, recent: recentCounts(buckets, rule.flagKey, FAST_BURN_BUCKETS) };
    });
  }

  /** The rules as SDKs see them: each combined with its circuit state. */
  *#effectiveRules(): Generator<FlagRule> {
    for (const rule of this.#deps.rules.rules()) yield this.#deps.states.effective(rule);
  }

  #unsentCandidates(due: readonly CircuitEvent[]): CircuitEvent[] {
    const queued = new Set(due.map((e) => e.id));
    const out: CircuitEvent[] = [];
    const { rules } = this.#deps;
    for (const { state } of this.#deps.states.all()) {
      // A deleted flag's circuit is forgotten: Tower deletes its state (ADR 0008), and its last
      // event would only be recorded as for an unknown flag.
      if (rules.get !== undefined && rules.get(state.appId, state.flagKey) === undefined) continue;
      if (!queued.has(state.event.id)) out.push(state.event);
    }
    return out;
  }

  /**
   * Writes each decision's circuit state to the KV (compare-and-set on the revision it was
   * decided from) — what turns the flag off or ramps it in every SDK, with or without Tower —
   * then queues its event. A decision whose write failed is dropped: the next tick decides again
   * from what the KV holds.
   */
  async #writeStates(
    decided: readonly { readonly event: CircuitEvent; readonly expected: number; seq: number }[],
    due: CircuitEvent[],
  ): Promise<void> {
    if (decided.length === 0) return;
    const { logger, metrics } = this.#deps;
    const outcomes = await Promise.allSettled(
      decided.map((d) => this.#deps.states.write(circuitKvStateOf(d.event, d.seq), d.expected)),
    );
    let firstError: unknown;
    let failures = 0;
    outcomes.forEach((o, i) => {
      const d = decided[i];
      if (d === undefined) return;
      if (o.status === 'rejected') {
        failures++;
        firstError ??= o.reason;
        return;
      }
      const { event } = d;
      this.#pending.set(circuitId(event.appId, event.flagKey), { event, acked: false });
      due.push(event);
      logger.info({ event }, 'circuit decision');
    });
    if (failures > 0) {
      metrics.publishFailures.inc(failures);
      logger.warn(
        { err: firstError, failures },
        'circuit states not written; deciding again next tick',
      );
    }
  }

  #unacked(): number {
    let n = 0;
    for (const p of this.#pending.values()) if (!p.acked) n++;
    return n;
  }

  async #publish(due: readonly CircuitEvent[], published: CircuitEvent[]): Promise<void> {
    if (due.length === 0) return;
    const { metrics, logger } = this.#deps;
    const outcomes = await Promise.allSettled(due.map((e) => this.#deps.publisher.publish(e)));
    let firstError: unknown;
    let failures = 0;
    outcomes.forEach((o, i) => {
      const event = due[i];
      if (event === undefined) return;
      if (o.status === 'fulfilled') {
        const p = this.#pending.get(circuitId(event.appId, event.flagKey));
        if (p !== undefined && p.event.id === event.id) p.acked = true;
        published.push(event);
        metrics.transitions.inc({ type: event.type });
      } else {
        failures++;
        firstError ??= o.reason;
      }
    });
    if (failures > 0) {
      metrics.publishFailures.inc(failures);
      logger.warn(
        { err: firstError, failures },
        'circuit events not acked; retrying with the same ids next tick',
      );
    }
  }

  #noteRedis(read: SignalReadResult): void {
    const { logger, metrics } = this.#deps;
    if (read.unavailable) {
      this.#lastRead = 'down';
      metrics.redisUp.set(0);
      if (!this.#redisDown) {
        this.#redisDown = true;
        logger.error(
          { err: read.error },
          'redis unavailable: no circuit decisions until it returns',
        );
      }
      return;
    }
    this.#lastRead = 'up';
    metrics.redisUp.set(1);
    if (this.#redisDown) {
      this.#redisDown = false;
      logger.info('redis available again: circuit decisions resumed');
    }
  }
}
