import type { AuditChange } from '@tailslide/contracts';

/**
 * Largest JSON size of one entry's changes. 200 entries (the largest log page) × 4 KiB plus the
 * entries' other fields stays under 1 MB whatever the size of the entities they describe.
 */
export const MAX_CHANGES_BYTES = 4096;

/** A timestamp that changes with every write (the version, kept, ties a change to the KV). */
const IGNORED = new Set(['updatedAt']);

/** Limits of one rendering pass; tightened until the changes fit {@link MAX_CHANGES_BYTES}. */
interface Limits {
  readonly chars: number;
  readonly items: number;
}
const PASSES: readonly Limits[] = [
  { chars: 200, items: 10 },
  { chars: 60, items: 3 },
  { chars: 16, items: 0 },
];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

const isPrimitiveArray = (v: unknown): v is (string | number | boolean | null)[] =>
  Array.isArray(v) && v.every((x) => x === null || typeof x !== 'object');

/** JSON value of `v` (Dates as ISO strings, undefined as null). */
function json(v: unknown): Json {
  if (v === undefined) return null;
  return JSON.parse(JSON.stringify(v) ?? 'null') as Json;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(json(a)) === JSON.stringify(json(b));
}

function shorten(v: Json, l: Limits): Json {
  if (typeof v === 'string')
    return v.length > l.chars ? `${v.slice(0, l.chars)}… (${v.length} characters)` : v;
  if (Array.isArray(v)) return list(v, l);
  if (v !== null && typeof v === 'object') {
    const out: { [k: string]: Json } = {};
    for (const [k, x] of Object.entries(v)) out[k] = shorten(x, l);
    return out;
  }
  return v;
}

/** The first `l.items` items, then a `… and N more` marker. */
function list(xs: readonly Json[], l: Limits): Json[] {
  const head = xs.slice(0, l.items).map((x) => shorten(x, l));
  return xs.length > l.items ? [...head, `… and ${xs.length - l.items} more`] : head;
}

function arrayChanges(field: string, before: unknown, after: unknown, l: Limits): AuditChange[] {
  const b = isPrimitiveArray(before) ? before : [];
  const a = isPrimitiveArray(after) ? after : [];
  if (b.length + a.length <= l.items) {
    return [{ field, before: shorten(json(before), l), after: shorten(json(after), l) }];
  }
  const inBefore = new Set(b);
  const inAfter = new Set(a);
  const added = a.filter((x) => !inBefore.has(x));
  const removed = b.filter((x) => !inAfter.has(x));
  const out: AuditChange[] = [];
  if (b.length !== a.length || before === null || after === null) {
    out.push({
      field: `${field}.size`,
      before: before === null || before === undefined ? null : b.length,
      after: after === null || after === undefined ? null : a.length,
    });
  }
  if (added.length > 0) out.push({ field: `${field}.added`, before: null, after: list(added, l) });
  if (removed.length > 0)
    out.push({ field: `${field}.removed`, before: list(removed, l), after: null });
  if (added.length === 0 && removed.length === 0 && out.length === 0)
    out.push({ field: `${field}.order`, before: null, after: 'changed' });
  return out;
}

function collect(
  prefix: string,
  before: Record<string, unknown> | null,
  after: Record<string, unknown> | null,
  l: Limits,
  out: AuditChange[],
): void {
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  for (const k of [...keys].sort()) {
    if (IGNORED.has(k)) continue;
    const field = prefix ? `${prefix}.${k}` : k;
    const b = before?.[k];
    const a = after?.[k];
    if (before !== null && after !== null && same(b, a)) continue;
    if ((isObject(b) || b === undefined) && (isObject(a) || a === undefined) && (b || a)) {
      collect(field, isObject(b) ? b : null, isObject(a) ? a : null, l, out);
    } else if (
      (isPrimitiveArray(b) || b === undefined) &&
      (isPrimitiveArray(a) || a === undefined)
    ) {
      out.push(...arrayChanges(field, before === null ? null : b, after === null ? null : a, l));
    } else {
      out.push({
        field,
        before: before === null ? null : shorten(json(b), l),
        after: after === null ? null : shorten(json(a), l),
      });
    }
  }
}

/**
 * What changed between two versions of an entity, field by field (`before` `null` for a creation,
 * `after` `null` for a deletion). Nested objects become dotted fields; lists of values longer than
 * a few items become `<field>.size`, `<field>.added` and `<field>.removed`. Values are shortened
 * until the whole list fits in {@link MAX_CHANGES_BYTES}, so an audit row never holds an entity.
 */
export function auditChanges(before: unknown, after: unknown): AuditChange[] {
  const b = isObject(before) ? before : null;
  const a = isObject(after) ? after : null;
  if (b === null && a === null) {
    if (same(before, after)) return [];
    return [{ field: 'value', before: json(before), after: json(after) }];
  }
  let out: AuditChange[] = [];
  for (const limits of PASSES) {
    out = [];
    collect('', b, a, limits, out);
    if (Buffer.byteLength(JSON.stringify(out), 'utf8') <= MAX_CHANGES_BYTES) return out;
  }
  // Still too large (an entity with hundreds of changed fields): keep the field names only.
  const kept: AuditChange[] = [];
  let bytes = 2;
  for (const [i, { field }] of out.entries()) {
    const change = { field, before: '…', after: '…' };
    bytes += Buffer.byteLength(JSON.stringify(change), 'utf8') + 1;
    if (bytes > MAX_CHANGES_BYTES - 80) {
      kept.push({ field: '…', before: null, after: `${out.length - i} more fields` });
      break;
    }
    kept.push(change);
  }
  return kept;
}
