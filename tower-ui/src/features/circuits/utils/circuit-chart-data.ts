import {
  RecoveryProfile,
  type CircuitSettings,
  type CircuitStatus,
  type TimeSeriesDto,
} from '@tailslide/contracts';
import type { TimeWindow } from '../api/circuits-api.js';

/** Columns uPlot draws: time (s), error rate %, threshold %, requests, failures. */
export type ChartColumns = [number[], (number | null)[], number[], number[], number[]];

/** Turns Tower's time series into uPlot's column arrays (x in seconds, sorted). */
export function toChartColumns(ts: TimeSeriesDto): ChartColumns {
  const points = [...ts.points].sort((a, b) => a.t - b.t);
  return [
    points.map((p) => p.t / 1000),
    points.map((p) =>
      p.requests > 0 ? (p.errorRatePercentage ?? (p.failures / p.requests) * 100) : null,
    ),
    points.map(() => ts.thresholdPercentage),
    points.map((p) => p.requests),
    points.map((p) => p.failures),
  ];
}

/** Totals over the shown window, for the text summary beside the chart. */
export function summarize(ts: TimeSeriesDto): {
  requests: number;
  failures: number;
  errorRatePercentage: number | null;
} {
  let requests = 0;
  let failures = 0;
  for (const p of ts.points) {
    requests += p.requests;
    failures += p.failures;
  }
  return {
    requests,
    failures,
    errorRatePercentage: requests > 0 ? (failures / requests) * 100 : null,
  };
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
