import { isValidToken } from '@tailslide/contracts';
import { TailslideError, TailslideErrorCode } from './errors.js';

/** Longest delay a Node timer holds; a larger one fires after 1 ms (Node's timer overflow). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Shortest pause between NATS (re)connect attempts: below it a dead server costs a busy loop. */
export const MIN_RETRY_DELAY_MS = 100;

/** Shortest signal flush interval. */
export const MIN_FLUSH_INTERVAL_MS = 10;

/** Describes a value in an error message without ever throwing. */
export function describeValue(value: unknown): string {
  try {
    if (typeof value === 'string')
      return `'${value.length > 40 ? value.slice(0, 40) + '…' : value}'`;
    if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
      return String(value);
    if (value === null) return 'null';
    if (value === undefined) return 'undefined';
    return typeof value;
  } catch {
    return 'an unprintable value';
  }
}

function invalid(message: string): TailslideError {
  return new TailslideError(TailslideErrorCode.invalidConfig, message);
}

/**
 * Reads a millisecond option: `undefined` gives `fallback`; anything else must be an integer in
 * `[min, MAX_TIMER_MS]`, the range a Node timer honours.
 */
export function timerOption(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < min ||
    value > MAX_TIMER_MS
  ) {
    throw invalid(
      `${name} must be an integer number of milliseconds between ${min} and ${MAX_TIMER_MS}; got ${describeValue(value)}`,
    );
  }
  return value;
}

/**
 * The per-call `run()` timeout: `undefined` and `Infinity` mean "no timeout"; an integer in
 * `[1, MAX_TIMER_MS]` is used as is. Anything else is `'invalid'` (the call runs without a
 * timeout and the manager reports it): a bad option must never fail a healthy call.
 */
export function runTimeout(options: unknown): number | null | 'invalid' {
  let value: unknown;
  try {
    if (options === undefined || options === null) return null;
    if (typeof options !== 'object') return 'invalid';
    value = (options as { timeoutMs?: unknown }).timeoutMs;
  } catch {
    return 'invalid'; // a throwing getter
  }
  if (value === undefined || value === Infinity) return null;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_TIMER_MS)
    return value;
  return 'invalid';
}

/** An app id as Tower issues it: a number (`7`) or a token string (`'7'`). */
export function appIdOption(value: unknown): string {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  if (typeof value === 'string' && isValidToken(value)) return value;
  throw invalid(
    `appId must be the app's id as Tower shows it (a number, or a string matching [A-Za-z0-9_-]{1,64}); got ${describeValue(value)}`,
  );
}

/** A user id: strings as they are, finite numbers as their decimal string. */
export function userIdOption(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw invalid(`userContext must be a string or a number; got ${describeValue(value)}`);
}

/** A non-empty string option with a default. */
export function nameOption(name: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && value.length > 0) return value;
  throw invalid(`${name} must be a non-empty string; got ${describeValue(value)}`);
}

/** An optional string option (`undefined` stays `undefined`). */
export function optionalString(name: string, value: unknown): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  throw invalid(`${name} must be a string; got ${describeValue(value)}`);
}

/** A `{ warn, error }` logger, or `undefined`. */
export function loggerOption<T>(value: T | undefined): T | undefined {
  if (value === undefined) return undefined;
  const l = value as { warn?: unknown; error?: unknown } | null;
  if (typeof l !== 'object' || l === null || typeof l.warn !== 'function')
    throw invalid('logger must be an object with warn() and error() methods');
  if (typeof l.error !== 'function')
    throw invalid('logger must be an object with warn() and error() methods');
  return value;
}

/** Whether `value` looks like an object the SDK can call methods on. */
export function isObject(value: unknown): value is object {
  return (typeof value === 'object' || typeof value === 'function') && value !== null;
}
