import type { AuditEntryDto, Page, TimeSeriesDto, TimeSeriesWindow } from '@tailslide/contracts';
import { api, seg } from '../../../lib/api-client.js';

/** Windows the circuit-health chart offers. */
export const TIME_WINDOWS = [
  '30s',
  '10m',
  '1h',
  '24h',
] as const satisfies readonly TimeSeriesWindow[];
export type TimeWindow = (typeof TIME_WINDOWS)[number];

const flagPath = (appId: string, flagKey: string) => `/apps/${seg(appId)}/flags/${seg(flagKey)}`;

export const getTimeSeries = (
  appId: string,
  flagKey: string,
  window: TimeWindow,
  signal?: AbortSignal,
) => api.get<TimeSeriesDto>(`${flagPath(appId, flagKey)}/timeseries?window=${window}`, signal);
export const getCircuitHistory = (appId: string, flagKey: string, signal?: AbortSignal) =>
  api.get<Page<AuditEntryDto>>(`${flagPath(appId, flagKey)}/circuit/history`, signal);
