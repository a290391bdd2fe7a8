/** Reading learned expectations for the kinds that compare against them. */
import { HOUR, MINUTE } from '../../core/time';
import type { Confidence } from '../../core/baseline';
import type { Baselines } from '../types';
import type { Pricing } from '../../pricing/pricing';

const RANK: Record<Confidence, number> = { none: 0, low: 1, ok: 2 };
export const weakest = (...cs: Confidence[]): Confidence => cs.reduce((a, b) => (RANK[b] < RANK[a] ? b : a), 'ok');

/**
 * Baselines whose answers never change (baselinesOf: read-only expectations items), for which
 * expectedOver may keep its running sums from one call to the next.
 */
export const fixedBaselines = new WeakSet<Baselines>();

/** Expected value of a baseline series over [from, to) ms (partial hours pro rata), and its confidence. */
export function expectedOver(baselines: Baselines, model: string, series: string, from: number, to: number): { value: number; confidence: Confidence } | null {
  if (to - from > PREFIX_MIN_SPAN && fixedBaselines.has(baselines)) return expectedOverPrefix(baselines, model, series, from, to);
  return addHours(baselines, model, series, from, to, Math.floor(from / HOUR) * HOUR, 0, 'ok');
}

/** expectedOver's loop from hour `h0` on, `value` and `confidence` being what the hours before it gave (null: an hour without an expectation). */
function addHours(baselines: Baselines, model: string, series: string, from: number, to: number, h0: number, value: number, confidence: Confidence): { value: number; confidence: Confidence } | null {
  for (let h = h0; h < to; h += HOUR) {
    const e = baselines.expect(model, series, h);
    if (!e) return null;
    const overlap = Math.min(to, h + HOUR) - Math.max(from, h);
    value += (e.value * overlap) / HOUR;
    confidence = weakest(confidence, e.confidence);
  }
  return { value, confidence };
}

/** Windows longer than this (day so far, the local day) keep running sums; shorter ones add up their two or three hours. */
const PREFIX_MIN_SPAN = 2 * HOUR;

/**
 * expectedOver's sum after each whole hour from `from`: the hours of a window are added in order,
 * and every hour but the last partial one contributes a term that depends on `from` only (the
 * hour ends before `to`), so a later `to` from the same `from` (the day so far, minute after
 * minute, and the whole local day asked again every minute) continues the same additions, in the
 * same order, from where the last call stopped: the same floating-point value, not a re-association.
 */
interface Prefix {
  /** sums[k], confs[k]: value and confidence after the first k whole hours. */
  sums: number[];
  confs: Confidence[];
  /** hours[k]: the start of hour k (as the loop steps it). */
  hours: number[];
  /** Index of the first hour without an expectation (the sums stop there), or Infinity. */
  dead: number;
}

/** baselines → model → series → from → sums. */
const prefixes = new WeakMap<Baselines, Map<string, Map<string, Map<number, Prefix>>>>();

function expectedOverPrefix(baselines: Baselines, model: string, series: string, from: number, to: number): { value: number; confidence: Confidence } | null {
  let byModel = prefixes.get(baselines);
  if (!byModel) prefixes.set(baselines, (byModel = new Map()));
  let bySeries = byModel.get(model);
  if (!bySeries) byModel.set(model, (bySeries = new Map()));
  let byFrom = bySeries.get(series);
  if (!byFrom) bySeries.set(series, (byFrom = new Map()));
  let p = byFrom.get(from);
  if (!p) byFrom.set(from, (p = { sums: [0], confs: ['ok'], hours: [Math.floor(from / HOUR) * HOUR], dead: Infinity }));
  // Whole hours: those ending by `to` (h + HOUR <= to), as many as the loop would meet first.
  while (p.dead === Infinity && p.hours[p.hours.length - 1] + HOUR <= to) {
    const k = p.hours.length - 1;
    const h = p.hours[k];
    const e = baselines.expect(model, series, h);
    if (!e) {
      p.dead = k;
      break;
    }
    const overlap = Math.min(to, h + HOUR) - Math.max(from, h);
    p.sums.push(p.sums[k] + (e.value * overlap) / HOUR);
    p.confs.push(weakest(p.confs[k], e.confidence));
    p.hours.push(h + HOUR);
  }
  let k = p.hours.length - 1;
  while (k > 0 && p.hours[k - 1] + HOUR > to) k--;
  // Past the sums: the last, partial hour, or the hour found without an expectation (k stops there), as the plain loop.
  return addHours(baselines, model, series, from, to, p.hours[k], p.sums[k], p.confs[k]);
}

/** Expected cost over [from, to): expected tokens × prices. */
export function expectedCost(baselines: Baselines, pricing: Pricing, model: string, from: number, to: number): { value: number; confidence: Confidence } | null {
  const price = pricing.price(model);
  const i = expectedOver(baselines, model, 'InputTokenCount:Sum', from, to);
  const o = expectedOver(baselines, model, 'OutputTokenCount:Sum', from, to);
  if (!price || !i || !o) return null;
  return { value: (i.value * price.input + o.value * price.output) / 1000, confidence: weakest(i.confidence, o.confidence) };
}

export const minuteEnd = (minute: number) => minute + MINUTE;

/**
 * The traffic's clock may be an hour off the clock the baselines were learned on: a model used
 * from New York follows its daylight-saving changes while the baselines count UTC hours (or the
 * other way round), so for the weeks after a change every learned hour is an hour early or late.
 * Rather than guess each model's zone, an expectation is also read an hour earlier and an hour
 * later, and a shift may excuse an alarm, never cause one: a rule alarming on too much judges the
 * highest of the three readings, a rule alarming on too little (silence) the lowest. A real
 * runaway or outage is far from all three; a clock shift is near one of them. The price is a
 * little sensitivity on the steepest hour of a daily ramp (a neighbouring hour differs by ~15 %).
 */
export const CLOCK_SHIFTS = [0, -HOUR, HOUR] as const;

/**
 * For spend over a window shorter than a few hours, also half an hour either way: an hourly
 * baseline knows how much an hour holds, not where in the hour it falls. A nightly batch of 45
 * minutes at 8× learned as one hour at 6.25×, read pro rata over a 30-minute window that straddles
 * the batch's start, came out 1.3× "above normal" before any noise — a false page. Reading the
 * window half an hour later puts the batch where the hour has it.
 */
export const SUB_HOUR_SHIFTS = [0, -HOUR, HOUR, -HOUR / 2, HOUR / 2] as const;

export function leastAlarming<T extends { value: number }>(read: (shift: number) => T | null, alarmsOn: 'above' | 'below', shifts: readonly number[] = CLOCK_SHIFTS): (T & { shift: number }) | null {
  let best: (T & { shift: number }) | null = null;
  for (const shift of shifts) {
    const e = read(shift);
    if (!e) {
      if (shift === 0) return null; // the hours judged must be known; a neighbour may fall off the learned span
      continue;
    }
    if (!best || (alarmsOn === 'above' ? e.value > best.value : e.value < best.value)) best = { ...e, shift };
  }
  return best;
}
