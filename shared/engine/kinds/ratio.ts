/**
 * A rate of two counting metrics (errors / requests) against tiered limits. A tier fires only
 * when the rate is above its limit with the rule's confidence (Wilson lower bound) and at least
 * `min_events` events happened, so a handful of requests can never page.
 */
import type { RatioRule } from '../../rules/schema';
import { seriesKey } from '../../core/series';
import { pct } from '../../core/format';
import { wilson, zFor } from '../../core/stats';
import { adaptiveWindow, minutesOf, series, sumOver } from '../window';
import { TIER_ORDER, type TierCheck, observation, unevaluable } from './common';
import type { Observe } from '../types';

export const observeRatio: Observe<RatioRule> = (rule, model, ctx) => {
  const num = rule.numerator.map((m) => series(ctx.frame, model, seriesKey(m, 'Sum')));
  const den = rule.denominator.map((m) => series(ctx.frame, model, seriesKey(m, 'Sum')));
  const total = (list: typeof num, n: number) => list.reduce((s, x) => s + sumOver(x, ctx.index, n), 0);
  const w = adaptiveWindow(
    (n) => total(den, n),
    minutesOf(rule.window),
    minutesOf(rule.max_window ?? rule.window * 6),
    rule.min_requests,
    ctx.index + 1,
  );
  if (!w.enough || w.requests === 0) return unevaluable(`${w.requests} requests in ${w.minutes} min: not enough to judge`);
  const events = total(num, w.minutes);
  const rate = events / w.requests;
  const { lower } = wilson(events, w.requests, zFor(rule.confidence));
  const enoughEvents = events >= rule.min_events;

  const checks: TierCheck[] = TIER_ORDER.flatMap((tier) => {
    const t = rule.tiers[tier];
    if (!t) return [];
    return [
      {
        tier,
        // Start firing on evidence: the confident lower bound is above the limit.
        breach: enoughEvents && lower > t.above,
        // Keep firing while the observed rate stays near the limit (hysteresis).
        hold: rate > t.above * (1 - rule.hysteresis),
        limit: `above ${pct(t.above)}`,
        threshold: t.above,
      },
    ];
  });
  return observation(checks, {
    value: rate,
    baseline: null,
    text: (limit) => `${pct(rate)} (${events} of ${w.requests} requests in ${w.minutes} min${limit ? `; ${limit}` : ''})`,
    details: { events, requests: w.requests, window_minutes: w.minutes, rate_lower_bound: Number(lower.toFixed(4)) },
  });
};
