/**
 * Recurring windows (Alertmanager's time_intervals): weekdays, days of the month, months and
 * times of day in a time zone. Judged on the local wall clock, so "22:00–24:00 Europe/Berlin"
 * stays 22:00–24:00 local across a DST change (its UTC span moves by an hour). Pure.
 */
import { local } from '../core/tz';
import type { Span, TimeInterval } from '../rules/route-schema';

export interface NamedIntervals {
  name: string;
  time_intervals: TimeInterval[];
}

export function inTimeInterval(t: TimeInterval, now: number, defaultTz: string): boolean {
  const l = local(now, t.location ?? defaultTz);
  const within = (spans: Span[], v: number) => spans.some((r) => r.begin <= v && v <= r.end);
  if (t.weekdays && !within(t.weekdays, l.weekday)) return false;
  if (t.months && !within(t.months, l.month)) return false;
  if (t.years && !within(t.years, l.year)) return false;
  if (t.days_of_month && !inDaysOfMonth(t.days_of_month, l.year, l.month, l.day)) return false;
  if (t.times) {
    const m = l.hour * 60 + l.minute;
    if (!t.times.some((r) => m >= r.start && m < r.end)) return false;
  }
  return true;
}

/** Alertmanager's day-of-month test: negative days count from the month's end; a range is clamped to the month. */
function inDaysOfMonth(spans: Span[], year: number, month: number, day: number): boolean {
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return spans.some(({ begin, end }) => {
    const b = begin < 0 ? days + begin + 1 : begin;
    const e = end < 0 ? days + end + 1 : end;
    if (b > days) return false;
    return Math.max(b, 1) <= day && day <= Math.min(e, days);
  });
}

/** The first of `names` whose window holds at `now`, or null. */
export function activeInterval(names: readonly string[], all: readonly NamedIntervals[], now: number, defaultTz: string): string | null {
  for (const name of names) {
    const def = all.find((i) => i.name === name);
    if (def?.time_intervals.some((t) => inTimeInterval(t, now, defaultTz))) return name;
  }
  return null;
}
