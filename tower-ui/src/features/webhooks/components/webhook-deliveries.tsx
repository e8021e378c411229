import { Link } from 'react-router';
import { ErrorState, Loading } from '../../../components/ui/states.js';
import { formatDateTime } from '../../../lib/format.js';
import { useResource } from '../../../lib/use-resource.js';
import { listDeliveries } from '../api/webhooks-api.js';

const STATUS_CLASS = {
  delivered: 'badge--closed',
  pending: 'badge--recovering',
  failed: 'badge--open',
} as const;

/** Recent alert deliveries of one webhook, newest first. */
export function WebhookDeliveries({ id }: { readonly id: string }) {
  const { state, reload } = useResource(`deliveries:${id}`, (signal) => listDeliveries(id, signal));
  if (state.status === 'loading') return <Loading label="Loading deliveries…" />;
  if (state.status === 'error') return <ErrorState error={state.error} onRetry={reload} />;
  if (state.data.length === 0) return <p className="muted">No alerts sent to this webhook yet.</p>;
  return (
    <div className="table-wrap deliveries">
      <table className="table table--stack">
        <caption className="visually-hidden">Deliveries</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Alert</th>
            <th scope="col">Status</th>
            <th scope="col">Attempts</th>
            <th scope="col">Last answer</th>
          </tr>
        </thead>
        <tbody>
          {state.data.map((d) => (
            <tr key={d.id}>
              <td className="nowrap" data-label="Time">
                {formatDateTime(d.createdAt)}
              </td>
              <td data-label="Alert">
                <span className="action">{d.eventType}</span>{' '}
                <Link
                  to={`/apps/${encodeURIComponent(d.appId)}/flags/${encodeURIComponent(d.flagKey)}`}
                >
                  {d.flagKey}
                </Link>
              </td>
              <td data-label="Status">
                <span className={`badge ${STATUS_CLASS[d.status]}`}>{d.status}</span>
                {d.status === 'pending' && d.nextAttemptAt && (
                  <span className="muted"> retry {formatDateTime(d.nextAttemptAt)}</span>
                )}
              </td>
              <td data-label="Attempts">{d.attempts}</td>
              <td className="details" data-label="Last answer">
                {d.lastStatusCode !== null ? `HTTP ${d.lastStatusCode}` : ''}
                {d.lastError ? ` ${d.lastError}` : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
