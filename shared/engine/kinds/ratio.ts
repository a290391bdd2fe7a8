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
import { CONFIRM_EVENTS, EVIDENCE_MINUTES, EVIDENCE_SPAN, NO_EVIDENCE, countEvidenceOf, type Evidence } from '../evidence';
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
    anyEvents = sumSlots(num, den, lo, ctx.index, slotEvents, slotRequests);
  }
  // Per tier, the minutes its evidence came from (for the details, formatted only when read).
  // Per tier, the run of minutes its evidence comes from (sequential): for the details, and for the text
  // when the window's rate alone is not above the limit. Scanned at once for a tier that could breach;
  // otherwise only if a text or the details are read, from the span's counts summed again (kept: the
  // frame does not change while anything can read them, and the same sums in the same order give the same figures).
  const scans: Scan[] = [];
  const kept: Kept = { lo, end: ctx.index, num, den, events: null, requests: null };
  const limits = tierLimits(rule, (t) => `above ${pct(t.above)}`);

  const checks: TierCheck[] = TIER_ORDER.flatMap((tier) => {
    const t = rule.tiers[tier];
    if (!t) return [];
    let breach: boolean;
    if (rule.evidence === 'sequential') {
      const least = t.evidence_minutes ?? EVIDENCE_MINUTES[tier];
      let ev: Evidence | null = NO_EVIDENCE;
      if (anyEvents || !(t.above > 0)) {
        if (couldBreach(slotEvents as Float64Array, slotRequests as Float64Array, t.above, rule.min_events)) {
          ev = countEvidenceOf(slotEvents as Float64Array, slotRequests as Float64Array, lo, ctx.index, t.above, least);
        } else ev = null;
      }
      scans.push({ tier, above: t.above, least, ev });
      // Strong enough, from enough events and requests, the rate over those minutes above the limit itself,
      // and still above it over the latest of them (so the tier resets as soon as the problem stops).
      // The bar follows the tier's false-alarm budget (false-alarms.ts), unless the rule sets evidence_odds.
      breach =
        ev !== null &&
        ev.score >= evidenceBar(rule, tier) &&
        ev.events >= rule.min_events &&
        ev.requests >= rule.min_requests &&
        ev.events > t.above * ev.requests &&
        // A single event never confirms: after a large incident, one stray error must not reopen it.
        ev.recent.events >= CONFIRM_EVENTS &&
        ev.recent.events > t.above * ev.recent.requests;
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
      const scan = scans.find((x) => x.tier === limit.split(' ')[0]);
      const ev = scan ? scanned(scan, kept) : NO_EVIDENCE;
      if (ev.requests > 0 && ev.events > t.above * ev.requests)
        return `${pct(ev.events / ev.requests)} over the last ${ev.minutes} min (${ev.events} of ${ev.requests} requests; ${limit}); ${pct(rate)} over the last ${w.minutes} min`;
      const holdsAbove = t.above * (1 - rule.hysteresis);
      return rate > holdsAbove ? `${pct(rate)} (${events} of ${w.requests} requests in ${w.minutes} min; ${limit}, a firing tier holds while above ${pct(holdsAbove)})` : window;
    },
    details() {
      const more: Record<string, number> = {};
      for (const scan of scans) {
        const { minutes } = scanned(scan, kept);
        if (minutes) more[`${scan.tier}_evidence_minutes`] = minutes;
      }
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

/** A tier's evidence (null: not scanned yet), and what to scan it with. */
interface Scan {
  tier: string;
  above: number;
  least: number;
  ev: Evidence | null;
}

/** The span and the series its per-slot counts are summed from, for the scans left to a read (the sums null until one is). */
interface Kept {
  lo: number;
  end: number;
  num: readonly (Series | undefined)[];
  den: readonly (Series | undefined)[];
  events: Float64Array | null;
  requests: Float64Array | null;
}

/**
 * Each slot's events and requests of slots [lo, end] into `events`/`requests` (index i − lo), summed
 * as `at` sums them (from 0, in the rule's order) without a closure per slot; whether some slot has
 * both.
 */
function sumSlots(num: readonly (Series | undefined)[], den: readonly (Series | undefined)[], lo: number, end: number, events: Float64Array, requests: Float64Array): boolean {
  let any = false;
  for (let i = lo; i <= end; i++) {
    let d = 0;
    for (const x of den) d += x?.[i] ?? 0;
    let e = 0;
    for (const x of num) e += x?.[i] ?? 0;
    requests[i - lo] = d;
    events[i - lo] = e;
    if (d > 0 && e > 0) any = true;
  }
  return any;
}

/** A tier's evidence: scanned when the tier was judged, or now from the span's counts summed as the observation summed them. */
function scanned(scan: Scan, kept: Kept): Evidence {
  if (scan.ev) return scan.ev;
  if (!kept.events || !kept.requests) {
    kept.events = new Float64Array(kept.end - kept.lo + 1);
    kept.requests = new Float64Array(kept.end - kept.lo + 1);
    sumSlots(kept.num, kept.den, kept.lo, kept.end, kept.events, kept.requests);
  }
  return (scan.ev = countEvidenceOf(kept.events, kept.requests, kept.lo, kept.end, scan.above, scan.least));
}

/**
 * Whether some run of minutes ending now (slots with requests, each minute's events counted up to
 * its requests, as countEvidenceOf counts them) holds at least `need` events and more events than
 * `limit` × its requests: what the run of a breaching tier holds (min_events, and its rate above the
 * limit). Without one, no run of evidence can breach, and the scan is left until its figures are
 * read. The sums are made in the scan's order (latest minute first), so they are the very figures
 * the breach compares.
 */
function couldBreach(events: Float64Array, requests: Float64Array, limit: number, need: number): boolean {
  let x = 0;
  let n = 0;
  for (let j = requests.length - 1; j >= 0; j--) {
    const r = requests[j];
    if (!(r > 0)) continue;
    x += Math.min(events[j], r);
    n += r;
    if (x >= need && x > limit * n) return true;
  }
  return false;
}
