import { ErrorState, Loading } from '../../../components/ui/states.js';
import { formatDateTime } from '../../../lib/format.js';
import { useResource } from '../../../lib/use-resource.js';
import { listDeliveries, type WebhookDeliveryDto } from '../api/webhooks-api.js';

function outcome(d: WebhookDeliveryDto): string {
  if (d.status) return d.status;
  if (d.ok === true) return 'delivered';
  if (d.ok === false) return 'failed';
  return '–';
}

/** Recent delivery attempts of one webhook. */
export function WebhookDeliveries({ id }: { readonly id: string }) {
  const { state, reload } = useResource(`deliveries:${id}`, async (signal) => {
    const r = await listDeliveries(id, signal);
    return Array.isArray(r) ? r : r.items;
  });
  if (state.status === 'loading') return <Loading label="Loading deliveries…" />;
  if (state.status === 'error') return <ErrorState error={state.error} onRetry={reload} />;
  if (state.data.length === 0) return <p className="muted">No deliveries yet.</p>;
  return (
    <div className="table-wrap">
      <table className="table">
        <caption className="visually-hidden">Deliveries</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Event</th>
            <th scope="col">Outcome</th>
            <th scope="col">HTTP</th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          {state.data.map((d, i) => {
            const at = d.deliveredAt ?? d.at ?? d.createdAt;
            return (
              <tr key={d.id ?? i}>
                <td className="nowrap">{at ? formatDateTime(at) : '–'}</td>
                <td>{d.eventType ?? d.event ?? '–'}</td>
                <td>{outcome(d)}</td>
                <td>{d.statusCode ?? '–'}</td>
                <td className="details">{d.error ?? ''}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
