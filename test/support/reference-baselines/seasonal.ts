/** Reference copy of the implementation on main before issue 20's incremental baselines (shared/…/seasonal.ts): the randomized equivalence tests compare the new code with it. Do not optimise. */
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
import type { Confidence, History } from '../../../shared/core/baseline';
import { DAY, HOUR } from '../../../shared/core/time';
import { isWeekend, localDaysBefore } from '../../../shared/core/tz';
import { mad, median } from './stats';
import { at, learnedHours } from './history';

const WEEK = 7 * DAY;
const MAX_WEEKS = 4;


/** How an hour's expectation was formed: from the same hour of past weeks, of past days of the same kind, or of any day. */
export type Basis = 'weekly' | 'daily' | 'mixed';

/**
 * The expectation of one hour from the same local hour of up to `weeks` past weeks (median), or,
 * with none of those, of the past seven days of the same kind (weekday / weekend), or of any day.
 *
 * Hours with an alert are learned like any other (see history.ts): the median keeps an incident
 * out from three past weeks on. Two past weeks that disagree get a tie-breaker, the median of the
 * same hour of the past six days of the same kind. One past week cannot tell an incident from a
 * weekly feature (a Monday batch): it is taken as it is — an incident then raises that hour's
 * expectation the next week, which can delay a detection there but never raises a false alarm.
 */
export function seasonalWithBasis(h: History, hour: number, tz: string, weeks = MAX_WEEKS): { value: number; basis: Basis } | null {
  const weekly: number[] = [];
  for (let k = 1; k <= weeks; k++) {
    const v = at(h, localDaysBefore(hour, 7 * k, tz));
    if (v !== null) weekly.push(v);
  }
  if (weekly.length === 2) {
    const tie = median(sameKindDays(h, hour, tz, 6).same);
    if (tie !== null) weekly.push(tie);
  }
  if (weekly.length) return { value: median(weekly) as number, basis: 'weekly' };
  const { same, all } = sameKindDays(h, hour, tz);
  if (same.length >= 2) return { value: median(same) as number, basis: 'daily' };
  return all.length ? { value: median(all) as number, basis: 'mixed' } : null;
}

/** The same local hour of the past days (six, or seven without a past week): all of them, and those of the same kind (weekday / weekend). */
function sameKindDays(h: History, hour: number, tz: string, days = 7): { same: number[]; all: number[] } {
  const weekend = isWeekend(hour, tz);
  const same: number[] = [];
  const all: number[] = [];
  for (let k = 1; k <= days; k++) {
    const t = localDaysBefore(hour, k, tz);
    const v = at(h, t);
    if (v === null) continue;
    all.push(v);
    if (isWeekend(t, tz) === weekend) same.push(v);
  }
  return { same, all };
}

export const seasonal = (h: History, hour: number, tz: string, weeks = MAX_WEEKS): number | null => seasonalWithBasis(h, hour, tz, weeks)?.value ?? null;

/**
 * How many past weeks every expectation made at `asOf` may use: as many as the hours of the last
 * day already have, so the level factor (measured on those hours) and the hours it scales are
 * built from the same weeks (a newly available, older week would otherwise lower the forecast
 * of a growing model).
 */
export function weeksFor(h: History, asOf: number): number {
  return Math.max(1, Math.min(MAX_WEEKS, Math.floor((asOf - DAY - h.start) / WEEK)));
}

/** Hours of recent level the level factor is the median of: see levelFactor. */
export const LEVEL_HOURS = 36;

/**
 * Recent level relative to the seasonal expectation: the median ratio over the latest
 * LEVEL_HOURS hours whose expectation is like-for-like (a first weekend judged against weekdays
 * would otherwise halve the next Monday's expectation), looking back at most a week.
 *
 * A lasting step in volume (+20 %, −30 %) is learned once it covers half of those hours, 18 hours
 * of traffic: within a day. Anything shorter — an incident, a runaway of a few hours, whether or
 * not an alert fired — stays in the minority and leaves the median where it was, so a runaway's
 * own spend does not teach the baseline while it is being reported.
 */
export function levelFactor(h: History, asOf: number, tz: string, weeks = weeksFor(h, asOf)): number {
  const ratios: number[] = [];
  for (let j = asOf - HOUR; j >= asOf - WEEK && ratios.length < LEVEL_HOURS; j -= HOUR) {
    const v = at(h, j);
    const s = seasonalWithBasis(h, j, tz, weeks);
    if (v !== null && s && s.basis !== 'mixed' && s.value > 0) ratios.push(v / s.value);
  }
  if (ratios.length < 6) return 1;
  // No floor: a model that has had no traffic for half a day is expected to have none (a retired
  // model stops being "unavailable"); the ceiling keeps one wild day from multiplying everything.
  return Math.min(5, median(ratios) as number);
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
export function logSpread(h: History, asOf: number, tz: string, factor: number, weeks = weeksFor(h, asOf)): number | null {
  const devs: number[] = [];
  for (let j = asOf - 7 * 24 * HOUR; j < asOf; j += HOUR) {
    const v = at(h, j);
    const s = seasonal(h, j, tz, weeks);
    if (v !== null && v > 0 && s !== null && s > 0) devs.push(Math.log(v / (s * factor)));
  }
  return devs.length >= 24 ? Math.max(0.05, mad(devs) as number) : null;
}
