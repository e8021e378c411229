import type { CircuitState } from '@tailslide/contracts';
import {
  FINE_RESOLUTION_MS,
  type CircuitEvent,
  type CircuitWindowStats,
  type FlagRule,
  type SignalCounts,
} from '@tailslide/contracts';
import type { Logger } from 'pino';
import type { AirbagMetrics } from './airbag-metrics.js';
import { decide, evidenceRequest, isEvaluated, type EvidenceRequest } from './circuit.js';
import {
  evidenceSpan,
  windowErrorRate,
  windowStats,
  type BucketCounts,
  type EvidenceSpan,
} from './error-rate.js';
import type { AppReadPlan, SignalReadResult } from './signal-reader.js';
import { SlidingWindowSums } from './window-sums.js';

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
  readonly rules: { rules(): Iterable<FlagRule> };
  readonly reader: {
    read(plan: ReadonlyMap<string, AppReadPlan>, now: number): Promise<SignalReadResult>;
  };
  readonly publisher: { publish(event: CircuitEvent): Promise<unknown> };
  readonly lease: { acquire(now: number): Promise<boolean> };
  readonly now: () => number;
  readonly logger: Logger;
  readonly metrics: AirbagMetrics;
  /** Must match the reader's: buckets that ended this long ago no longer change. @default 1000 */
  readonly sealLagMs?: number;
}

interface Pending {
  readonly event: CircuitEvent;
  acked: boolean;
}

interface Work {
  readonly rule: FlagRule;
  readonly changedAtMs: number;
  readonly span: EvidenceSpan | null;
  /** The span is the whole sliding window (no cut-off at changedAt): use the running sums. */
  readonly full: boolean;
}

interface AppWork extends AppReadPlan {
  readonly bucketStarts: Set<number>;
  readonly spans: Set<EvidenceSpan>;
  readonly work: Work[];
}

interface SealedHead {
  readonly totals: ReadonlyMap<string, SignalCounts>;
  readonly sealed: number;
}

/** Window stats from the running sums of the sealed head plus the buckets still filling. */
function fullWindowStats(
  head: SealedHead,
  buckets: readonly (BucketCounts | undefined)[],
  flagKey: string,
  windowMs: number,
): CircuitWindowStats | null {
  const t = head.totals.get(flagKey);
  let successes = t?.successes ?? 0;
  let failures = t?.failures ?? 0;
  for (let i = head.sealed; i < buckets.length; i++) {
    const c = buckets[i]?.get(flagKey);
    if (c === undefined) continue;
    if (c.successes > 0) successes += c.successes;
    if (c.failures > 0) failures += c.failures;
  }
  return windowStats(successes, failures, windowMs);
}

function circuitId(appId: string, flagKey: string): string {
  return `${appId}.${flagKey}`;
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

  /** How many leading buckets of a window are sealed at `now`. */
  #sealedCount(starts: readonly number[], now: number): number {
    const lag = this.#deps.sealLagMs ?? 1000;
    let n = 0;
    while (n < starts.length && (starts[n] as number) + FINE_RESOLUTION_MS + lag <= now) n++;
    return n;
  }

  /** Outcome of the last Redis read, for `/healthz`. */
  redisState(): 'up' | 'down' | 'unknown' {
    return this.#lastRead;
  }

  /** Resolves when no tick is running. */
  async idle(): Promise<void> {
    await this.#running.catch(() => undefined);
  }

  /** Runs one tick after any tick in progress. Never rejects. */
  tick(): Promise<TickResult> {
    const next = this.#running.then(() => this.#tick());
    this.#running = next;
    return next;
  }

  async #tick(): Promise<TickResult> {
    const { metrics, logger } = this.#deps;
    const endTimer = metrics.tickDuration.startTimer();
    const published: CircuitEvent[] = [];
    let evaluated = 0;
    let noData = 0;
    let redisUnavailable = false;
    let leader = false;
    try {
      const now = this.#deps.now();
      leader = await this.#deps.lease.acquire(now);
      metrics.leader.set(leader ? 1 : 0);
      if (!leader) {
        metrics.ticks.inc({ role: 'follower', outcome: 'ok' });
        return { leader, evaluated, published, noData, unacked: 0, redisUnavailable };
      }

      const due: CircuitEvent[] = [];
      const byApp = new Map<string, AppWork>();
      // windowMs → cut-off (-Infinity for the whole window) → span.
      const spans = new Map<number, Map<number, EvidenceSpan>>();
      const counts: Record<CircuitState, number> = { closed: 0, open: 0, recovering: 0 };
      const trackPending = this.#pending.size > 0;
      const live = new Set<string>();

      for (const rule of this.#deps.rules.rules()) {
        if (!rule.circuit.enabled) continue;
        counts[rule.circuitStatus.state]++;
        if (!isEvaluated(rule)) continue;
        evaluated++;
        if (trackPending) {
          const id = circuitId(rule.appId, rule.flagKey);
          live.add(id);
          const pending = this.#pending.get(id);
          if (pending !== undefined) {
            if (pending.event.ruleVersion === rule.version) {
              if (!pending.acked) due.push(pending.event);
              continue;
            }
            // The rule moved on (Tower applied our event, or a human changed the flag): forget it.
            this.#pending.delete(id);
          }
        }
        let app = byApp.get(rule.appId);
        if (app === undefined) {
          app = { bucketStarts: new Set(), spans: new Set(), work: [] };
          byApp.set(rule.appId, app);
        }
        const changedAtMs = this.#changedAt(rule);
        const req = this.#request(rule, changedAtMs);
        if (req === null) {
          app.work.push({ rule, changedAtMs, span: null, full: false });
          continue;
        }
        // Most circuits share a window and reach back less than it: one span object per distinct
        // (window, cut-off) and one plan update per app and span keep a 10,000-circuit tick cheap.
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
        if (!app.spans.has(span)) {
          app.spans.add(span);
          for (const b of span.bucketStarts) app.bucketStarts.add(b);
        }
        app.work.push({ rule, changedAtMs, span, full: since === Number.NEGATIVE_INFINITY });
      }
      if (trackPending)
        for (const id of this.#pending.keys()) if (!live.has(id)) this.#pending.delete(id);
      metrics.setCircuitCounts(counts);

      const read = await this.#deps.reader.read(byApp, now);
      redisUnavailable = read.unavailable;
      this.#noteRedis(read);

      if (!redisUnavailable) {
        const usedSums = new Set<string>();
        for (const [appId, app] of byApp) {
          const signals = read.apps.get(appId) ?? null;
          const aligned = new Map<EvidenceSpan, (BucketCounts | undefined)[]>();
          const heads = new Map<EvidenceSpan, SealedHead>();
          for (const { rule, changedAtMs, span, full } of app.work) {
            let window: CircuitWindowStats | null = null;
            if (span !== null) {
              if (signals !== null) {
                let buckets = aligned.get(span);
                if (buckets === undefined) {
                  buckets = span.bucketStarts.map((b) => signals.get(b));
                  aligned.set(span, buckets);
                }
                if (full) {
                  let head = heads.get(span);
                  if (head === undefined) {
                    const key = `${appId}\u0000${span.windowMs}`;
                    usedSums.add(key);
                    const sealed = this.#sealedCount(span.bucketStarts, now);
                    head = {
                      totals: this.#sums.sealedTotals(key, span.bucketStarts, buckets, sealed),
                      sealed,
                    };
                    heads.set(span, head);
                  }
                  window = fullWindowStats(head, buckets, rule.flagKey, span.windowMs);
                } else {
                  window = windowErrorRate(buckets, rule.flagKey, span.windowMs);
                }
              }
              if (window === null) noData++;
            }
            const decision = decide({ rule, window, now, changedAtMs });
            if (decision.kind === 'publish') {
              this.#pending.set(circuitId(rule.appId, rule.flagKey), {
                event: decision.event,
                acked: false,
              });
              due.push(decision.event);
              logger.info({ event: decision.event }, 'circuit decision');
            }
          }
        }
        this.#sums.retain(usedSums);
      } else {
        this.#sums.retain();
        for (const app of byApp.values()) for (const w of app.work) if (w.span !== null) noData++;
      }
      metrics.noData.inc(noData);

      await this.#publish(due, published);
      let unacked = 0;
      for (const p of this.#pending.values()) if (!p.acked) unacked++;
      metrics.ticks.inc({ role: 'leader', outcome: redisUnavailable ? 'redis_unavailable' : 'ok' });
      return { leader, evaluated, published, noData, unacked, redisUnavailable };
    } catch (err) {
      logger.error({ err }, 'airbag tick failed');
      metrics.ticks.inc({ role: leader ? 'leader' : 'follower', outcome: 'error' });
      let unacked = 0;
      for (const p of this.#pending.values()) if (!p.acked) unacked++;
      return { leader, evaluated, published, noData, unacked, redisUnavailable };
    } finally {
      if (leader) endTimer();
    }
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
