import {
  ALL_CIRCUITS_KV_FILTER,
  ALL_FLAGS_KV_FILTER,
  flagKvKey,
  parseCircuitKvKey,
  parseFlagKvKey,
  parseFlagRule,
} from '@tailslide/contracts';
import type pg from 'pg';
import type { Logger } from 'pino';
import { appendAudit, AuditAction } from '../audit/audit-service.js';
import { withTransaction } from '../db.js';
import {
  bumpFlagVersionPast,
  findFlag,
  flagVersionsAndOwedKeys,
  insertOutbox,
  toFlagDto,
} from './flag-store.js';
import type { FlagsBucket } from '../nats.js';
import type { TowerMetrics } from '../ops/metrics.js';
import type { FlagPublisher } from './flag-publisher.js';

/** Actor of the reconciler's audited repairs. */
export const RECONCILER_ACTOR = 'reconciler';

/** What one reconcile pass did. */
export interface ReconcileReport {
  readonly checked: number;
  readonly rewritten: number;
  readonly deleted: number;
}

/** What {@link FlagReconciler} needs. */
export interface FlagReconcilerDeps {
  readonly pool: pg.Pool;
  readonly bucket: FlagsBucket;
  readonly publisher: FlagPublisher;
  readonly logger: Logger;
  readonly metrics?: TowerMetrics;
  readonly intervalMs?: number;
}

/**
 * Repairs drift between Postgres (truth) and the KV: a missing or different entry is rewritten,
 * an entry without a flag is deleted (a rule or Airbag's circuit state beside it), and a deleted bucket is recreated and refilled. Uses the
 * publisher's read-KV-then-row compare-and-set, so it cannot undo a newer relay write.
 * A change still in the outbox is not drift: the relay publishes it. Keys with outbox rows are
 * left alone, and a key whose row changed after the snapshot is skipped (its change is in the
 * outbox by then), so `tower_reconciler_repairs_total` counts only real repairs.
 */
export class FlagReconciler {
  readonly #deps: FlagReconcilerDeps;
  #timer: NodeJS.Timeout | null = null;
  #inFlight: Promise<unknown> | null = null;

  constructor(deps: FlagReconcilerDeps) {
    this.#deps = deps;
  }

  async tick(): Promise<ReconcileReport> {
    const { pool, bucket, publisher, metrics } = this.#deps;
    let kvKeys: string[];
    try {
      kvKeys = await collectKeys(bucket);
    } catch {
      // The bucket may have been deleted: forget the handle and recreate it.
      bucket.reset();
      kvKeys = await collectKeys(bucket);
    }
    const snapshot = await flagVersionsAndOwedKeys(pool);
    const pending = new Set<string>();
    const rows: { app_id: number; key: string; version: number }[] = [];
    for (const r of snapshot) {
      if (r.version === null) pending.add(`${r.app_id}/${r.key}`);
      else rows.push({ app_id: r.app_id, key: r.key, version: Number(r.version) });
    }
    const inDb = new Set(rows.map((r) => `${r.app_id}/${r.key}`));
    let rewritten = 0;
    let deleted = 0;
    for (const r of rows) {
      if (pending.has(`${r.app_id}/${r.key}`)) continue;
      let outcome = await publisher.publish(pool, r.app_id, r.key, true, r.version);
      if (outcome === 'skipped_newer') {
        // The KV holds a version the database never issued (a restored backup, a foreign
        // writer): move the row's version past it so every reader accepts the repair.
        await this.#versionPast(r.app_id, r.key);
        outcome = await publisher.publish(pool, r.app_id, r.key, true);
      }
      if (outcome === 'put') {
        rewritten++;
        metrics?.reconcilerRepairs.inc({ outcome: 'rewritten' });
      }
    }
    for (const k of kvKeys) {
      // A rule, or a circuit state (ADR 0008), whose flag has no row: both are deleted.
      const parsed = parseFlagKvKey(k) ?? parseCircuitKvKey(k);
      const id = parsed && `${parsed.appId}/${parsed.flagKey}`;
      if (!parsed || !id || inDb.has(id) || pending.has(id) || !/^\d{1,15}$/.test(parsed.appId))
        continue;
      const outcome = await publisher.publish(
        pool,
        Number(parsed.appId),
        parsed.flagKey,
        true,
        null,
      );
      if (outcome === 'deleted') {
        deleted++;
        metrics?.reconcilerRepairs.inc({ outcome: 'deleted' });
      }
    }
    if (rewritten + deleted > 0)
      this.#deps.logger.warn({ rewritten, deleted }, 'reconciler repaired KV drift');
    metrics?.reconcilerLastSuccess.setToCurrentTime();
    return { checked: rows.length, rewritten, deleted };
  }

  async #versionPast(appId: number, key: string): Promise<void> {
    const kv = await this.#deps.bucket.get();
    const entry = await kv.get(flagKvKey(String(appId), key));
    const parsed = entry && entry.operation === 'PUT' ? parseFlagRule(entry.value) : null;
    if (!parsed?.ok) return;
    await withTransaction(this.#deps.pool, async (tx) => {
      const before = await findFlag(tx, appId, key, true);
      if (!before) return;
      await bumpFlagVersionPast(tx, before.id, parsed.value.version);
      const after = (await findFlag(tx, appId, key))!;
      await appendAudit(
        tx,
        {
          actor: RECONCILER_ACTOR,
          requestId: null,
          reason: `KV held version ${parsed.value.version}, ahead of the database`,
        },
        {
          action: AuditAction.flagUpdated,
          entityType: 'flag',
          entityId: String(before.id),
          appId,
          flagKey: key,
          before: toFlagDto(before),
          after: toFlagDto(after),
        },
      );
      await insertOutbox(tx, appId, key);
    });
    this.#deps.logger.warn(
      { appId, key, kvVersion: parsed.value.version },
      'KV was ahead of the database; version moved past it',
    );
  }

  /** Runs {@link tick} every `intervalMs` (default 30 s). */
  start(): void {
    if (this.#timer) return;
    const every = this.#deps.intervalMs ?? 30_000;
    this.#timer = setInterval(() => {
      if (this.#inFlight) return;
      this.#inFlight = this.tick()
        .catch((err: unknown) => this.#deps.logger.warn({ err }, 'reconcile pass failed'))
        .finally(() => {
          this.#inFlight = null;
        });
    }, every);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#inFlight;
  }
}

async function collectKeys(bucket: FlagsBucket): Promise<string[]> {
  const kv = await bucket.get();
  const keys: string[] = [];
  for await (const k of await kv.keys(ALL_FLAGS_KV_FILTER)) keys.push(k);
  for await (const k of await kv.keys(ALL_CIRCUITS_KV_FILTER)) keys.push(k);
  return keys;
}
