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
