import {
  DEFAULT_CIRCUIT_SETTINGS,
  RecoveryProfile,
  type TimeSeriesDto,
} from '@tailslide/contracts';
import { describe, expect, it } from 'vitest';
import {
  hasRecentTraffic,
  nextCircuitStep,
  nextRecoveryPercentage,
  refreshIntervalMs,
  summarize,
  toChartData,
  trafficWindowFor,
} from './circuit-chart-data.js';

const point = (t: number, requests: number, failures: number) => ({
  t,
  requests,
  failures,
  errorRatePercentage: requests > 0 ? (failures / requests) * 100 : null,
  peakErrorRatePercentage: requests > 0 ? (failures / requests) * 100 : null,
  off: null,
});

const ts: TimeSeriesDto = {
  window: '30s' as const,
  resolutionMs: 1000,
  thresholdPercentage: 50,
  points: [point(2000, 4, 1), point(1000, 0, 0), point(3000, 10, 10)],
  marks: [],
};

describe('toChartData', () => {
  it('sorts by time, converts to seconds and leaves gaps where nothing was measured', () => {
    const { columns, hasPeak, hasControl } = toChartData(ts);
    const [x, rate, threshold, requests, failures] = columns;
    expect(x).toEqual([1, 2, 3]);
    expect(rate).toEqual([null, 25, 100]);
    expect(threshold).toEqual([50, 50, 50]);
    expect(requests).toEqual([0, 4, 10]);
    expect(failures).toEqual([0, 1, 10]);
    expect([hasPeak, hasControl, columns.length]).toEqual([false, false, 5]);
  });

  it('adds the peak for minute buckets and the control arm when present', () => {
    const minute: TimeSeriesDto = {
      ...ts,
      window: '1h',
      resolutionMs: 60_000,
      points: [
        { ...point(60_000, 600, 6), peakErrorRatePercentage: 90 },
        {
          ...point(120_000, 600, 6),
          off: { requests: 300, failures: 3, errorRatePercentage: 1 },
        },
      ],
    };
    const d = toChartData(minute);
    expect([d.hasPeak, d.hasControl]).toEqual([true, true]);
    expect(d.columns[5]).toEqual([90, 1]);
    expect(d.columns[6]).toEqual([null, 1]);
    expect(summarize(minute)).toMatchObject({
      peakErrorRatePercentage: 90,
      control: { requests: 300, failures: 3, errorRatePercentage: 1 },
    });
  });

  it('summarizes the window', () => {
    expect(summarize(ts)).toEqual({
      requests: 14,
      failures: 11,
      errorRatePercentage: (11 / 14) * 100,
      peakErrorRatePercentage: 100,
      control: null,
    });
    expect(summarize({ ...ts, points: [] }).errorRatePercentage).toBeNull();
  });

  it('tells an idle flag from a healthy one by the traffic in its evaluation window', () => {
    expect(hasRecentTraffic(ts, 30_000, 3_500)).toBe(true);
    expect(hasRecentTraffic(ts, 1_000, 60_000)).toBe(false);
    expect(hasRecentTraffic({ ...ts, points: [point(1000, 0, 0)] }, 30_000, 2_000)).toBe(false);
    expect(trafficWindowFor(30_000)).toBe('30s');
    expect(trafficWindowFor(60_000)).toBe('10m');
    expect(trafficWindowFor(3_600_000)).toBe('1h');
  });
});

describe('recovery ramp', () => {
  it('steps linearly or exponentially and never past 100', () => {
    const linear = { ...DEFAULT_CIRCUIT_SETTINGS, recoveryIncrementPercentage: 25 };
    expect(nextRecoveryPercentage(10, linear)).toBe(35);
    expect(nextRecoveryPercentage(90, linear)).toBe(100);
    const exp = {
      ...DEFAULT_CIRCUIT_SETTINGS,
      recoveryProfile: RecoveryProfile.exponential,
      recoveryIncrementPercentage: 100,
    };
    expect(nextRecoveryPercentage(10, exp)).toBe(20);
    expect(nextRecoveryPercentage(60, exp)).toBe(100);
  });
  it('says what comes next and when', () => {
    const changedAt = '2026-01-01T00:00:00.000Z';
    const t0 = Date.parse(changedAt);
    const open = nextCircuitStep(
      { state: 'open', recoveryPercentage: 0, changedAt },
      DEFAULT_CIRCUIT_SETTINGS,
    );
    expect(open?.dueAt).toBe(t0 + DEFAULT_CIRCUIT_SETTINGS.recoveryDelayMs);
    expect(open?.description).toMatch(/Recovery starts at 10/);
    const rec = nextCircuitStep(
      { state: 'recovering', recoveryPercentage: 95, changedAt },
      DEFAULT_CIRCUIT_SETTINGS,
    );
    expect(rec?.description).toMatch(/closes/);
    expect(
      nextCircuitStep(
        { state: 'closed', recoveryPercentage: 100, changedAt },
        DEFAULT_CIRCUIT_SETTINGS,
      ),
    ).toBeNull();
  });
  it('refreshes short windows more often', () => {
    expect(refreshIntervalMs('30s')).toBeLessThan(refreshIntervalMs('24h'));
  });
});
