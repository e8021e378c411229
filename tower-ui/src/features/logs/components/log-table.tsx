import type { AuditEntryDto } from '@tailslide/contracts';
import { Link } from 'react-router';
import { LoadMore } from '../../../components/ui/load-more.js';
import { EmptyState, ErrorState, Loading } from '../../../components/ui/states.js';
import { formatDateTime } from '../../../lib/format.js';
import type { AuditLog } from '../hooks/use-audit-log.js';
import { formatAuditValue } from '../utils/audit-value.js';
import { changedFields } from '../utils/log-filters.js';

function actionClass(action: string): string {
  if (
    action === 'circuit.opened' ||
    action.endsWith('.deleted') ||
    action.endsWith('revoked') ||
    action === 'flag.toggled_off'
  ) {
    return 'action action--bad';
  }
  if (action === 'circuit.closed' || action === 'flag.toggled_on' || action.endsWith('.created'))
    return 'action action--good';
  if (action.startsWith('circuit.')) return 'action action--warn';
  return 'action';
}

/** Why (the reason given) and what changed, field by field: before → after. */
function Details({ entry: e }: { readonly entry: AuditEntryDto }) {
  const changes = e.changes ?? [];
  // Rows written before changes were recorded carry whole before/after objects instead.
  const legacy = changes.length === 0 ? changedFields(e.before, e.after) : [];
  return (
    <>
      {e.reason && <p className="details__reason">“{e.reason}”</p>}
      {changes.length > 0 && (
        <ul className="changes">
          {changes.map((c) => (
            <li key={c.field}>
              <span className="changes__field">{c.field}</span>{' '}
              <span>{formatAuditValue(c.before)}</span>
              <span className="changes__arrow" aria-label="changed to">
                →
              </span>
              <span>{formatAuditValue(c.after)}</span>
            </li>
          ))}
        </ul>
      )}
      {legacy.length > 0 && `Changed ${legacy.join(', ')}`}
    </>
  );
}

export interface LogTableProps {
  readonly log: AuditLog;
  readonly caption: string;
  /** Show the app and flag columns (the global view); a flag's own log hides them. */
  readonly showTarget?: boolean;
  readonly emptyText?: string;
  /** Display name of an app id (falls back to the id). */
  readonly appTitle?: (appId: string) => string | undefined;
}

/** Audit entries newest first, with "Load older" paging. */
export function LogTable({
  log,
  caption,
  showTarget = true,
  emptyText = 'No log entries match.',
  appTitle = () => undefined,
}: LogTableProps) {
  if (log.status === 'loading') return <Loading label="Loading log…" />;
  if (log.status === 'error') return <ErrorState error={log.error} onRetry={log.reload} />;
  if (log.entries.length === 0) return <EmptyState title={emptyText} />;
  return (
    <>
      <div className="table-wrap">
        <table className="table table--stack">
          <caption className="visually-hidden">{caption}</caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Actor</th>
              <th scope="col">Action</th>
              {showTarget && <th scope="col">App / flag</th>}
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {log.entries.map((e) => (
              <tr key={e.id}>
                <td className="nowrap" data-label="Time">
                  <time dateTime={e.at}>{formatDateTime(e.at)}</time>
                </td>
                <td data-label="Actor">{e.actor}</td>
                <td data-label="Action">
                  <span className={actionClass(e.action)}>{e.action}</span>
                </td>
                {showTarget && (
                  <td data-label="Target">
                    {e.appId !== null && e.flagKey !== null ? (
                      <Link
                        to={`/apps/${encodeURIComponent(e.appId)}/flags/${encodeURIComponent(e.flagKey)}`}
                      >
                        {appTitle(e.appId) ?? e.appId} / {e.flagKey}
                      </Link>
                    ) : e.appId !== null ? (
                      <Link to={`/apps/${encodeURIComponent(e.appId)}`}>
                        {appTitle(e.appId) ?? `app ${e.appId}`}
                      </Link>
                    ) : (
                      <span className="muted">
                        {e.entityType} {e.entityId}
                      </span>
                    )}
                  </td>
                )}
                <td className="details" data-label="Details">
                  <Details entry={e} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <LoadMore more={log} label="Load older entries" />
    </>
  );
}
