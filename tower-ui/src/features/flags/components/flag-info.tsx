import type { FlagDto } from '@tailslide/contracts';
import { useResource } from '../../../lib/use-resource.js';
import { formatCount, formatDateTime, formatDuration, formatPercent } from '../../../lib/format.js';
import { listAllWebhooks } from '../../webhooks/index.js';

/** Everything about a flag, read-only (edit through the dialog). */
export function FlagInfo({ flag }: { readonly flag: FlagDto }) {
  const c = flag.circuit;
  const webhooks = useResource('webhooks', (signal) => listAllWebhooks(signal));
  const hookName = (id: string) =>
    webhooks.state.data?.find((w) => w.id === id)?.name ?? `webhook ${id}`;
  return (
    <div className="info-grid">
      <section className="card" aria-labelledby="info-general">
        <h3 id="info-general">General</h3>
        <dl className="props">
          <dt>Description</dt>
          <dd>{flag.description || <span className="muted">None</span>}</dd>
          <dt>Status</dt>
          <dd>{flag.active ? 'On' : 'Off'}</dd>
          <dt>Rollout</dt>
          <dd>{formatPercent(flag.rolloutPercentage)}</dd>
          <dt>Whitelisted users</dt>
          <dd>
            {flag.whitelist.length === 0 ? (
              <span className="muted">None</span>
            ) : (
              <ul className="tags__list" aria-label="Whitelisted users">
                {flag.whitelist.map((u) => (
                  <li key={u} className="tag">
                    {u}
                  </li>
                ))}
              </ul>
            )}
          </dd>
          <dt>Alert webhooks</dt>
          <dd>
            {flag.alertWebhookIds.length === 0 ? (
              <span className="muted">None</span>
            ) : (
              flag.alertWebhookIds.map(hookName).join(', ')
            )}
          </dd>
          <dt>Created</dt>
          <dd>{formatDateTime(flag.createdAt)}</dd>
          <dt>Updated</dt>
          <dd>
            {formatDateTime(flag.updatedAt)} (version {flag.version})
          </dd>
        </dl>
      </section>
      <section className="card" aria-labelledby="info-circuit">
        <h3 id="info-circuit">Circuit breaker</h3>
        <dl className="props">
          <dt>Watched by Airbag</dt>
          <dd>{c.enabled ? 'Yes' : 'No'}</dd>
          <dt>Error threshold</dt>
          <dd>{formatPercent(c.errorThresholdPercentage)}</dd>
          <dt>Minimum requests</dt>
          <dd>{formatCount(c.minimumRequests)}</dd>
          <dt>Window</dt>
          <dd>{formatDuration(c.windowMs)}</dd>
          <dt>Recovery delay</dt>
          <dd>{formatDuration(c.recoveryDelayMs)}</dd>
          <dt>Recovery</dt>
          <dd>
            {c.recoveryProfile}, from {formatPercent(c.initialRecoveryPercentage)},{' '}
            {c.recoveryProfile === 'linear'
              ? `+${c.recoveryIncrementPercentage} points`
              : `×${1 + c.recoveryIncrementPercentage / 100}`}{' '}
            every {formatDuration(c.recoveryStepMs)}
          </dd>
          <dt>Slow call</dt>
          <dd>
            {c.slowCallMs === null ? (
              <span className="muted">Not counted</span>
            ) : (
              formatDuration(c.slowCallMs)
            )}
          </dd>
        </dl>
      </section>
    </div>
  );
}
