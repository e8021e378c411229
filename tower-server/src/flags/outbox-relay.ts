import type pg from 'pg';
import type { Logger } from 'pino';
import { withTransaction } from '../db.js';
import type { TowerMetrics } from '../ops/metrics.js';
import { PollLoop } from '../poll-loop.js';
import type { FlagPublisher } from './flag-publisher.js';
import { claimOutboxRows, countOutbox, deleteOutboxRows } from './flag-store.js';

/** What {@link OutboxRelay} needs. */
export interface OutboxRelayDeps {
  readonly pool: pg.Pool;
  readonly publisher: FlagPublisher;
  readonly logger: Logger;
  readonly metrics?: TowerMetrics;
  /** Rows per transaction. @default 100 */
  readonly batchSize?: number;
  /** Poll interval when idle (a commit in this process wakes it at once). @default 1000 */
  readonly pollMs?: number;
  /** Wait after a failed batch (NATS down). @default 250 */
  readonly retryMs?: number;
}

/**
 * Publishes committed flag changes to the KV. Rows are claimed with `FOR UPDATE SKIP LOCKED`
 * (several Tower instances share the work), the flag's current state is published, and the rows
 * are deleted in the same transaction only after NATS acknowledged — at-least-once, converging on
 * the latest version. A failed batch rolls back and is retried; nothing is lost while NATS is down.
 */
export class OutboxRelay {
  readonly #deps: OutboxRelayDeps;
  readonly #batchSize: number;
  readonly #loop: PollLoop;

  constructor(deps: OutboxRelayDeps) {
    this.#deps = deps;
    this.#batchSize = deps.batchSize ?? 100;
    const { logger, metrics } = deps;
    this.#loop = new PollLoop({
      pass: async () => (await this.tick()) >= this.#batchSize,
      idleMs: deps.pollMs ?? 1_000,
      retryMs: deps.retryMs ?? 250,
      onError: (err, failures) => {
        metrics?.relayFailures.inc();
        if (failures === 1 || failures % 20 === 0)
          logger.warn({ err, failures }, 'outbox relay batch failed; retrying');
      },
      onRecovered: (failures) => logger.info({ afterFailures: failures }, 'outbox relay recovered'),
    });
  }

  /**
   * Relays one batch; returns the number of outbox rows done. When a publish fails, the rows
   * published before it are still deleted, and the error is thrown (the rest are kept).
   */
  async tick(): Promise<number> {
    const { pool, publisher, metrics } = this.#deps;
    let failure: { err: unknown } | null = null;
    const done = await withTransaction(pool, async (tx) => {
      const rows = await claimOutboxRows(tx, this.#batchSize);
      // One publish per key (its current state covers every row of that key), in commit order.
      const byKey = new Map<string, { appId: number; flagKey: string; ids: number[] }>();
      for (const r of rows) {
        const k = `${r.appId}/${r.flagKey}`;
        const group = byKey.get(k) ?? { appId: r.appId, flagKey: r.flagKey, ids: [] };
        group.ids.push(r.id);
        byKey.set(k, group);
      }
      const doneIds: number[] = [];
      for (const g of byKey.values()) {
        try {
          const outcome = await publisher.publish(tx, g.appId, g.flagKey);
          metrics?.relayPublished.inc({ outcome });
          doneIds.push(...g.ids);
        } catch (err) {
          // Stop at the first failure (NATS is most likely down: the next keys would only time
          // out too) but keep what was published; the rest stays for the retry.
          failure = { err };
          break;
        }
      }
      if (doneIds.length > 0) await deleteOutboxRows(tx, doneIds);
      return doneIds.length;
    });
    if (failure) throw (failure as { err: unknown }).err;
    return done;
  }

  /** Number of rows waiting (for /metrics and tests). */
  pending(): Promise<number> {
    return countOutbox(this.#deps.pool);
  }

  /** Runs now instead of at the next poll. */
  kick(): void {
    this.#loop.kick();
  }

  /** Starts the background loop. */
  start(): void {
    this.#loop.start();
  }

  /** Stops the loop and waits for the batch in flight. */
  stop(): Promise<void> {
    return this.#loop.stop();
  }
}
