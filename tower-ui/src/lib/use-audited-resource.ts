import type { AuditEntryDto } from '@tailslide/contracts';
import { useOnReconnect, useSocketEvent } from './socket.js';
import { useResource, type Resource } from './use-resource.js';

/**
 * Calls `reload` whenever the audit log records a change to `entityType` (another admin, a
 * script) and after the socket reconnects: what keeps an admin list current.
 */
export function useReloadOnAudit(
  entityType: AuditEntryDto['entityType'],
  reload: () => void,
): void {
  useSocketEvent('audit.appended', ({ entry }) => {
    if (entry.entityType === entityType) reload();
  });
  useOnReconnect(reload);
}

/** {@link useResource} for an admin list, kept current by {@link useReloadOnAudit}. */
export function useAuditedResource<T>(
  key: string,
  load: (signal: AbortSignal) => Promise<T>,
  entityType: AuditEntryDto['entityType'],
): Resource<T> {
  const res = useResource<T>(key, load);
  useReloadOnAudit(entityType, res.reload);
  return res;
}
