import { seg, api, toQuery } from '../../../lib/api-client.js';
import type { AuditEntryDto, Page } from '@tailslide/contracts';
import { LOG_PAGE_SIZE, LogTable, useAuditLog } from '../../logs/index.js';

/** The audit log of one flag, live. */
export function FlagLogs({ appId, flagKey }: { readonly appId: string; readonly flagKey: string }) {
  const log = useAuditLog(
    `flag-logs:${appId}:${flagKey}`,
    (cursor, signal) =>
      api.get<Page<AuditEntryDto>>(
        `/apps/${seg(appId)}/flags/${seg(flagKey)}/logs${toQuery({ cursor, limit: LOG_PAGE_SIZE })}`,
        signal,
      ),
    (e) => e.appId === appId && e.flagKey === flagKey,
  );
  return (
    <LogTable
      log={log}
      caption={`Log of ${flagKey}`}
      showTarget={false}
      emptyText="Nothing has happened to this flag yet."
    />
  );
}
