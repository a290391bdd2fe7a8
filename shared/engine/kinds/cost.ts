/**
 * Spend so far today against what the baseline expects for the same part of the day, so a
 * runaway is seen within hours rather than at midnight. Judged only once the expected spend so
 * far is a meaningful share of a normal day.
 */
import type { CostRule } from '../../rules/schema';
import { DAY } from '../../core/time';
import { startOfDay } from '../../core/tz';
import { times, usd } from '../../core/format';
import { minutesOf, series } from '../window';
import type { KindContext, Observation } from '../types';
import { aboveChecks, observation, unevaluable } from './common';
import { expectedCost, minuteEnd } from './expected';
import type { Observe } from '../types';

export const observeCost: Observe<CostRule> = (rule, model, ctx) => (rule.window ? observeSpendRate(rule, rule.window, model, ctx) : observeDaySoFar(rule, model, ctx));

const observeDaySoFar: Observe<CostRule> = (rule, model, ctx) => {
  const spent = ctx.spend[model];
  if (!spent) return unevaluable(ctx.pricing.price(model) ? 'no spend recorded today yet' : `no price for ${model}: add it under pricing: in rules.yml`);
  const soFar = expectedCost(ctx.baselines, ctx.pricing, model, spent.dayFrom, minuteEnd(ctx.minute));
  const dayStart = startOfDay(ctx.minute, ctx.tz);
  // The local day: 23 or 25 hours on a DST change.
  const day = expectedCost(ctx.baselines, ctx.pricing, model, dayStart, startOfDay(dayStart + DAY + DAY / 2, ctx.tz));
  if (!soFar || !day || soFar.confidence === 'none') return unevaluable(`no trusted cost baseline for ${model} yet`);
  if (soFar.value <= 0 || soFar.value < rule.min_day_fraction * day.value) return unevaluable(`too early in the day to judge (expected so far ${usd(soFar.value)})`);
  if (soFar.value < rule.min_expected_usd) return unevaluable(`expected spend so far ${usd(soFar.value)} is below min_expected_usd`);
  if ((spent.dayRequests ?? 0) < rule.min_requests) return unevaluable(`${spent.dayRequests ?? 0} requests today: too few to judge spend`);
  const ratio = spent.dayCost / soFar.value;
  const checks = aboveChecks(rule.tiers, ratio, rule.hysteresis, (a) => `above ${times(a)}`);
  return observation(checks, {
    value: ratio,
    baseline: soFar.value,
    cap: soFar.confidence === 'low' ? 'warning' : undefined,
    text: (limit) => `${usd(spent.dayCost)} spent today so far vs ${usd(soFar.value)} expected by now (${times(ratio)}${limit ? `; ${limit}` : ''}); a normal day is about ${usd(day.value)}`,
    details: { spent_usd: round(spent.dayCost), expected_so_far_usd: round(soFar.value), expected_day_usd: round(day.value), baseline_confidence: soFar.confidence },
  });
};

const round = (x: number) => Math.round(x * 100) / 100;

/**
 * Spend rate: the spend of the last `window` (from the minutes' token counts) against the learned
 * spend for those same minutes of the week. A runaway shows within the window instead of waiting
 * for the day's total to drift.
 */
function observeSpendRate(rule: CostRule, window: number, model: string, ctx: KindContext): Observation {
  if (!ctx.pricing.price(model)) return unevaluable(`no price for ${model}: add it under pricing: in rules.yml`);
  const n = Math.min(minutesOf(window), ctx.index + 1);
  const [inp, out, inv] = ['InputTokenCount:Sum', 'OutputTokenCount:Sum', 'Invocations:Sum'].map((k) => series(ctx.frame, model, k));
  let spent = 0;
  let requests = 0;
  for (let i = ctx.index - n + 1; i <= ctx.index; i++) {
    spent += ctx.pricing.cost(model, inp?.[i] ?? 0, out?.[i] ?? 0) ?? 0;
    requests += inv?.[i] ?? 0;
  }
  const end = minuteEnd(ctx.minute);
  const expected = expectedCost(ctx.baselines, ctx.pricing, model, end - n * 60_000, end);
  if (!expected || expected.confidence === 'none') return unevaluable(`no trusted cost baseline for ${model} yet`);
  if (expected.value < rule.min_expected_usd) return unevaluable(`expected spend over ${n} min ${usd(expected.value)} is below min_expected_usd`);
  if (requests < rule.min_requests) return unevaluable(`${requests} requests in ${n} min: too few to judge spend`);
  const ratio = spent / expected.value;
  const checks = aboveChecks(rule.tiers, ratio, rule.hysteresis, (a) => `above ${times(a)}`);
  return observation(checks, {
    value: ratio,
    baseline: expected.value,
    cap: expected.confidence === 'low' ? 'warning' : undefined,
    text: (limit) => `${usd(spent)} spent in the last ${n} min vs ${usd(expected.value)} normal for those minutes (${times(ratio)}${limit ? `; ${limit}` : ''})`,
    details: { spent_usd: round(spent), expected_usd: round(expected.value), window_minutes: n, requests, baseline_confidence: expected.confidence },
  });
}
