/**
 * Spend so far today against what the baseline expects for the same part of the day, so a
 * runaway is seen within hours rather than at midnight. Judged only once the expected spend so
 * far is a meaningful share of a normal day.
 *
 * Both forms read the expectation with the traffic's clock an hour either way (leastAlarming: a
 * model used from New York is an hour off its UTC-learned hours for the weeks after a DST change)
 * and need evidence as well as a ratio (spendEvidence): the tier's ratio must also lie beyond the
 * noise this model's spend has around its expectation, at a stated false-alarm rate.
 */
import type { CostRule } from '../../rules/schema';
import { DAY } from '../../core/time';
import { startOfDay } from '../../core/tz';
import { times, usd } from '../../core/format';
import { minutesOf, series } from '../window';
import type { KindContext, Observation } from '../types';
import { aboveChecks, observation, unevaluable, type TierCheck } from './common';
import { SUB_HOUR_SHIFTS, expectedCost, leastAlarming, minuteEnd } from './expected';
import { zFor } from '../../core/stats';
import type { Tier } from '../../core/alert';
import type { Observe } from '../types';

export const observeCost: Observe<CostRule> = (rule, model, ctx) => (rule.window ? observeSpendRate(rule, rule.window, model, ctx) : observeDaySoFar(rule, model, ctx));

const observeDaySoFar: Observe<CostRule> = (rule, model, ctx) => {
  const spent = ctx.spend[model];
  if (!spent) return unevaluable(ctx.pricing.price(model) ? 'no spend recorded today yet' : `no price for ${model}: add it under pricing: in rules.yml`);
  const end = minuteEnd(ctx.minute);
  const soFar = leastAlarming((shift) => expectedCost(ctx.baselines, ctx.pricing, model, spent.dayFrom + shift, end + shift), 'above');
  const dayStart = startOfDay(ctx.minute, ctx.tz);
  // The local day: 23 or 25 hours on a DST change.
  const day = expectedCost(ctx.baselines, ctx.pricing, model, dayStart, startOfDay(dayStart + DAY + DAY / 2, ctx.tz));
  if (!soFar || !day || soFar.confidence === 'none') return unevaluable(`no trusted cost baseline for ${model} yet`);
  if (soFar.value <= 0 || soFar.value < rule.min_day_fraction * day.value) return unevaluable(`too early in the day to judge (expected so far ${usd(soFar.value)})`);
  if (soFar.value < rule.min_expected_usd) return unevaluable(`expected spend so far ${usd(soFar.value)} is below min_expected_usd`);
  if ((spent.dayRequests ?? 0) < rule.min_requests) return unevaluable(`${spent.dayRequests ?? 0} requests today: too few to judge spend`);
  const ratio = spent.dayCost / soFar.value;
  const evidence = spendEvidence(ctx, model, (end - spent.dayFrom) / 60_000, 1440);
  const checks = withEvidence(aboveChecks(rule.tiers, ratio, rule.hysteresis, (a) => `above ${times(a)}`), ratio, evidence);
  return observation(checks, {
    value: ratio,
    baseline: soFar.value,
    cap: soFar.confidence === 'low' ? 'warning' : undefined,
    text(limit) {
      return `${usd(spent.dayCost)} spent today so far vs ${usd(soFar.value)} expected by now (${times(ratio)}${limit ? `; ${limit}` : ''}); a normal day is about ${usd(day.value)}`;
    },
    details() {
      return { spent_usd: round(spent.dayCost), expected_so_far_usd: round(soFar.value), expected_day_usd: round(day.value), baseline_confidence: soFar.confidence, clock_shift_hours: soFar.shift / 3_600_000, ...evidenceDetails(evidence) };
    },
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
  const expected = leastAlarming((shift) => expectedCost(ctx.baselines, ctx.pricing, model, end - n * 60_000 + shift, end + shift), 'above', SUB_HOUR_SHIFTS);
  if (!expected || expected.confidence === 'none') return unevaluable(`no trusted cost baseline for ${model} yet`);
  if (expected.value < rule.min_expected_usd) return unevaluable(`expected spend over ${n} min ${usd(expected.value)} is below min_expected_usd`);
  if (requests < rule.min_requests) return unevaluable(`${requests} requests in ${n} min: too few to judge spend`);
  const ratio = spent / expected.value;
  const evidence = spendEvidence(ctx, model, n, n);
  const checks = withEvidence(aboveChecks(rule.tiers, ratio, rule.hysteresis, (a) => `above ${times(a)}`), ratio, evidence);
  return observation(checks, {
    value: ratio,
    baseline: expected.value,
    cap: expected.confidence === 'low' ? 'warning' : undefined,
    text(limit) {
      return `${usd(spent)} spent in the last ${n} min vs ${usd(expected.value)} normal for those minutes (${times(ratio)}${limit ? `; ${limit}` : ''})`;
    },
    details() {
      return { spent_usd: round(spent), expected_usd: round(expected.value), window_minutes: n, requests, baseline_confidence: expected.confidence, clock_shift_hours: expected.shift / 3_600_000, ...evidenceDetails(evidence) };
    },
  });
}

/**
 * How often spend may cross a tier by chance on traffic like the history, per model: a warning at
 * most once a month, a page at most once a year (the budgets the README states).
 */
export const SPEND_FALSE_ALARMS_PER_DAY: Record<Tier, number> = { info: 1 / 7, warning: 1 / 30, critical: 1 / 365 };

/** Used when the baseline has no spread learned yet (under a day of comparable hours): a typical hour-to-hour wobble. */
const FALLBACK_SPREAD = 0.15;

interface SpendEvidence {
  /** The noise of log(spend / expected) over the minutes judged. */
  sigma: number;
  /** Per tier, the smallest log-ratio that is evidence at that tier's false-alarm rate. */
  bar: Partial<Record<Tier, number>>;
}

/**
 * The noise of spend over `minutes` around its expectation, and the evidence bar per tier.
 *
 * Null model: log(spend / expected) is normal with the model's own learned hourly spread (the
 * robust spread of its hours around their expectation, baselines/seasonal.ts logSpread, for
 * input and output tokens: the larger), widened for windows under an hour as if all of it were
 * minute-to-minute noise (σ·√(60/minutes): conservative, since part of it is hour-level misfit
 * that a shorter window does not multiply). A judgement over `minutes` recurs every `period`
 * minutes as an independent trial, so a rate of r false alarms a day allows a one-sided tail of
 * r·period/1440 per trial: z = Φ⁻¹(1 − that). A 30-minute spend rate with a page at most once a
 * year needs z ≈ 3.9; a day so far (one trial a day) with a warning once a month, z ≈ 1.8.
 */
function spendEvidence(ctx: KindContext, model: string, minutes: number, period: number): SpendEvidence {
  const series = ctx.baselines.model(model)?.series;
  const spreads = ['InputTokenCount:Sum', 'OutputTokenCount:Sum'].map((k) => series?.[k]?.spread).filter((x): x is number => typeof x === 'number');
  const hourly = spreads.length ? Math.max(...spreads) : FALLBACK_SPREAD;
  const sigma = hourly * Math.sqrt(60 / Math.max(1, Math.min(60, minutes)));
  const bar: SpendEvidence['bar'] = {};
  for (const tier of ['info', 'warning', 'critical'] as const) bar[tier] = zFor(1 - Math.min(0.5, (SPEND_FALSE_ALARMS_PER_DAY[tier] * period) / 1440)) * sigma;
  return { sigma, bar };
}

/** A tier breaches only when its ratio is also evidence: log(ratio) beyond the tier's bar. Holding (hysteresis) is unchanged. */
function withEvidence(checks: TierCheck[], ratio: number, e: SpendEvidence): TierCheck[] {
  const log = Math.log(Math.max(ratio, 1e-9));
  return checks.map((c) => ({ ...c, breach: c.breach && log > (e.bar[c.tier] ?? 0) }));
}

const evidenceDetails = (e: SpendEvidence) => ({
  noise_sigma: Math.round(e.sigma * 1000) / 1000,
  ...Object.fromEntries(Object.entries(e.bar).map(([tier, b]) => [`${tier}_evidence_ratio`, Math.round(Math.exp(b as number) * 100) / 100])),
});
