import type { AuditEntryDto } from '@tailslide/contracts';
import { useOnReconnect, useSocketEvent } from './socket.js';
import { useResource, type Resource } from './use-resource.js';

/**
 * {@link useResource} for an admin list that reloads whenever the audit log records a change to
 * `entityType` (another admin, a script) and after the socket reconnects.
 */
export function useAuditedResource<T>(
  key: string,
  load: (signal: AbortSignal) => Promise<T>,
  entityType: AuditEntryDto['entityType'],
): Resource<T> {
  const res = useResource<T>(key, load);
  const { reload } = res;
  useSocketEvent('audit.appended', ({ entry }) => {
    if (entry.entityType === entityType) reload();
  });
  useOnReconnect(reload);
  return res;
}
