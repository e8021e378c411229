/**
 * Exact comparison of an error rate with a threshold. A rate that comes out of a division is
 * not exact (`29 / 100 * 100` is `28.999999999999996`), so a flag failing at exactly its
 * threshold would not trip for 1,264 of the 10,000 settable thresholds. Thresholds have two
 * decimals, so they are whole basis points, and `failures / requests ≥ bp / 10,000` is decided
 * in integers as `failures × 10,000 ≥ bp × requests`.
 */

/** Basis points in 100 %. */
export const BASIS_POINTS_PER_PERCENT = 100;

const WHOLE = 100 * BASIS_POINTS_PER_PERCENT;

/**
 * A percentage with at most two decimals (as Tower stores thresholds) in whole basis points:
 * `29.5` → `2950`. Further decimals are rounded to the nearest basis point.
 */
export function toBasisPoints(percentage: number): number {
  return Math.round(percentage * BASIS_POINTS_PER_PERCENT);
}

/**
 * Whether `a × b ≥ c × d` for non-negative integers, exactly: in doubles while both products are
 * safe integers (every realistic count), in `BigInt` beyond.
 */
function productAtLeast(a: number, b: number, c: number, d: number): boolean {
  const left = a * b;
  const right = c * d;
  if (left <= Number.MAX_SAFE_INTEGER && right <= Number.MAX_SAFE_INTEGER) return left >= right;
  return BigInt(a) * BigInt(b) >= BigInt(c) * BigInt(d);
}

/**
 * Whether `failures` out of `requests` reach `thresholdPercentage` (`≥`), compared exactly in
 * integers. Counts must be non-negative integers; `requests = 0` never reaches a positive
 * threshold.
 */
export function errorRateAtLeast(
  failures: number,
  requests: number,
  thresholdPercentage: number,
): boolean {
  return productAtLeast(failures, WHOLE, toBasisPoints(thresholdPercentage), requests);
}

/**
 * Whether `failures` out of `requests` stay strictly below `numerator / denominator` of
 * `thresholdPercentage`, exactly: `failures × 10,000 × denominator < bp × numerator × requests`.
 * Used for a low-water mark such as 4/5 of the threshold.
 */
export function errorRateBelowShare(
  failures: number,
  requests: number,
  thresholdPercentage: number,
  numerator: number,
  denominator: number,
): boolean {
  return !productAtLeast(
    failures * denominator,
    WHOLE,
    toBasisPoints(thresholdPercentage) * numerator,
    requests,
  );
}

/** `failures / requests` in percent, for display and event stats only: never compare it. */
export function errorRatePercentage(failures: number, requests: number): number {
  return (failures / requests) * 100;
}

/**
 * Whether the on-arm's error rate exceeds the off-arm's by at least `marginPoints` percentage
 * points (`onRate − offRate ≥ margin`), exactly: with the margin in basis points `m`,
 * `onF / onN − offF / offN ≥ m / 10,000` ⇔ `10,000 × (onF × offN − offF × onN) ≥ m × onN × offN`
 * (both request counts positive), decided in `BigInt`. `false` when either arm has no request.
 * Used by a `relative` circuit (ADR 0009).
 */
export function errorRateExceedsBy(
  onFailures: number,
  onRequests: number,
  offFailures: number,
  offRequests: number,
  marginPoints: number,
): boolean {
  if (onRequests <= 0 || offRequests <= 0) return false;
  const onN = BigInt(onRequests);
  const offN = BigInt(offRequests);
  const diff = BigInt(onFailures) * offN - BigInt(offFailures) * onN;
  return diff * BigInt(WHOLE) >= BigInt(toBasisPoints(marginPoints)) * onN * offN;
}
