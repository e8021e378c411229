import { describe, expect, it } from 'vitest';
import { decideRetry, parseRetryAfter } from './retry-policy.js';

const now = Date.parse('2026-01-01T00:00:00Z');

describe('decideRetry', () => {
  it('delivers on 2xx', () => {
    expect(decideRetry({ status: 200, retryAfter: null }, 1, now)).toEqual({ kind: 'delivered' });
  });

  it("honours a 429's Retry-After in seconds and as a date", () => {
    expect(decideRetry({ status: 429, retryAfter: '7' }, 1, now)).toEqual({
      kind: 'retry',
      delayMs: 7_000,
    });
    expect(
      decideRetry({ status: 429, retryAfter: new Date(now + 3_000).toUTCString() }, 1, now),
    ).toEqual({ kind: 'retry', delayMs: 3_000 });
  });

  it('backs off exponentially on 5xx and network errors, capped', () => {
    expect(decideRetry({ status: 503, retryAfter: null }, 1, now)).toEqual({
      kind: 'retry',
      delayMs: 1_000,
    });
    expect(decideRetry({ status: null, retryAfter: null }, 3, now)).toEqual({
      kind: 'retry',
      delayMs: 4_000,
    });
    expect(decideRetry({ status: 429, retryAfter: '99999' }, 1, now)).toEqual({
      kind: 'retry',
      delayMs: 300_000,
    });
  });

  it('fails at once on other 4xx and after the last attempt', () => {
    expect(decideRetry({ status: 404, retryAfter: null }, 1, now).kind).toBe('failed');
    expect(decideRetry({ status: 500, retryAfter: null }, 6, now).kind).toBe('failed');
  });

  it('ignores a garbage Retry-After', () => {
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});
