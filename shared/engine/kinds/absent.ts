/**
 * A model gone silent. CloudWatch publishes nothing for a minute without invocations, so
 * silence is only alarming when the model would normally have served many requests in it:
 * the expected count over the gap uses the lower of the learned rate for those hours and the
 * rate just before the gap, so a model that is quiet at night, or was winding down, is not paged.
 */
import type { AbsentRule } from '../../rules/schema';
import { HOUR, MINUTE } from '../../core/time';
import { count, formatGap } from '../../core/format';
import { series } from '../window';
import { TIER_ORDER, observation, unevaluable } from './common';
import type { Observe } from '../types';

const BEFORE = 30;

export const observeAbsent: Observe<AbsentRule> = (rule, model, ctx) => {
  const inv = series(ctx.frame, model, 'Invocations:Sum');
  let gap = 0;
  while (gap <= ctx.index && (inv?.[ctx.index - gap] ?? null) === null) gap++;
  const gapStart = ctx.minute - (gap - 1) * MINUTE;
  const before: number[] = [];
  for (let i = ctx.index - gap - BEFORE + 1; i <= ctx.index - gap; i++) if (i >= 0) before.push(inv?.[i] ?? 0);
  const recent = before.length >= 5 ? before.reduce((a, b) => a + b, 0) / before.length : null;
  // Bursty callers leave normal silences between bursts: this one must be longer than twice the longest of the last hour.
  const usualGap = longestGap(inv, ctx.index - gap - 60, ctx.index - gap);

  let expected = 0;
  let normalRate = 0;
  for (let k = 0; k < Math.max(gap, 1); k++) {
    const t = gapStart + k * MINUTE;
    const e = ctx.baselines.expect(model, 'Invocations:Sum', Math.floor(t / HOUR) * HOUR);
    // Silence pages critical, so it needs a baseline trusted for this very hour (not a first weekend judged by weekdays).
    if (!e || e.confidence !== 'ok') return unevaluable(`no trusted traffic baseline for ${model} at this hour yet`);
    normalRate = e.value / 60;
    if (k < gap) expected += Math.min(normalRate, recent ?? normalRate);
  }
  const gapMs = gap * MINUTE;
  const checks = TIER_ORDER.flatMap((tier) =>
    rule.tiers[tier]
      ? [{ tier, breach: gapMs >= rule.min_gap && gap > 2 * usualGap && expected >= rule.min_expected_requests, hold: gap > 0 && normalRate > 0, limit: `after ${count(rule.min_expected_requests)} expected requests`, threshold: rule.min_expected_requests }]
      : [],
  );
  return observation(checks, {
    value: gap,
    baseline: normalRate,
    text: (limit) =>
      gap === 0
        ? `receiving requests (${count(normalRate)}/min expected now)`
        : `no datapoints for ${formatGap(gapMs)}; about ${count(expected)} requests expected in that time (${count(normalRate)}/min normally at this hour)${limit ? `; ${limit}` : ''}`,
    details: { silent_minutes: gap, longest_recent_gap_minutes: usualGap, expected_requests: Math.round(expected), normal_per_minute: Number(normalRate.toFixed(2)), recent_per_minute: recent === null ? null : Number(recent.toFixed(2)) },
  });
};

/** The longest run of minutes without a datapoint in slots [from, to]. */
function longestGap(s: (number | null)[] | undefined, from: number, to: number): number {
  let longest = 0;
  let run = 0;
  for (let i = Math.max(0, from); i <= to; i++) {
    run = (s?.[i] ?? null) === null ? run + 1 : 0;
    if (run > longest) longest = run;
  }
  return longest;
}
