/**
 * Completion rate from the invocation logs: finished / (finished + truncated + filtered + failed)
 * per model. Unknown outcomes are left out (never counted as finished). A tier fires when the
 * rate is below its limit with the rule's confidence (Wilson upper bound), so a few cut answers
 * at night cannot page.
 */
import type { CompletionRule } from '../../rules/schema';
import { logKey } from '../../core/log-keys';
import { pct } from '../../core/format';
import { wilson, zFor } from '../../core/stats';
import { adaptiveWindow, minutesOf, series, sumOver } from '../window';
import { TIER_ORDER, observation, unevaluable } from './common';
import type { Observe } from '../types';

export const observeCompletion: Observe<CompletionRule> = (rule, model, ctx) => {
  const [fin, trunc, filt, fail, unk] = (['finished', 'truncated', 'filtered', 'failed', 'unknown'] as const).map((o) => series(ctx.frame, model, logKey(o)));
  if (!fin && !trunc && !filt && !fail) return unevaluable('no invocation-log records for this model (is model-invocation logging on?)');
  const end = ctx.index;
  // Judged responses over the last n minutes (the closure is an argument: see Texts in common.ts).
  const w = adaptiveWindow(
    (n) => sumOver(fin, end, n) + sumOver(trunc, end, n) + sumOver(filt, end, n) + sumOver(fail, end, n),
    minutesOf(rule.window),
    minutesOf(rule.max_window ?? rule.window * 6),
    rule.min_requests,
    ctx.index + 1,
  );
  if (!w.enough || w.requests === 0) return unevaluable(`${w.requests} logged requests in ${w.minutes} min: not enough to judge`);
  const f = sumOver(fin, end, w.minutes);
  const t = sumOver(trunc, end, w.minutes);
  const x = sumOver(filt, end, w.minutes);
  const e = sumOver(fail, end, w.minutes);
  const u = sumOver(unk, end, w.minutes);
  const rate = f / w.requests;
  const { upper } = wilson(f, w.requests, zFor(rule.confidence));
  const checks = TIER_ORDER.flatMap((tier) => {
    const limit = rule.tiers[tier]?.below;
    if (limit === undefined) return [];
    return [{ tier, breach: upper < limit, hold: rate < limit + (1 - limit) * rule.hysteresis, limit: `below ${pct(limit)}`, threshold: limit }];
  });
  return observation(checks, {
    value: rate,
    baseline: null,
    text(limit) {
      return `${pct(rate)} of ${w.requests} responses finished in ${w.minutes} min: ${t} cut at max tokens, ${x} filtered or refused, ${e} failed${u ? `, ${u} unclassified` : ''}${limit ? ` (${limit})` : ''}`;
    },
    details() {
      return { finished: f, truncated: t, filtered: x, failed: e, unknown: u, requests: w.requests, window_minutes: w.minutes, rate_upper_bound: Number(upper.toFixed(4)) };
    },
  });
};
