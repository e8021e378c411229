/** Retry settings of alert deliveries. */
export interface RetryPolicy {
  /** Attempts before a delivery is given up. @default 6 */
  readonly maxAttempts: number;
  /** First backoff; doubles each attempt. @default 1000 */
  readonly baseDelayMs: number;
  /** Cap of any wait, including a server's Retry-After. @default 300000 */
  readonly maxDelayMs: number;
}

/** Defaults: 6 attempts over about half a minute, Retry-After honoured up to 5 minutes. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: 6,
  baseDelayMs: 1_000,
  maxDelayMs: 300_000,
});

/** What happened to one attempt. `status` is `null` for a network error or timeout. */
export interface AttemptResult {
  readonly status: number | null;
  readonly retryAfter: string | null;
}

/** What to do next. */
export type Verdict =
  | { readonly kind: 'delivered' }
  | { readonly kind: 'retry'; readonly delayMs: number }
  | { readonly kind: 'failed'; readonly why: string };

/** Parses a Retry-After header (delta seconds or an HTTP date) into a wait in ms. */
export function parseRetryAfter(value: string | null, nowMs: number): number | null {
  if (value === null || value.trim() === '') return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1_000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

/**
 * Decides after attempt number `attempt` (1-based). 2xx delivered; 429 waits for Retry-After
 * (or backoff); 5xx, 408 and network errors back off exponentially; other 4xx fail at once
 * (the webhook is wrong, retrying cannot help). Pure.
 */
export function decideRetry(
  result: AttemptResult,
  attempt: number,
  nowMs: number,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
): Verdict {
  const { status } = result;
  if (status !== null && status >= 200 && status < 300) return { kind: 'delivered' };
  const retryable = status === null || status === 429 || status === 408 || status >= 500;
  if (!retryable) return { kind: 'failed', why: `HTTP ${status}` };
  if (attempt >= policy.maxAttempts)
    return { kind: 'failed', why: `gave up after ${attempt} attempts` };
  const backoff = policy.baseDelayMs * 2 ** (attempt - 1);
  const requested = status === 429 ? parseRetryAfter(result.retryAfter, nowMs) : null;
  return { kind: 'retry', delayMs: Math.min(policy.maxDelayMs, requested ?? backoff) };
}
