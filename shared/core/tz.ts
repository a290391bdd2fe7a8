/** Calendar arithmetic in an IANA time zone (days and months start at local midnight). Pure. */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', weekday: 'short' });
    formatters.set(tz, f);
  }
  return f;
}

export interface LocalTime {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  /** 0 = Sunday … 6 = Saturday */
  weekday: number;
}

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

const memo = new Map<string, LocalTime>();
/** The last answer: a tick asks about the same minute for every model and rule. */
let last: { minute: number; tz: string; l: LocalTime } = { minute: NaN, tz: '', l: compute(0, 'UTC') };

/** Local time of an instant; memoised per zone and minute (baselines ask the same hours thousands of times). */
export function local(ms: number, tz: string): LocalTime {
  const minute = Math.floor(ms / 60_000);
  if (minute === last.minute && tz === last.tz) return last.l;
  if (tz === 'UTC') {
    // Cheaper to compute than to look up.
    last = { minute, tz, l: compute(ms, tz) };
    return last.l;
  }
  const key = `${tz}|${minute}`;
  let l = memo.get(key);
  if (!l) {
    if (memo.size > 50_000) memo.clear();
    l = compute(ms, tz);
    memo.set(key, l);
  }
  last = { minute, tz, l };
  return l;
}

function compute(ms: number, tz: string): LocalTime {
  if (tz === 'UTC') {
    // The default zone needs no Intl formatting (the replay asks for every minute it judges).
    const d = new Date(ms);
    return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), weekday: d.getUTCDay() };
  }
  const parts: Record<string, string> = {};
  for (const p of formatter(tz).formatToParts(new Date(ms))) parts[p.type] = p.value;
  return { year: +parts.year, month: +parts.month, day: +parts.day, hour: +parts.hour, minute: +parts.minute, weekday: WEEKDAYS[parts.weekday] };
}

/** The zone's offset from UTC at an instant, ms (east positive). */
function offset(ms: number, tz: string): number {
  const l = local(ms, tz);
  const asUtc = Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute);
  return asUtc - Math.floor(ms / 60_000) * 60_000;
}

/** The instant of a local wall-clock time (resolving DST by a second pass); days and hours may overflow. */
export function fromLocal(year: number, month: number, day: number, tz: string, hour = 0, minute = 0): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  if (tz === 'UTC') return wall; // no offset, ever
  const guess = wall - offset(wall, tz);
  return wall - offset(guess, tz);
}

/** The same local wall-clock time `days` days earlier: across a DST change that is 23 or 25 hours per day, not 24. */
export function localDaysBefore(ms: number, days: number, tz: string): number {
  if (tz === 'UTC') return ms - days * 86_400_000;
  const l = local(ms, tz);
  return fromLocal(l.year, l.month, l.day - days, tz, l.hour, l.minute);
}

export const startOfDay = (ms: number, tz: string): number => {
  const l = local(ms, tz);
  return fromLocal(l.year, l.month, l.day, tz);
};

export const startOfMonth = (ms: number, tz: string): number => {
  const l = local(ms, tz);
  return fromLocal(l.year, l.month, 1, tz);
};

export const startOfNextMonth = (ms: number, tz: string): number => {
  const l = local(ms, tz);
  return l.month === 12 ? fromLocal(l.year + 1, 1, 1, tz) : fromLocal(l.year, l.month + 1, 1, tz);
};

export const dayKey = (ms: number, tz: string): string => {
  const l = local(ms, tz);
  return `${l.year}-${String(l.month).padStart(2, '0')}-${String(l.day).padStart(2, '0')}`;
};

export const isWeekend = (ms: number, tz: string): boolean => {
  // In UTC the weekday is day arithmetic (1970-01-01 was a Thursday): the baselines ask it for
  // every hour they compare, a Date each time otherwise.
  const w = tz === 'UTC' && Math.abs(ms) <= MAX_DATE ? utcWeekday(ms) : local(ms, tz).weekday;
  return w === 0 || w === 6;
};

/** The largest instant a Date holds (ms from the epoch either way). */
const MAX_DATE = 8.64e15;

/** new Date(ms).getUTCDay() for an instant a Date holds (a Date drops the fraction of a millisecond toward zero). */
export const utcWeekday = (ms: number): number => ((Math.floor(Math.trunc(ms) / 86_400_000) % 7) + 11) % 7;
