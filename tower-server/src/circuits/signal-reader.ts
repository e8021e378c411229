import {
  FINE_RESOLUTION_MS,
  SIGNAL_RESOLUTIONS,
  TIMESERIES_PEAK_MIN_REQUESTS,
  errorRatePercentage,
  signalBucketKey,
  signalField,
  windowBucketStarts,
  type TimeSeriesArmDto,
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

/** How long the 1 s buckets live: peaks of older minutes cannot be read. */
const FINE_TTL_MS =
  SIGNAL_RESOLUTIONS.find((r) => r.resolutionMs === FINE_RESOLUTION_MS)?.ttlMs ?? 0;

function count(v: string | null | undefined): number {
  const n = v == null ? 0 : Number(v);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/** Counts of one bucket: on-arm successes and failures, off-arm successes and failures. */
export interface BucketCounts {
  readonly successes: number;
  readonly failures: number;
  readonly offSuccesses: number;
  readonly offFailures: number;
}

function arm(successes: number, failures: number): TimeSeriesArmDto | null {
  const requests = successes + failures;
  if (requests === 0) return null;
  return { requests, failures, errorRatePercentage: errorRatePercentage(failures, requests) };
}

/**
 * The highest error rate among 1 s counts (`[successes, failures]`) holding at least
 * {@link TIMESERIES_PEAK_MIN_REQUESTS} requests; `null` when none does. Pure.
 */
export function peakErrorRate(seconds: readonly (readonly [number, number])[]): number | null {
  let peak: number | null = null;
  for (const [s, f] of seconds) {
    const n = s + f;
    if (n < TIMESERIES_PEAK_MIN_REQUESTS) continue;
    const rate = errorRatePercentage(f, n);
    if (peak === null || rate > peak) peak = rate;
  }
  return peak;
}

/**
 * Turns counts into a point; the error rates are `null` when there were no requests, `off` is
 * `null` when the off-arm had none. `peak` defaults to the bucket's own rate (1 s buckets). Pure.
 */
export function toPoint(t: number, c: BucketCounts, peak?: number | null): TimeSeriesPointDto {
  const requests = c.successes + c.failures;
  const rate = requests === 0 ? null : errorRatePercentage(c.failures, requests);
  return {
    t,
    requests,
    failures: c.failures,
    errorRatePercentage: rate,
    peakErrorRatePercentage: peak === undefined ? rate : peak,
    off: arm(c.offSuccesses, c.offFailures),
  };
}

/** Reads a flag's success/failure counts, per arm, from the SDKs' Redis signal buckets. */
export class SignalReader {
  readonly #redis: HashReader;
  readonly #prefix: string;

  constructor(deps: { redis: HashReader; prefix: string }) {
    this.#redis = deps.redis;
    this.#prefix = deps.prefix;
  }

  /**
   * One point per bucket covering `(now - windowMs, now]`, oldest first. Coarse (60 s) buckets get
   * their peak from the 1 s buckets inside them while those still exist (2 h); all reads go out
   * in the same tick, so node-redis sends them as one pipeline.
   */
  async read(
    appId: string,
    flagKey: string,
    windowMs: number,
    resolutionMs: number,
    now: number,
  ): Promise<TimeSeriesPointDto[]> {
    const starts = windowBucketStarts(now, windowMs, resolutionMs);
    const fields = [
      signalField(flagKey, 'success'),
      signalField(flagKey, 'failure'),
      signalField(flagKey, 'success', 'off'),
      signalField(flagKey, 'failure', 'off'),
    ];
    const onFields = fields.slice(0, 2);
    const coarse = resolutionMs > FINE_RESOLUTION_MS;
    const perBucket = resolutionMs / FINE_RESOLUTION_MS;
    const [replies, seconds] = await Promise.all([
      Promise.all(
        starts.map((s) =>
          this.#redis.hmGet(signalBucketKey(this.#prefix, appId, resolutionMs, s), fields),
        ),
      ),
      Promise.all(
        starts.map((s) => {
          if (!coarse || s + resolutionMs <= now - FINE_TTL_MS) return Promise.resolve(null);
          const reads: Promise<(string | null)[]>[] = [];
          for (let i = 0; i < perBucket; i++) {
            const second = s + i * FINE_RESOLUTION_MS;
            if (second > now) break;
            reads.push(
              this.#redis.hmGet(
                signalBucketKey(this.#prefix, appId, FINE_RESOLUTION_MS, second),
                onFields,
              ),
            );
          }
          return Promise.all(reads);
        }),
      ),
    ]);
    return starts.map((t, i) => {
      const r = replies[i];
      const counts = {
        successes: count(r?.[0]),
        failures: count(r?.[1]),
        offSuccesses: count(r?.[2]),
        offFailures: count(r?.[3]),
      };
      if (!coarse) return toPoint(t, counts);
      const secs = seconds[i];
      return toPoint(
        t,
        counts,
        secs ? peakErrorRate(secs.map((x) => [count(x[0]), count(x[1])] as const)) : null,
      );
    });
  }
}
