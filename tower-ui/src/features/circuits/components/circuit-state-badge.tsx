import type { FlagDto } from '@tailslide/contracts';
import { useFlagTraffic } from '../hooks/use-flag-traffic.js';
import { CircuitBadge } from './circuit-badge.js';

/**
 * A flag's circuit badge that knows its traffic: an idle closed circuit reads "No traffic", not
 * "Healthy". Only a watched, closed circuit asks for its traffic (one time-series read per refresh
 * interval: the window's own, or `refreshMs` — the flag list asks less often than the flag page);
 * tripped, recovering and unwatched ones say so without it.
 */
export function CircuitStateBadge({
  flag,
  refreshMs,
}: {
  readonly flag: FlagDto;
  readonly refreshMs?: number;
}) {
  if (!flag.circuit.enabled || flag.circuitStatus.state !== 'closed')
    return <CircuitBadge status={flag.circuitStatus} enabled={flag.circuit.enabled} />;
  return <ClosedCircuitBadge flag={flag} refreshMs={refreshMs} />;
}

function ClosedCircuitBadge({
  flag,
  refreshMs,
}: {
  readonly flag: FlagDto;
  readonly refreshMs: number | undefined;
}) {
  const traffic = useFlagTraffic(flag, refreshMs);
  return <CircuitBadge status={flag.circuitStatus} traffic={traffic} />;
}
