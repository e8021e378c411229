import type { CircuitState } from '@tailslide/contracts';
import { FINE_RESOLUTION_MS, type CircuitEvent, type FlagRule } from '@tailslide/contracts';
import type { Logger } from 'pino';
import type { AirbagMetrics } from './airbag-metrics.js';
import { decide, evidenceRequest, isEvaluated } from './circuit.js';
import {
  evidenceSpan,
  windowErrorRate,
  type BucketCounts,
  type EvidenceSpan,
} from './error-rate.js';
import type { AppReadPlan, SignalReadResult } from './signal-reader.js';

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
}

interface Pending {
  readonly event: CircuitEvent;
  acked: boolean;
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
  #lastRead: 'up' | 'down' | 'unknown' = 'unknown';

  constructor(deps: PollerDeps) {
    this.#deps = deps;
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
      const plan = new Map<string, { bucketStarts: Set<number>; spans: Set<EvidenceSpan> }>();
      const spans = new Map<string, EvidenceSpan>();
      const toDecide: { rule: FlagRule; span: EvidenceSpan | null }[] = [];
      const counts: Record<CircuitState, number> = { closed: 0, open: 0, recovering: 0 };
      const live = new Set<string>();

      for (const rule of this.#deps.rules.rules()) {
        if (!rule.circuit.enabled) continue;
        counts[rule.circuitStatus.state]++;
        if (!isEvaluated(rule)) continue;
        evaluated++;
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
        const req = evidenceRequest(rule);
        if (req === null) {
          toDecide.push({ rule, span: null });
          continue;
        }
        // Most circuits share a window and reach back less than it: one span object per distinct
        // (window, cut-off) and one plan update per app and span keep a 10,000-circuit tick cheap.
        const windowStart = now - req.windowMs;
        const since = req.sinceMs > windowStart ? req.sinceMs : Number.NEGATIVE_INFINITY;
        const spanKey = `${req.windowMs}:${since}`;
        let span = spans.get(spanKey);
        if (span === undefined) {
          span = evidenceSpan(now, req.windowMs, since, FINE_RESOLUTION_MS);
          spans.set(spanKey, span);
        }
        let p = plan.get(rule.appId);
        if (p === undefined) {
          p = { bucketStarts: new Set(), spans: new Set() };
          plan.set(rule.appId, p);
        }
        if (!p.spans.has(span)) {
          p.spans.add(span);
          for (const b of span.bucketStarts) p.bucketStarts.add(b);
        }
        toDecide.push({ rule, span });
      }
      for (const id of this.#pending.keys()) if (!live.has(id)) this.#pending.delete(id);
      metrics.setCircuitCounts(counts);

      const read = await this.#deps.reader.read(plan, now);
      redisUnavailable = read.unavailable;
      this.#noteRedis(read);

      if (!redisUnavailable) {
        const aligned = new Map<string, (BucketCounts | undefined)[]>();
        for (const { rule, span } of toDecide) {
          let window = null;
          if (span !== null) {
            const app = read.apps.get(rule.appId);
            let buckets: (BucketCounts | undefined)[] | null = null;
            if (app !== null && app !== undefined) {
              // Align the app's buckets with the span once per (app, span), not once per flag.
              const key = `${rule.appId}\u0000${span.windowMs}:${span.bucketStarts[0] ?? ''}:${span.bucketStarts.length}`;
              buckets = aligned.get(key) ?? null;
              if (buckets === null) {
                buckets = span.bucketStarts.map((b) => app.get(b));
                aligned.set(key, buckets);
              }
            }
            window = windowErrorRate(buckets, rule.flagKey, span.windowMs);
            if (window === null) noData++;
          }
          const decision = decide({ rule, window, now });
          if (decision.kind === 'publish') {
            this.#pending.set(circuitId(rule.appId, rule.flagKey), {
              event: decision.event,
              acked: false,
            });
            due.push(decision.event);
            logger.info({ event: decision.event }, 'circuit decision');
          }
        }
      } else {
        noData += toDecide.filter((d) => d.span !== null).length;
      }
      metrics.noData.inc(noData);

      await this.#publish(due, published);
      let unacked = 0;
      for (const p of this.#pending.values()) if (!p.acked) unacked++;
      metrics.ticks.inc({ role: 'leader', outcome: 'ok' });
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
