/** Small, exact statistics the rules need. Pure. */

export function median(xs: number[]): number | null {
  const n = xs.length;
  if (!n) return null;
  const s = (n <= SMALL ? smallSorted(xs) : typedSorted(xs)) ?? [...xs].sort((a, b) => a - b);
  const mid = n >> 1;
  return n % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Up to this many values, a median sorts into a reused scratch array instead of a sorted copy (the baselines take thousands of medians of 2 to 36 values an hour). */
const SMALL = 48;
const scratch: number[] = new Array(SMALL).fill(0);

/**
 * xs sorted into the scratch array by a stable insertion sort with the comparator of the sort it
 * replaces ((a, b) => a - b). Array.prototype.sort is stable, and a stable sort's order is fixed by
 * its comparator whenever that comparator is consistent, so both give the same array, zeros' signs
 * included (-0 and 0 compare equal and keep their order). A NaN makes the comparator inconsistent
 * (the order would then depend on the algorithm), and a hole or non-number sorts apart: null, and the caller sorts as before.
 */
function smallSorted(xs: number[]): number[] | null {
  const s = scratch;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    if (typeof x !== 'number' || x !== x) return null;
    let j = i;
    while (j > 0 && s[j - 1] - x > 0) {
      s[j] = s[j - 1];
      j--;
    }
    s[j] = x;
  }
  return s;
}

/**
 * A longer xs sorted natively (no comparator calls) when that gives the same values in the same
 * places as the comparator sort: without NaN (which sorts last here) and without a zero (-0 sorts
 * before 0 here, where they keep their order), equal values are the same bits, so every correct
 * ascending sort gives the same array. Otherwise (or for anything but numbers) null.
 */
function typedSorted(xs: number[]): Float64Array | null {
  const n = xs.length;
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = xs[i];
    if (typeof x !== 'number' || x !== x || x === 0) return null;
    s[i] = x;
  }
  return s.sort();
}

export const mean = (xs: number[]): number | null => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
export const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

/** Median absolute deviation, scaled to estimate a standard deviation for normal data. */
export function mad(xs: number[]): number | null {
  const m = median(xs);
  if (m === null) return null;
  return 1.4826 * (median(xs.map((x) => Math.abs(x - m))) ?? 0);
}

/** One-sided standard-normal quantile for a confidence level (Acklam's rational approximation). */
export function zFor(confidence: number): number {
  const p = confidence;
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - lo) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/**
 * Wilson score interval bounds of a proportion k/n: the rate we can claim with the given
 * one-sided z. With few requests the lower bound stays low, so 1 error in 2 requests is
 * not "50%".
 */
export function wilson(k: number, n: number, z: number): { lower: number; upper: number } {
  if (n <= 0) return { lower: 0, upper: 1 };
  const p = k / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = p + z2 / (2 * n);
  const margin = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { lower: Math.max(0, (centre - margin) / denom), upper: Math.min(1, (centre + margin) / denom) };
}
