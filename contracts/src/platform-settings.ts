/**
 * Settings of the shared NATS and Redis resources that more than one process creates or uses.
 * Whichever process starts first creates a stream or bucket, so they all must create the same.
 */

const DAY_MS = 86_400_000;

/**
 * The circuit-event stream: file storage, limits retention, events kept 7 days, and a 2 min
 * duplicate window so a publish retried with the same `Nats-Msg-Id` is stored once.
 */
export const CIRCUIT_STREAM_SETTINGS: {
  readonly storage: 'file';
  readonly retention: 'limits';
  readonly maxAgeMs: number;
  readonly duplicateWindowMs: number;
} = Object.freeze({
  storage: 'file',
  retention: 'limits',
  maxAgeMs: 7 * DAY_MS,
  duplicateWindowMs: 2 * 60_000,
});

/**
 * Every Tailslide KV bucket (flag rules, Airbag's lease): file storage, and history 1 because
 * readers only need the latest value of each key.
 */
export const KV_BUCKET_SETTINGS: { readonly history: number; readonly storage: 'file' } =
  Object.freeze({ history: 1, storage: 'file' });

/**
 * Wait before Redis reconnect attempt `retries` (0-based): 100 ms doubling, at most 2 s, so a
 * restarted Redis is found fast and a long outage costs one attempt every 2 s.
 */
export function redisReconnectDelayMs(retries: number): number {
  return Math.min(100 * 2 ** Math.max(0, retries), 2_000);
}
