/** Reference copy of the implementation on main before issue 20's incremental baselines (shared/…/expected.ts): the randomized equivalence tests compare the new code with it. Do not optimise. */
/** Reading learned expectations for the kinds that compare against them. */
import { HOUR, MINUTE } from '../../../shared/core/time';
import type { Confidence } from '../../../shared/core/baseline';
import type { Baselines } from '../../../shared/engine/types';
import type { Pricing } from '../../../shared/pricing/pricing';

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
