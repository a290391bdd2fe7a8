/**
 * Expected values from an hourly history, robust to outliers and to growth. Pure.
 *
 * volume series (requests, tokens): the same hour of the previous weeks (median), or, with
 * less than a week of history, the same hour of the previous days of the same kind (weekday /
 * weekend); then scaled by the recent level — the median ratio of the last 24 hours to their
 * own expectation — so steady growth does not look like an anomaly.
 *
 * level series (latency): the median of the last three days.
 */
import { DAY, HOUR } from '../sources/types';
import { isWeekend } from '../engine/tz';
import { mad, median } from '../engine/stats';
import { at, learnedHours, type History } from './history';

const WEEK = 7 * DAY;

export type Confidence = 'none' | 'low' | 'ok';

/** How an hour's expectation was formed: from the same hour of past weeks, of past days of the same kind, or of any day. */
export type Basis = 'weekly' | 'daily' | 'mixed';

export function seasonalWithBasis(h: History, hour: number, tz: string): { value: number; basis: Basis } | null {
  const weekly: number[] = [];
  for (let k = 1; k <= 4; k++) {
    const v = at(h, hour - k * WEEK);
    if (v !== null) weekly.push(v);
  }
  if (weekly.length) return { value: median(weekly) as number, basis: 'weekly' };
  const weekend = isWeekend(hour, tz);
  const same: number[] = [];
  const all: number[] = [];
  for (let k = 1; k <= 7; k++) {
    const t = hour - k * DAY;
    const v = at(h, t);
    if (v === null) continue;
    all.push(v);
    if (isWeekend(t, tz) === weekend) same.push(v);
  }
  if (same.length >= 2) return { value: median(same) as number, basis: 'daily' };
  return all.length ? { value: median(all) as number, basis: 'mixed' } : null;
}

export const seasonal = (h: History, hour: number, tz: string): number | null => seasonalWithBasis(h, hour, tz)?.value ?? null;

/**
 * Recent level relative to the seasonal expectation: the median ratio over the latest 24 hours
 * whose expectation is like-for-like (a first weekend judged against weekdays would otherwise
 * halve the next Monday's expectation), looking back at most a week.
 */
export function levelFactor(h: History, asOf: number, tz: string): number {
  const ratios: number[] = [];
  for (let j = asOf - HOUR; j >= asOf - WEEK && ratios.length < 24; j -= HOUR) {
    const v = at(h, j);
    const s = seasonalWithBasis(h, j, tz);
    if (v !== null && s && s.basis !== 'mixed' && s.value > 0) ratios.push(v / s.value);
  }
  if (ratios.length < 6) return 1;
  return Math.min(5, Math.max(0.2, median(ratios) as number));
}

export function volumeConfidence(h: History | undefined): Confidence {
  const days = learnedHours(h) / 24;
  return days >= 3 ? 'ok' : days >= 1 ? 'low' : 'none';
}

export function levelExpectation(h: History | undefined, asOf: number): { value: number | null; confidence: Confidence } {
  if (!h) return { value: null, confidence: 'none' };
  const vals: number[] = [];
  for (let j = asOf - 72 * HOUR; j < asOf; j += HOUR) {
    const v = at(h, j);
    if (v !== null) vals.push(v);
  }
  return { value: median(vals), confidence: vals.length >= 24 ? 'ok' : vals.length >= 6 ? 'low' : 'none' };
}

/** Typical size of an hour's departure from its expectation, in log space (robust): for "N deviations" rules. */
export function logSpread(h: History, asOf: number, tz: string, factor: number): number | null {
  const devs: number[] = [];
  for (let j = asOf - 7 * 24 * HOUR; j < asOf; j += HOUR) {
    const v = at(h, j);
    const s = seasonal(h, j, tz);
    if (v !== null && v > 0 && s !== null && s > 0) devs.push(Math.log(v / (s * factor)));
  }
  return devs.length >= 24 ? Math.max(0.05, mad(devs) as number) : null;
}
