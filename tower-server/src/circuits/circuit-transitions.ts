import {
  CircuitEventType,
  CircuitState,
  circuitTransition,
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
  return {
    ...base,
    active,
    circuitStatus: resetCircuit
      ? { state: CircuitState.closed, recoveryPercentage: 100, changedAt: now }
      : base.circuitStatus,
  };
}

/** What applying a circuit event to a flag does. */
export type CircuitDecision =
  | { readonly outcome: 'applied'; readonly values: FlagValues }
  | { readonly outcome: 'stale' | 'invalid_transition'; readonly why: string };

/**
 * Applies one of Airbag's events to the flag it was decided for. The event must have been
 * decided on the flag's current version (anything else was superseded by a later change) and
 * must be a legal transition from the current state (contracts' `CIRCUIT_TRANSITIONS`, the table
 * Airbag decides from): opened ← closed | recovering (flag active); recovering ← open;
 * step ← recovering; closed ← recovering | open.
 */
export function decideCircuitEvent(flag: Flag, event: CircuitEvent, now: Date): CircuitDecision {
  if (event.ruleVersion !== flag.version) {
    return {
      outcome: 'stale',
      why: `event for version ${event.ruleVersion}, flag is at version ${flag.version}`,
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
      circuitStatus: { state: to, recoveryPercentage, changedAt: now },
    },
  };
}

function clampPercentage(p: number): number {
  return Math.min(100, Math.max(0, Math.round(p * 100) / 100));
}
