/**
 * A rate of two counting metrics (errors / requests) against tiered limits. With `evidence:
 * sequential` (the default) a tier fires on the first minute at which the counts since the problem
 * began are strong evidence of a rate above its limit (evidence.ts); with `evidence: window` only
 * when the window's rate is above the limit with the rule's confidence (Wilson lower bound). Either
 * way at least `min_events` events and `min_requests` requests are needed, so a handful of requests
 * can never page.
 */
import type { RatioRule } from '../../rules/schema';
import { seriesKey, type Series } from '../../core/series';
import { pct } from '../../core/format';
import { wilson, zFor } from '../../core/stats';
import { CONFIRM_EVENTS, EVIDENCE_MINUTES, EVIDENCE_SPAN, NO_EVIDENCE, countEvidenceOf } from '../evidence';
import { evidenceBar } from '../false-alarms';
import { countWindow, minutesOf, series, sumOver } from '../window';
import { TIER_ORDER, type TierCheck, observation, tierLimits, unevaluable } from './common';
import type { Observe } from '../types';

/** Scratch for one observation at a time (the engine is synchronous; nothing keeps them past it). */
const EVENTS = new Float64Array(EVIDENCE_SPAN);
const REQUESTS = new Float64Array(EVIDENCE_SPAN);

export const observeRatio: Observe<RatioRule> = (rule, model, ctx) => {
  const num = rule.numerator.map((m) => series(ctx.frame, model, seriesKey(m, 'Sum')));
  const den = rule.denominator.map((m) => series(ctx.frame, model, seriesKey(m, 'Sum')));
  const w = countWindow(den, ctx.index, minutesOf(rule.window), minutesOf(rule.max_window ?? rule.window * 6), rule.min_requests, ctx.index + 1);
  if (!w.enough || w.requests === 0) return unevaluable(`${w.requests} requests in ${w.minutes} min: not enough to judge`);
  // As list.reduce((s, x) => s + sumOver(x, ctx.index, n), 0) sums them, without a closure per minute.
  let events = 0;
  for (const x of num) events += sumOver(x, ctx.index, w.minutes);
  const rate = events / w.requests;
  const { lower } = wilson(events, w.requests, zFor(rule.confidence));
  const enoughEvents = events >= rule.min_events;
  // Per slot of the evidence span, events and requests summed once for every tier.
  const lo = Math.max(0, ctx.index - EVIDENCE_SPAN + 1);
  let slotEvents: Float64Array | null = null;
  let slotRequests: Float64Array | null = null;
  // Whether any slot with requests has events: without one, every slot only takes evidence away
  // (countEvidenceOf: n × a negative weight, for a limit above 0), and no tier has a run of evidence.
  let anyEvents = false;
  if (rule.evidence === 'sequential' && needsSlots(rule, num, lo, ctx.index)) {
    slotEvents = EVENTS.subarray(0, ctx.index - lo + 1);
    slotRequests = REQUESTS.subarray(0, ctx.index - lo + 1);
    // As `at` sums them (from 0, in the rule's order), without a closure per slot.
    for (let i = lo; i <= ctx.index; i++) {
      let d = 0;
      for (const x of den) d += x?.[i] ?? 0;
      let e = 0;
      for (const x of num) e += x?.[i] ?? 0;
      slotRequests[i - lo] = d;
      slotEvents[i - lo] = e;
      if (d > 0 && e > 0) anyEvents = true;
    }
  }
  // Per tier, the minutes its evidence came from (for the details, formatted only when read).
  const evidence: { tier: string; minutes: number }[] = [];
  const limits = tierLimits(rule, (t) => `above ${pct(t.above)}`);
  // The run of minutes each tier's evidence comes from: what decided it, when the window's rate alone is not above its limit.
  const decided: Partial<Record<string, { events: number; requests: number; minutes: number }>> = {};

  const checks: TierCheck[] = TIER_ORDER.flatMap((tier) => {
    const t = rule.tiers[tier];
    if (!t) return [];
    let breach: boolean;
    if (rule.evidence === 'sequential') {
      const ev = anyEvents || !(t.above > 0) ? countEvidenceOf(slotEvents as Float64Array, slotRequests as Float64Array, lo, ctx.index, t.above, t.evidence_minutes ?? EVIDENCE_MINUTES[tier]) : NO_EVIDENCE;
      // Strong enough, from enough events and requests, the rate over those minutes above the limit itself,
      // and still above it over the latest of them (so the tier resets as soon as the problem stops).
      // The bar follows the tier's false-alarm budget (false-alarms.ts), unless the rule sets evidence_odds.
      breach =
        ev.score >= evidenceBar(rule, tier) &&
        ev.events >= rule.min_events &&
        ev.requests >= rule.min_requests &&
        ev.events > t.above * ev.requests &&
        // A single event never confirms: after a large incident, one stray error must not reopen it.
        ev.recent.events >= CONFIRM_EVENTS &&
        ev.recent.events > t.above * ev.recent.requests;
      if (ev.minutes) evidence.push({ tier, minutes: ev.minutes });
      if (ev.requests > 0) decided[tier] = { events: ev.events, requests: ev.requests, minutes: ev.minutes };
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
        limit: limits[tier] as string,
        threshold: t.above,
      },
    ];
  });
  return observation(checks, {
    value: rate,
    baseline: null,
    // The figure that decides the tier named in `limit`, never a value below the limit it names: the
    // window's rate when it is above; else the evidence's run of minutes (sequential), which is above
    // it whenever it decides; else the window's rate with the hysteresis that keeps a firing tier.
    text(limit) {
      const window = `${pct(rate)} (${events} of ${w.requests} requests in ${w.minutes} min${limit ? `; ${limit}` : ''})`;
      const t = rule.tiers[limit.split(' ')[0] as keyof typeof rule.tiers];
      if (!t || rate > t.above) return window;
      const ev = decided[limit.split(' ')[0]];
      if (ev && ev.events > t.above * ev.requests)
        return `${pct(ev.events / ev.requests)} over the last ${ev.minutes} min (${ev.events} of ${ev.requests} requests; ${limit}); ${pct(rate)} over the last ${w.minutes} min`;
      const holdsAbove = t.above * (1 - rule.hysteresis);
      return rate > holdsAbove ? `${pct(rate)} (${events} of ${w.requests} requests in ${w.minutes} min; ${limit}, a firing tier holds while above ${pct(holdsAbove)})` : window;
    },
    details() {
      const more: Record<string, number> = {};
      for (const e of evidence) more[`${e.tier}_evidence_minutes`] = e.minutes;
      return { events, requests: w.requests, window_minutes: w.minutes, rate_lower_bound: Number(lower.toFixed(4)), ...more };
    },
  });
};

/**
 * Whether the evidence scans need the span's per-slot counts: some slot has an event (a tier with a
 * limit above 0 finds a run of evidence only where events are), or some tier's limit is 0. Most
 * minutes of a healthy model have no error in the last hour, and the span is not summed at all.
 */
function needsSlots(rule: RatioRule, num: readonly (Series | undefined)[], lo: number, end: number): boolean {
  if (TIER_ORDER.some((tier) => rule.tiers[tier] && !((rule.tiers[tier]?.above as number) > 0))) return true;
  for (const x of num) {
    if (!x) continue;
    for (let i = lo; i <= end; i++) if ((x[i] ?? 0) > 0) return true;
  }
  return false;
}
