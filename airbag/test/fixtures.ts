import {
  CircuitState,
  DEFAULT_CIRCUIT_SETTINGS,
  RULESET_SCHEMA_VERSION,
  type CircuitSettings,
  type CircuitStatus,
  type FlagRule,
} from '@tailslide/contracts';

export const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

export interface RuleOverrides {
  appId?: string;
  flagKey?: string;
  version?: number;
  active?: boolean;
  circuit?: Partial<CircuitSettings>;
  status?: Partial<CircuitStatus>;
}

/** A valid rule with sensible test defaults, closed since T0 - 1 h. */
export function makeRule(o: RuleOverrides = {}): FlagRule {
  const state = o.status?.state ?? CircuitState.closed;
  return {
    schemaVersion: RULESET_SCHEMA_VERSION,
    appId: o.appId ?? 'app1',
    flagKey: o.flagKey ?? 'flag1',
    version: o.version ?? 1,
    active: o.active ?? state !== CircuitState.open,
    rolloutPercentage: 100,
    whitelist: [],
    salt: o.flagKey ?? 'flag1',
    circuit: { ...DEFAULT_CIRCUIT_SETTINGS, ...o.circuit },
    circuitStatus: {
      state,
      recoveryPercentage:
        state === CircuitState.closed ? 100 : state === CircuitState.open ? 0 : 10,
      changedAt: new Date(T0 - 3_600_000).toISOString(),
      ...o.status,
    },
    updatedAt: new Date(T0 - 3_600_000).toISOString(),
  };
}
