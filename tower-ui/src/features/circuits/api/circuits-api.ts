import type { AuditEntryDto, Page, TimeSeriesPointDto } from '@tailslide/contracts';
import { api, seg } from '../../../lib/api-client.js';

/** Windows the circuit-health chart offers. */
export const TIME_WINDOWS = ['30s', '10m', '1h', '24h'] as const;
export type TimeWindow = (typeof TIME_WINDOWS)[number];

/** Answer of `GET .../timeseries`. */
export interface TimeSeriesDto {
  readonly window: TimeWindow;
  readonly resolutionMs: number;
  readonly thresholdPercentage: number;
  readonly points: readonly TimeSeriesPointDto[];
}

const flagPath = (appId: string, flagKey: string) => `/apps/${seg(appId)}/flags/${seg(flagKey)}`;

export const getTimeSeries = (
  appId: string,
  flagKey: string,
  window: TimeWindow,
  signal?: AbortSignal,
) => api.get<TimeSeriesDto>(`${flagPath(appId, flagKey)}/timeseries?window=${window}`, signal);
export const getCircuitHistory = (appId: string, flagKey: string, signal?: AbortSignal) =>
  api.get<Page<AuditEntryDto>>(`${flagPath(appId, flagKey)}/circuit/history`, signal);
