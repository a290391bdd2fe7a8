/** A volume (requests, tokens, cost) over a trailing window against its learned expectation for those hours. */
import type { BaselineRule } from '../../rules/schema';
import { MINUTE } from '../../core/time';
import { seriesKey } from '../../core/series';
import { count, times, usd } from '../../core/format';
import { series, sumOver } from '../window';
import { aboveChecks, observation, unevaluable } from './common';
import { expectedCost, expectedOver, minuteEnd, weakest } from './expected';
import type { KindContext, Observe } from '../types';

function actual(rule: BaselineRule, model: string, ctx: KindContext, minutes: number): number | null {
  if (rule.series === 'tokens') return total('InputTokenCount', model, ctx, minutes) + total('OutputTokenCount', model, ctx, minutes);
  if (rule.series === 'cost') return ctx.pricing.cost(model, total('InputTokenCount', model, ctx, minutes), total('OutputTokenCount', model, ctx, minutes));
  return total(rule.series, model, ctx, minutes);
}

/** A counting metric's sum over the model's last `minutes`. */
const total = (metric: string, model: string, ctx: KindContext, minutes: number): number => sumOver(series(ctx.frame, model, seriesKey(metric, 'Sum')), ctx.index, minutes);

export const observeBaseline: Observe<BaselineRule> = (rule, model, ctx) => {
  const minutes = Math.round(rule.window / MINUTE);
  const from = minuteEnd(ctx.minute) - rule.window;
  const keys = rule.series === 'cost' || rule.series === 'tokens' ? ['InputTokenCount:Sum', 'OutputTokenCount:Sum'] : [seriesKey(rule.series, 'Sum')];
  const exp =
    rule.series === 'cost'
      ? expectedCost(ctx.baselines, ctx.pricing, model, from, minuteEnd(ctx.minute))
      : keys.map((k) => expectedOver(ctx.baselines, model, k, from, minuteEnd(ctx.minute))).reduce<{ value: number; confidence: 'none' | 'low' | 'ok' } | null>(
          (a, b) => (a && b ? { value: a.value + b.value, confidence: weakest(a.confidence, b.confidence) } : null),
          { value: 0, confidence: 'ok' },
        );
  const value = actual(rule, model, ctx, minutes);
  if (value === null) return unevaluable(`no price for ${model}`);
  if (!exp || exp.confidence === 'none') return unevaluable(`no trusted baseline for ${model} yet`);
  if (exp.value <= 0 || exp.value < rule.min_expected) return unevaluable('too little expected volume to judge');
  const spread = Math.max(...keys.map((k) => ctx.baselines.model(model)?.series[k]?.spread ?? 0));
  const score = rule.compare === 'ratio' ? value / exp.value : spread > 0 ? Math.log(Math.max(value, 1e-9) / exp.value) / spread : null;
  if (score === null) return unevaluable('no spread learned yet for deviations');
  const fmt = rule.series === 'cost' ? usd : count;
  const checks = aboveChecks(rule.tiers, score, rule.hysteresis, (a) => (rule.compare === 'ratio' ? `above ${times(a)}` : `above ${a} deviations`));
  return observation(checks, {
    value: score,
    baseline: exp.value,
    cap: exp.confidence === 'low' ? 'warning' : undefined,
    text(limit) {
      return `${rule.series} ${fmt(value)} in the last ${Math.round(minutes)} min vs ${fmt(exp.value)} expected (${rule.compare === 'ratio' ? times(score) : `${score.toFixed(1)} deviations`}${limit ? `; ${limit}` : ''})`;
    },
    details() {
      return { actual: Math.round(value * 100) / 100, expected: Math.round(exp.value * 100) / 100, window_minutes: minutes, baseline_confidence: exp.confidence };
    },
  });
};
