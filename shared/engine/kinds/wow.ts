/** Week over week: tokens per request, tokens or p95 latency over the last 24 h vs the same 24 local hours a week before. */
import type { WowRule } from '../../rules/schema';
import { count, millis, pct } from '../../core/format';
import { aboveChecks, observation, unevaluable } from './common';
import type { Observe } from '../types';

export const observeWow: Observe<WowRule> = (rule, model, ctx) => {
  const w = ctx.baselines.model(model)?.wow[rule.measure];
  if (!w) return unevaluable('not enough history for a week-over-week comparison');
  if (w.requests < rule.min_requests || w.previous <= 0) return unevaluable(`${w.requests} requests: too few to compare weeks`);
  const change = w.current / w.previous - 1;
  const fmt = rule.measure === 'latency_p95' ? millis : count;
  const checks = aboveChecks(rule.tiers, change, rule.hysteresis, (a) => `above +${pct(a)}`);
  const what = rule.measure === 'latency_p95' ? 'p95 latency, last 24 h' : rule.measure === 'tokens' ? 'tokens, last 24 h' : `${w.direction ?? 'input + output'} tokens per request, last 24 h`;
  return observation(checks, {
    value: change,
    baseline: w.previous,
    text(limit) {
      return `${what}: ${fmt(w.current)} vs ${fmt(w.previous)} a week before (${change >= 0 ? '+' : ''}${pct(change)}${limit ? `; ${limit}` : ''})`;
    },
    details() {
      return { current: Math.round(w.current), previous: Math.round(w.previous), requests: w.requests };
    },
  });
};
