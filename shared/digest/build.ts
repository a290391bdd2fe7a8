/**
 * The daily digest (info tier): yesterday's spend per model against its baseline and the
 * budgets, the biggest changes, the day's alerts and the top spenders by caller. Pure.
 */
import { targetOfLabels } from '../core/target';
import type { ModelHistories, History } from '../core/baseline';
import { raw } from '../baselines/history';
import { levelFactor, seasonalWithBasis, weeksFor } from '../baselines/seasonal';
import type { AlertState } from '../core/alert';
import type { Pricing } from '../pricing/pricing';
import { HOUR } from '../core/time';
import type { CallerSpend, Digest, DigestModel } from '../core/digest';

export interface DigestInput {
  day: string;
  from: number;
  to: number;
  tz: string;
  histories: Record<string, ModelHistories>;
  pricing: Pricing;
  alerts: AlertState[];
  callers: CallerSpend[];
  budgets: { name: string; spent: number; budget: number; forecast: number | null }[];
}

function sum(h: History | undefined, from: number, to: number): number {
  let s = 0;
  for (let t = from; t < to; t += HOUR) s += raw(h, t) ?? 0;
  return s;
}

/** What the baseline expected for [from, to), learned only from before `from`; null until like-for-like days exist (a first weekend). */
function expected(h: History | undefined, from: number, to: number, tz: string): number | null {
  if (!h) return null;
  const weeks = weeksFor(h, from);
  const f = levelFactor(h, from, tz, weeks);
  let s = 0;
  for (let t = from; t < to; t += HOUR) {
    const v = seasonalWithBasis(h, t, tz, weeks);
    if (!v || v.basis === 'mixed') return null;
    s += v.value * f;
  }
  return s;
}

export function buildDigest(input: DigestInput): Digest {
  const { from, to, tz, pricing } = input;
  const models: DigestModel[] = [];
  const unpriced: string[] = [];
  let totalCost = 0;
  let totalExpected: number | null = 0;
  for (const [model, hs] of Object.entries(input.histories)) {
    const inp = sum(hs['InputTokenCount:Sum'], from, to);
    const out = sum(hs['OutputTokenCount:Sum'], from, to);
    const requests = sum(hs['Invocations:Sum'], from, to);
    if (!requests && !inp && !out) continue;
    const cost = pricing.cost(model, inp, out);
    const ei = expected(hs['InputTokenCount:Sum'], from, to, tz);
    const eo = expected(hs['OutputTokenCount:Sum'], from, to, tz);
    const expectedCost = cost !== null && ei !== null && eo !== null ? pricing.cost(model, ei, eo) : null;
    if (cost === null) unpriced.push(model);
    else totalCost += cost;
    // Unpriced models are out of both totals; a priced model without a baseline yet leaves the comparison out.
    if (cost !== null) totalExpected = totalExpected === null || expectedCost === null ? null : totalExpected + expectedCost;
    models.push({ model, requests, cost, expectedCost, change: cost !== null && expectedCost ? cost / expectedCost - 1 : null });
  }
  // Biggest spenders first; changes are shown beside them.
  models.sort((a, b) => (b.cost ?? -1) - (a.cost ?? -1));
  const alerts = input.alerts
    .filter((a) => a.startsAt !== null && a.startsAt < to && (a.endsAt === null || a.endsAt >= from) && !a.suppressedBy)
    .map((a) => ({
      rule: a.rule,
      model: targetOfLabels(a.labels),
      tier: a.maxTier ?? 'info',
      startsAt: new Date(a.startsAt as number).toISOString(),
      endsAt: a.endsAt && a.status !== 'firing' ? new Date(a.endsAt).toISOString() : null,
      text: a.headline || a.text,
    }))
    .sort((a, b) => a.startsAt.localeCompare(b.startsAt));
  const callers = input.callers
    .map((c) => ({ caller: c.caller, modelId: c.modelId, cost: pricing.cost(c.modelId, c.inputTokens, c.outputTokens), requests: c.requests, tokens: c.inputTokens + c.outputTokens }))
    .sort((a, b) => (b.cost ?? 0) - (a.cost ?? 0) || b.tokens - a.tokens)
    .slice(0, 5);
  return { day: input.day, models, totalCost, totalExpected, unpriced, alerts, callers, budgets: input.budgets };
}
