import {
  RULESET_SCHEMA_VERSION,
  DEFAULT_CIRCUIT_SETTINGS,
  CircuitState,
  type FlagRule,
} from '@tailslide/contracts';
import { FlagManager, type FlagManagerOptions } from './flag-manager.js';
import type { RulesetListener, RulesetSource } from './ruleset-source.js';
import type { SignalBatch, SignalWriter } from './signal-sink.js';

/**
 * An in-memory ruleset source for your own tests: no NATS needed. Put rules with `setRule`,
 * remove them with `deleteFlag`; changes reach the manager synchronously.
 */
export class InMemoryRulesetSource implements RulesetSource {
  readonly #rules = new Map<string, FlagRule>();
  #listener: RulesetListener | null = null;
  #revision = 0;

  constructor(rules: readonly FlagRule[] = []) {
    for (const r of rules) this.#rules.set(r.flagKey, r);
  }

  start(listener: RulesetListener): void {
    this.#listener = listener;
    listener.onResync();
    for (const r of this.#rules.values()) listener.onEntry(r.flagKey, r, ++this.#revision);
    listener.onSynced();
  }

  /** Adds or replaces a rule (remember to bump `version`, as Tower does). */
  setRule(rule: FlagRule): void {
    this.#rules.set(rule.flagKey, rule);
    this.#listener?.onEntry(rule.flagKey, rule, ++this.#revision);
  }

  /** Removes a flag. */
  deleteFlag(flagKey: string): void {
    this.#rules.delete(flagKey);
    this.#listener?.onEntry(flagKey, null, ++this.#revision);
  }

  close(): Promise<void> {
    this.#listener = null;
    return Promise.resolve();
  }
}

/** A signal writer that keeps totals in memory, for your own tests. */
export class InMemorySignalWriter implements SignalWriter {
  /** Every batch written, in order. */
  readonly batches: SignalBatch[] = [];

  write(batch: SignalBatch): Promise<void> {
    this.batches.push(batch);
    return Promise.resolve();
  }

  /**
   * Total successes and failures written for `flagKey`: on-arm `successes` / `failures`,
   * off-arm (control) `offSuccesses` / `offFailures`.
   */
  totals(flagKey: string): {
    successes: number;
    failures: number;
    offSuccesses: number;
    offFailures: number;
  } {
    let successes = 0;
    let failures = 0;
    let offSuccesses = 0;
    let offFailures = 0;
    for (const b of this.batches) {
      for (const e of b.entries) {
        if (e.flagKey !== flagKey) continue;
        successes += e.successes;
        failures += e.failures;
        offSuccesses += e.offSuccesses;
        offFailures += e.offFailures;
      }
    }
    return { successes, failures, offSuccesses, offFailures };
  }
}

/** A valid rule with sensible defaults (active, 100 % rollout, closed circuit); override any field. */
export function testFlagRule(
  overrides: Partial<FlagRule> & Pick<FlagRule, 'appId' | 'flagKey'>,
): FlagRule {
  const now = new Date(0).toISOString();
  return {
    schemaVersion: RULESET_SCHEMA_VERSION,
    version: 1,
    active: true,
    rolloutPercentage: 100,
    whitelist: [],
    salt: overrides.flagKey,
    circuit: DEFAULT_CIRCUIT_SETTINGS,
    circuitStatus: { state: CircuitState.closed, recoveryPercentage: 100, changedAt: now },
    updatedAt: now,
    ...overrides,
  };
}

/**
 * A FlagManager backed by memory (no NATS, no Redis), for testing code that uses flags.
 * Returns the manager, its source (to change rules) and its writer (to read signals).
 */
export function createTestFlagManager(
  options: { appId: string; rules?: readonly FlagRule[] } & Omit<
    FlagManagerOptions,
    'appId' | 'nats' | 'redis' | 'rulesetSource' | 'signalWriter'
  >,
): { manager: FlagManager; source: InMemoryRulesetSource; writer: InMemorySignalWriter } {
  const { rules, ...rest } = options;
  const source = new InMemoryRulesetSource(rules);
  const writer = new InMemorySignalWriter();
  const manager = new FlagManager({ ...rest, rulesetSource: source, signalWriter: writer });
  return { manager, source, writer };
}
