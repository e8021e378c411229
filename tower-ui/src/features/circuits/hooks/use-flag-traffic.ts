import type { FlagDto } from '@tailslide/contracts';
import type { FlagTraffic } from '../components/circuit-badge.js';
import { hasRecentTraffic, trafficWindowFor } from '../utils/circuit-chart-data.js';
import { useTimeSeries } from './use-time-series.js';

/**
 * Whether `flag` had calls (either arm) in the span Airbag judges: the time series covering its
 * `windowMs`, refreshed with it (or every `refreshMs`). `undefined` until the series has loaded.
 */
export function useFlagTraffic(flag: FlagDto, refreshMs?: number): FlagTraffic {
  const { state } = useTimeSeries(
    flag.appId,
    flag.key,
    trafficWindowFor(flag.circuit.windowMs),
    refreshMs,
  );
  if (!state.data) return undefined;
  return hasRecentTraffic(state.data, flag.circuit.windowMs, Date.now()) ? 'some' : 'none';
}
