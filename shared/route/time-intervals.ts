/**
 * Recurring windows (Alertmanager's time_intervals): weekdays, days of the month, months and
 * times of day in a time zone. Judged on the local wall clock, so "22:00–24:00 Europe/Berlin"
 * stays 22:00–24:00 local across a DST change (its UTC span moves by an hour). Pure.
 */
import { local } from '../core/tz';
import type { TimeInterval } from '../rules/route-schema';

export interface NamedIntervals {
  name: string;
  time_intervals: TimeInterval[];
}

export function inTimeInterval(t: TimeInterval, now: number, defaultTz: string): boolean {
  const l = local(now, t.location ?? defaultTz);
  if (t.weekdays && !t.weekdays.includes(l.weekday)) return false;
  if (t.months && !t.months.includes(l.month)) return false;
  if (t.days_of_month && !t.days_of_month.includes(l.day)) return false;
  if (t.times) {
    const m = l.hour * 60 + l.minute;
    if (!t.times.some((r) => m >= r.start && m < r.end)) return false;
  }
  return true;
}

/** The first of `names` whose window holds at `now`, or null. */
export function activeInterval(names: readonly string[], all: readonly NamedIntervals[], now: number, defaultTz: string): string | null {
  for (const name of names) {
    const def = all.find((i) => i.name === name);
    if (def?.time_intervals.some((t) => inTimeInterval(t, now, defaultTz))) return name;
  }
  return null;
}
