import { describe, expect, it } from 'vitest';
import { isValidRedisPrefix, signalBucketKey, signalKeyPattern } from './names.js';

/** The part of a key Redis Cluster hashes: the first non-empty `{…}`, else the whole key. */
function hashedPart(key: string): string {
  const open = key.indexOf('{');
  if (open < 0) return key;
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}

describe('Redis signal keys', () => {
  it('put every bucket of one app in the same Redis Cluster slot (hash tag {appId})', () => {
    const keys = [
      signalBucketKey('tailslide', 'checkout', 1_000, 5_000),
      signalBucketKey('tailslide', 'checkout', 60_000, 0),
    ];
    expect(keys[0]).toBe('tailslide:sig:{checkout}:1000:5000');
    expect(keys.map(hashedPart)).toEqual(['checkout', 'checkout']);
    expect(hashedPart(signalBucketKey('tailslide', 'billing', 1_000, 5_000))).toBe('billing');
  });

  it("matches an app's buckets in its ACL pattern and no other app's", () => {
    expect(signalKeyPattern('tailslide', 'checkout')).toBe('tailslide:sig:{checkout}:*');
    expect(signalKeyPattern('tailslide')).toBe('tailslide:sig:*');
  });

  it('accepts prefixes that cannot break the hash tag or a pattern', () => {
    expect(isValidRedisPrefix('tailslide')).toBe(true);
    expect(isValidRedisPrefix('ts-1a2b.c_d')).toBe(true);
    for (const bad of ['', 'a{b}', 'a}', 'a*', 'a:b', 'a b'])
      expect(isValidRedisPrefix(bad)).toBe(false);
  });
});
