import type { TimeSeriesWindow } from '@tailslide/contracts';
import { z } from 'zod';
import { TIMESERIES_WINDOWS } from './signal-reader.js';

/** GET .../timeseries?window=30s|10m|1h|24h */
export const timeseriesQuerySchema = z.strictObject({
  window: z
    .enum(Object.keys(TIMESERIES_WINDOWS) as [TimeSeriesWindow, ...TimeSeriesWindow[]])
    .optional(),
});
