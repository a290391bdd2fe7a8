/** Reading windows of per-minute data out of a Frame. Pure. */
import type { Frame, Series } from '../core/series';

export const series = (frame: Frame, model: string, key: string): Series | undefined => frame.models[model]?.[key];

/** Sum of the series over slots (end - n, end]; null slots count as 0 (counting metrics). */
export function sumOver(s: Series | undefined, end: number, n: number): number {
  if (!s) return 0;
  let total = 0;
  for (let i = Math.max(0, end - n + 1); i <= end; i++) total += s[i] ?? 0;
  return total;
}

/** Non-null values over slots (end - n, end]. */
export function valuesOver(s: Series | undefined, end: number, n: number): number[] {
  const out: number[] = [];
  if (!s) return out;
  for (let i = Math.max(0, end - n + 1); i <= end; i++) {
    const v = s[i];
    if (v !== null && v !== undefined) out.push(v);
  }
  return out;
}

/**
 * The evidence window: starts at `window` minutes and widens one minute at a time, up to
 * `maxWindow`, until the requests in it reach `minRequests`. Quiet models get longer windows
 * instead of noisy verdicts.
 */
export function adaptiveWindow(
  requests: (n: number) => number,
  window: number,
  maxWindow: number,
  minRequests: number,
  available: number,
): { minutes: number; requests: number; enough: boolean } {
  const cap = Math.min(maxWindow, available);
  let n = Math.min(window, cap);
  let r = requests(n);
  while (r < minRequests && n < cap) {
    n++;
    r = requests(n);
  }
  return { minutes: n, requests: r, enough: r >= minRequests };
}

export const minutesOf = (ms: number): number => Math.max(1, Math.round(ms / 60_000));

/** Sum of several counting series over slots (end - n, end], series by series, as `list.reduce((s, x) => s + sumOver(x, end, n), 0)`. */
function sumsOver(list: readonly (Series | undefined)[], end: number, n: number): number {
  let total = 0;
  for (const s of list) total += sumOver(s, end, n);
  return total;
}

/** Whether every value of the series over slots [from, end] is an integer (or no datapoint), their magnitudes summing below 2^53. */
function integersOver(list: readonly (Series | undefined)[], from: number, end: number): boolean {
  let magnitude = 0;
  for (const s of list) {
    if (!s) continue;
    for (let i = from; i <= end; i++) {
      const v = s[i];
      if (v === null || v === undefined) continue;
      if (!Number.isInteger(v)) return false;
      magnitude += Math.abs(v);
    }
  }
  return magnitude < Number.MAX_SAFE_INTEGER;
}

/**
 * adaptiveWindow over the requests of counting series (their sum over the window, series by
 * series): the same window and requests. Widening the window by a minute adds that minute's
 * counts instead of summing the whole window again, when the counts are integers (every order of
 * adding them then gives the same sum to the last bit); otherwise each width is summed afresh.
 */
export function countWindow(
  list: readonly (Series | undefined)[],
  end: number,
  window: number,
  maxWindow: number,
  minRequests: number,
  available: number,
): { minutes: number; requests: number; enough: boolean } {
  const cap = Math.min(maxWindow, available);
  let n = Math.min(window, cap);
  let r = sumsOver(list, end, n);
  if (r < minRequests && n < cap) {
    if (end - cap + 1 >= 0 && integersOver(list, end - cap + 1, end)) {
      while (r < minRequests && n < cap) {
        n++;
        const i = end - n + 1;
        for (const s of list) r += s?.[i] ?? 0;
      }
    } else {
      while (r < minRequests && n < cap) {
        n++;
        r = sumsOver(list, end, n);
      }
    }
  }
  return { minutes: n, requests: r, enough: r >= minRequests };
}
