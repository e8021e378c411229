import type { FlagDto } from '@tailslide/contracts';
import { useFlagTraffic } from '../hooks/use-flag-traffic.js';
import { CircuitBadge } from './circuit-badge.js';

/** A flag's circuit badge that knows its traffic: an idle closed circuit reads "No traffic". */
export function CircuitStateBadge({ flag }: { readonly flag: FlagDto }) {
  const traffic = useFlagTraffic(flag);
  return (
    <CircuitBadge status={flag.circuitStatus} enabled={flag.circuit.enabled} traffic={traffic} />
  );
}
