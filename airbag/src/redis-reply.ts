import { parseSignalField } from '@tailslide/contracts';
import type { BucketCounts } from './error-rate.js';

/*
 * The two reply shapes a signal bucket is read in, and their parsers. Pure: no I/O. The field
 * format (`<flagKey>:s`, `<flagKey>:f`) is contracts' `signalField`.
 */

/**
 * Reads one bucket hash as `[fieldCount × 2, "field\nvalue\nfield\nvalue…"]`: one string per
 * bucket instead of 400. node-redis spends ~0.4 µs decoding each RESP string, which made the
 * client, not Redis, the bottleneck of a 10,000-circuit tick (≈ 27 of 35 ms for 60,000 fields);
 * one joined string per bucket cuts the read's client CPU by ~5× (README, "Benchmarks"). The
 * element count lets the parser detect a field or value that itself contains a newline (only a
 * foreign writer could put one there): such a bucket is re-read with a plain `HGETALL`.
 * `flags=no-writes` (Redis 7+, Valkey) keeps it runnable on a full (`maxmemory`) server and on
 * replicas; a server that rejects it (Redis 6) gets `HGETALL` instead.
 */
export const BUCKET_SCRIPT =
  "#!lua flags=no-writes\nlocal t = redis.call('HGETALL', KEYS[1]) return { #t, table.concat(t, '\\n') }";

type MutableCounts = {
  successes: number;
  failures: number;
  offSuccesses: number;
  offFailures: number;
};
type MutableBucket = Map<string, MutableCounts>;

type ParsedField = ReturnType<typeof parseSignalField>;

/**
 * Field names repeat every tick (`<flagKey>:s`, `<flagKey>:f`): parsing each once saves an
 * allocation per field per tick. Bounded; cleared when it grows past the limit. Off-arm fields
 * (`<flagKey>:os`, `<flagKey>:of`, ADR 0009) land in the same counts object.
 */
export class FieldCache {
  readonly #parsed = new Map<string, ParsedField>();

  get(field: string): ParsedField {
    let p = this.#parsed.get(field);
    if (p === undefined) {
      if (this.#parsed.size >= 200_000) this.#parsed.clear();
      p = parseSignalField(field);
      this.#parsed.set(field, p);
    }
    return p;
  }
}

/**
 * Parses {@link BUCKET_SCRIPT}'s reply. `null` when it is not that shape or the joined string
 * does not split into exactly the reported number of elements (a newline inside a field or value).
 */
export function parseJoinedReply(reply: unknown, fields: FieldCache): BucketCounts | null {
  if (!Array.isArray(reply) || reply.length !== 2) return null;
  const [count, joined] = reply as unknown[];
  if (typeof count !== 'number' || typeof joined !== 'string') return null;
  const bucket: MutableBucket = new Map();
  if (count === 0) return joined === '' ? bucket : null;
  const len = joined.length;
  let elements = 0;
  let i = 0;
  while (i <= len) {
    let j = joined.indexOf('\n', i);
    if (j < 0) j = len;
    const field = joined.slice(i, j);
    i = j + 1;
    if (i > len) return null;
    j = joined.indexOf('\n', i);
    if (j < 0) j = len;
    elements += 2;
    const parsed = fields.get(field);
    if (parsed !== null) addCount(bucket, parsed, parseCount(joined, i, j));
    i = j + 1;
  }
  return elements === count ? bucket : null;
}

/** The decimal integer in `s[from, to)`, read from its digits; anything else via `Number()`. */
function parseCount(s: string, from: number, to: number): number {
  if (to === from || to - from > 15) return Number(s.slice(from, to));
  let n = 0;
  for (let k = from; k < to; k++) {
    const d = s.charCodeAt(k) - 48;
    if (d < 0 || d > 9) return Number(s.slice(from, to));
    n = n * 10 + d;
  }
  return n;
}

function addCount(bucket: MutableBucket, parsed: NonNullable<ParsedField>, n: number): void {
  if (!Number.isFinite(n) || n <= 0) return;
  let counts = bucket.get(parsed.flagKey);
  if (counts === undefined) {
    counts = { successes: 0, failures: 0, offSuccesses: 0, offFailures: 0 };
    bucket.set(parsed.flagKey, counts);
  }
  if (parsed.arm === 'on') {
    if (parsed.kind === 'success') counts.successes += n;
    else counts.failures += n;
  } else if (parsed.kind === 'success') counts.offSuccesses += n;
  else counts.offFailures += n;
}

export function parseBucket(reply: unknown, fields: FieldCache): BucketCounts {
  const bucket: MutableBucket = new Map();
  if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) addField(bucket, fields, reply[i], reply[i + 1]);
  } else if (reply instanceof Map) {
    for (const [field, value] of reply as Map<unknown, unknown>)
      addField(bucket, fields, field, value);
  } else if (reply !== null && typeof reply === 'object') {
    for (const [field, value] of Object.entries(reply)) addField(bucket, fields, field, value);
  }
  return bucket;
}

function addField(
  bucket: MutableBucket,
  fields: FieldCache,
  rawField: unknown,
  rawValue: unknown,
): void {
  const field =
    typeof rawField === 'string'
      ? rawField
      : rawField instanceof Uint8Array
        ? Buffer.from(rawField).toString()
        : null;
  if (field === null) return;
  const parsed = fields.get(field);
  if (parsed === null) return;
  const n =
    typeof rawValue === 'string'
      ? Number(rawValue)
      : typeof rawValue === 'number'
        ? rawValue
        : rawValue instanceof Uint8Array
          ? Number(Buffer.from(rawValue).toString())
          : Number.NaN;
  addCount(bucket, parsed, n);
}
