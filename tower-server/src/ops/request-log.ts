import type { LevelWithSilent } from 'pino';

/**
 * Level of one request's log line. Dashboards poll, browsers fetch assets and the socket.io
 * transport long-polls, so reads that succeed are `debug` (set `LOG_LEVEL=debug` to see them);
 * writes, refusals and client errors are `info`; server errors are `error`.
 */
export function requestLogLevel(
  method: string | undefined,
  status: number,
  err: unknown,
): LevelWithSilent {
  if (err !== undefined || status >= 500) return 'error';
  if (status >= 400) return 'info';
  const m = (method ?? 'GET').toUpperCase();
  if (m === 'GET' || m === 'HEAD' || m === 'OPTIONS') return 'debug';
  return 'info';
}
