/**
 * A bounded hourly history of one series (five weeks), the raw material of a baseline.
 * `null` marks an hour without data (level metrics); `excluded` lists hours kept for spend
 * but not learned from, because an alert on the model was firing then (an incident must not
 * teach the baseline that it is normal).
 */
import { HOUR } from '../core/time';
import type { History } from '../core/baseline';

export const HISTORY_HOURS = 35 * 24;

export const emptyHistory = (hour: number): History => ({ start: hour, values: [] });

/** The learned value of an hour: null when missing or excluded. */
export function at(h: History | undefined, hour: number): number | null {
  if (!h || h.excluded?.includes(hour)) return null;
  return raw(h, hour);
}

/** The recorded value of an hour, excluded or not (spend counts every hour). */
export function raw(h: History | undefined, hour: number): number | null {
  if (!h) return null;
  const i = Math.round((hour - h.start) / HOUR);
  return i >= 0 && i < h.values.length ? (h.values[i] ?? null) : null;
}

/** The history with `hour` set to `value` (gaps before it become null), trimmed to HISTORY_HOURS. */
export function record(h: History | undefined, hour: number, value: number | null, exclude = false): History {
  const base = h && h.values.length ? h : emptyHistory(hour);
  let start = base.start;
  const values = [...base.values];
  if (hour < start) {
    const pad = Math.round((start - hour) / HOUR);
    values.unshift(...new Array(pad).fill(null));
    start = hour;
  }
  const i = Math.round((hour - start) / HOUR);
  while (values.length <= i) values.push(null);
  values[i] = value;
  const drop = Math.max(0, values.length - HISTORY_HOURS);
  const first = start + drop * HOUR;
  const excluded = [...new Set([...(base.excluded ?? []), ...(exclude ? [hour] : [])])].filter((t) => t >= first && (t !== hour || exclude));
  return { start: first, values: values.slice(drop), ...(excluded.length ? { excluded } : {}) };
}

/** One past the newest hour held. */
export const endOf = (h: History): number => h.start + h.values.length * HOUR;

export function learnedHours(h: History | undefined): number {
  if (!h) return 0;
  const excluded = new Set(h.excluded ?? []);
  return h.values.filter((v, i) => v !== null && !excluded.has(h.start + i * HOUR)).length;
}
