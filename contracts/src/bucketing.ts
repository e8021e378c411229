/**
 * Rollout bucketing: MurmurHash3 x86 32-bit (seed 0) over the UTF-8 bytes of
 * `salt + ":" + userId`, scaled to {@link BUCKET_COUNT} buckets without modulo bias:
 * `bucket = floor(hash × 100000 / 2^32)`. A user is in a rollout of p % when
 * `bucket < round(p × 1000)`, so granularity is 0.001 % and raising p only ever adds users.
 * The salt (by default the flag key) makes flags pick independent cohorts.
 *
 * The hash is written out with `Math.imul` and streams the salt prefix once per flag
 * ({@link prepareSalt}), so evaluating a user allocates nothing and builds no string.
 */

/** Number of rollout buckets: 100 000, i.e. 0.001 % per bucket. */
export const BUCKET_COUNT = 100_000;

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** A salt whose hash prefix (`salt + ":"`) has been pre-mixed. Opaque; reuse it per flag. */
export interface PreparedSalt {
  /** @internal running hash after all complete 4-byte blocks */
  readonly h: number;
  /** @internal pending bytes of an incomplete block, little-endian */
  readonly k: number;
  /** @internal number of pending bytes (0–3) */
  readonly n: number;
  /** @internal bytes consumed so far */
  readonly len: number;
  /** The salt this was prepared from. */
  readonly salt: string;
}

function mixBlock(h: number, k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, C2);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function finish(h: number, k: number, n: number, len: number): number {
  if (n > 0) {
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
  }
  h ^= len;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

// Streams the UTF-8 bytes of `s` into the state (h, k, n, len). Lone surrogates are encoded as
// U+FFFD, exactly like TextEncoder. State is returned through a module-level scratch object to
// avoid allocating; callers read it back immediately (JS is single-threaded).
const st = { h: 0, k: 0, n: 0, len: 0 };

function feed(s: string): void {
  let h = st.h;
  let k = st.k;
  let n = st.n;
  let len = st.len;
  const L = s.length;
  for (let i = 0; i < L; i++) {
    let c = s.charCodeAt(i);
    // The UTF-8 bytes of this code point, packed little-endian into one int, and their count.
    let packed: number;
    let count: number;
    if (c < 0x80) {
      packed = c;
      count = 1;
    } else if (c < 0x800) {
      packed = 0xc0 | (c >> 6) | ((0x80 | (c & 0x3f)) << 8);
      count = 2;
    } else {
      const d = i + 1 < L ? s.charCodeAt(i + 1) : 0;
      if (c >= 0xd800 && c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        i++;
        const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        packed =
          0xf0 |
          (cp >> 18) |
          ((0x80 | ((cp >> 12) & 0x3f)) << 8) |
          ((0x80 | ((cp >> 6) & 0x3f)) << 16) |
          ((0x80 | (cp & 0x3f)) << 24);
        count = 4;
      } else {
        if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd; // lone surrogate
        packed = 0xe0 | (c >> 12) | ((0x80 | ((c >> 6) & 0x3f)) << 8) | ((0x80 | (c & 0x3f)) << 16);
        count = 3;
      }
    }
    for (let j = 0; j < count; j++) {
      k |= ((packed >>> (j << 3)) & 0xff) << (n << 3);
      len++;
      if (++n === 4) {
        h = mixBlock(h, k);
        k = 0;
        n = 0;
      }
    }
  }
  st.h = h;
  st.k = k;
  st.n = n;
  st.len = len;
}

/** MurmurHash3 x86 32-bit of the UTF-8 bytes of `input`, as an unsigned integer. */
export function murmurHash3(input: string, seed = 0): number {
  st.h = seed | 0;
  st.k = 0;
  st.n = 0;
  st.len = 0;
  feed(input);
  return finish(st.h, st.k, st.n, st.len);
}

/** Pre-mixes `salt + ":"` so each evaluation only hashes the user id. */
export function prepareSalt(salt: string): PreparedSalt {
  st.h = 0;
  st.k = 0;
  st.n = 0;
  st.len = 0;
  feed(salt);
  feed(':');
  return Object.freeze({ h: st.h, k: st.k, n: st.n, len: st.len, salt });
}

/** Scales a 32-bit hash to a bucket in `[0, BUCKET_COUNT)`. */
export function hashToBucket(hash: number): number {
  return Math.floor((hash * BUCKET_COUNT) / 4294967296);
}

function bucketStreaming(prepared: PreparedSalt, userId: string): number {
  st.h = prepared.h;
  st.k = prepared.k;
  st.n = prepared.n;
  st.len = prepared.len;
  feed(userId);
  return hashToBucket(finish(st.h, st.k, st.n, st.len));
}

/**
 * Bucket of `userId` under a prepared salt; allocation-free. The common case, an ASCII id, reads
 * four characters per block from locals (about twice as fast as streaming byte by byte); any
 * non-ASCII character hands the whole id to the UTF-8 streaming path, so results are identical.
 */
export function bucketWithPreparedSalt(prepared: PreparedSalt, userId: string): number {
  let h = prepared.h;
  let k = prepared.k;
  let n = prepared.n;
  const L = userId.length;
  let i = 0;
  // Complete the block the salt prefix left pending.
  while (n !== 0 && i < L) {
    const c = userId.charCodeAt(i);
    if (c >= 0x80) return bucketStreaming(prepared, userId);
    k |= c << (n << 3);
    i++;
    if (++n === 4) {
      h = mixBlock(h, k);
      k = 0;
      n = 0;
    }
  }
  const end = L - 3;
  for (; i < end; i += 4) {
    const c0 = userId.charCodeAt(i);
    const c1 = userId.charCodeAt(i + 1);
    const c2 = userId.charCodeAt(i + 2);
    const c3 = userId.charCodeAt(i + 3);
    if ((c0 | c1 | c2 | c3) >= 0x80) return bucketStreaming(prepared, userId);
    h = mixBlock(h, c0 | (c1 << 8) | (c2 << 16) | (c3 << 24));
  }
  for (; i < L; i++) {
    const c = userId.charCodeAt(i);
    if (c >= 0x80) return bucketStreaming(prepared, userId);
    k |= c << (n << 3);
    n++;
  }
  return hashToBucket(finish(h, k, n, prepared.len + L));
}

/** Bucket (0–99 999) of `userId` for a flag salted with `salt`. */
export function bucketOf(salt: string, userId: string): number {
  return hashToBucket(murmurHash3(`${salt}:${userId}`));
}

/** Number of buckets admitted by a percentage (0–100): `round(p × 1000)`, clamped. */
export function rolloutThreshold(percentage: number): number {
  if (!(percentage > 0)) return 0;
  if (percentage >= 100) return BUCKET_COUNT;
  return Math.round(percentage * 1000);
}

/** True when `bucket` falls inside a rollout of `percentage` %. */
export function isInRollout(bucket: number, percentage: number): boolean {
  return bucket < rolloutThreshold(percentage);
}
