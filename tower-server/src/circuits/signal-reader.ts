import {
  errorRatePercentage,
  signalBucketKey,
  signalField,
  windowBucketStarts,
  type TimeSeriesPointDto,
  type TimeSeriesWindow,
} from '@tailslide/contracts';

/** The one Redis command the reader uses (node-redis pipelines calls made in the same tick). */
export interface HashReader {
  hmGet(key: string, fields: string[]): Promise<(string | null)[]>;
}

/** Chart windows and the resolution each is read at. */
export const TIMESERIES_WINDOWS = {
  '30s': { windowMs: 30_000, resolutionMs: 1_000 },
  '10m': { windowMs: 600_000, resolutionMs: 1_000 },
  '1h': { windowMs: 3_600_000, resolutionMs: 60_000 },
  '24h': { windowMs: 86_400_000, resolutionMs: 60_000 },
} as const satisfies Record<TimeSeriesWindow, { windowMs: number; resolutionMs: number }>;

function count(v: string | null | undefined): number {
  const n = v == null ? 0 : Number(v);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/** Turns counts into a point; the error rate is `null` when there were no requests. Pure. */
export function toPoint(t: number, successes: number, failures: number): TimeSeriesPointDto {
  const requests = successes + failures;
  return {
    t,
    requests,
    failures,
    errorRatePercentage: requests === 0 ? null : errorRatePercentage(failures, requests),
  };
}

/** Reads a flag's success/failure counts from the SDKs' Redis signal buckets. */
export class SignalReader {
  readonly #redis: HashReader;
  readonly #prefix: string;

  constructor(deps: { redis: HashReader; prefix: string }) {
    this.#redis = deps.redis;
    this.#prefix = deps.prefix;
  }

  /** One point per bucket covering `(now - windowMs, now]`, oldest first. */
  async read(
    appId: string,
    flagKey: string,
    windowMs: number,
    resolutionMs: number,
    now: number,
  ): Promise<TimeSeriesPointDto[]> {
    const starts = windowBucketStarts(now, windowMs, resolutionMs);
    const fields = [signalField(flagKey, 'success'), signalField(flagKey, 'failure')];
    const replies = await Promise.all(
      starts.map((s) =>
        this.#redis.hmGet(signalBucketKey(this.#prefix, appId, resolutionMs, s), fields),
      ),
    );
    return starts.map((t, i) => toPoint(t, count(replies[i]?.[0]), count(replies[i]?.[1])));
  }
}
