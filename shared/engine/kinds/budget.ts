/** Monthly budget: share spent so far and the month-end forecast, from the hourly-learned spend. */
import type { BudgetRule } from '../../rules/schema';
import { pct, usd } from '../../core/format';
import { TIER_ORDER, observation, unevaluable } from './common';
import type { Observation, Baselines } from '../types';

/** Month-to-date spend and month-end forecast of some models, from their learned expectations (the alert and the digest agree). */
export function budgetSpend(models: string[], baselines: Baselines): { spent: number; forecast: number; known: number; unpriced: string[] } {
  const total = { spent: 0, forecast: 0, known: 0, unpriced: [] as string[] };
  for (const m of models) {
    const c = baselines.model(m)?.cost;
    if (!c) continue;
    if (c.monthToDate === null) {
      total.unpriced.push(m);
      continue;
    }
    total.known++;
    total.spent += c.monthToDate;
    total.forecast += c.forecast ?? c.monthToDate;
  }
  return total;
}

export function observeBudget(rule: BudgetRule, models: string[], baselines: Baselines): Observation {
  const { spent, forecast, known, unpriced } = budgetSpend(models, baselines);
  if (!known) return unevaluable(unpriced.length ? `no price for ${unpriced.join(', ')}` : 'no spend learned yet');
  const share = spent / rule.monthly_usd;
  const projected = forecast / rule.monthly_usd;
  const checks = TIER_ORDER.flatMap((tier) => {
    const t = rule.tiers[tier];
    if (!t) return [];
    const test = (relax: number) =>
      (t.spent_above !== undefined && share > t.spent_above * (1 - relax)) || (t.forecast_above !== undefined && projected > t.forecast_above * (1 - relax));
    const limit = [t.spent_above !== undefined ? `spent above ${pct(t.spent_above)}` : '', t.forecast_above !== undefined ? `forecast above ${pct(t.forecast_above)}` : ''].filter(Boolean).join(' or ');
    return [{ tier, breach: test(0), hold: test(rule.hysteresis), limit, threshold: t.spent_above ?? t.forecast_above ?? null }];
  });
  return observation(checks, {
    value: share,
    baseline: rule.monthly_usd,
    text(limit) {
      return `${usd(spent)} of the ${usd(rule.monthly_usd)} monthly budget spent (${pct(share)}); month-end forecast ${usd(forecast)} (${pct(projected)})${limit ? `; ${limit}` : ''}${unpriced.length ? `; unpriced: ${unpriced.join(', ')}` : ''}`;
    },
    details() {
      return { spent_usd: Math.round(spent * 100) / 100, forecast_usd: Math.round(forecast * 100) / 100, budget_usd: rule.monthly_usd };
    },
  });
}
