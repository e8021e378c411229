import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BUCKET_COUNT,
  bucketOf,
  bucketWithPreparedSalt,
  hashToBucket,
  isInRollout,
  murmurHash3,
  prepareSalt,
  rolloutThreshold,
} from './bucketing.js';

interface Vector {
  salt: string;
  userId: string;
  hash: number;
  bucket: number;
}
const vectors = (
  JSON.parse(readFileSync(new URL('../test-vectors/bucketing.json', import.meta.url), 'utf8')) as {
    vectors: Vector[];
  }
).vectors;

// Straightforward byte-at-a-time reference implementation over Buffer's UTF-8 encoding.
function referenceMurmur(input: string, seed = 0): number {
  const data = Buffer.from(input, 'utf8');
  let h = seed >>> 0;
  const nblocks = data.length >> 2;
  for (let i = 0; i < nblocks; i++) {
    let k = data.readUInt32LE(i * 4);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  const tail = nblocks * 4;
  const rem = data.length & 3;
  if (rem >= 3) k ^= data[tail + 2]! << 16;
  if (rem >= 2) k ^= data[tail + 1]! << 8;
  if (rem >= 1) {
    k ^= data[tail]!;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  h ^= data.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

describe('murmurHash3', () => {
  it('matches published MurmurHash3 x86_32 values', () => {
    expect(murmurHash3('')).toBe(0);
    expect(murmurHash3('hello')).toBe(0x248bfa47);
    expect(murmurHash3('The quick brown fox jumps over the lazy dog')).toBe(0x2e4ff723);
    // flagd's documented vector and the UTF-8 value of the reference C++ implementation.
    expect(murmurHash3('my-flaguser-1')).toBe(1143618799);
    expect(murmurHash3('new-checkout:jösé-ユーザー')).toBe(3398170588);
  });

  it("reproduces Unleash's normalised strategy values for ASCII ids", () => {
    const unleash = (group: string, id: string) => (murmurHash3(`${group}:${id}`) % 100) + 1;
    expect(unleash('gr1', '123')).toBe(73);
    expect(unleash('groupX', '999')).toBe(25);
    expect(unleash('my-flag', 'user-1')).toBe(3);
    expect(unleash('checkout', 'a@b.com')).toBe(94);
  });

  it('equals a byte-wise reference over UTF-8 for any string, including lone surrogates', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary' }),
        fc.integer({ min: 0, max: 0xffffffff }),
        (s, seed) => {
          expect(murmurHash3(s, seed)).toBe(referenceMurmur(s, seed));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('bucketing', () => {
  it('reproduces every committed test vector', () => {
    expect(vectors.length).toBeGreaterThan(10);
    for (const v of vectors) {
      expect(murmurHash3(`${v.salt}:${v.userId}`)).toBe(v.hash);
      expect(bucketOf(v.salt, v.userId)).toBe(v.bucket);
      expect(bucketWithPreparedSalt(prepareSalt(v.salt), v.userId)).toBe(v.bucket);
    }
  });

  it('gives the same bucket with a prepared salt as with the plain function', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (salt, id) => {
        expect(bucketWithPreparedSalt(prepareSalt(salt), id)).toBe(bucketOf(salt, id));
      }),
      { numRuns: 2000 },
    );
  });

  it('takes the ASCII fast path and the UTF-8 path to the same bucket at every block offset', () => {
    const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.uuid());
    fc.assert(
      fc.property(text, text, (salt, user) => {
        expect(bucketWithPreparedSalt(prepareSalt(salt), user)).toBe(bucketOf(salt, user));
      }),
      { numRuns: 3000 },
    );
    for (const salt of ['', 'a', 'ab', 'abc', 'abcd', 'new-checkout']) {
      for (const user of ['', 'a', 'ab', 'abc', 'abcd', 'abcde', 'héllo', 'abc😀', '\ud800x']) {
        expect(bucketWithPreparedSalt(prepareSalt(salt), user)).toBe(bucketOf(salt, user));
      }
    }
  });

  it('maps every hash into [0, BUCKET_COUNT)', () => {
    expect(hashToBucket(0)).toBe(0);
    expect(hashToBucket(0xffffffff)).toBe(BUCKET_COUNT - 1);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (h) => {
        const b = hashToBucket(h);
        expect(b).toBeGreaterThanOrEqual(0);
        expect(b).toBeLessThan(BUCKET_COUNT);
      }),
    );
  });

  it('only ever adds users when the percentage rises (monotonic)', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.string(),
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        (salt, id, a, b) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          const bucket = bucketOf(salt, id);
          if (isInRollout(bucket, lo)) expect(isInRollout(bucket, hi)).toBe(true);
        },
      ),
    );
  });

  it('admits nobody at 0 % and everybody at 100 %', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (salt, id) => {
        const bucket = bucketOf(salt, id);
        expect(isInRollout(bucket, 0)).toBe(false);
        expect(isInRollout(bucket, 100)).toBe(true);
      }),
    );
  });

  it('resolves 0.1 % steps (granularity 0.001 %)', () => {
    expect(rolloutThreshold(0.1)).toBe(100);
    expect(rolloutThreshold(0.001)).toBe(1);
    expect(rolloutThreshold(12.3)).toBe(12300);
  });

  it('spreads users uniformly: each decile within 1 % of 10 % over 200k ids', () => {
    const deciles = new Array<number>(10).fill(0);
    const prepared = prepareSalt('uniformity');
    const n = 200_000;
    for (let i = 0; i < n; i++) {
      const b = bucketWithPreparedSalt(prepared, `user-${i}`);
      deciles[Math.floor(b / 10_000)]! += 1;
    }
    for (const d of deciles) expect(Math.abs(d / n - 0.1)).toBeLessThan(0.01);
  });

  it('admits close to the requested share at small percentages', () => {
    const prepared = prepareSalt('small');
    let inside = 0;
    const n = 200_000;
    for (let i = 0; i < n; i++)
      if (isInRollout(bucketWithPreparedSalt(prepared, `u${i}`), 1)) inside++;
    expect(Math.abs(inside / n - 0.01)).toBeLessThan(0.002);
  });

  it('picks independent cohorts for two flags at 10 %', () => {
    const a = prepareSalt('flag-a');
    const b = prepareSalt('flag-b');
    let inA = 0;
    let inBoth = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const id = `user-${i}`;
      const x = isInRollout(bucketWithPreparedSalt(a, id), 10);
      const y = isInRollout(bucketWithPreparedSalt(b, id), 10);
      if (x) inA++;
      if (x && y) inBoth++;
    }
    // Independent cohorts overlap on ~1 % of users (10 % × 10 %), not 10 %.
    expect(inBoth / n).toBeLessThan(0.015);
    expect(inA / n).toBeGreaterThan(0.09);
  });
});
