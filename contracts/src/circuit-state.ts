import { CIRCUIT_TRANSITIONS } from './circuit-transitions.js';
import { parseCircuitEvent, type CircuitEvent } from './circuit-events.js';
import { isValidToken } from './names.js';
import { decodeJson, fail, isRecord, ok, type ParseError, type Result } from './result.js';
import { CircuitState, type FlagRule } from './ruleset.js';

/** Schema version of {@link CircuitKvState} written by this package. Readers reject newer ones. */
export const CIRCUIT_KV_STATE_SCHEMA_VERSION = 1;

/**
 * One flag's circuit state as Airbag decided it, the value of the KV entry `circuitKvKey(app,
 * flag)` beside the flag's rule (ADR 0008). SDKs combine it with the rule
 * ({@link combineCircuitState}), so a trip reaches them without Tower; Tower folds the events
 * behind it into Postgres when it can.
 */
export interface CircuitKvState {
  /** Always {@link CIRCUIT_KV_STATE_SCHEMA_VERSION} when written by this version. */
  readonly schemaVersion: number;
  readonly appId: string;
  readonly flagKey: string;
  /** The state after the decision. */
  readonly state: CircuitState;
  /** Share of the rollout admitted: 0 open, the ramp's level recovering, 100 closed. */
  readonly recoveryPercentage: number;
  /** When the decision took effect (ISO 8601, UTC); equals the event's `occurredAt`. */
  readonly since: string;
  /** Airbag's decision counter for this flag: 1, 2, 3 … (part of the event id). */
  readonly seq: number;
  /** The rule version the decision was taken against (the event's `ruleVersion`). */
  readonly ruleVersion: number;
  /** The decision itself, re-published by a new Airbag leader in case the old one died before. */
  readonly event: CircuitEvent;
}

/** The KV state a decision leads to. */
export function circuitKvStateOf(event: CircuitEvent, seq: number): CircuitKvState {
  const to = CIRCUIT_TRANSITIONS[event.type].to;
  return {
    schemaVersion: CIRCUIT_KV_STATE_SCHEMA_VERSION,
    appId: event.appId,
    flagKey: event.flagKey,
    state: to,
    recoveryPercentage:
      to === CircuitState.open ? 0 : to === CircuitState.closed ? 100 : event.recoveryPercentage,
    since: event.occurredAt,
    seq,
    ruleVersion: event.ruleVersion,
    event,
  };
}

/** Serialises a circuit state for the KV. */
export function encodeCircuitKvState(state: CircuitKvState): string {
  return JSON.stringify(state);
}

function nonNegativeInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

/** Parses a circuit-state KV value (bytes, text or object). Total: never throws. */
export function parseCircuitKvState(input: unknown): Result<CircuitKvState, ParseError> {
  const decoded = decodeJson(input);
  if (!decoded.ok) return decoded;
  const v = decoded.value;
  if (!isRecord(v)) return fail('invalid_field', '', 'a circuit state must be a JSON object');
  if (!nonNegativeInteger(v.schemaVersion) || v.schemaVersion < 1)
    return fail('invalid_field', 'schemaVersion', 'schemaVersion must be a positive integer');
  if (v.schemaVersion > CIRCUIT_KV_STATE_SCHEMA_VERSION) {
    return fail(
      'unsupported_schema',
      'schemaVersion',
      `schemaVersion ${v.schemaVersion} is newer than supported (${CIRCUIT_KV_STATE_SCHEMA_VERSION})`,
    );
  }
  if (typeof v.appId !== 'string' || !isValidToken(v.appId))
    return fail('invalid_field', 'appId', 'appId must be a token');
  if (typeof v.flagKey !== 'string' || !isValidToken(v.flagKey))
    return fail('invalid_field', 'flagKey', 'flagKey must be a token');
  const state = v.state;
  if (
    state !== CircuitState.closed &&
    state !== CircuitState.open &&
    state !== CircuitState.recovering
  ) {
    return fail('invalid_field', 'state', "state must be 'closed', 'open' or 'recovering'");
  }
  const pct = v.recoveryPercentage;
  if (typeof pct !== 'number' || !Number.isFinite(pct) || pct < 0 || pct > 100)
    return fail('invalid_field', 'recoveryPercentage', 'recoveryPercentage must be 0–100');
  if (typeof v.since !== 'string' || Number.isNaN(Date.parse(v.since)))
    return fail('invalid_field', 'since', 'since must be an ISO 8601 time');
  if (!nonNegativeInteger(v.seq)) return fail('invalid_field', 'seq', 'seq must be an integer');
  if (!nonNegativeInteger(v.ruleVersion))
    return fail('invalid_field', 'ruleVersion', 'ruleVersion must be an integer');
  const event = parseCircuitEvent(v.event);
  if (!event.ok) {
    const e = event.error;
    return fail(e.code, e.path ? `event.${e.path}` : 'event', e.message);
  }
  if (event.value.appId !== v.appId || event.value.flagKey !== v.flagKey)
    return fail('invalid_field', 'event', 'event is for another flag');
  return ok({
    schemaVersion: v.schemaVersion,
    appId: v.appId,
    flagKey: v.flagKey,
    state,
    recoveryPercentage: pct,
    since: v.since,
    seq: v.seq,
    ruleVersion: v.ruleVersion,
    event: event.value,
  });
}

/**
 * Precedence between a flag's rule and Airbag's decision (ADR 0008). The decision wins when it
 * was taken against this rule version or a newer one, or when it is newer than the rule's last
 * circuit change (`circuitStatus.changedAt`): a later change that left the circuit alone (a
 * rollout edit, Tower folding an earlier decision) does not undo it. The rule wins when a human
 * touched the circuit after the decision (a toggle on or off resets it: `changedAt` = then).
 * Tower applies the same rule when it folds an event ({@link isCircuitDecisionStale}).
 */
export function circuitDecisionWins(
  rule: { readonly version: number; readonly changedAt: string },
  decision: { readonly ruleVersion: number; readonly since: string },
): boolean {
  if (decision.ruleVersion >= rule.version) return true;
  return Date.parse(decision.since) > Date.parse(rule.changedAt);
}

/**
 * Whether a decision is stale for a flag now at `version` whose circuit last changed at
 * `changedAt`: a human changed the circuit after it. Tower records such an event and does not
 * apply it (the opposite of {@link circuitDecisionWins}).
 */
export function isCircuitDecisionStale(
  flag: { readonly version: number; readonly changedAt: string },
  event: Pick<CircuitEvent, 'ruleVersion' | 'occurredAt'>,
): boolean {
  return !circuitDecisionWins(flag, { ruleVersion: event.ruleVersion, since: event.occurredAt });
}

/**
 * The rule SDKs and Airbag evaluate: `rule` with Airbag's circuit state in place of its own when
 * the decision wins ({@link circuitDecisionWins}). A flag Tower switched off because its circuit
 * opened is on again as far as the circuit allows (the newer decision says recovering or
 * closed); a flag a human switched off stays off. Returns `rule` itself when nothing changes.
 * Total and pure.
 */
export function combineCircuitState(
  rule: FlagRule,
  circuit: CircuitKvState | null | undefined,
): FlagRule {
  if (!circuit || circuit.appId !== rule.appId || circuit.flagKey !== rule.flagKey) return rule;
  const status = rule.circuitStatus;
  if (!circuitDecisionWins({ version: rule.version, changedAt: status.changedAt }, circuit))
    return rule;
  if (
    status.state === circuit.state &&
    status.recoveryPercentage === circuit.recoveryPercentage &&
    status.changedAt === circuit.since
  )
    return rule;
  return {
    ...rule,
    // Tower writes active=false when it applies an opened event; that "off" is the circuit's.
    active: rule.active || status.state === CircuitState.open,
    circuitStatus: {
      state: circuit.state,
      recoveryPercentage: circuit.recoveryPercentage,
      changedAt: circuit.since,
    },
  };
}
