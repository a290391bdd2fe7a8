/** One caller identity (an IAM role) using a model far more than its own learned normal for these hours. */
import type { CallerSpendRule } from '../../rules/schema';
import { callerKey } from '../../core/log-keys';
import { MINUTE } from '../../core/time';
import { count, times, usd } from '../../core/format';
import { series, sumOver } from '../window';
import { aboveChecks, observation, unevaluable } from './common';
import { expectedOver, minuteEnd } from './expected';
import type { KindContext, Observation } from '../types';

export function observeCallerSpend(rule: CallerSpendRule, model: string, caller: string, ctx: KindContext): Observation {
  const key = callerKey(caller);
  const minutes = Math.round(rule.window / MINUTE);
  const tokens = sumOver(series(ctx.frame, model, key), ctx.index, minutes);
  const exp = expectedOver(ctx.baselines, model, key, minuteEnd(ctx.minute) - rule.window, minuteEnd(ctx.minute));
  if (!exp || exp.confidence === 'none') return unevaluable(`no learned baseline for ${caller} on ${model} yet`);
  if (exp.value < rule.min_expected_tokens) return unevaluable(`${caller} normally uses too few tokens here to judge`);
  const ratio = tokens / exp.value;
  const price = ctx.pricing.price(model);
  const cost = price ? (tokens * (price.input + price.output)) / 2000 : null; // tokens are summed in+out: an estimate at the mean price
  const checks = aboveChecks(rule.tiers, ratio, rule.hysteresis, (a) => `above ${times(a)}`);
  return observation(checks, {
    value: ratio,
    baseline: exp.value,
    cap: exp.confidence === 'low' ? 'warning' : undefined,
    text(limit) {
      return `${caller} used ${count(tokens)} tokens in ${minutes} min vs ${count(exp.value)} normally (${times(ratio)}${limit ? `; ${limit}` : ''})${cost !== null ? `, about ${usd(cost)}` : ''}`;
    },
    details() {
      return { caller, tokens, expected_tokens: Math.round(exp.value), window_minutes: minutes };
    },
  });
}
