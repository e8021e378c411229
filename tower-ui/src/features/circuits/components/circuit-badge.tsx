import type { CircuitStatus } from '@tailslide/contracts';
import { formatPercent } from '../../../lib/format.js';

const LABEL = { closed: 'Healthy', open: 'Tripped', recovering: 'Recovering' } as const;

/** The circuit state as a coloured badge: Healthy, Tripped, or Recovering n %. */
export function CircuitBadge({
  status,
  enabled = true,
}: {
  readonly status: CircuitStatus;
  readonly enabled?: boolean;
}) {
  if (!enabled) {
    return (
      <span className="badge badge--muted" title="Airbag does not watch this flag">
        Circuit off
      </span>
    );
  }
  const text =
    status.state === 'recovering'
      ? `${LABEL.recovering} ${formatPercent(status.recoveryPercentage)}`
      : LABEL[status.state];
  return (
    <span
      className={`badge badge--${status.state}`}
      data-circuit-state={status.state}
      title={`Circuit ${status.state}`}
    >
      <span className="badge__dot" aria-hidden="true" />
      {text}
    </span>
  );
}
