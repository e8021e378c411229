import fc from 'fast-check';
import { signalField } from '@tailslide/contracts';
import { describe, expect, it } from 'vitest';
import type { BucketCounts } from './error-rate.js';
import { FieldCache, parseBucket, parseJoinedReply } from './redis-reply.js';

const flagKey = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
const count = fc.integer({ min: 0, max: 2 ** 40 });

/** A bucket as SDKs leave it: flag → counts (zero counts are never written as fields). */
const bucketArb = fc.dictionary(flagKey, fc.record({ successes: count, failures: count }), {
  maxKeys: 40,
});

type Bucket = Record<string, { successes: number; failures: number }>;

/** The hash fields SDK writers produce for `bucket` (`HINCRBY <flag>:s|f n`), in hash order. */
function hashFields(bucket: Bucket): [string, string][] {
  const out: [string, string][] = [];
  for (const [key, c] of Object.entries(bucket)) {
    if (c.successes > 0) out.push([signalField(key, 'success'), String(c.successes)]);
    if (c.failures > 0) out.push([signalField(key, 'failure'), String(c.failures)]);
  }
  return out;
}

/** What the bucket script returns for those fields: `{ #t, table.concat(t, '\n') }`. */
function joinedReply(fields: readonly [string, string][]): [number, string] {
  const flat = fields.flat();
  return [flat.length, flat.join('\n')];
}

/** The parsed bucket with flags that had no count dropped, as a plain object. */
function expected(bucket: Bucket): Bucket {
  const out: Bucket = {};
  for (const [key, c] of Object.entries(bucket))
    if (c.successes > 0 || c.failures > 0) out[key] = { ...c };
  return out;
}

function plain(b: BucketCounts | null): Bucket | null {
  if (b === null) return null;
  const out: Bucket = {};
  for (const [key, c] of b) out[key] = { successes: c.successes, failures: c.failures };
  return out;
}

describe('redis replies', () => {
  it('round-trips a bucket through the joined-string reply', () => {
    fc.assert(
      fc.property(bucketArb, (bucket) => {
        const reply = joinedReply(hashFields(bucket));
        expect(plain(parseJoinedReply(reply, new FieldCache()))).toEqual(expected(bucket));
      }),
    );
  });

  it('round-trips a bucket through every HGETALL reply shape (flat array, Map, object, bytes)', () => {
    fc.assert(
      fc.property(bucketArb, (bucket) => {
        const fields = hashFields(bucket);
        const want = expected(bucket);
        const enc = new TextEncoder();
        const cache = new FieldCache();
        expect(plain(parseBucket(fields.flat(), cache))).toEqual(want);
        expect(plain(parseBucket(new Map(fields), cache))).toEqual(want);
        expect(plain(parseBucket(Object.fromEntries(fields), cache))).toEqual(want);
        const bytes = fields.flatMap(([f, v]) => [enc.encode(f), enc.encode(v)]);
        expect(plain(parseBucket(bytes, cache))).toEqual(want);
      }),
    );
  });

  it('sums a flag written by several SDK instances and ignores foreign and invalid fields', () => {
    fc.assert(
      fc.property(bucketArb, bucketArb, (a, b) => {
        const fields = [
          ...hashFields(a),
          ['garbage', '12'] as [string, string],
          [signalField('x', 'failure'), 'NaN'] as [string, string],
          [signalField('y', 'success'), '-3'] as [string, string],
          ...hashFields(b),
        ];
        const sum: Bucket = expected(a);
        for (const [key, c] of Object.entries(expected(b))) {
          const held = Object.hasOwn(sum, key) ? sum[key]! : { successes: 0, failures: 0 };
          sum[key] = {
            successes: held.successes + c.successes,
            failures: held.failures + c.failures,
          };
        }
        const valid = (k: string) => k !== 'x' && k !== 'y';
        const got = plain(parseJoinedReply(joinedReply(fields), new FieldCache()))!;
        expect(Object.fromEntries(Object.entries(got).filter(([k]) => valid(k)))).toEqual(
          Object.fromEntries(Object.entries(sum).filter(([k]) => valid(k))),
        );
      }),
    );
  });

  it('rejects a joined reply whose element count does not match (a newline inside a field)', () => {
    fc.assert(
      fc.property(bucketArb, flagKey, (bucket, key) => {
        const fields = [...hashFields(bucket), [`${key}\nodd:s`, '1'] as [string, string]];
        const flat = fields.flat();
        expect(parseJoinedReply([flat.length, flat.join('\n')], new FieldCache())).toBeNull();
      }),
    );
    expect(parseJoinedReply(['2', 'a:s\n1'], new FieldCache())).toBeNull();
    expect(parseJoinedReply([0, ''], new FieldCache())).toEqual(new Map());
    expect(parseJoinedReply([0, 'x'], new FieldCache())).toBeNull();
  });
});

describe('off-arm fields', () => {
  it('reads the off-arm fields beside the on-arm ones, in both reply shapes', () => {
    const fields = [
      ['checkout:s', '5'],
      ['checkout:f', '2'],
      ['checkout:os', '7'],
      ['checkout:of', '1'],
      ['legacy:s', '3'],
    ];
    const joined = [fields.length * 2, fields.flat().join('\n')];
    for (const bucket of [
      parseJoinedReply(joined, new FieldCache()),
      parseBucket(fields.flat(), new FieldCache()),
    ]) {
      expect(bucket?.get('checkout')).toEqual({
        successes: 5,
        failures: 2,
        offSuccesses: 7,
        offFailures: 1,
      });
      expect(bucket?.get('legacy')).toEqual({
        successes: 3,
        failures: 0,
        offSuccesses: 0,
        offFailures: 0,
      });
    }
  });
});
