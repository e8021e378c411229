import { CircuitEventType } from './circuit-events.js';
import { CircuitState } from './ruleset.js';

/** One legal transition: the states an event may leave, and the state it lands in. */
export interface CircuitTransition {
  /** States the event is a transition from. */
  readonly from: readonly CircuitState[];
  /** State after the event. */
  readonly to: CircuitState;
  /** The flag must be active (an inactive flag has nothing to switch off). */
  readonly requiresActive: boolean;
}

/**
 * The legal circuit transitions, shared by Airbag (which proposes them) and Tower (which applies
 * them): opened ← closed | recovering; recovering ← open; step ← recovering; closed ← open |
 * recovering (open → closed when the initial recovery percentage is already 100).
 */
export const CIRCUIT_TRANSITIONS: Readonly<Record<CircuitEventType, CircuitTransition>> =
  Object.freeze({
    [CircuitEventType.opened]: Object.freeze({
      from: Object.freeze([CircuitState.closed, CircuitState.recovering]),
      to: CircuitState.open,
      requiresActive: true,
    }),
    [CircuitEventType.recovering]: Object.freeze({
      from: Object.freeze([CircuitState.open]),
      to: CircuitState.recovering,
      requiresActive: false,
    }),
    [CircuitEventType.step]: Object.freeze({
      from: Object.freeze([CircuitState.recovering]),
      to: CircuitState.recovering,
      requiresActive: false,
    }),
    [CircuitEventType.closed]: Object.freeze({
      from: Object.freeze([CircuitState.open, CircuitState.recovering]),
      to: CircuitState.closed,
      requiresActive: false,
    }),
  });

/**
 * The state `type` leads to from `state` (for a flag that is `active` or not), or `null` when
 * that event is not a transition from there.
 */
export function circuitTransition(
  state: CircuitState,
  type: CircuitEventType,
  active: boolean,
): CircuitState | null {
  const t = CIRCUIT_TRANSITIONS[type];
  if (!t.from.includes(state) || (t.requiresActive && !active)) return null;
  return t.to;
}
