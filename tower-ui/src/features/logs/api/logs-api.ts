import type { AuditEntryDto, Page } from '@tailslide/contracts';
import { api, toQuery } from '../../../lib/api-client.js';

/** Filters of the audit log (all optional). `from`/`to` are ISO 8601. */
export interface LogFilters {
  readonly appId?: string;
  readonly flagKey?: string;
  readonly action?: string;
  readonly actor?: string;
  readonly from?: string;
  readonly to?: string;
}

export const LOG_PAGE_SIZE = 50;

/** One page of the global audit log. */
export const listLogs = (filters: LogFilters, cursor: string | null, signal?: AbortSignal) =>
  api.get<Page<AuditEntryDto>>(
    `/logs${toQuery({ ...filters, cursor, limit: LOG_PAGE_SIZE })}`,
    signal,
  );
