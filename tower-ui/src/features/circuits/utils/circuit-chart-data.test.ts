import { DEFAULT_CIRCUIT_SETTINGS, RecoveryProfile } from '@tailslide/contracts';
import { describe, expect, it } from 'vitest';
import {
  nextCircuitStep,
  nextRecoveryPercentage,
  refreshIntervalMs,
  summarize,
  toChartColumns,
} from './circuit-chart-data.js';

const ts = {
  window: '30s' as const,
  resolutionMs: 1000,
  thresholdPercentage: 50,
  points: [
    { t: 2000, requests: 4, failures: 1, errorRatePercentage: 25 },
    { t: 1000, requests: 0, failures: 0, errorRatePercentage: null },
    { t: 3000, requests: 10, failures: 10, errorRatePercentage: 100 },
  ],
};

describe('toChartColumns', () => {
  it('sorts by time, converts to seconds and leaves gaps where nothing was measured', () => {
    const [x, rate, threshold, requests, failures] = toChartColumns(ts);
    expect(x).toEqual([1, 2, 3]);
    expect(rate).toEqual([null, 25, 100]);
    expect(threshold).toEqual([50, 50, 50]);
    expect(requests).toEqual([0, 4, 10]);
    expect(failures).toEqual([0, 1, 10]);
  });
  it('summarizes the window', () => {
    expect(summarize(ts)).toEqual({
      requests: 14,
      failures: 11,
      errorRatePercentage: (11 / 14) * 100,
    });
    expect(summarize({ ...ts, points: [] }).errorRatePercentage).toBeNull();
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
