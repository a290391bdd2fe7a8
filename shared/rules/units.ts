/** Units people write in rules.yml: durations (`5m`), percentages (`5%`), times (`10s`, `800ms`), money. */

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/;
const FACTOR: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `90s`, `5m`, `2h`, `1d` → ms. Bare numbers are refused: a unit makes the intent plain. */
export function parseDuration(v: unknown): number | string {
  if (typeof v !== 'string') return 'must be a duration with a unit, like 5m, 90s or 2h';
  const m = DURATION.exec(v.trim());
  if (!m) return `"${v}" is not a duration: use a number and a unit (ms, s, m, h, d, w), like 5m`;
  return Math.round(Number(m[1]) * FACTOR[m[2]]);
}

/** `5%` → 0.05; a plain number is a fraction (0.05). */
export function parseFraction(v: unknown): number | string {
  if (typeof v === 'number') {
    return v >= 0 ? v : 'must not be negative';
  }
  if (typeof v === 'string') {
    const m = /^(-?\d+(?:\.\d+)?)\s*%$/.exec(v.trim());
    if (m) return Number(m[1]) < 0 ? 'must not be negative' : Number(m[1]) / 100;
  }
  return 'must be a percentage like 5% or a fraction like 0.05';
}

/**
 * A multiple of a baseline: `1.5`, or the same as a percentage, `150%` (spend at 150% of the usual).
 */
export function parseMultiple(v: unknown): number | string {
  const f = typeof v === 'string' && /%\s*$/.test(v) ? parseFraction(v) : typeof v === 'number' ? v : 'must be a multiple of the baseline like 1.5, or a percentage of it like 150%';
  if (typeof f === 'string') return f;
  return f > 0 ? f : 'must be more than 0 (a multiple of the baseline like 1.5, or 150%)';
}

/**
 * A rate (share of requests): `5%` or a fraction up to 1. A bare number above 1 is almost surely a
 * percentage without its sign (`above: 10` would be read as 1000% and never fire): refused, with the fix.
 */
export function parseRate(v: unknown): number | string {
  const f = parseFraction(v);
  if (typeof f === 'string') return f;
  if (f <= 1) return f;
  return typeof v === 'number'
    ? `${v} would be read as ${+(v * 100).toFixed(4)}%: a rate is at most 1; write ${v}% for ${v} percent (or the fraction ${+(v / 100).toFixed(6)})`
    : `${String(v).trim()} is more than 100%: a rate is at most 100%`;
}

/** A latency or time value: `10s`, `800ms`, or a number of milliseconds. */
export function parseMillis(v: unknown): number | string {
  if (typeof v === 'number') return v >= 0 ? v : 'must not be negative';
  const d = parseDuration(v);
  return typeof d === 'number' ? d : `must be a time like 10s or 800ms, or a number of milliseconds`;
}

export function formatDuration(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** Weeks in each period a false-alarm budget may be written in (a month is 365.25 / 12 days). */
const PER_WEEK: Record<string, number> = { day: 7, week: 1, month: 12 / (365.25 / 7), year: 7 / 365.25 };

/**
 * A false-alarm budget: `1/month`, `2/week`, `1/year`, `0.5/day` → alarms per week. A bare number is
 * refused: the period makes the promise readable.
 */
export function parseAlarmRate(v: unknown): number | string {
  const m = typeof v === 'string' ? /^(\d+(?:\.\d+)?)\s*\/\s*(day|week|month|year)$/.exec(v.trim()) : null;
  if (!m) return `${JSON.stringify(v)} is not a rate: write how many alarms per period, like 1/month, 1/year or 2/week`;
  const n = Number(m[1]);
  if (!(n > 0)) return 'must be more than 0 per period (a budget of none would need infinite evidence)';
  return n * PER_WEEK[m[2]];
}
