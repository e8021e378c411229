import {
  CIRCUIT_EVENT_SCHEMA_VERSION,
  CircuitEventType,
  circuitEventId,
  circuitKvStateOf,
  type CircuitEvent,
  type CircuitKvState,
} from '@tailslide/contracts';

/** The `circuit.opened` event Airbag publishes (numbered `seq` when given, as Airbag numbers). */
export function openedEvent(
  appId: string,
  flagKey: string,
  ruleVersion = 1,
  seq?: number,
): CircuitEvent {
  return {
    schemaVersion: CIRCUIT_EVENT_SCHEMA_VERSION,
    id: circuitEventId(appId, flagKey, ruleVersion, CircuitEventType.opened, seq),
    type: CircuitEventType.opened,
    appId,
    flagKey,
    ruleVersion,
    recoveryPercentage: 0,
    occurredAt: new Date().toISOString(),
    stats: { requests: 50, failures: 40, errorRatePercentage: 80, windowMs: 30_000 },
    reason: 'error rate 80% ≥ 50%',
  };
}

/** The circuit state Airbag writes beside a rule when it opens the circuit (ADR 0008). */
export function openedState(appId: string, flagKey: string, ruleVersion = 1): CircuitKvState {
  return circuitKvStateOf(openedEvent(appId, flagKey, ruleVersion, 1), 1);
}
