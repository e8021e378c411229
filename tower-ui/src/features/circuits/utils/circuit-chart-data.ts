import {
  RecoveryProfile,
  type CircuitSettings,
  type CircuitStatus,
  type TimeSeriesDto,
} from '@tailslide/contracts';
import type { TimeWindow } from '../api/circuits-api.js';

/**
 * What uPlot draws, as column arrays (x in seconds, sorted): error rate, threshold, requests,
 * failures always; the per-bucket peak error rate when the buckets are coarser than a second
 * (1 h, 24 h: a minute's average hides a burst that tripped the circuit in seconds); the off-arm
 * (control) error rate when any bucket has off-arm traffic.
 */
export interface ChartData {
  readonly columns: (number | null)[][];
  /** Bucket width in seconds: the x axis runs to the end of the newest bucket. */
  readonly resolutionSeconds: number;
  readonly hasPeak: boolean;
  readonly hasControl: boolean;
}

/** Turns Tower's time series into uPlot's columns (x in seconds, sorted). */
export function toChartData(ts: TimeSeriesDto): ChartData {
  const points = [...ts.points].sort((a, b) => a.t - b.t);
  const hasPeak = ts.resolutionMs > 1000;
  const hasControl = points.some((p) => p.off !== null && p.off.requests > 0);
  const columns: (number | null)[][] = [
    points.map((p) => p.t / 1000),
    points.map((p) =>
      p.requests > 0 ? (p.errorRatePercentage ?? (p.failures / p.requests) * 100) : null,
    ),
    points.map(() => ts.thresholdPercentage),
    points.map((p) => p.requests),
    points.map((p) => p.failures),
  ];
  if (hasPeak) columns.push(points.map((p) => p.peakErrorRatePercentage));
  if (hasControl) columns.push(points.map((p) => (p.off ? p.off.errorRatePercentage : null)));
  return { columns, resolutionSeconds: ts.resolutionMs / 1000, hasPeak, hasControl };
}

/** Totals over the shown window, for the text summary beside the chart. */
export interface SeriesSummary {
  /** On-arm requests (the flag was on). */
  readonly requests: number;
  readonly failures: number;
  readonly errorRatePercentage: number | null;
  /** The highest per-bucket peak (coarse windows) or bucket rate (1 s windows); `null`: none. */
  readonly peakErrorRatePercentage: number | null;
  /** Off-arm (control) totals, `null` when the window has none. */
  readonly control: {
    readonly requests: number;
    readonly failures: number;
    readonly errorRatePercentage: number;
  } | null;
}

/** Totals over the shown window, for the text summary beside the chart. */
export function summarize(ts: TimeSeriesDto): SeriesSummary {
  let requests = 0;
  let failures = 0;
  let offRequests = 0;
  let offFailures = 0;
  let peak: number | null = null;
  for (const p of ts.points) {
    requests += p.requests;
    failures += p.failures;
    if (p.off) {
      offRequests += p.off.requests;
      offFailures += p.off.failures;
    }
    const v = p.peakErrorRatePercentage ?? (p.requests > 0 ? p.errorRatePercentage : null);
    if (v !== null && (peak === null || v > peak)) peak = v;
  }
  return {
    requests,
    failures,
    errorRatePercentage: requests > 0 ? (failures / requests) * 100 : null,
    peakErrorRatePercentage: peak,
    control:
      offRequests > 0
        ? {
            requests: offRequests,
            failures: offFailures,
            errorRatePercentage: (offFailures / offRequests) * 100,
          }
        : null,
  };
}

/**
 * Whether a flag had any call (either arm) in the newest `windowMs` of `ts` — the span Airbag
 * judges. `false` means an idle flag: its closed circuit says nothing about its health.
 */
export function hasRecentTraffic(ts: TimeSeriesDto, windowMs: number, now: number): boolean {
  const from = now - windowMs - ts.resolutionMs;
  return ts.points.some((p) => p.t > from && p.requests + (p.off?.requests ?? 0) > 0);
}

/** The chart window that covers a circuit's evaluation window (for the idle check). */
export function trafficWindowFor(windowMs: number): TimeWindow {
  return windowMs <= 30_000 ? '30s' : windowMs <= 600_000 ? '10m' : '1h';
}

/** How often each window is refetched while shown: short windows move every second. */
export function refreshIntervalMs(window: TimeWindow): number {
  switch (window) {
    case '30s':
      return 1_000;
    case '10m':
      return 5_000;
    case '1h':
      return 30_000;
    case '24h':
      return 60_000;
  }
}

/** The recovery percentage after one more step (same formula as Airbag's ramp), capped at 100. */
export function nextRecoveryPercentage(current: number, settings: CircuitSettings): number {
  const next =
    settings.recoveryProfile === RecoveryProfile.exponential
      ? current * (1 + settings.recoveryIncrementPercentage / 100)
      : current + settings.recoveryIncrementPercentage;
  return Math.min(100, Math.round(next * 10) / 10);
}

/** What happens next to a tripped or recovering circuit, and roughly when (Airbag decides). */
export interface NextCircuitStep {
  readonly description: string;
  /** Epoch ms the step is due, if Airbag finds the flag healthy. */
  readonly dueAt: number;
}

export function nextCircuitStep(
  status: CircuitStatus,
  settings: CircuitSettings,
): NextCircuitStep | null {
  const since = Date.parse(status.changedAt);
  if (Number.isNaN(since)) return null;
  if (status.state === 'open') {
    return {
      description: `Recovery starts at ${settings.initialRecoveryPercentage} %`,
      dueAt: since + settings.recoveryDelayMs,
    };
  }
  if (status.state === 'recovering') {
    const next = nextRecoveryPercentage(status.recoveryPercentage, settings);
    return {
      description:
        next >= 100 ? 'Circuit closes (back to 100 %)' : `Recovery steps up to ${next} %`,
      dueAt: since + settings.recoveryStepMs,
    };
  }
  return null;
}
