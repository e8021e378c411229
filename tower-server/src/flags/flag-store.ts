import {
  RULESET_SCHEMA_VERSION,
  type CircuitState,
  type FlagDto,
  type FlagRule,
  type CircuitMode,
  type RecoveryProfile,
} from '@tailslide/contracts';
import type { Queryable } from '../db.js';

/** The fields of a flag that Tower holds in another type than the API's (ids, times). */
type HeldApart = 'id' | 'appId' | 'alertWebhookIds' | 'createdAt' | 'updatedAt';

/**
 * A flag as Tower holds it (Postgres row, typed): the API's {@link FlagDto} with numeric row ids
 * and `Date` times, plus the bucketing salt the dashboard does not show.
 */
export interface Flag extends Omit<FlagDto, HeldApart> {
  readonly id: number;
  readonly appId: number;
  readonly salt: string;
  readonly alertWebhookIds: readonly number[];
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** The columns a create or update writes: the DTO's editable fields, the change time as a Date. */
export type FlagValues = Pick<
  FlagDto,
  'title' | 'description' | 'active' | 'rolloutPercentage' | 'whitelist' | 'circuit'
> & {
  readonly circuitStatus: Omit<FlagDto['circuitStatus'], 'changedAt'> & {
    readonly changedAt: Date;
  };
};

interface FlagRow {
  id: number;
  app_id: number;
  key: string;
  title: string;
  description: string;
  active: boolean;
  rollout_percentage: string;
  whitelist: string[];
  salt: string;
  circuit_enabled: boolean;
  error_threshold_percentage: string;
  minimum_requests: number;
  window_ms: number;
  recovery_delay_ms: number;
  recovery_profile: string;
  initial_recovery_percentage: string;
  recovery_increment_percentage: string;
  recovery_step_ms: number;
  slow_call_ms: number | null;
  circuit_mode: string;
  relative_margin_points: string;
  circuit_state: string;
  recovery_percentage: string;
  circuit_changed_at: Date;
  version: number;
  created_at: Date;
  updated_at: Date;
  alert_webhook_ids: number[];
}

const SELECT = `SELECT f.*,
  (SELECT coalesce(array_agg(w.webhook_id ORDER BY w.webhook_id), '{}')
     FROM flag_alert_webhooks w WHERE w.flag_id = f.id) AS alert_webhook_ids
  FROM flags f`;

function toFlag(r: FlagRow): Flag {
  return {
    id: r.id,
    appId: r.app_id,
    key: r.key,
    title: r.title,
    description: r.description,
    active: r.active,
    rolloutPercentage: Number(r.rollout_percentage),
    whitelist: r.whitelist,
    salt: r.salt,
    circuit: {
      enabled: r.circuit_enabled,
      errorThresholdPercentage: Number(r.error_threshold_percentage),
      minimumRequests: r.minimum_requests,
      windowMs: r.window_ms,
      recoveryDelayMs: r.recovery_delay_ms,
      recoveryProfile: r.recovery_profile as RecoveryProfile,
      initialRecoveryPercentage: Number(r.initial_recovery_percentage),
      recoveryIncrementPercentage: Number(r.recovery_increment_percentage),
      recoveryStepMs: r.recovery_step_ms,
      slowCallMs: r.slow_call_ms,
      mode: r.circuit_mode as CircuitMode,
      relativeMarginPoints: Number(r.relative_margin_points),
    },
    circuitStatus: {
      state: r.circuit_state as CircuitState,
      recoveryPercentage: Number(r.recovery_percentage),
      changedAt: r.circuit_changed_at.toISOString(),
    },
    alertWebhookIds: r.alert_webhook_ids.map(Number),
    version: r.version,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** The dashboard's view of a flag: the same fields, ids and times as strings, no salt. */
export function toFlagDto({
  salt: _salt,
  id,
  appId,
  alertWebhookIds,
  createdAt,
  updatedAt,
  ...same
}: Flag): FlagDto {
  return {
    ...same,
    id: String(id),
    appId: String(appId),
    alertWebhookIds: alertWebhookIds.map(String),
    createdAt: createdAt.toISOString(),
    updatedAt: updatedAt.toISOString(),
  };
}

/** The SDK's view of a flag: the KV value. Carries no secrets (no webhooks, no title). */
export function toFlagRule(f: Flag): FlagRule {
  return {
    schemaVersion: RULESET_SCHEMA_VERSION,
    appId: String(f.appId),
    flagKey: f.key,
    version: f.version,
    active: f.active,
    rolloutPercentage: f.rolloutPercentage,
    whitelist: f.whitelist,
    salt: f.salt,
    circuit: f.circuit,
    circuitStatus: f.circuitStatus,
    updatedAt: f.updatedAt.toISOString(),
  };
}

/** Every flag of an app, by key. */
export async function listFlags(db: Queryable, appId: number): Promise<Flag[]> {
  const { rows } = await db.query<FlagRow>(`${SELECT} WHERE f.app_id = $1 ORDER BY f.key`, [appId]);
  return rows.map(toFlag);
}

/**
 * Flags of an app after key `afterKey` (`null`: from the first), by key, `limit + 1` rows (the
 * extra one says a next page exists).
 */
export async function listFlagPage(
  db: Queryable,
  appId: number,
  afterKey: string | null,
  limit: number,
): Promise<Flag[]> {
  const { rows } = await db.query<FlagRow>(
    `${SELECT} WHERE f.app_id = $1 AND ($2::text IS NULL OR f.key > $2) ORDER BY f.key LIMIT $3`,
    [appId, afterKey, limit + 1],
  );
  return rows.map(toFlag);
}

/** Every flag (the reconciler). */
export async function listAllFlags(db: Queryable): Promise<Flag[]> {
  const { rows } = await db.query<FlagRow>(`${SELECT} ORDER BY f.app_id, f.key`);
  return rows.map(toFlag);
}

/** One flag, optionally row-locked for the rest of the transaction. */
export async function findFlag(
  db: Queryable,
  appId: number,
  key: string,
  forUpdate = false,
): Promise<Flag | null> {
  const { rows } = await db.query<FlagRow>(
    `${SELECT} WHERE f.app_id = $1 AND f.key = $2${forUpdate ? ' FOR UPDATE OF f' : ''}`,
    [appId, key],
  );
  return rows[0] ? toFlag(rows[0]) : null;
}

function valueParams(v: FlagValues): unknown[] {
  const c = v.circuit;
  return [
    v.title,
    v.description,
    v.active,
    v.rolloutPercentage,
    v.whitelist,
    c.enabled,
    c.errorThresholdPercentage,
    c.minimumRequests,
    c.windowMs,
    c.recoveryDelayMs,
    c.recoveryProfile,
    c.initialRecoveryPercentage,
    c.recoveryIncrementPercentage,
    c.recoveryStepMs,
    c.slowCallMs,
    v.circuitStatus.state,
    v.circuitStatus.recoveryPercentage,
    v.circuitStatus.changedAt,
    c.mode,
    c.relativeMarginPoints,
  ];
}

/** Inserts a flag and returns its id; throws pg 23505 on a duplicate key. */
export async function insertFlag(
  db: Queryable,
  appId: number,
  key: string,
  v: FlagValues,
): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO flags (title, description, active, rollout_percentage, whitelist,
       circuit_enabled, error_threshold_percentage, minimum_requests, window_ms, recovery_delay_ms,
       recovery_profile, initial_recovery_percentage, recovery_increment_percentage, recovery_step_ms,
       slow_call_ms, circuit_state, recovery_percentage, circuit_changed_at, circuit_mode,
       relative_margin_points, app_id, key, salt)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$22)
     RETURNING id`,
    [...valueParams(v), appId, key],
  );
  return rows[0]!.id;
}

/** Writes every mutable column and takes a new version. */
export async function updateFlag(db: Queryable, id: number, v: FlagValues): Promise<void> {
  await db.query(
    `UPDATE flags SET title = $1, description = $2, active = $3, rollout_percentage = $4, whitelist = $5,
       circuit_enabled = $6, error_threshold_percentage = $7, minimum_requests = $8, window_ms = $9,
       recovery_delay_ms = $10, recovery_profile = $11, initial_recovery_percentage = $12,
       recovery_increment_percentage = $13, recovery_step_ms = $14, slow_call_ms = $15,
       circuit_state = $16, recovery_percentage = $17, circuit_changed_at = $18,
       circuit_mode = $19, relative_margin_points = $20,
       version = nextval('flag_version_seq'), updated_at = now()
     WHERE id = $21`,
    [...valueParams(v), id],
  );
}

/** Replaces the webhooks subscribed to a flag's alerts. */
export async function setFlagWebhooks(
  db: Queryable,
  flagId: number,
  webhookIds: readonly number[],
): Promise<void> {
  await db.query('DELETE FROM flag_alert_webhooks WHERE flag_id = $1', [flagId]);
  if (webhookIds.length > 0) {
    await db.query(
      'INSERT INTO flag_alert_webhooks (flag_id, webhook_id) SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING',
      [flagId, webhookIds],
    );
  }
}

/** Deletes a flag row. */
export async function deleteFlagRow(db: Queryable, id: number): Promise<void> {
  await db.query('DELETE FROM flags WHERE id = $1', [id]);
}

/** Records that a flag's KV entry must be (re)published; the relay does the rest. */
export async function insertOutbox(db: Queryable, appId: number, flagKey: string): Promise<void> {
  await db.query('INSERT INTO outbox (app_id, flag_key) VALUES ($1, $2)', [appId, flagKey]);
}

/** An outbox row: a flag whose KV entry is owed. */
export interface OutboxRow {
  readonly id: number;
  readonly appId: number;
  readonly flagKey: string;
}

/** Claims up to `limit` outbox rows, oldest first, skipping rows another relay holds. */
export async function claimOutboxRows(db: Queryable, limit: number): Promise<OutboxRow[]> {
  const { rows } = await db.query<{ id: number; app_id: number; flag_key: string }>(
    'SELECT id, app_id, flag_key FROM outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED',
    [limit],
  );
  return rows.map((r) => ({ id: r.id, appId: r.app_id, flagKey: r.flag_key }));
}

/** Deletes published outbox rows. */
export async function deleteOutboxRows(db: Queryable, ids: readonly number[]): Promise<void> {
  await db.query('DELETE FROM outbox WHERE id = ANY($1::bigint[])', [ids]);
}

/** Number of outbox rows waiting. */
export async function countOutbox(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox');
  return rows[0]?.n ?? 0;
}

/** Number of flags in each circuit state (states without flags are absent). */
export async function countFlagsByCircuitState(db: Queryable): Promise<Record<string, number>> {
  const { rows } = await db.query<{ state: string; n: number }>(
    'SELECT circuit_state AS state, count(*)::int AS n FROM flags GROUP BY circuit_state',
  );
  return Object.fromEntries(rows.map((r) => [r.state, r.n]));
}

/**
 * One statement, one snapshot: every flag with its version, and (with `version` null) the keys
 * the relay still owes.
 */
export async function flagVersionsAndOwedKeys(
  db: Queryable,
): Promise<{ app_id: number; key: string; version: number | null }[]> {
  const { rows } = await db.query<{ app_id: number; key: string; version: number | null }>(
    `SELECT app_id, key, version FROM flags
     UNION ALL
     SELECT DISTINCT app_id, flag_key, NULL::bigint FROM outbox`,
  );
  return rows;
}

/** Gives a flag a fresh version above `floor` (moves the version sequence past it first). */
export async function bumpFlagVersionPast(db: Queryable, id: number, floor: number): Promise<void> {
  await db.query(
    `SELECT setval('flag_version_seq', GREATEST($1::bigint, (SELECT last_value FROM flag_version_seq)))`,
    [floor],
  );
  await db.query(`UPDATE flags SET version = nextval('flag_version_seq') WHERE id = $1`, [id]);
}

/** The subset of `ids` that are existing webhook ids. */
export async function existingWebhookIds(db: Queryable, ids: readonly number[]): Promise<number[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query<{ id: number }>(
    'SELECT id FROM webhooks WHERE id = ANY($1::bigint[])',
    [ids],
  );
  return rows.map((r) => r.id);
}
