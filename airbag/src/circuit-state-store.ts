import {
  ALL_CIRCUITS_KV_FILTER,
  circuitKvKey,
  combineCircuitState,
  encodeCircuitKvState,
  parseCircuitKvKey,
  parseCircuitKvState,
  type CircuitKvState,
  type FlagRule,
  probeKvWatch,
} from '@tailslide/contracts';
import type { KV } from '@nats-io/kv';
import type { Logger } from 'pino';

/** A circuit state and the KV revision it was read or written at. */
export interface HeldCircuitState {
  readonly state: CircuitKvState;
  readonly revision: number;
}

export interface CircuitStateStoreDeps {
  /** The flags bucket (circuit states live beside the rules, ADR 0008). */
  readonly kv: KV;
  readonly logger: Logger;
  /** Delay before re-opening a watch that ended. @default 1000 */
  readonly restartDelayMs?: number;
}

function stateId(appId: string, flagKey: string): string {
  return `${appId}.${flagKey}`;
}

/**
 * Airbag's memory of its own decisions: the circuit state of every flag, kept from a KV watch on
 * `apps.*.circuits.*` and written by the leader with compare-and-set on the revision it decided
 * from, so two leaders of a split brain cannot both move a circuit. Survives leader changes and
 * restarts: the new leader reads the states from the KV.
 */
export class CircuitStateStore {
  readonly #kv: KV;
  readonly #logger: Logger;
  readonly #restartDelayMs: number;
  readonly #states = new Map<string, HeldCircuitState>();
  readonly #combined = new WeakMap<FlagRule, { held: HeldCircuitState; rule: FlagRule }>();
  #stopped = false;
  #stopWatch: (() => void) | null = null;
  #restartTimer: NodeJS.Timeout | null = null;
  #loop: Promise<void> = Promise.resolve();

  private constructor(deps: CircuitStateStoreDeps) {
    this.#kv = deps.kv;
    this.#logger = deps.logger;
    this.#restartDelayMs = deps.restartDelayMs ?? 1000;
  }

  /** Starts watching and resolves once the states already in the KV are held. */
  static async start(deps: CircuitStateStoreDeps): Promise<CircuitStateStore> {
    const s = new CircuitStateStore(deps);
    await s.#open();
    return s;
  }

  /** The state held for one flag. */
  get(appId: string, flagKey: string): HeldCircuitState | undefined {
    return this.#states.get(stateId(appId, flagKey));
  }

  /** Every state held. */
  all(): IterableIterator<HeldCircuitState> {
    return this.#states.values();
  }

  /**
   * The rule Airbag decides on: `rule` combined with its circuit state (contracts'
   * `combineCircuitState`), memoized per rule object and state.
   */
  effective(rule: FlagRule): FlagRule {
    const held = this.#states.get(stateId(rule.appId, rule.flagKey));
    if (held === undefined) return rule;
    const memo = this.#combined.get(rule);
    if (memo !== undefined && memo.held === held) return memo.rule;
    const combined = combineCircuitState(rule, held.state);
    this.#combined.set(rule, { held, rule: combined });
    return combined;
  }

  /**
   * Writes `state` if the flag's entry is still at `expectedRevision` (0: no entry yet), and holds
   * it at once (the watch echoes it later). Rejects on a conflict or when NATS is unreachable.
   */
  async write(state: CircuitKvState, expectedRevision: number): Promise<HeldCircuitState> {
    const key = circuitKvKey(state.appId, state.flagKey);
    const value = encodeCircuitKvState(state);
    const revision =
      expectedRevision === 0
        ? await this.#kv.create(key, value)
        : await this.#kv.update(key, value, expectedRevision);
    const held = { state, revision };
    this.#hold(stateId(state.appId, state.flagKey), held);
    return held;
  }

  /**
   * Re-opens the watch from scratch (every key read again). Airbag calls it when a NATS server
   * leaves the cluster: the watch's ordered consumer may have lived there, and nats.js would
   * notice only after missed heartbeats and then re-create it slowly (95 s measured).
   */
  rewatch(): void {
    if (!this.#stopped) this.#stopWatch?.();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    this.#stopWatch?.();
    await this.#loop;
  }

  #hold(id: string, held: HeldCircuitState): void {
    const current = this.#states.get(id);
    if (current === undefined || held.revision > current.revision) this.#states.set(id, held);
  }

  async #open(): Promise<void> {
    let expected = 0;
    for await (const _key of await this.#kv.keys(ALL_CIRCUITS_KV_FILTER)) expected++;
    const iter = await this.#kv.watch({ key: ALL_CIRCUITS_KV_FILTER });
    let stopped = false;
    this.#stopWatch = () => {
      if (stopped) return;
      stopped = true;
      probe?.stop();
      iter.stop();
    };
    const stopThisWatch = this.#stopWatch;
    // The watch's consumer may die with a cluster server while Airbag's connection stays up.
    const probe = probeKvWatch(iter, {
      onLost: (reason) => {
        this.#logger.warn({ reason }, 'circuit state watch consumer lost; re-opening');
        stopThisWatch();
      },
    });
    let markReady: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => {
      markReady = resolve;
    });
    if (expected === 0) markReady();
    this.#loop = (async () => {
      try {
        for await (const entry of iter) {
          const key = parseCircuitKvKey(entry.key);
          if (key !== null) {
            const id = stateId(key.appId, key.flagKey);
            if (entry.operation !== 'PUT') {
              const current = this.#states.get(id);
              if (current === undefined || entry.revision > current.revision)
                this.#states.delete(id);
            } else {
              const parsed = parseCircuitKvState(entry.value);
              if (!parsed.ok) {
                this.#logger.warn({ key: entry.key, error: parsed.error }, 'invalid circuit state');
              } else if (parsed.value.appId === key.appId && parsed.value.flagKey === key.flagKey) {
                this.#hold(id, { state: parsed.value, revision: entry.revision });
              }
            }
          }
          if (entry.isUpdate || entry.delta === 0) markReady();
        }
      } catch (err) {
        this.#logger.warn({ err }, 'circuit state watch failed');
      }
      probe?.stop();
      markReady();
      if (!this.#stopped) this.#scheduleRestart();
    })();
    await ready;
  }

  #scheduleRestart(): void {
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = null;
      if (this.#stopped) return;
      this.#open().catch((err: unknown) => {
        this.#logger.warn({ err }, 'could not re-open the circuit state watch; retrying');
        if (!this.#stopped) this.#scheduleRestart();
      });
    }, this.#restartDelayMs);
  }
}
