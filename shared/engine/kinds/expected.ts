/** Reading learned expectations for the kinds that compare against them. */
import { HOUR, MINUTE } from '../../core/time';
import type { Confidence } from '../../core/baseline';
import type { Baselines } from '../types';
import type { Pricing } from '../../pricing/pricing';

const RANK: Record<Confidence, number> = { none: 0, low: 1, ok: 2 };
export const weakest = (...cs: Confidence[]): Confidence => cs.reduce((a, b) => (RANK[b] < RANK[a] ? b : a), 'ok');

/** Expected value of a baseline series over [from, to) ms (partial hours pro rata), and its confidence. */
export function expectedOver(baselines: Baselines, model: string, series: string, from: number, to: number): { value: number; confidence: Confidence } | null {
  let value = 0;
  let confidence: Confidence = 'ok';
  for (let h = Math.floor(from / HOUR) * HOUR; h < to; h += HOUR) {
    const e = baselines.expect(model, series, h);
    if (!e) return null;
    const overlap = Math.min(to, h + HOUR) - Math.max(from, h);
    value += (e.value * overlap) / HOUR;
    confidence = weakest(confidence, e.confidence);
  }
  return { value, confidence };
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

export function leastAlarming<T extends { value: number }>(read: (shift: number) => T | null, alarmsOn: 'above' | 'below'): (T & { shift: number }) | null {
  let best: (T & { shift: number }) | null = null;
  for (const shift of CLOCK_SHIFTS) {
    const e = read(shift);
    if (!e) {
      if (shift === 0) return null; // the hours judged must be known; a neighbour may fall off the learned span
      continue;
    }
    if (!best || (alarmsOn === 'above' ? e.value > best.value : e.value < best.value)) best = { ...e, shift };
  }
  return best;
}
