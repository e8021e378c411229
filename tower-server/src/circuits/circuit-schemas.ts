import {
  TIMESERIES_PEAK_MIN_REQUESTS,
  type TimeSeriesDto,
  type TimeSeriesWindow,
} from '@tailslide/contracts';
import { z } from 'zod';
import { TIMESERIES_WINDOWS } from './signal-reader.js';

const windows = Object.keys(TIMESERIES_WINDOWS) as [TimeSeriesWindow, ...TimeSeriesWindow[]];

/** GET .../timeseries?window=30s|10m|1h|24h */
export const timeseriesQuerySchema = z.strictObject({ window: z.enum(windows).optional() });

const armSchema = z
  .object({
    requests: z.int().min(0),
    failures: z.int().min(0),
    errorRatePercentage: z.number().nullable(),
  })
  .meta({ id: 'TimeSeriesArm' });

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
          requests: z.int().min(0).meta({ description: 'On-arm requests (the flag was on).' }),
          failures: z.int().min(0),
          errorRatePercentage: z.number().nullable(),
          peakErrorRatePercentage: z
            .number()
            .nullable()
            .meta({
              description: `Highest on-arm error rate of a 1 s bucket inside this bucket with at least ${TIMESERIES_PEAK_MIN_REQUESTS} requests (null: none, or older than the 2 h the 1 s buckets are kept).`,
            }),
          off: armSchema
            .nullable()
            .meta({ description: 'Off-arm (control) counts; null when there were none.' }),
        }),
      )
      .readonly(),
    marks: z
      .array(
        z
          .object({
            t: z.int(),
            kind: z.enum(['opened', 'recovering', 'step', 'closed', 'manual']),
            action: z.string(),
            actor: z.string(),
            reason: z.string().nullable(),
          })
          .meta({ id: 'TimeSeriesMark' }),
      )
      .readonly()
      .meta({
        description: 'Circuit transitions and manual on/off changes in the window, oldest first.',
      }),
  })
  .meta({ id: 'TimeSeries' }) satisfies z.ZodType<TimeSeriesDto>;
