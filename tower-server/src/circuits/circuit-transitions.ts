import {
  CircuitEventType,
  CircuitState,
  circuitTransition,
  isCircuitDecisionStale,
  type CircuitEvent,
} from '@tailslide/contracts';
import type { Flag, FlagValues } from '../flags/flag-service.js';

/** The values of `flag` as a {@link FlagValues} to edit. */
export function valuesOf(flag: Flag): FlagValues {
  return {
    title: flag.title,
    description: flag.description,
    active: flag.active,
    rolloutPercentage: flag.rolloutPercentage,
    whitelist: flag.whitelist,
    circuit: flag.circuit,
    circuitStatus: {
      state: flag.circuitStatus.state,
      recoveryPercentage: flag.circuitStatus.recoveryPercentage,
      changedAt: new Date(flag.circuitStatus.changedAt),
    },
  };
}

/**
 * A manual toggle. Turning a flag off cancels any recovery in progress; turning it on while the
 * circuit is open (or recovering) closes the circuit: a human decision overrides Airbag's.
 * Either way the circuit ends `closed` at 100 %, so Airbag starts from a clean state.
 */
export function toggleValues(flag: Flag, active: boolean, now: Date): FlagValues {
  const base = valuesOf(flag);
  // Turning a flag back on also restarts the circuit's evidence period (changedAt = now), so
  // failures recorded before a human turned it off cannot trip it again the moment it is back.
  const resetCircuit = flag.circuitStatus.state !== CircuitState.closed || (active && !flag.active);
  // The reset must be later than the decision it overrides (ADR 0008 compares the two times);
  // that decision was stamped by Airbag's clock, which may run ahead of Tower's.
  const last = Date.parse(flag.circuitStatus.changedAt);
  const at = Number.isNaN(last) || last < now.getTime() ? now : new Date(last + 1);
  return {
    ...base,
    active,
    circuitStatus: resetCircuit
      ? { state: CircuitState.closed, recoveryPercentage: 100, changedAt: at }
      : base.circuitStatus,
  };
}

/** What applying a circuit event to a flag does. */
export type CircuitDecision =
  | { readonly outcome: 'applied'; readonly values: FlagValues }
  | { readonly outcome: 'stale' | 'invalid_transition'; readonly why: string };

/**
 * Folds one of Airbag's events into the flag it was decided for (ADR 0008). Airbag has already
 * put the decision into effect through the KV, possibly while Tower was away, so Tower records
 * it in order rather than deciding anew. It is stale — recorded, not applied — when a human
 * changed the circuit after it was decided (contracts' `isCircuitDecisionStale`, the precedence
 * the SDKs apply to the same two facts) or when it names a version this flag never had. Otherwise
 * it must be a legal transition from the current state (contracts' `CIRCUIT_TRANSITIONS`):
 * opened ← closed | recovering (flag active); recovering ← open; step ← recovering;
 * closed ← recovering | open. The circuit's `changedAt` becomes the decision's time, so the
 * folded rule and Airbag's KV state carry the same time and a later decision still wins over it.
 */
export function decideCircuitEvent(flag: Flag, event: CircuitEvent): CircuitDecision {
  if (event.ruleVersion > flag.version) {
    return {
      outcome: 'stale',
      why: `event for version ${event.ruleVersion}, flag is at version ${flag.version}`,
    };
  }
  const changedAt = flag.circuitStatus.changedAt;
  if (isCircuitDecisionStale({ version: flag.version, changedAt }, event)) {
    return {
      outcome: 'stale',
      why: `decided at ${event.occurredAt} on version ${event.ruleVersion}; the circuit was changed at ${changedAt} (version ${flag.version})`,
    };
  }
  const state = flag.circuitStatus.state;
  const to = circuitTransition(state, event.type, flag.active);
  if (to === null) {
    return {
      outcome: 'invalid_transition',
      why: `${event.type} is not a transition from ${state}${flag.active ? '' : ' (flag inactive)'}`,
    };
  }
  // Opened switches the flag off; every other transition leaves it on (recovering ramps it up).
  const recoveryPercentage =
    to === CircuitState.open
      ? 0
      : to === CircuitState.closed
        ? 100
        : clampPercentage(event.recoveryPercentage);
  return {
    outcome: 'applied',
    values: {
      ...valuesOf(flag),
      active: event.type !== CircuitEventType.opened,
      circuitStatus: { state: to, recoveryPercentage, changedAt: new Date(event.occurredAt) },
    },
  };
}

function clampPercentage(p: number): number {
  return Math.min(100, Math.max(0, Math.round(p * 100) / 100));
}
