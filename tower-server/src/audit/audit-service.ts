import type { AuditEntryDto, Page } from '@tailslide/contracts';
import type pg from 'pg';
import { ValidationError } from '../errors.js';
import { decodeCursor, queryAudit, type AuditQuery } from './audit-store.js';

// The audit feature's public API for other features: every change appends its audit row inside
// the transaction that makes it (the store stays private to this folder).
export {
  AIRBAG_ACTOR,
  AuditAction,
  appendAudit,
  type ChangeContext,
  type NewAuditEntry,
} from './audit-store.js';

/** Filters as they arrive from a query string (already schema-checked). */
export interface LogFilters {
  readonly appId?: number;
  readonly flagKey?: string;
  readonly action?: string;
  readonly actor?: string;
  readonly from?: Date;
  readonly to?: Date;
  readonly cursor?: string;
  readonly limit?: number;
}

/** Reads the append-only audit log (history outlives the apps and flags it describes). */
export class AuditService {
  readonly #pool: pg.Pool;

  constructor(deps: { pool: pg.Pool }) {
    this.#pool = deps.pool;
  }

  async query(f: LogFilters, onlyPrefix?: string): Promise<Page<AuditEntryDto>> {
    let beforeId: number | undefined;
    if (f.cursor !== undefined) {
      const id = decodeCursor(f.cursor);
      if (id === null)
        throw new ValidationError('invalid cursor', [
          { path: 'cursor', message: 'not a cursor from this API' },
        ]);
      beforeId = id;
    }
    const q: { -readonly [K in keyof AuditQuery]: AuditQuery[K] } = { limit: f.limit ?? 50 };
    if (f.appId !== undefined) q.appId = f.appId;
    if (f.flagKey !== undefined) q.flagKey = f.flagKey;
    if (f.actor !== undefined) q.actor = f.actor;
    if (f.from !== undefined) q.from = f.from;
    if (f.to !== undefined) q.to = f.to;
    if (beforeId !== undefined) q.beforeId = beforeId;
    if (f.action !== undefined) {
      const actions = f.action
        .split(',')
        .map((a) => a.trim())
        .filter(Boolean);
      const prefixes = actions.filter((a) => a.endsWith('.*'));
      if (prefixes.length > 1 || (prefixes.length === 1 && actions.length > 1)) {
        throw new ValidationError('action: use one `prefix.*` wildcard or a comma list of actions');
      }
      if (prefixes[0]) q.actionPrefix = prefixes[0].slice(0, -1);
      else q.actions = actions;
    }
    if (onlyPrefix !== undefined) {
      if (q.actionPrefix !== undefined && !q.actionPrefix.startsWith(onlyPrefix))
        return { items: [], nextCursor: null };
      q.actionPrefix ??= onlyPrefix;
      if (q.actions) q.actions = q.actions.filter((a) => a.startsWith(onlyPrefix));
      if (q.actions && q.actions.length === 0) return { items: [], nextCursor: null };
    }
    return queryAudit(this.#pool, q);
  }
}
