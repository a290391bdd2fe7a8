/**
 * The alert state machine, one data minute at a time: inactive → pending → firing (a tier
 * qualifies after holding for its `for`), tier escalation, and resolution once no tier has
 * held for `keep_firing_for` (never less than MIN_RESOLVE_HOLD). Pure: the same states and
 * observations give the same result.
 */
import { tierRank, type Tier, type AlertState, type Transition } from '../core/alert';
import { type Rule } from '../rules/schema';
import type { Observation } from './types';
import { TIER_ORDER } from './kinds/common';

export function initialState(fingerprint: string, rule: Rule, signal: string, labels: Record<string, string>): AlertState {
  return {
    fingerprint,
    rule: rule.name,
    signal,
    labels,
    status: 'inactive',
    tier: null,
    maxTier: null,
    runs: {},
    clearSince: null,
    lastEvaluable: null,
    lastMinute: null,
    startsAt: null,
    endsAt: null,
    lastNotifiedAt: null,
    suppressedBy: null,
    value: null,
    threshold: null,
    baseline: null,
    text: '',
    headline: '',
    details: {},
    version: 0,
  };
}

const ALL_TRUE = { info: true, warning: true, critical: true };

/**
 * Flapping: an alert that resolves and fires again within minutes is one episode, not two pages
 * with a "resolved" in between (a gap rule broken by a stray request, a ratio wobbling at its
 * limit). Two defences, whatever the rule's keep_firing_for:
 * - no alert resolves before its condition has been clear for MIN_RESOLVE_HOLD: a condition that
 *   comes back within it was never gone (the flap seen in the field cleared for 4 minutes);
 * - an alert that fires again within FLAP_WINDOW of its last resolve is flapping: that episode
 *   resolves only after FLAP_HOLD of clear condition, so a slower flap costs one extra episode,
 *   not one every few minutes.
 */
export const MIN_RESOLVE_HOLD = 5 * 60_000;
export const FLAP_WINDOW = 30 * 60_000;
export const FLAP_HOLD = 30 * 60_000;

/** How long a firing alert's condition must stay clear before it resolves. */
export const resolveHold = (rule: Rule, s: Pick<AlertState, 'flapping'>): number => Math.max(rule.keep_firing_for, s.flapping ? FLAP_HOLD : MIN_RESOLVE_HOLD);

/** Applies the rule's missing-data policy to an observation without enough data. */
function withMissingPolicy(rule: Rule, obs: Observation): Observation | null {
  if (obs.evaluable || rule.missing === 'keep') return obs.evaluable ? obs : null;
  const v = rule.missing === 'breaching';
  // Texts named: an observation may format them on read (kinds/common.ts), and a copy keeps only own fields.
  return { ...obs, evaluable: true, breach: v ? ALL_TRUE : {}, hold: v ? ALL_TRUE : {}, text: obs.text, byTier: obs.byTier, details: obs.details };
}

/**
 * The texts an alert state has yet to record: those of the observation it last judged (of the tier
 * that qualified, if one did). Only a state that is stored or notifies shows them, so instead of
 * formatting them every minute for every rule and model, stepDeferred hands them back unwritten,
 * and writes them itself when a transition needs them.
 */
export interface Unwritten {
  obs: Observation;
  tier: Tier | null;
}

/** Writes the texts (text, details) a state has yet to record from its last observation: what step would have written at once. */
export function writeTexts(s: AlertState, u: Unwritten | null): AlertState {
  if (u) {
    const t = u.tier ? u.obs.byTier?.[u.tier] : undefined;
    s.text = t ? t.text : u.obs.text;
    s.details = u.obs.details;
  }
  return s;
}

/** One minute of the state machine, the state's texts written (as every caller outside the engine expects). */
export function step(prev: AlertState, rule: Rule, raw: Observation, minute: number, at: number): { state: AlertState; transition?: Transition } {
  const { state, transition, unwritten } = stepDeferred(prev, null, rule, raw, minute, at);
  writeTexts(state, unwritten);
  return transition ? { state, transition } : { state };
}

/**
 * step, with the texts of a quiet minute left unwritten: `unwritten` (non-null) holds what
 * `state.text` and `state.details` should read, and the caller writes them (writeTexts) before
 * anything reads the state (evaluate.ts: before storing it, telling a listener, or returning it).
 * `before`: the texts `prev` has yet to record, if any. A transition's state has its texts written.
 */
export function stepDeferred(
  prev: AlertState,
  before: Unwritten | null,
  rule: Rule,
  raw: Observation,
  minute: number,
  at: number,
): { state: AlertState; transition?: Transition; unwritten: Unwritten | null } {
  const obs = withMissingPolicy(rule, raw);
  const s: AlertState = { ...prev, runs: { ...prev.runs }, lastMinute: minute };

  if (!obs) {
    // Not enough evidence either way: hold the state, but do not let a firing alert outlive its data forever.
    if (s.status === 'firing' && s.lastEvaluable !== null && minute - s.lastEvaluable >= rule.resolve_after_missing) {
      return resolve(writeTexts(s, before), prev, minute, at, `no evaluable data for ${Math.round((minute - s.lastEvaluable) / 60_000)} min`);
    }
    // The texts of the state before are this one's too.
    return { state: s, unwritten: before };
  }

  s.lastEvaluable = minute;
  s.value = obs.value;
  s.threshold = obs.threshold;
  s.baseline = obs.baseline;
  let unwritten: Unwritten = { obs, tier: null };

  let qualified: Tier | null = null;
  for (const tier of TIER_ORDER) {
    const t = rule.tiers[tier];
    if (!t) continue;
    const firingAtOrAbove = s.status === 'firing' && tierRank(tier) <= tierRank(s.tier);
    const holds = firingAtOrAbove ? obs.hold[tier] : obs.breach[tier];
    if (holds) s.runs[tier] ??= minute;
    else delete s.runs[tier];
    const since = s.runs[tier];
    // A tier the episode already reached counts again as soon as it holds: a short dip must not restart `for`.
    if (since !== undefined && (firingAtOrAbove || minute - since >= t.for)) qualified = tier;
  }
  if (obs.cap && tierRank(qualified) > tierRank(obs.cap)) qualified = obs.cap;

  if (qualified) {
    // Text and threshold of the tier that qualifies, not of the highest tier merely holding (a warning must not read "critical below 80%").
    const t = obs.byTier?.[qualified];
    if (t) {
      unwritten = { obs, tier: qualified };
      s.threshold = t.threshold;
    }
  }
  if (s.status !== 'firing') {
    if (qualified) {
      writeTexts(s, unwritten);
      const conditionSince = Math.min(...Object.values(s.runs).filter((v): v is number => v !== undefined));
      s.flapping = prev.endsAt !== null && at - prev.endsAt < FLAP_WINDOW;
      Object.assign(s, { status: 'firing', tier: qualified, maxTier: qualified, startsAt: at, endsAt: null, clearSince: null, lastNotifiedAt: null, suppressedBy: null, headline: s.text, conditionSince });
      return { state: s, transition: { kind: 'firing', at, minute, fromTier: null, state: s }, unwritten: null };
    }
    s.status = Object.keys(s.runs).length ? 'pending' : 'inactive';
    return { state: s, unwritten };
  }

  if (tierRank(qualified) > tierRank(s.tier)) {
    writeTexts(s, unwritten);
    const fromTier = s.tier;
    s.tier = qualified;
    if (tierRank(qualified) > tierRank(s.maxTier)) {
      s.maxTier = qualified;
      s.headline = s.text;
    }
    s.clearSince = null;
    return { state: s, transition: { kind: 'escalated', at, minute, fromTier, state: s }, unwritten: null };
  }
  if (qualified === s.tier) {
    s.clearSince = null;
    return { state: s, unwritten };
  }
  s.clearSince ??= minute;
  if (minute - s.clearSince < (qualified ? rule.keep_firing_for : resolveHold(rule, s))) return { state: s, unwritten };
  if (qualified) {
    // Still bad, just less so: stay in the same episode at the lower tier, without a new page.
    s.tier = qualified;
    s.clearSince = null;
    return { state: s, unwritten };
  }
  return resolve(writeTexts(s, unwritten), prev, minute, at);
}

/** Resolves a state whose texts are written. */
function resolve(s: AlertState, prev: AlertState, minute: number, at: number, reason?: string): { state: AlertState; transition: Transition; unwritten: null } {
  Object.assign(s, { status: 'inactive', tier: null, runs: {}, clearSince: null, endsAt: at });
  if (reason) s.details = { ...s.details, resolved_because: reason };
  return { state: s, transition: { kind: 'resolved', at, minute, fromTier: prev.tier, state: s }, unwritten: null };
}
