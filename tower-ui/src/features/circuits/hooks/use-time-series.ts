import type { TimeSeriesDto } from '@tailslide/contracts';
import { useEffect } from 'react';
import { useSocketEvent } from '../../../lib/socket.js';
import { useResource } from '../../../lib/use-resource.js';
import { getTimeSeries, type TimeWindow } from '../api/circuits-api.js';
import { refreshIntervalMs } from '../utils/circuit-chart-data.js';

/**
 * The circuit-health series of one flag, refetched on a timer suited to the window (counts are
 * in Redis, not pushed; `refreshMs` overrides it) and at once on every circuit event of the flag.
 */
export function useTimeSeries(
  appId: string,
  flagKey: string,
  window: TimeWindow,
  refreshMs?: number,
) {
  const res = useResource<TimeSeriesDto>(`ts:${appId}:${flagKey}:${window}`, (signal) =>
    getTimeSeries(appId, flagKey, window, signal),
  );
  const { reload } = res;
  useEffect(() => {
    const t = setInterval(
      () => {
        if (document.visibilityState === 'visible') reload();
      },
      refreshMs ?? refreshIntervalMs(window),
    );
    return () => clearInterval(t);
  }, [window, reload, refreshMs]);
  useSocketEvent('circuit.event', ({ event }) => {
    if (event.appId === appId && event.flagKey === flagKey) reload();
  });
  return res;
}
