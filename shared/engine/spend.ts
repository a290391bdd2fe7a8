/** Running spend of the local day per model, one judged minute at a time. Pure. */
import type { Pricing } from '../pricing/pricing';
import type { Frame } from '../core/series';
import { dayKey } from '../core/tz';
import type { Spend } from '../core/alert';

export function accumulateSpend(spend: Spend, frame: Frame, index: number, minute: number, models: string[], pricing: Pricing, tz: string): Spend {
  const day = dayKey(minute, tz);
  let next: Spend | null = null;
  for (const model of models) {
    const s = frame.models[model];
    const input = s?.['InputTokenCount:Sum']?.[index] ?? null;
    const output = s?.['OutputTokenCount:Sum']?.[index] ?? null;
    const prev = spend[model];
    const fresh = !prev || prev.day !== day;
    if (input === null && output === null && !fresh) continue;
    const cost = input === null && output === null ? 0 : pricing.cost(model, input ?? 0, output ?? 0);
    if (cost === null) continue; // unpriced: reported by the cost rule, never counted as 0
    next ??= { ...spend };
    const requests = s?.['Invocations:Sum']?.[index] ?? 0;
    next[model] = fresh ? { day, dayFrom: minute, dayCost: cost, dayRequests: requests } : { ...prev, dayCost: prev.dayCost + cost, dayRequests: (prev.dayRequests ?? 0) + requests };
  }
  return next ?? spend;
}
