/**
 * Small hand-built hourly histories, learned expectations and kind contexts for the baseline,
 * kind and digest tests: no replay, no clock.
 */
import { EXPECT_HOURS } from '../../shared/baselines/expectations';
import type { ModelExpectations, SeriesExpectation, History, Confidence } from '../../shared/core/baseline';
import { record } from '../../shared/baselines/history';
import type { Baselines, KindContext, Observation } from '../../shared/engine/types';
import type { Spend } from '../../shared/core/alert';
import { Pricing } from '../../shared/pricing/pricing';
import { baselinesOf } from '../../shared/run/baselines-provider';
import { HOUR, MINUTE } from '../../shared/core/time';
import { type Frame } from '../../shared/core/series';

export { HOUR, MINUTE };
export const DAY = 24 * HOUR;
export const WEEK = 7 * DAY;

/** An hourly history from `start`, one value per hour from `value(i, hourMs)`. */
export function historyOf(start: number, hours: number, value: (i: number, hour: number) => number | null): History {
  let h: History | undefined;
  for (let i = 0; i < hours; i++) h = record(h, start + i * HOUR, value(i, start + i * HOUR));
  if (!h) throw new Error('historyOf: no hours');
  return h;
}

/** One series' expectation: the same value for every hour of the 72-hour span. */
export function flatSeries(value: number | null, confidence: Confidence = 'ok', hours = 24 * 14): SeriesExpectation {
  return { values: new Array<number | null>(EXPECT_HOURS).fill(value), confidence, spread: null, hours };
}

/**
 * Expectations of one model as the baseline function publishes them, learned up to `asOf`
 * (values cover [asOf − 24 h, asOf + 48 h)); series are given per hour.
 */
export function expectationsOf(model: string, asOf: number, series: Record<string, SeriesExpectation>, over: Partial<ModelExpectations> = {}): ModelExpectations {
  return {
    model,
    asOf,
    start: asOf - 24 * HOUR,
    series,
    wow: {},
    cost: { monthStart: asOf, monthToDate: null, forecast: null, dailyExpected: null },
    ...over,
  };
}

export interface CtxInput {
  frame: Frame;
  index: number;
  baselines?: Baselines;
  pricing?: Pricing;
  spend?: Spend;
  tz?: string;
  peers?: Record<string, Observation>;
}

/** The full context a kind's observe function receives. */
export function ctxOf({ frame, index, baselines = baselinesOf([]), pricing = new Pricing(), spend = {}, tz = 'UTC', peers = {} }: CtxInput): KindContext {
  return { frame, index, minute: frame.from + index * frame.period, baselines, pricing, spend, tz, peer: (name) => peers[name] ?? null };
}

/** A Frame starting at `from` (minute period) from per-model series; shorter series are padded with nulls. */
export function minuteFrame(from: number, models: Record<string, Record<string, (number | null)[]>>, length?: number): Frame {
  const n = length ?? Math.max(0, ...Object.values(models).flatMap((m) => Object.values(m).map((s) => s.length)));
  const out: Frame['models'] = {};
  for (const [model, byKey] of Object.entries(models)) {
    out[model] = {};
    for (const [key, s] of Object.entries(byKey)) out[model][key] = [...s, ...new Array<null>(Math.max(0, n - s.length)).fill(null)].slice(0, n);
  }
  return { from, length: n, period: MINUTE, models: out };
}
