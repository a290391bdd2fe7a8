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
import type { Confidence, History } from '../core/baseline';
import { DAY as DAY_MS, HOUR as HOUR_MS } from '../core/time';
import { isWeekend, localDaysBefore } from '../core/tz';
import { mad, median } from '../core/stats';
import { at, learnedHours } from './history';

// Module copies: compiled module by module (tsx, jest's swc) every read of an imported binding is a
// getter call, and the loops below read these hundreds of thousands of times a backtest.
const HOUR = HOUR_MS;
const DAY = DAY_MS;
const WEEK = 7 * DAY;
const MAX_WEEKS = 4;

/**
 * The calendar an hour's expectation looks back on, which depends on the zone and the hour only:
 * the same local time 1 to 7 days before (with whether each is the same kind of day, weekday or
 * weekend, as the hour) and 7, 14, 21 and 28 days before. Computed by the same tz.ts calls as
 * before, once per zone and hour instead of for every series, every model and every hourly run
 * (Intl formatting outside UTC).
 */
interface Lookback {
  /** days[k]: localDaysBefore(hour, k), k = 1..7 (days[0] unused). */
  days: number[];
  /** Bit k set: days[k] is the same kind of day as the hour. */
  same: number;
  /** weeks[k]: localDaysBefore(hour, 7k), k = 1..MAX_WEEKS (weeks[0] unused). */
  weeks: number[];
}

const lookbacks = new Map<string, Map<number, Lookback>>();
const MAX_LOOKBACKS = 20_000;

function lookback(hour: number, tz: string): Lookback {
  let byHour = lookbacks.get(tz);
  if (!byHour) lookbacks.set(tz, (byHour = new Map()));
  let lb = byHour.get(hour);
  if (lb) return lb;
  const weekend = isWeekend(hour, tz);
  const days = [hour];
  let same = 0;
  for (let k = 1; k <= 7; k++) {
    const t = localDaysBefore(hour, k, tz);
    days.push(t);
    if (isWeekend(t, tz) === weekend) same |= 1 << k;
  }
  const weeks = [hour];
  for (let k = 1; k <= MAX_WEEKS; k++) weeks.push(localDaysBefore(hour, 7 * k, tz));
  lb = { days, same, weeks };
  if (byHour.size >= MAX_LOOKBACKS) byHour.clear();
  byHour.set(hour, lb);
  return lb;
}


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
  const lb = lookback(hour, tz);
  const weekly: number[] = [];
  for (let k = 1; k <= weeks; k++) {
    const v = at(h, k <= MAX_WEEKS ? lb.weeks[k] : localDaysBefore(hour, 7 * k, tz));
    if (v !== null) weekly.push(v);
  }
  if (weekly.length === 2) {
    const tie = median(sameKindDays(h, lb, 6).same);
    if (tie !== null) weekly.push(tie);
  }
  if (weekly.length) return { value: median(weekly) as number, basis: 'weekly' };
  const { same, all } = sameKindDays(h, lb);
  if (same.length >= 2) return { value: median(same) as number, basis: 'daily' };
  return all.length ? { value: median(all) as number, basis: 'mixed' } : null;
}

/** The same local hour of the past days (six, or seven without a past week): all of them, and those of the same kind (weekday / weekend). */
function sameKindDays(h: History, lb: Lookback, days = 7): { same: number[]; all: number[] } {
  const same: number[] = [];
  const all: number[] = [];
  for (let k = 1; k <= days; k++) {
    const v = at(h, lb.days[k]);
    if (v === null) continue;
    all.push(v);
    if (lb.same & (1 << k)) same.push(v);
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
export function levelFactor(h: History, asOf: number, tz: string, weeks = weeksFor(h, asOf), memo?: SeasonalMemo): number {
  const ratios: number[] = [];
  for (let j = asOf - HOUR; j >= asOf - WEEK && ratios.length < LEVEL_HOURS; j -= HOUR) {
    const v = at(h, j);
    const s = memo ? memo.get(h, j, tz, weeks) : seasonalWithBasis(h, j, tz, weeks);
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
export function logSpread(h: History, asOf: number, tz: string, factor: number, weeks = weeksFor(h, asOf), memo?: SeasonalMemo): number | null {
  const devs: number[] = [];
  for (let j = asOf - 7 * 24 * HOUR; j < asOf; j += HOUR) {
    const v = at(h, j);
    const s = memo ? (memo.get(h, j, tz, weeks)?.value ?? null) : seasonal(h, j, tz, weeks);
    if (v !== null && v > 0 && s !== null && s > 0) devs.push(Math.log(v / (s * factor)));
  }
  return devs.length >= 24 ? Math.max(0.05, mad(devs) as number) : null;
}

/** Changed hours beyond which a memo starts over rather than checking every entry against them. */
const MAX_CHANGED = 64;

interface MemoEntry {
  r: { value: number; basis: Basis } | null;
  hour: number;
  /** The earliest and latest instants the expectation may have read (its weekly and daily look-backs). */
  lo: number;
  hi: number;
}

/**
 * seasonalWithBasis of one series' history, kept from one hourly run to the next: an hourly run
 * appends an hour (and trims one off the front once five weeks are held), and an hour's
 * expectation reads only up to 28 days before it, so nearly every expectation the run needs was
 * computed the hour before from the same values.
 *
 * Exact by construction, not by assumption about how histories change: sync() compares the new
 * history with the copy the entries were computed from, hour by hour, and drops every entry whose
 * look-back span (widened by an hour each way, for look-backs off the hour in zones with half-hour
 * changes: a read rounds to the nearest held hour) contains an hour whose value differs, as well
 * as everything when the number of weeks or the hour grid changes. What is left reads only
 * unchanged values through the same calendar (the zone is part of the memo), so it is the value
 * seasonalWithBasis would compute now. get() computes outright for any other history or weeks.
 */
export class SeasonalMemo {
  private h: History | undefined;
  private weeks = NaN;
  private start = NaN;
  private values: (number | null)[] = [];
  /** By hour / HOUR (a small integer for an hour on the hour: cheaper to hash than the instant). */
  private readonly entries = new Map<number, MemoEntry>();

  constructor(readonly tz: string) {}

  /** Brings the memo to `h` read with `weeks` past weeks; entries for hours before `keepFrom` are dropped. */
  sync(h: History, weeks: number, keepFrom: number): void {
    const shift = (h.start - this.start) / HOUR;
    const a = h.values;
    const b = this.values;
    if (weeks !== this.weeks || !Number.isInteger(shift) || Math.abs(shift) > a.length + b.length) this.entries.clear();
    else {
      // New index i is old index i + shift. Both spans held are compared; outside both, every read is null.
      const changed: number[] = [];
      const lo = Math.min(a.length, Math.max(0, -shift));
      const hi = Math.max(lo, Math.min(a.length, b.length - shift));
      for (let i = lo; i < hi && changed.length <= MAX_CHANGED; i++) {
        const x = a[i];
        const y = b[i + shift];
        // Object.is on the values read (undefined reads as null), spelled out: this loop runs over every hour held.
        if ((x !== y && (x ?? null) !== (y ?? null)) || (x === 0 && 1 / x !== 1 / (y as number))) changed.push(h.start + i * HOUR);
      }
      // Held by one only (new [0, lo) and [hi, end); old likewise, in its own indices): the other reads null there.
      const note = (i: number, v: number | null | undefined) => {
        if ((v ?? null) !== null) changed.push(h.start + i * HOUR);
      };
      for (let i = 0; i < lo; i++) note(i, a[i]);
      for (let i = hi; i < a.length; i++) note(i, a[i]);
      const loOld = Math.min(b.length, lo + shift);
      const hiOld = Math.min(b.length, hi + shift);
      for (let o = 0; o < loOld; o++) note(o - shift, b[o]);
      for (let o = hiOld; o < b.length; o++) note(o - shift, b[o]);
      if (changed.length > MAX_CHANGED) this.entries.clear();
      else {
        this.entries.forEach((e, key) => {
          let stale = e.hour < keepFrom;
          for (let c = 0; c < changed.length && !stale; c++) stale = changed[c] >= e.lo - HOUR && changed[c] <= e.hi + HOUR;
          if (stale) this.entries.delete(key);
        });
      }
    }
    this.h = h;
    this.weeks = weeks;
    this.start = h.start;
    this.values = h.values.slice();
  }

  /** seasonalWithBasis(h, hour, tz, weeks), from the memo when h and weeks are the ones synced (the result is shared: do not change it). */
  get(h: History, hour: number, tz: string, weeks: number): { value: number; basis: Basis } | null {
    if (h !== this.h || weeks !== this.weeks || tz !== this.tz) return seasonalWithBasis(h, hour, tz, weeks);
    const key = hour / HOUR;
    let e = this.entries.get(key);
    if (e && e.hour !== hour) return seasonalWithBasis(h, hour, tz, weeks); // two instants a float division cannot tell apart
    if (!e) {
      const lb = lookback(hour, tz);
      let lo = Infinity;
      let hi = -Infinity;
      for (let k = 1; k <= 7; k++) {
        lo = Math.min(lo, lb.days[k]);
        hi = Math.max(hi, lb.days[k]);
      }
      for (let k = 1; k <= weeks; k++) {
        const t = k <= MAX_WEEKS ? lb.weeks[k] : localDaysBefore(hour, 7 * k, tz);
        lo = Math.min(lo, t);
        hi = Math.max(hi, t);
      }
      e = { r: seasonalWithBasis(h, hour, tz, weeks), hour, lo, hi };
      this.entries.set(key, e);
    }
    return e.r;
  }
}
