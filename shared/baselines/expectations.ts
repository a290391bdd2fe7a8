/**
 * What the evaluate tick needs from a model's baselines, precomputed hourly and small enough to
 * read every tick: expected values per hour for the day before and two days after `asOf`,
 * confidence, spread, week-over-week comparisons and month-to-date spend. Pure.
 */
import type { ModelExpectations, ModelHistories, SeriesExpectation, History, Confidence, WeekOverWeek } from '../core/baseline';
import { HOUR as HOUR_MS, DAY as DAY_MS } from '../core/time';
import { CALLER_PREFIX } from '../core/log-keys';
import { localDaysBefore, startOfMonth, startOfNextMonth } from '../core/tz';
import type { Pricing } from '../pricing/pricing';
import { at, learnedHours, raw } from './history';
import { SeasonalMemo, levelExpectation, levelFactor, logSpread, volumeConfidence, weeksFor } from './seasonal';

// Module copies: compiled module by module every read of an imported binding is a getter call (see seasonal.ts).
const HOUR = HOUR_MS;
const DAY = DAY_MS;

export const VOLUME_SERIES = ['Invocations:Sum', 'InputTokenCount:Sum', 'OutputTokenCount:Sum'] as const;
export const EXPECT_HOURS = 72;

/** Counts (requests, tokens, a caller's tokens) follow the traffic's seasons; other series are levels (latency). */
export const isVolume = (key: string): boolean => (VOLUME_SERIES as readonly string[]).includes(key) || key.startsWith(CALLER_PREFIX);

export function buildExpectations(model: string, histories: ModelHistories, asOf: number, tz: string, pricing: Pricing): ModelExpectations {
  const start = asOf - 24 * HOUR;
  const series: Record<string, SeriesExpectation> = {};
  for (const [key, h] of Object.entries(histories)) {
    const volume = isVolume(key);
    if (volume) {
      const weeks = weeksFor(h, asOf);
      const memo = memoOf(model, key, tz);
      // Every hour asked below is at least a week before asOf (levelFactor, logSpread).
      memo.sync(h, weeks, asOf - WEEK);
      const f = levelFactor(h, asOf, tz, weeks, memo);
      const values: (number | null)[] = [];
      let basis = '';
      for (let i = 0; i < EXPECT_HOURS; i++) {
        const s = memo.get(h, start + i * HOUR, tz, weeks);
        values.push(s === null ? null : round(s.value * f));
        basis += s === null ? '-' : s.basis[0];
      }
      series[key] = { values, basis, confidence: volumeConfidence(h), spread: logSpread(h, asOf, tz, f, weeks, memo), hours: learnedHours(h) };
    } else {
      const { value, confidence } = levelExpectation(h, asOf);
      series[key] = { values: new Array(EXPECT_HOURS).fill(value === null ? null : round(value)), confidence, spread: null, hours: learnedHours(h) };
    }
  }
  return { model, asOf, start, series, wow: weekOverWeek(histories, asOf, tz), cost: spend(model, histories, series, asOf, start, tz, pricing) };
}

const round = (x: number) => Math.round(x * 1000) / 1000;

const WEEK = 7 * DAY;

/**
 * One SeasonalMemo per model, series and zone, kept across hourly runs in the same process (a
 * backtest, a warm Lambda): each run recomputes only the expectations its new hour can change
 * (see SeasonalMemo, exact whatever history it is given). Bounded (a memo holds about 200 hours and a
 * copy of five weeks, some 30 KB): started over past MAX_MEMOS (above 50 models × 23 series).
 */
const memos = new Map<string, SeasonalMemo>();
const MAX_MEMOS = 2_000;

function memoOf(model: string, key: string, tz: string): SeasonalMemo {
  const id = `${model}\u0000${key}\u0000${tz}`;
  let m = memos.get(id);
  if (!m) {
    if (memos.size >= MAX_MEMOS) memos.clear();
    memos.set(id, (m = new SeasonalMemo(tz)));
  }
  return m;
}

function sumRange(h: History | undefined, from: number, to: number, read = at): { sum: number; n: number } {
  let sum = 0;
  let n = 0;
  for (let t = from; t < to; t += HOUR) {
    const v = read(h, t);
    if (v !== null) {
      sum += v;
      n++;
    }
  }
  return { sum, n };
}

/**
 * The last 24 hours against the same 24 local hours seven days before (DST-correct: a week before
 * 09:00 is 09:00, even across a clock change), so a drift shows within a day instead of being
 * diluted in weekly totals. Tokens per request are compared per direction (input, output) and the
 * larger change is reported: longer answers must not hide behind long prompts.
 */
function weekOverWeek(hs: ModelHistories, asOf: number, tz: string): ModelExpectations['wow'] {
  const out: ModelExpectations['wow'] = {};
  const before = localDaysBefore(asOf, 7, tz);
  // The last day as it happened (hours with an alert included: a drift raises alerts of its own, and
  // leaving those hours out would hide it); the week before as learned (its incidents left out).
  const win = (key: string, end: number) => sumRange(hs[key], end - DAY, end, end === asOf ? raw : at);
  const req = [win('Invocations:Sum', asOf), win('Invocations:Sum', before)];
  const inp = [win('InputTokenCount:Sum', asOf).sum, win('InputTokenCount:Sum', before).sum];
  const outp = [win('OutputTokenCount:Sum', asOf).sum, win('OutputTokenCount:Sum', before).sum];
  // A full day in both windows, or no comparison: a half-learned week is not a trend.
  if (req[0].n >= 20 && req[1].n >= 20 && req[0].sum > 0 && req[1].sum > 0) {
    const requests = Math.min(req[0].sum, req[1].sum);
    out.tokens = { current: inp[0] + outp[0], previous: inp[1] + outp[1], requests };
    const per = (t: number[]) => ({ current: t[0] / req[0].sum, previous: t[1] / req[1].sum, requests });
    const change = (w: WeekOverWeek) => (w.previous > 0 ? w.current / w.previous : 0);
    const [i, o] = [per(inp), per(outp)];
    // An embedding model has no output tokens: its input side is the whole story.
    out.tokens_per_request = { ...(change(o) > change(i) ? o : i), direction: change(o) > change(i) ? 'output' : 'input' };
  }
  const lat = hs['InvocationLatency:p95'];
  if (lat) {
    const cur: number[] = [];
    const prev: number[] = [];
    for (let k = 0; k < 24; k++) {
      const a = raw(lat, asOf - DAY + k * HOUR);
      const b = at(lat, before - DAY + k * HOUR);
      if (a !== null) cur.push(a);
      if (b !== null) prev.push(b);
    }
    if (cur.length >= 20 && prev.length >= 20) {
      const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
      out.latency_p95 = { current: med(cur), previous: med(prev), requests: Math.min(req[0].sum, req[1].sum) };
    }
  }
  return out;
}

function spend(model: string, hs: ModelHistories, series: Record<string, SeriesExpectation>, asOf: number, start: number, tz: string, pricing: Pricing): ModelExpectations['cost'] {
  const monthStart = startOfMonth(asOf, tz);
  const price = pricing.price(model);
  if (!price) return { monthStart, monthToDate: null, forecast: null, dailyExpected: null };
  const inp = sumRange(hs['InputTokenCount:Sum'], monthStart, asOf, raw).sum;
  const out = sumRange(hs['OutputTokenCount:Sum'], monthStart, asOf, raw).sum;
  const monthToDate = (inp * price.input + out * price.output) / 1000;
  // A typical day ahead: the next 24 expected hours.
  let dailyExpected: number | null = null;
  const ei = series['InputTokenCount:Sum']?.values;
  const eo = series['OutputTokenCount:Sum']?.values;
  if (ei && eo) {
    const first = Math.round((asOf - start) / HOUR);
    let d = 0;
    for (let i = first; i < first + 24; i++) d += ((ei[i] ?? 0) * price.input + (eo[i] ?? 0) * price.output) / 1000;
    dailyExpected = d;
  }
  const remainingDays = (startOfNextMonth(asOf, tz) - asOf) / DAY;
  return { monthStart, monthToDate, forecast: dailyExpected === null ? null : monthToDate + dailyExpected * remainingDays, dailyExpected };
}
