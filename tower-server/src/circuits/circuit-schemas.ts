import type { TimeSeriesDto, TimeSeriesWindow } from '@tailslide/contracts';
import { z } from 'zod';
import { TIMESERIES_WINDOWS } from './signal-reader.js';

const windows = Object.keys(TIMESERIES_WINDOWS) as [TimeSeriesWindow, ...TimeSeriesWindow[]];

/** GET .../timeseries?window=30s|10m|1h|24h */
export const timeseriesQuerySchema = z.strictObject({ window: z.enum(windows).optional() });

/** The circuit-health time series of one flag. */
export const timeSeriesSchema = z
  .object({
    window: z.enum(windows),
    resolutionMs: z.int().min(1),
    thresholdPercentage: z.number(),
    points: z
      .array(
        z.object({
          t: z.int(),
          requests: z.int().min(0),
          failures: z.int().min(0),
          errorRatePercentage: z.number().nullable(),
        }),
      )
      .readonly(),
  })
  .meta({ id: 'TimeSeries' }) satisfies z.ZodType<TimeSeriesDto>;
