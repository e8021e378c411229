import {
  CircuitEventType,
  DEFAULT_CIRCUIT_SETTINGS,
  type CircuitEvent,
} from '@tailslide/contracts';
import { describe, expect, it } from 'vitest';
import type { Flag } from '../flags/flag-store.js';
import { decideCircuitEvent, toggleValues } from './circuit-transitions.js';

const now = new Date('2026-01-01T00:00:00Z');

function flag(over: Partial<Flag> = {}): Flag {
  return {
    id: 1,
    appId: 7,
    key: 'f',
    title: 'F',
    description: '',
    active: true,
    rolloutPercentage: 100,
    whitelist: [],
    salt: 'f',
    circuit: DEFAULT_CIRCUIT_SETTINGS,
    circuitStatus: {
      state: 'closed',
      recoveryPercentage: 100,
      changedAt: '2025-12-31T00:00:00.000Z',
    },
    alertWebhookIds: [],
    version: 5,
    createdAt: now,
    updatedAt: now,
    ...over,
  };
}

function event(type: CircuitEvent['type'], ruleVersion = 5, recoveryPercentage = 0): CircuitEvent {
  return {
    schemaVersion: 1,
    id: `7.f.${ruleVersion}.${type}`,
    type,
    appId: '7',
    flagKey: 'f',
    ruleVersion,
    recoveryPercentage,
    occurredAt: now.toISOString(),
    stats: null,
    reason: '',
  };
}

describe('decideCircuitEvent', () => {
  it('opens a closed circuit: flag off, recovery 0', () => {
    const d = decideCircuitEvent(flag(), event(CircuitEventType.opened));
    expect(d.outcome).toBe('applied');
    if (d.outcome === 'applied') {
      expect(d.values.active).toBe(false);
      expect(d.values.circuitStatus).toEqual({
        state: 'open',
        recoveryPercentage: 0,
        changedAt: now,
      });
    }
  });

  it('records a decision made before a human changed the circuit as stale', () => {
    const reset = flag({
      version: 6,
      circuitStatus: {
        state: 'closed',
        recoveryPercentage: 100,
        changedAt: '2026-01-01T00:00:05Z',
      },
    });
    expect(decideCircuitEvent(reset, event(CircuitEventType.opened, 5)).outcome).toBe('stale');
    expect(decideCircuitEvent(flag(), event(CircuitEventType.opened, 9)).outcome).toBe('stale');
  });

  it('folds a decision taken before later changes that left the circuit alone', () => {
    // Version 6 is a rollout edit (or Tower folding an earlier decision): the circuit's last
    // change is older than the decision, so the decision still stands (ADR 0008).
    const d = decideCircuitEvent(flag({ version: 6 }), event(CircuitEventType.opened, 5));
    expect(d.outcome).toBe('applied');
  });

  it('moves open → recovering → step → closed, flag back on', () => {
    const open = flag({
      active: false,
      circuitStatus: { state: 'open', recoveryPercentage: 0, changedAt: '' },
    });
    const rec = decideCircuitEvent(open, event(CircuitEventType.recovering, 5, 10));
    expect(rec.outcome === 'applied' && rec.values).toMatchObject({
      active: true,
      circuitStatus: { state: 'recovering', recoveryPercentage: 10 },
    });
    const recovering = flag({
      circuitStatus: { state: 'recovering', recoveryPercentage: 10, changedAt: '' },
    });
    const step = decideCircuitEvent(recovering, event(CircuitEventType.step, 5, 20));
    expect(step.outcome === 'applied' && step.values.circuitStatus.recoveryPercentage).toBe(20);
    const closed = decideCircuitEvent(recovering, event(CircuitEventType.closed, 5, 100));
    expect(closed.outcome === 'applied' && closed.values).toMatchObject({
      active: true,
      circuitStatus: { state: 'closed', recoveryPercentage: 100 },
    });
  });

  it('rejects transitions that do not start from the right state', () => {
    expect(decideCircuitEvent(flag(), event(CircuitEventType.recovering)).outcome).toBe(
      'invalid_transition',
    );
    expect(decideCircuitEvent(flag(), event(CircuitEventType.step)).outcome).toBe(
      'invalid_transition',
    );
    expect(decideCircuitEvent(flag(), event(CircuitEventType.closed)).outcome).toBe(
      'invalid_transition',
    );
    expect(
      decideCircuitEvent(flag({ active: false }), event(CircuitEventType.opened)).outcome,
    ).toBe('invalid_transition');
  });
});

describe('toggleValues', () => {
  it('cancels a recovery when turned off', () => {
    const v = toggleValues(
      flag({ circuitStatus: { state: 'recovering', recoveryPercentage: 30, changedAt: '' } }),
      false,
      now,
    );
    expect(v.active).toBe(false);
    expect(v.circuitStatus).toEqual({ state: 'closed', recoveryPercentage: 100, changedAt: now });
  });

  it('closes an open circuit when turned on', () => {
    const v = toggleValues(
      flag({
        active: false,
        circuitStatus: { state: 'open', recoveryPercentage: 0, changedAt: '' },
      }),
      true,
      now,
    );
    expect(v.active).toBe(true);
    expect(v.circuitStatus.state).toBe('closed');
  });

  it('restarts the evidence period when a closed flag is turned back on', () => {
    const v = toggleValues(flag({ active: false }), true, now);
    expect(v.active).toBe(true);
    expect(v.circuitStatus).toEqual({ state: 'closed', recoveryPercentage: 100, changedAt: now });
  });

  it('leaves a closed circuit alone when turned off', () => {
    const f = flag();
    expect(toggleValues(f, false, now).circuitStatus.changedAt).toEqual(
      new Date(f.circuitStatus.changedAt),
    );
  });
});
