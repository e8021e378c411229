import { decodeJson, fail, isRecord, ok, type ParseError, type Result } from './result.js';
import { isValidToken } from './names.js';

/** Schema version of {@link CircuitEvent} written by this package. */
export const CIRCUIT_EVENT_SCHEMA_VERSION = 1;

/** Circuit events: past-tense facts Airbag publishes and Tower applies. */
export const CircuitEventType = {
  /** The error rate crossed the threshold: flag forced off. */
  opened: 'circuit.opened',
  /** The recovery delay passed: flag back on at the initial recovery percentage. */
  recovering: 'circuit.recovering',
  /** A healthy recovery interval passed: recovery percentage raised. */
  step: 'circuit.step',
  /** Recovery reached 100 %: back to normal. */
  closed: 'circuit.closed',
} as const;
/** One of {@link CircuitEventType}. */
export type CircuitEventType = (typeof CircuitEventType)[keyof typeof CircuitEventType];

const TYPES: readonly string[] = Object.values(CircuitEventType);

/** The subject token of an event type (`circuit.opened` → `opened`). */
export function circuitEventTypeToken(
  type: CircuitEventType,
): 'opened' | 'recovering' | 'step' | 'closed' {
  return type.slice('circuit.'.length) as 'opened' | 'recovering' | 'step' | 'closed';
}

/** Counts of one arm over a window. */
export interface ArmWindowStats {
  /** Requests (successes + failures). */
  readonly requests: number;
  /** Failures. */
  readonly failures: number;
  /** `failures / requests × 100` (display only: decisions compare the counts). */
  readonly errorRatePercentage: number;
}

/**
 * The evidence behind a decision: counts over the window Airbag looked at. The top-level counts
 * are the on-arm's (the flag was on); `off` carries the off-arm (control, ADR 0009) when it had
 * requests in the window.
 */
export interface CircuitWindowStats {
  /** Requests (successes + failures) in the window. */
  readonly requests: number;
  /** Failures in the window. */
  readonly failures: number;
  /** `failures / requests × 100`. */
  readonly errorRatePercentage: number;
  /** Window length in ms. */
  readonly windowMs: number;
  /** The off-arm's counts over the same window; absent when it had no request. */
  readonly off?: ArmWindowStats | undefined;
}

/** One circuit transition decided by Airbag. */
export interface CircuitEvent {
  /** Always {@link CIRCUIT_EVENT_SCHEMA_VERSION} when written by this version. */
  readonly schemaVersion: number;
  /** Deterministic id ({@link circuitEventId}); also the JetStream `Nats-Msg-Id`. */
  readonly id: string;
  /** What happened. */
  readonly type: CircuitEventType;
  /** App id. */
  readonly appId: string;
  /** Flag key. */
  readonly flagKey: string;
  /**
   * The flag rule version the decision was based on. Tower applies the event only while the
   * flag is still at this version; anything else means a newer change superseded it.
   */
  readonly ruleVersion: number;
  /** Recovery percentage after the event: 0 opened, initial recovering, new level step, 100 closed. */
  readonly recoveryPercentage: number;
  /** When Airbag decided (ISO 8601, UTC). */
  readonly occurredAt: string;
  /** The window behind the decision, when one was measured. */
  readonly stats: CircuitWindowStats | null;
  /** Short human-readable reason, shown in the audit log and alerts. */
  readonly reason: string;
}

/**
 * Deterministic event id: `<appId>.<flagKey>.<ruleVersion>.<seq>.<token>`, or without `seq`
 * `<appId>.<flagKey>.<ruleVersion>.<token>`. `seq` is Airbag's decision counter for the flag
 * (ADR 0008): several decisions may share a rule version while Tower is away. A retried publish
 * of the same decision carries the same id, so JetStream stores it once and Tower applies it once.
 */
export function circuitEventId(
  appId: string,
  flagKey: string,
  ruleVersion: number,
  type: CircuitEventType,
  seq?: number,
): string {
  const s = seq === undefined ? '' : `${seq}.`;
  return `${appId}.${flagKey}.${ruleVersion}.${s}${circuitEventTypeToken(type)}`;
}

/** Serialises an event for JetStream. */
export function encodeCircuitEvent(event: CircuitEvent): string {
  return JSON.stringify(event);
}

function parseStats(v: unknown): Result<CircuitWindowStats | null, ParseError> {
  if (v === null || v === undefined) return ok(null);
  if (!isRecord(v)) return fail('invalid_field', 'stats', 'stats must be an object or null');
  for (const k of ['requests', 'failures', 'errorRatePercentage', 'windowMs'] as const) {
    const n = v[k];
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) {
      return fail('invalid_field', `stats.${k}`, `stats.${k} must be a non-negative number`);
    }
  }
  const base = {
    requests: v.requests as number,
    failures: v.failures as number,
    errorRatePercentage: v.errorRatePercentage as number,
    windowMs: v.windowMs as number,
  };
  if (v.off === undefined || v.off === null) return ok(base);
  const off = v.off;
  if (!isRecord(off)) return fail('invalid_field', 'stats.off', 'stats.off must be an object');
  for (const k of ['requests', 'failures', 'errorRatePercentage'] as const) {
    const n = off[k];
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) {
      return fail(
        'invalid_field',
        `stats.off.${k}`,
        `stats.off.${k} must be a non-negative number`,
      );
    }
  }
  return ok({
    ...base,
    off: {
      requests: off.requests as number,
      failures: off.failures as number,
      errorRatePercentage: off.errorRatePercentage as number,
    },
  });
}

/** Parses a circuit event from bytes, text or an object. Total: never throws. */
export function parseCircuitEvent(input: unknown): Result<CircuitEvent, ParseError> {
  const decoded = decodeJson(input);
  if (!decoded.ok) return decoded;
  const v = decoded.value;
  if (!isRecord(v)) return fail('invalid_field', '', 'a circuit event must be a JSON object');
  if (
    typeof v.schemaVersion !== 'number' ||
    !Number.isInteger(v.schemaVersion) ||
    v.schemaVersion < 1
  ) {
    return fail('invalid_field', 'schemaVersion', 'schemaVersion must be a positive integer');
  }
  if (v.schemaVersion > CIRCUIT_EVENT_SCHEMA_VERSION) {
    return fail(
      'unsupported_schema',
      'schemaVersion',
      `schemaVersion ${v.schemaVersion} is newer than supported`,
    );
  }
  if (typeof v.id !== 'string' || v.id.length === 0)
    return fail('invalid_field', 'id', 'id must be a non-empty string');
  if (typeof v.type !== 'string' || !TYPES.includes(v.type)) {
    return fail('invalid_field', 'type', `type must be one of ${TYPES.join(', ')}`);
  }
  if (typeof v.appId !== 'string' || !isValidToken(v.appId))
    return fail('invalid_field', 'appId', 'appId must be a token');
  if (typeof v.flagKey !== 'string' || !isValidToken(v.flagKey))
    return fail('invalid_field', 'flagKey', 'flagKey must be a token');
  if (typeof v.ruleVersion !== 'number' || !Number.isInteger(v.ruleVersion) || v.ruleVersion < 0) {
    return fail('invalid_field', 'ruleVersion', 'ruleVersion must be a non-negative integer');
  }
  const pct = v.recoveryPercentage;
  if (typeof pct !== 'number' || !Number.isFinite(pct) || pct < 0 || pct > 100) {
    return fail(
      'invalid_field',
      'recoveryPercentage',
      'recoveryPercentage must be between 0 and 100',
    );
  }
  if (typeof v.occurredAt !== 'string' || Number.isNaN(Date.parse(v.occurredAt))) {
    return fail('invalid_field', 'occurredAt', 'occurredAt must be an ISO 8601 time');
  }
  const stats = parseStats(v.stats);
  if (!stats.ok) return stats;
  return ok({
    schemaVersion: v.schemaVersion,
    id: v.id,
    type: v.type as CircuitEventType,
    appId: v.appId,
    flagKey: v.flagKey,
    ruleVersion: v.ruleVersion,
    recoveryPercentage: pct,
    occurredAt: v.occurredAt,
    stats: stats.value,
    reason: typeof v.reason === 'string' ? v.reason : '',
  });
}
