import {
  combineCircuitState,
  parseCircuitKvState,
  parseFlagRule,
  type CircuitKvState,
  type FlagRule,
  type ParseError,
} from '@tailslide/contracts';
import { compileFlag, type CompiledFlag } from './evaluate.js';
import type { SignalCounter } from './signal-sink.js';

/** The newest entry of a flag when it could not be parsed. */
export interface InvalidEntry {
  /** The `version` the entry claimed, `null` when it had none readable. */
  readonly version: number | null;
  /** KV revision of the entry. */
  readonly revision: number;
  /** Why it was rejected. */
  readonly message: string;
}

/**
 * The live state of one flag key, and its signal counter. Togglers hold their slot directly, so
 * evaluation is a field read — no map lookup — and a rule change is visible to every toggler at
 * once.
 */
export interface FlagSlot extends SignalCounter {
  readonly flagKey: string;
  /**
   * The compiled rule in force — the last good rule combined with its circuit state (ADR 0008) —
   * `null` when unknown or deleted.
   */
  flag: CompiledFlag | null;
  /** The last good rule as Tower wrote it, before the circuit state is combined with it. */
  base: FlagRule | null;
  /** Airbag's circuit state for this flag, if any. */
  circuit: CircuitKvState | null;
  /** KV revision of the last circuit-state entry applied (0: none). */
  circuitRevision: number;
  /** Set while the newest entry for this key is newer than `flag` and could not be parsed. */
  invalid: InvalidEntry | null;
  /** KV revision of the last applied entry (0 for a snapshot-file rule). */
  revision: number;
  /** Revision of the delete that removed this flag, 0 when not deleted. */
  deletedRevision: number;
  /**
   * True once the store let go of this slot (it held nothing and too many such slots piled up).
   * A toggler holding it asks the store for the current slot on its next miss.
   */
  detached: boolean;
}

/** Outcome of applying one entry. */
export interface ApplyOutcome {
  /** Whether what evaluation sees changed. */
  readonly changed: boolean;
  /** Set when the entry was rejected and this is the first time this version is seen. */
  readonly error?: ParseError | undefined;
}

const UNCHANGED: ApplyOutcome = Object.freeze({ changed: false });
const CHANGED: ApplyOutcome = Object.freeze({ changed: true });

/**
 * How many slots that hold nothing (names asked for by togglers that the app does not have) are
 * kept. Beyond it the oldest are let go, so memory stays bounded whatever names callers pass.
 */
export const MAX_EMPTY_SLOTS = 1024;

/** The `version` a rejected entry claims, if it is readable at all. */
function claimedVersion(value: unknown): number | null {
  try {
    let v = value;
    if (v instanceof Uint8Array) v = new TextDecoder().decode(v);
    if (typeof v === 'string') v = JSON.parse(v) as unknown;
    if (typeof v !== 'object' || v === null) return null;
    const version = (v as { version?: unknown }).version;
    return typeof version === 'number' && Number.isFinite(version) ? version : null;
  } catch {
    return null;
  }
}

/**
 * Rules of one app, keyed by flag key. Applies an entry only when it is newer than what is held
 * (rule `version`; KV revision for deletes), so duplicates, replays and reordering are no-ops.
 * A rejected entry never replaces a good rule: the flag keeps its last good rule and is marked
 * invalid until a good entry arrives.
 */
export class FlagStore {
  readonly #appId: string;
  readonly #slots = new Map<string, FlagSlot>();
  // Slots that hold nothing: the ones the store may let go of.
  #empty = new Map<string, FlagSlot>();

  constructor(appId: string) {
    this.#appId = appId;
  }

  /** The slot of `flagKey`, created empty on first use. */
  slot(flagKey: string): FlagSlot {
    let s = this.#slots.get(flagKey);
    if (!s) {
      // A literal of one fixed shape (spreading a counter in costs ~20 µs per slot in V8).
      s = {
        flagKey,
        successes: 0,
        failures: 0,
        offSuccesses: 0,
        offFailures: 0,
        queued: false,
        flag: null,
        base: null,
        circuit: null,
        circuitRevision: 0,
        invalid: null,
        revision: 0,
        deletedRevision: 0,
        detached: false,
      };
      this.#slots.set(flagKey, s);
      this.#markEmpty(s);
    }
    return s;
  }

  /** Slot if it exists, without creating one. */
  peek(flagKey: string): FlagSlot | undefined {
    return this.#slots.get(flagKey);
  }

  /** Number of slots held (bounded: the app's flags and deletes plus at most {@link MAX_EMPTY_SLOTS}). */
  get size(): number {
    return this.#slots.size;
  }

  /** Applies a KV value (bytes, text or object) seen at `revision` for `flagKey`. */
  applyValue(flagKey: string, value: unknown, revision: number): ApplyOutcome {
    const parsed = parseFlagRule(value);
    if (!parsed.ok) return this.#applyInvalid(flagKey, value, revision, parsed.error);
    const rule = parsed.value;
    if (rule.appId !== this.#appId || rule.flagKey !== flagKey) {
      return this.#applyInvalid(flagKey, value, revision, {
        code: 'invalid_field',
        path: rule.appId !== this.#appId ? 'appId' : 'flagKey',
        message: `entry for ${this.#appId}/${flagKey} holds a rule for ${rule.appId}/${rule.flagKey}`,
      });
    }
    return this.applyRule(rule, revision);
  }

  /** Applies an already-parsed rule (snapshot file, in-memory source). */
  applyRule(rule: FlagRule, revision: number): ApplyOutcome {
    const s = this.slot(rule.flagKey);
    if (s.flag) {
      if (rule.version <= s.flag.rule.version) return UNCHANGED;
    } else if (s.deletedRevision > 0 && revision <= s.deletedRevision) {
      return UNCHANGED; // a replay of an entry older than the delete
    }
    s.base = rule;
    s.flag = compileFlag(combineCircuitState(rule, s.circuit));
    s.invalid = null;
    s.deletedRevision = 0;
    if (revision > s.revision) s.revision = revision;
    this.#markHeld(s);
    return CHANGED;
  }

  /** Applies a KV delete/purge of `flagKey` seen at `revision`. */
  applyDelete(flagKey: string, revision: number): ApplyOutcome {
    const s = this.#slots.get(flagKey);
    if (!s || (!s.flag && !s.invalid)) return UNCHANGED;
    if (revision > 0 && revision <= s.revision) return UNCHANGED;
    s.flag = null;
    s.base = null;
    s.invalid = null;
    s.revision = revision;
    s.deletedRevision = revision;
    return CHANGED;
  }

  /**
   * Applies a circuit-state KV value (`null`: deleted) seen at `revision` for `flagKey`: the rule
   * in force becomes the rule combined with it. Entries older than the one held are replays.
   */
  applyCircuit(flagKey: string, value: unknown, revision: number): ApplyOutcome {
    const s = this.slot(flagKey);
    if (revision > 0 && revision <= s.circuitRevision) return UNCHANGED;
    let circuit: CircuitKvState | null = null;
    if (value !== null) {
      const parsed = parseCircuitKvState(value);
      if (!parsed.ok) return { changed: false, error: parsed.error };
      if (parsed.value.appId !== this.#appId || parsed.value.flagKey !== flagKey) {
        return {
          changed: false,
          error: {
            code: 'invalid_field',
            path: 'flagKey',
            message: `circuit state for ${this.#appId}/${flagKey} names ${parsed.value.appId}/${parsed.value.flagKey}`,
          },
        };
      }
      circuit = parsed.value;
    }
    s.circuitRevision = revision;
    s.circuit = circuit;
    return this.#recombine(s);
  }

  /** Drops the circuit states not in `keep` (after a full resync); returns the keys that changed. */
  retainCircuits(keep: ReadonlySet<string>): string[] {
    const changed: string[] = [];
    for (const s of this.#slots.values()) {
      if (s.circuit === null || keep.has(s.flagKey)) continue;
      s.circuit = null;
      if (this.#recombine(s).changed) changed.push(s.flagKey);
    }
    return changed;
  }

  #recombine(s: FlagSlot): ApplyOutcome {
    if (s.base === null) return UNCHANGED;
    const before = s.flag?.rule;
    const rule = combineCircuitState(s.base, s.circuit);
    if (rule === before) return UNCHANGED;
    s.flag = compileFlag(rule);
    return CHANGED;
  }

  #applyInvalid(
    flagKey: string,
    value: unknown,
    revision: number,
    error: ParseError,
  ): ApplyOutcome {
    const s = this.slot(flagKey);
    if (revision > 0 && revision <= s.revision) return UNCHANGED;
    const version = claimedVersion(value);
    // Version ordering applies to bad entries too: one older than the rule held is a replay.
    if (s.flag && version !== null && version <= s.flag.rule.version) return UNCHANGED;
    const seen = s.invalid !== null && version !== null && s.invalid.version === version;
    // Without a good rule the flag goes from "not found" to "invalid": evaluation's reason changes.
    const changed = s.flag === null && s.invalid === null;
    s.invalid = { version, revision, message: error.message };
    if (revision > s.revision) s.revision = revision;
    this.#markHeld(s);
    return seen ? { changed } : { changed, error };
  }

  /**
   * Forgets every flag not in `keep` (after a full resync: the source's current set is complete);
   * returns the keys whose rule went away.
   */
  retainOnly(keep: ReadonlySet<string>): string[] {
    const removed: string[] = [];
    for (const s of this.#slots.values()) {
      if (keep.has(s.flagKey)) continue;
      if (s.flag || s.invalid) removed.push(s.flagKey);
      s.flag = null;
      s.base = null;
      s.invalid = null;
      s.deletedRevision = 0;
      this.#markEmpty(s);
    }
    return removed;
  }

  /** Every rule currently in force (the last good rule of an invalid flag included). */
  rules(): FlagRule[] {
    const out: FlagRule[] = [];
    for (const s of this.#slots.values()) if (s.flag) out.push(s.flag.rule);
    return out;
  }

  /** Keys of the slots asked for that hold no rule (names the app does not have, so far). */
  unknownKeys(limit: number): string[] {
    const out: string[] = [];
    for (const s of this.#empty.values()) {
      if (out.length >= limit) break;
      out.push(s.flagKey);
    }
    return out;
  }

  #markHeld(s: FlagSlot): void {
    this.#empty.delete(s.flagKey);
  }

  #markEmpty(s: FlagSlot): void {
    if (s.flag || s.invalid || s.deletedRevision > 0) return;
    this.#empty.set(s.flagKey, s);
    if (this.#empty.size <= MAX_EMPTY_SLOTS) return;
    // Let go of them all at once: amortised O(1) per slot (dropping the oldest one by one would
    // walk the map's deleted entries from its start every time).
    for (const e of this.#empty.values()) {
      this.#slots.delete(e.flagKey);
      e.detached = true;
    }
    this.#empty = new Map();
  }
}
