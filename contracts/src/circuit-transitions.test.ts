import { describe, expect, it } from 'vitest';
import { CircuitEventType } from './circuit-events.js';
import { circuitTransition } from './circuit-transitions.js';
import { CircuitState } from './ruleset.js';

describe('circuitTransition', () => {
  it('lists exactly the transitions of the state machine', () => {
    const legal: string[] = [];
    for (const state of Object.values(CircuitState))
      for (const type of Object.values(CircuitEventType))
        for (const active of [true, false]) {
          const to = circuitTransition(state, type, active);
          if (to !== null) legal.push(`${state} ${type}${active ? '' : ' (inactive)'} → ${to}`);
        }
    expect(legal.sort()).toEqual(
      [
        'closed circuit.opened → open',
        'recovering circuit.opened → open',
        'open circuit.recovering → recovering',
        'open circuit.recovering (inactive) → recovering',
        'recovering circuit.step → recovering',
        'recovering circuit.step (inactive) → recovering',
        'open circuit.closed → closed',
        'open circuit.closed (inactive) → closed',
        'recovering circuit.closed → closed',
        'recovering circuit.closed (inactive) → closed',
      ].sort(),
    );
  });
});
