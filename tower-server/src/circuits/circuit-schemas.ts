import { z } from 'zod';
import { TIMESERIES_WINDOWS, type TimeseriesWindow } from './signal-reader.js';

/** GET .../timeseries?window=30s|10m|1h|24h */
export const timeseriesQuerySchema = z.strictObject({
  window: z
    .enum(Object.keys(TIMESERIES_WINDOWS) as [TimeseriesWindow, ...TimeseriesWindow[]])
    .optional(),
});
