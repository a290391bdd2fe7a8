/** Reference copy of the implementation on main before issue 20's incremental baselines (shared/…/history.ts): the randomized equivalence tests compare the new code with it. Do not optimise. */
/**
 * A bounded hourly history of one series (five weeks), the raw material of a baseline.
 * `null` marks an hour without data (level metrics).
 *
 * Every hour is learned, alerts or not. Leaving out the hours an alert covered (as an earlier
 * version did) let a false alert bend "normal": the excluded hours made the expectation fall back
 * to other days, which was wrong again, which fired the alert again, every week. An incident is
 * kept out of the expectation by robust statistics instead (the median of the same hour of past
 * weeks, see seasonal.ts), whatever raised an alert or not. Histories stored by that version may
 * still carry an `excluded` list: it is ignored and dropped on the next write.
 */
import { HOUR } from '../../../shared/core/time';
import type { History } from '../../../shared/core/baseline';

export const HISTORY_HOURS = 35 * 24;

export const emptyHistory = (hour: number): History => ({ start: hour, values: [] });

/** The learned value of an hour: null when missing. */
export const at = (h: History | undefined, hour: number): number | null => raw(h, hour);

/** The recorded value of an hour. */
export function raw(h: History | undefined, hour: number): number | null {
  if (!h) return null;
  const i = Math.round((hour - h.start) / HOUR);
  return i >= 0 && i < h.values.length ? (h.values[i] ?? null) : null;
}

/** The history with `hour` set to `value` (gaps before it become null), trimmed to HISTORY_HOURS. */
export function record(h: History | undefined, hour: number, value: number | null): History {
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
  return { start: start + drop * HOUR, values: values.slice(drop) };
}

/** One past the newest hour held. */
export const endOf = (h: History): number => h.start + h.values.length * HOUR;

export function learnedHours(h: History | undefined): number {
  return h ? h.values.filter((v) => v !== null).length : 0;
}
