/** Codes of every error the SDK reports. Closed set: `const` object plus derived union. */
export const TailslideErrorCode = {
  /** The configuration passed to `new FlagManager()` is unusable (thrown: a programming error). */
  invalidConfig: 'invalid_config',
  /**
   * A per-call argument was unusable (a toggler without a flag name, a non-boolean
   * `defaultValue`, a `run()` timeout out of range). Reported, never thrown: the call goes on
   * with the documented fallback.
   */
  invalidArgument: 'invalid_argument',
  /** The NATS connection or the KV watch failed; the SDK keeps retrying. */
  natsUnavailable: 'nats_unavailable',
  /**
   * NATS refused the SDK key: revoked in Tower, made up, or not valid for this server. The SDK
   * keeps serving its last known rules and keeps retrying.
   */
  unauthorized: 'unauthorized',
  /**
   * A KV entry could not be parsed into a rule. The flag keeps its last good rule (the caller's
   * default when it never had one); reported once per entry version.
   */
  invalidRule: 'invalid_rule',
  /** After the ruleset loaded, a toggler names a flag the app does not have (a typo?). */
  unknownFlag: 'unknown_flag',
  /** The app's ruleset loaded empty: likely a wrong `appId` (or no flag created yet). */
  noFlags: 'no_flags',
  /** A signal flush to Redis failed; its counts were dropped (never retried, never thrown). */
  signalsDropped: 'signals_dropped',
  /** The Redis client reported an error (connection refused, reset, ...). */
  redisUnavailable: 'redis_unavailable',
  /**
   * Redis refused the SDK key's credentials (`WRONGPASS`, `NOAUTH`: the key was revoked, made up
   * or its user not created yet) or a write (`NOPERM`: a key of another app). Reported once per
   * episode; signals are dropped meanwhile and the SDK retries with backoff.
   */
  redisUnauthorized: 'redis_unauthorized',
  /** The snapshot file could not be read or written. */
  snapshotFailed: 'snapshot_failed',
  /** `toggler.run()` gave up waiting for the wrapped call. */
  timeout: 'timeout',
} as const;
/** One of {@link TailslideErrorCode}. */
export type TailslideErrorCode = (typeof TailslideErrorCode)[keyof typeof TailslideErrorCode];

/**
 * The one error type of the SDK. Infrastructure trouble is never thrown: it is delivered through
 * the manager's `error` event. Only a bad configuration (constructor) and a `run()` timeout throw.
 */
export class TailslideError extends Error {
  override readonly name = 'TailslideError';
  /** Machine-readable reason. */
  readonly code: TailslideErrorCode;
  /** Flag concerned, when there is one. */
  readonly flagKey: string | undefined;

  constructor(
    code: TailslideErrorCode,
    message: string,
    options?: { cause?: unknown; flagKey?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.flagKey = options?.flagKey;
  }
}

/** Wraps anything thrown into a {@link TailslideError} without ever throwing itself. */
export function toTailslideError(
  code: TailslideErrorCode,
  message: string,
  cause: unknown,
): TailslideError {
  let detail: string;
  try {
    detail = cause instanceof Error ? cause.message : String(cause);
  } catch {
    detail = 'unprintable error';
  }
  return new TailslideError(code, detail ? `${message}: ${detail}` : message, { cause });
}
