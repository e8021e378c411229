import { describe, expect, it } from 'vitest';
import { formatCount, formatDuration, formatPercent, formatRelative } from './format.js';

describe('formatPercent', () => {
  it('shows at most one decimal and drops a trailing .0', () => {
    expect(formatPercent(12.5)).toBe('12.5 %');
    expect(formatPercent(100)).toBe('100 %');
    expect(formatPercent(33.333)).toBe('33.3 %');
    expect(formatPercent(0.04)).toBe('0 %');
  });
  it('shows a dash when there is no value', () => {
    expect(formatPercent(null)).toBe('–');
    expect(formatPercent(Number.NaN)).toBe('–');
  });
});

describe('formatDuration', () => {
  it('picks the unit a person would', () => {
    expect(formatDuration(250)).toBe('250 ms');
    expect(formatDuration(30_000)).toBe('30 s');
    expect(formatDuration(1_500)).toBe('1.5 s');
    expect(formatDuration(120_000)).toBe('2 min');
    expect(formatDuration(90_000)).toBe('1 min 30 s');
    expect(formatDuration(5_400_000)).toBe('1 h 30 min');
    expect(formatDuration(3_600_000)).toBe('1 h');
  });
});

describe('formatRelative', () => {
  const now = Date.parse('2026-01-01T12:00:00Z');
  it('describes the age of a timestamp', () => {
    expect(formatRelative('2026-01-01T12:00:00Z', now)).toBe('just now');
    expect(formatRelative('2026-01-01T11:59:30Z', now)).toBe('30 s ago');
    expect(formatRelative('2026-01-01T11:55:00Z', now)).toBe('5 min ago');
    expect(formatRelative('2026-01-01T09:00:00Z', now)).toBe('3 h ago');
    expect(formatRelative('2025-12-30T12:00:00Z', now)).toBe('2 d ago');
  });
  it('never shows a negative age for clocks slightly ahead', () => {
    expect(formatRelative('2026-01-01T12:00:03Z', now)).toBe('just now');
  });
});

describe('formatCount', () => {
  it('groups thousands', () => {
    expect(formatCount(1234567)).toBe('1,234,567');
  });
});
