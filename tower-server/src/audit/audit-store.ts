import type { AuditChange, AuditEntryDto, Page } from '@tailslide/contracts';
import type { Queryable } from '../db.js';
import { auditChanges } from './audit-changes.js';

/** Audit action names (closed set). */
export const AuditAction = {
  appCreated: 'app.created',
  appUpdated: 'app.updated',
  appDeleted: 'app.deleted',
  flagCreated: 'flag.created',
  flagUpdated: 'flag.updated',
  flagDeleted: 'flag.deleted',
  flagToggledOn: 'flag.toggled_on',
  flagToggledOff: 'flag.toggled_off',
  circuitOpened: 'circuit.opened',
  circuitRecovering: 'circuit.recovering',
  circuitStep: 'circuit.step',
  circuitClosed: 'circuit.closed',
  /** A decision of Airbag's that Tower recorded without applying it (stale or not a transition). */
  circuitSkipped: 'circuit.skipped',
  sdkKeyCreated: 'sdk_key.created',
  sdkKeyRevoked: 'sdk_key.revoked',
  webhookCreated: 'webhook.created',
  webhookDeleted: 'webhook.deleted',
  userCreated: 'user.created',
  userUpdated: 'user.updated',
  userDeleted: 'user.deleted',
  userPasswordChanged: 'user.password_changed',
  apiTokenCreated: 'api_token.created',
  apiTokenRevoked: 'api_token.revoked',
} as const;
/** One of {@link AuditAction}. */
export type AuditAction = (typeof AuditAction)[keyof typeof AuditAction];

/** The actor of every automatic change made by Airbag's events. */
export const AIRBAG_ACTOR = 'airbag';

/** Who is changing something and why, carried from the request into the audit row. */
export interface ChangeContext {
  readonly actor: string;
  readonly requestId: string | null;
  readonly reason?: string | null;
}

/**
 * A row to append. `before` and `after` are the whole entity (or `null`); only the difference is
 * stored (see {@link auditChanges}).
 */
export interface NewAuditEntry {
  readonly action: AuditAction;
  readonly entityType: AuditEntryDto['entityType'];
  readonly entityId: string;
  readonly appId: number | null;
  readonly flagKey: string | null;
  readonly before: unknown;
  readonly after: unknown;
}

interface AuditRow {
  id: number;
  at: Date;
  actor: string;
  action: string;
  entity_type: AuditEntryDto['entityType'];
  entity_id: string;
  app_id: number | null;
  flag_key: string | null;
  changes: AuditChange[];
  reason: string | null;
  request_id: string | null;
}

function toDto(r: AuditRow): AuditEntryDto {
  return {
    id: String(r.id),
    actor: r.actor,
    action: r.action,
    entityType: r.entity_type,
    entityId: r.entity_id,
    appId: r.app_id === null ? null : String(r.app_id),
    flagKey: r.flag_key,
    changes: r.changes,
    reason: r.reason,
    requestId: r.request_id,
    at: r.at.toISOString(),
  };
}

/** Appends one audit row (inside the caller's transaction) and returns it. */
export async function appendAudit(
  db: Queryable,
  ctx: ChangeContext,
  e: NewAuditEntry,
): Promise<AuditEntryDto> {
  const { rows } = await db.query<AuditRow>(
    `INSERT INTO audit_log (actor, action, entity_type, entity_id, app_id, flag_key, changes, reason, request_id)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING *`,
    [
      ctx.actor,
      e.action,
      e.entityType,
      e.entityId,
      e.appId,
      e.flagKey,
      JSON.stringify(auditChanges(e.before, e.after)),
      ctx.reason ?? null,
      ctx.requestId,
    ],
  );
  return toDto(rows[0]!);
}

/** Filters of an audit query; every field optional. */
export interface AuditQuery {
  readonly appId?: number;
  readonly flagKey?: string;
  readonly actions?: readonly string[];
  readonly actionPrefix?: string;
  readonly actor?: string;
  readonly from?: Date;
  readonly to?: Date;
  /** Return rows with an id below this (newest first paging). */
  readonly beforeId?: number;
  readonly limit: number;
}

/** Encodes the paging cursor (the last row's id; opaque to clients). */
export function encodeCursor(id: number): string {
  return Buffer.from(`a:${id}`, 'utf8').toString('base64url');
}

/** Decodes a cursor; `null` when it is not one of ours. */
export function decodeCursor(cursor: string): number | null {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const m = /^a:(\d{1,15})$/.exec(text);
  return m ? Number(m[1]) : null;
}

/** Newest-first page of audit rows matching `q`. */
export async function queryAudit(db: Queryable, q: AuditQuery): Promise<Page<AuditEntryDto>> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (q.appId !== undefined) add('app_id = ?', q.appId);
  if (q.flagKey !== undefined) add('flag_key = ?', q.flagKey);
  if (q.actions !== undefined && q.actions.length > 0) add('action = ANY(?::text[])', q.actions);
  if (q.actionPrefix !== undefined) add('starts_with(action, ?)', q.actionPrefix);
  if (q.actor !== undefined) add('actor = ?', q.actor);
  if (q.from !== undefined) add('at >= ?', q.from);
  if (q.to !== undefined) add('at <= ?', q.to);
  if (q.beforeId !== undefined) add('id < ?', q.beforeId);
  params.push(q.limit + 1);
  const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${params.length}`;
  const { rows } = await db.query<AuditRow>(sql, params);
  const items = rows.slice(0, q.limit).map(toDto);
  const last = rows.length > q.limit ? rows[q.limit - 1] : undefined;
  return { items, nextCursor: last ? encodeCursor(last.id) : null };
}
