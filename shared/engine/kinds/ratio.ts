/**
 * A rate of two counting metrics (errors / requests) against tiered limits. With `evidence:
 * sequential` (the default) a tier fires on the first minute at which the counts since the problem
 * began are strong evidence of a rate above its limit (evidence.ts); with `evidence: window` only
 * when the window's rate is above the limit with the rule's confidence (Wilson lower bound). Either
 * way at least `min_events` events and `min_requests` requests are needed, so a handful of requests
 * can never page.
 */
import type { RatioRule } from '../../rules/schema';
import { seriesKey } from '../../core/series';
import { pct } from '../../core/format';
import { wilson, zFor } from '../../core/stats';
import { EVIDENCE_SPAN, countEvidence } from '../evidence';
import { adaptiveWindow, minutesOf, series, sumOver } from '../window';
import { TIER_ORDER, type TierCheck, observation, unevaluable } from './common';
import type { Observe } from '../types';

export const observeRatio: Observe<RatioRule> = (rule, model, ctx) => {
  const num = rule.numerator.map((m) => series(ctx.frame, model, seriesKey(m, 'Sum')));
  const den = rule.denominator.map((m) => series(ctx.frame, model, seriesKey(m, 'Sum')));
  const w = adaptiveWindow(
    (n) => total(den, ctx.index, n),
    minutesOf(rule.window),
    minutesOf(rule.max_window ?? rule.window * 6),
    rule.min_requests,
    ctx.index + 1,
  );
  if (!w.enough || w.requests === 0) return unevaluable(`${w.requests} requests in ${w.minutes} min: not enough to judge`);
  const events = total(num, ctx.index, w.minutes);
  const rate = events / w.requests;
  const { lower } = wilson(events, w.requests, zFor(rule.confidence));
  const enoughEvents = events >= rule.min_events;
  // Each slot's numerator and denominator, summed once for every tier's evidence scan.
  const lo = Math.max(0, ctx.index - EVIDENCE_SPAN + 1);
  const evNum = rule.evidence === 'sequential' ? slotSums(num, lo, ctx.index) : [];
  const evDen = rule.evidence === 'sequential' ? slotSums(den, lo, ctx.index) : [];
  const decides = Math.log(rule.evidence_odds);
  const evidence: Record<string, number> = {};

  const checks: TierCheck[] = TIER_ORDER.flatMap((tier) => {
    const t = rule.tiers[tier];
    if (!t) return [];
    let breach: boolean;
    if (rule.evidence === 'sequential') {
      const ev = countEvidence((i) => evNum[i - lo], (i) => evDen[i - lo], ctx.index, EVIDENCE_SPAN, t.above);
      // Strong enough, from enough events and requests, the rate over those minutes above the limit itself,
      // and still above it over the latest of them (so the tier resets as soon as the problem stops).
      breach =
        ev.score >= decides &&
        ev.events >= rule.min_events &&
        ev.requests >= rule.min_requests &&
        ev.events > t.above * ev.requests &&
        // A single event never confirms: after a large incident, one stray error must not reopen it.
        ev.recent.events >= 2 &&
        ev.recent.events > t.above * ev.recent.requests;
      if (ev.minutes) evidence[`${tier}_evidence_minutes`] = ev.minutes;
    } else {
      // Start firing on evidence: the confident lower bound is above the limit.
      breach = enoughEvents && lower > t.above;
    }
    return [
      {
        tier,
        breach,
        // Keep firing while the observed rate stays near the limit (hysteresis).
        hold: breach || rate > t.above * (1 - rule.hysteresis),
        limit: `above ${pct(t.above)}`,
        threshold: t.above,
      },
    ];
  });
  return observation(checks, {
    value: rate,
    baseline: null,
    text: (limit) => `${pct(rate)} (${events} of ${w.requests} requests in ${w.minutes} min${limit ? `; ${limit}` : ''})`,
    details: { events, requests: w.requests, window_minutes: w.minutes, rate_lower_bound: Number(lower.toFixed(4)), ...evidence },
  });
};

type Series = ReturnType<typeof series>;

/** Sum of several series over slots (end - n, end]. */
function total(list: Series[], end: number, n: number): number {
  let s = 0;
  for (const x of list) s += sumOver(x, end, n);
  return s;
}

/** Per slot of [lo, end], the sum of the series' values there (missing counts 0). */
function slotSums(list: Series[], lo: number, end: number): number[] {
  const out = new Array<number>(end - lo + 1);
  for (let i = lo; i <= end; i++) {
    let s = 0;
    for (const x of list) s += x?.[i] ?? 0;
    out[i - lo] = s;
  }
  return out;
}
