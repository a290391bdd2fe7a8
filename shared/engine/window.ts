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
