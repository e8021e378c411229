import {
  CIRCUIT_EVENT_SCHEMA_VERSION,
  CircuitEventType,
  circuitEventId,
  circuitKvStateOf,
  type CircuitKvState,
} from '@tailslide/contracts';

/** The circuit state Airbag writes beside a rule when it opens the circuit (ADR 0008). */
export function openedState(appId: string, flagKey: string, ruleVersion = 1): CircuitKvState {
  return circuitKvStateOf(
    {
      schemaVersion: CIRCUIT_EVENT_SCHEMA_VERSION,
      id: circuitEventId(appId, flagKey, ruleVersion, CircuitEventType.opened, 1),
      type: CircuitEventType.opened,
      appId,
      flagKey,
      ruleVersion,
      recoveryPercentage: 0,
      occurredAt: new Date().toISOString(),
      stats: null,
      reason: 'test trip',
    },
    1,
  );
}
