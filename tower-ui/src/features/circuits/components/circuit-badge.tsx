import type { CircuitStatus } from '@tailslide/contracts';
import { formatPercent } from '../../../lib/format.js';

/**
 * Whether the flag had calls in the span Airbag judges (its `windowMs`): `none` — idle, so a
 * closed circuit says nothing about health; `some`; `undefined` — not known here (the flag list).
 */
export type FlagTraffic = 'none' | 'some' | undefined;

/**
 * The circuit state as a coloured badge: Tripped, Recovering n %, and for a closed circuit
 * Healthy (calls in the window), No traffic (none: nothing to judge), or Closed (not known).
 */
export function CircuitBadge({
  status,
  enabled = true,
  traffic,
}: {
  readonly status: CircuitStatus;
  readonly enabled?: boolean;
  readonly traffic?: FlagTraffic;
}) {
  if (!enabled) {
    return (
      <span className="badge badge--muted" title="Airbag does not watch this flag">
        Circuit off
      </span>
    );
  }
  let text: string;
  let title = `Circuit ${status.state}`;
  let tone: string = status.state;
  if (status.state === 'recovering') {
    text = `Recovering ${formatPercent(status.recoveryPercentage)}`;
  } else if (status.state === 'open') {
    text = 'Tripped';
  } else if (traffic === 'none') {
    text = 'No traffic';
    tone = 'idle';
    title = 'Circuit closed; no calls recorded in its window, so there is nothing to judge';
  } else if (traffic === 'some') {
    text = 'Healthy';
    title = 'Circuit closed, with calls in its window';
  } else {
    text = 'Closed';
    title = 'Circuit closed (open the flag to see its traffic)';
  }
  return (
    <span
      className={`badge badge--${tone}`}
      data-circuit-state={status.state}
      {...(traffic !== undefined ? { 'data-traffic': traffic } : {})}
      title={title}
    >
      <span className="badge__dot" aria-hidden="true" />
      {text}
    </span>
  );
}
