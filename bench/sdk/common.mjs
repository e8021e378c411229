// Shared fixture of the SDK benchmarks: one rule, the same for every peer.
// Flag `new-checkout` is ON; 10 whitelisted ids get true; everyone else falls into a 50 %
// rollout bucketed on the user id. Users: 4,096 random UUIDs used in turn.
import { randomUUID } from 'node:crypto';

export const FLAG = 'new-checkout';
export const WHITELIST = Array.from({ length: 10 }, (_, i) => `vip-${i}`);
export const USERS = Array.from({ length: 4096 }, () => randomUUID());

/**
 * Sanity gate: whitelisted ids must be true and 50 % ± 2 % of 100 k random ids true, otherwise
 * a misconfigured peer could be timed on a short-circuit path.
 */
export function sanityCheck(name, evalFn) {
  for (const id of WHITELIST) {
    if (evalFn(id) !== true) throw new Error(`${name}: whitelisted ${id} is not on`);
  }
  let on = 0;
  const n = 100_000;
  for (let i = 0; i < n; i++) if (evalFn(randomUUID()) === true) on++;
  const share = on / n;
  if (share < 0.48 || share > 0.52)
    throw new Error(`${name}: ${(share * 100).toFixed(2)} % on, expected 50 % ± 2 %`);
  return share;
}

/**
 * Heap bytes allocated per call: run `n` calls between two full GCs and divide the heap growth.
 * Run node with --expose-gc and a large young generation (--max-semi-space-size) so no scavenge
 * happens inside the loop; median of 5 repetitions.
 */
export function bytesPerCall(fn, n = 10_000) {
  if (typeof globalThis.gc !== 'function') return null;
  for (let i = 0; i < n; i++) fn(i); // warm-up: JIT code must not count as allocation
  const results = [];
  for (let r = 0; r < 5; r++) {
    globalThis.gc();
    globalThis.gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < n; i++) fn(i);
    const after = process.memoryUsage().heapUsed;
    results.push(Math.max(0, (after - before) / n));
  }
  results.sort((a, b) => a - b);
  const median = results[2];
  // A near-zero allocator is re-measured over many more calls, so fixed noise (a few KB of
  // bookkeeping between the two heap readings) divides down to what it really is per call.
  if (median < 64 && n < 1_000_000) return bytesPerCall(fn, 1_000_000);
  return median;
}
