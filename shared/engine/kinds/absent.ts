/**
 * A model gone silent. CloudWatch publishes nothing for a minute without invocations, so
 * silence is only alarming when the model would normally have served many requests in it:
 * the expected count over the gap uses the lower of the learned rate for those hours and the
 * rate just before the gap, so a model that is quiet at night, or was winding down, is not paged.
 *
 * The learned rate is the same hour of past weeks (baselines/seasonal.ts), so a weekly rest is
 * learned: a model that stops at local midnight on Friday is expected to be silent on Saturday.
 * That hour is read with the traffic's clock an hour either way (CLOCK_SHIFTS: after a DST change
 * of the clock the traffic follows, last week's midnight is this week's 23:00 or 01:00), and the
 * lowest reading is judged: silence pages critical, so it needs every plausible alignment of the
 * week to say that traffic was due. Evidence: with `min_expected_requests` (30) expected and none
 * seen, a Poisson count would be 0 with probability e^-30; the doubt is in the expectation, which
 * this lowest reading and a trusted (weekly, `ok`) baseline answer.
 */
import type { AbsentRule } from '../../rules/schema';
import { HOUR, MINUTE } from '../../core/time';
import { count, formatGap } from '../../core/format';
import { series } from '../window';
import { TIER_ORDER, observation, unevaluable } from './common';
import { CLOCK_SHIFTS } from './expected';
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

  // Per clock shift: the expected requests over the gap and the normal rate now; the lowest is judged.
  let expected = Infinity;
  let normalRate = 0;
  for (const shift of CLOCK_SHIFTS) {
    let e = 0;
    let rate = 0;
    let known = true;
    for (let k = 0; k < Math.max(gap, 1); k++) {
      const t = gapStart + k * MINUTE + shift;
      const x = ctx.baselines.expect(model, 'Invocations:Sum', Math.floor(t / HOUR) * HOUR);
      // Silence pages critical, so it needs a baseline trusted for this very hour (not a first weekend judged by weekdays).
      if (!x || x.confidence !== 'ok') {
        if (shift === 0) return unevaluable(`no trusted traffic baseline for ${model} at this hour yet`);
        known = false;
        break;
      }
      rate = x.value / 60;
      if (k < gap) e += Math.min(rate, recent ?? rate);
    }
    if (known && (e < expected || (e === expected && rate < normalRate))) {
      expected = e;
      normalRate = rate;
    }
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
    text(limit) {
      return gap === 0
        ? `receiving requests (${count(normalRate)}/min expected now)`
        : `no datapoints for ${formatGap(gapMs)}; about ${count(expected)} requests expected in that time (${count(normalRate)}/min normally at this hour)${limit ? `; ${limit}` : ''}`;
    },
    details() {
      return { silent_minutes: gap, longest_recent_gap_minutes: usualGap, expected_requests: Math.round(expected), normal_per_minute: Number(normalRate.toFixed(2)), recent_per_minute: recent === null ? null : Number(recent.toFixed(2)) };
    },
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
