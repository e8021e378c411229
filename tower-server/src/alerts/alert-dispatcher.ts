import type pg from 'pg';
import type { Logger } from 'pino';
import type { TowerMetrics } from '../ops/metrics.js';
import { PollLoop } from '../poll-loop.js';
import { claimDueDeliveries, recordAttempt, type AlertDeliveryRow } from './alert-store.js';
import {
  DEFAULT_RETRY_POLICY,
  decideRetry,
  type AttemptResult,
  type RetryPolicy,
} from './retry-policy.js';
import { checkWebhookUrl } from './webhook-url.js';

/** What {@link AlertDispatcher} needs. */
export interface AlertDispatcherDeps {
  readonly pool: pg.Pool;
  readonly logger: Logger;
  readonly allowedHosts: readonly string[];
  readonly metrics?: TowerMetrics;
  readonly policy?: RetryPolicy;
  /** @default 5000 */
  readonly timeoutMs?: number;
  /** @default 1000 */
  readonly pollMs?: number;
  readonly now?: () => number;
  readonly fetch?: typeof fetch;
}

const BATCH = 20;
// A claimed delivery is invisible to other dispatchers for this long (a crash mid-send retries after it).
const LEASE_MS = 60_000;

/**
 * Sends queued alert deliveries. Runs apart from the flag change (the delivery row was committed
 * with it), so a slow or dead webhook never delays a flag. Each attempt's outcome is recorded.
 */
export class AlertDispatcher {
  readonly #deps: AlertDispatcherDeps;
  readonly #now: () => number;
  readonly #loop: PollLoop;

  constructor(deps: AlertDispatcherDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.#loop = new PollLoop({
      pass: async () => (await this.tick()) >= BATCH,
      idleMs: deps.pollMs ?? 1_000,
      onError: (err) => deps.logger.warn({ err }, 'alert dispatcher tick failed'),
    });
  }

  /** Sends every delivery due at `nowMs`; returns how many were attempted. */
  async tick(nowMs: number = this.#now()): Promise<number> {
    const { pool } = this.#deps;
    const rows = await claimDueDeliveries(pool, new Date(nowMs), new Date(nowMs + LEASE_MS), BATCH);
    await Promise.all(rows.map((r) => this.#deliver(r, nowMs)));
    return rows.length;
  }

  async #deliver(row: AlertDeliveryRow & { url: string }, nowMs: number): Promise<void> {
    const { pool, logger, metrics } = this.#deps;
    const attempt = row.attempts + 1;
    const check = checkWebhookUrl(row.url, this.#deps.allowedHosts);
    let result: AttemptResult;
    let error: string | null = null;
    if (!check.ok) {
      await recordAttempt(pool, row.id, {
        status: 'failed',
        attempts: attempt,
        statusCode: row.last_status_code,
        error: `url not allowed: ${check.reason}`,
        completedAt: new Date(nowMs),
      });
      metrics?.alertDeliveries.inc({ outcome: 'rejected_url' });
      return;
    }
    try {
      const res = await (this.#deps.fetch ?? fetch)(check.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(row.payload),
        redirect: 'manual',
        signal: AbortSignal.timeout(this.#deps.timeoutMs ?? 5_000),
      });
      await res.body?.cancel().catch(() => undefined);
      result = { status: res.status, retryAfter: res.headers.get('retry-after') };
      if (res.status < 200 || res.status >= 300) error = `HTTP ${res.status}`;
    } catch (err) {
      result = { status: null, retryAfter: null };
      error = err instanceof Error ? err.message : String(err);
    }
    const verdict = decideRetry(result, attempt, nowMs, this.#deps.policy ?? DEFAULT_RETRY_POLICY);
    metrics?.alertDeliveries.inc({ outcome: verdict.kind });
    if (verdict.kind === 'delivered') {
      await recordAttempt(pool, row.id, {
        status: 'delivered',
        attempts: attempt,
        statusCode: result.status,
        error: null,
        completedAt: new Date(nowMs),
      });
    } else if (verdict.kind === 'retry') {
      await recordAttempt(pool, row.id, {
        status: 'retry',
        attempts: attempt,
        statusCode: result.status,
        error,
        nextAttemptAt: new Date(nowMs + verdict.delayMs),
      });
      this.#scheduleWake(verdict.delayMs);
    } else {
      logger.warn(
        { deliveryId: row.id, webhookId: row.webhook_id, why: verdict.why },
        'alert delivery failed',
      );
      await recordAttempt(pool, row.id, {
        status: 'failed',
        attempts: attempt,
        statusCode: result.status,
        error: error ?? verdict.why,
        completedAt: new Date(nowMs),
      });
    }
  }

  #scheduleWake(delayMs: number): void {
    if (!this.#loop.running) return;
    setTimeout(() => this.kick(), delayMs + 5).unref();
  }

  /** Runs now instead of at the next poll. */
  kick(): void {
    this.#loop.kick();
  }

  /** Starts the background loop. */
  start(): void {
    this.#loop.start();
  }

  /** Stops the loop and waits for the sends in flight. */
  stop(): Promise<void> {
    return this.#loop.stop();
  }
}
