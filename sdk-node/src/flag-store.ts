import { parseFlagRule, type FlagRule, type ParseError } from '@tailslide/contracts';
import { compileFlag, type CompiledFlag } from './evaluate.js';

/**
 * The live state of one flag key. Togglers hold their slot directly, so evaluation is a field
 * read — no map lookup — and a rule change is visible to every toggler at once.
 */
export interface FlagSlot {
  readonly flagKey: string;
  /** The compiled rule in force, `null` when unknown, deleted or invalid. */
  flag: CompiledFlag | null;
  /** True when the latest entry for this key could not be parsed. */
  invalid: boolean;
  /** KV revision of the last applied entry (0 for a snapshot-file rule). */
  revision: number;
  /** Revision of the delete that removed this flag, 0 when not deleted. */
  deletedRevision: number;
}

/** Outcome of applying one entry: whether it changed what evaluation sees. */
export type ApplyOutcome =
  | { readonly changed: boolean; readonly error?: undefined }
  | { readonly changed: boolean; readonly error: ParseError };

const UNCHANGED: ApplyOutcome = Object.freeze({ changed: false });
const CHANGED: ApplyOutcome = Object.freeze({ changed: true });

/**
 * Rules of one app, keyed by flag key. Applies an entry only when it is newer than what is held
 * (rule `version`; KV revision for deletes), so duplicates, replays and reordering are no-ops.
 */
export class FlagStore {
  readonly #appId: string;
  readonly #slots = new Map<string, FlagSlot>();

  constructor(appId: string) {
    this.#appId = appId;
  }

  /** The slot of `flagKey`, created empty on first use. */
  slot(flagKey: string): FlagSlot {
    let s = this.#slots.get(flagKey);
    if (!s) {
      s = { flagKey, flag: null, invalid: false, revision: 0, deletedRevision: 0 };
      this.#slots.set(flagKey, s);
    }
    return s;
  }

  /** Slot if it exists, without creating one. */
  peek(flagKey: string): FlagSlot | undefined {
    return this.#slots.get(flagKey);
  }

  /** Applies a KV value (bytes, text or object) seen at `revision` for `flagKey`. */
  applyValue(flagKey: string, value: unknown, revision: number): ApplyOutcome {
    const parsed = parseFlagRule(value);
    if (!parsed.ok) return this.#applyInvalid(flagKey, revision, parsed.error);
    const rule = parsed.value;
    if (rule.appId !== this.#appId || rule.flagKey !== flagKey) {
      return this.#applyInvalid(flagKey, revision, {
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
    s.flag = compileFlag(rule);
    s.invalid = false;
    s.deletedRevision = 0;
    if (revision > s.revision) s.revision = revision;
    return CHANGED;
  }

  /** Applies a KV delete/purge of `flagKey` seen at `revision`. */
  applyDelete(flagKey: string, revision: number): ApplyOutcome {
    const s = this.#slots.get(flagKey);
    if (!s || (!s.flag && !s.invalid)) return UNCHANGED;
    if (revision > 0 && revision <= s.revision) return UNCHANGED;
    s.flag = null;
    s.invalid = false;
    s.revision = revision;
    s.deletedRevision = revision;
    return CHANGED;
  }

  #applyInvalid(flagKey: string, revision: number, error: ParseError): ApplyOutcome {
    const s = this.slot(flagKey);
    if (revision > 0 && revision <= s.revision) return UNCHANGED;
    const changed = s.flag !== null || !s.invalid;
    s.flag = null;
    s.invalid = true;
    s.revision = revision;
    return { changed, error };
  }

  /** Removes every flag not in `keep` (after a full resync); returns the keys removed. */
  retainOnly(keep: ReadonlySet<string>): string[] {
    const removed: string[] = [];
    for (const s of this.#slots.values()) {
      if ((s.flag || s.invalid) && !keep.has(s.flagKey)) {
        s.flag = null;
        s.invalid = false;
        removed.push(s.flagKey);
      }
    }
    return removed;
  }

  /** Every rule currently in force. */
  rules(): FlagRule[] {
    const out: FlagRule[] = [];
    for (const s of this.#slots.values()) if (s.flag) out.push(s.flag.rule);
    return out;
  }
}
