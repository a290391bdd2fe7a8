/**
 * The pure core of a tick: rules × models × evaluated minutes → new alert states, transitions
 * and the day's running spend. No clock, no I/O: `minutes` says which data minutes to judge and
 * when each decision is taken.
 */
import type { Config, Rule } from '../rules/schema';
import type { Frame } from '../core/series';
import { Pricing } from '../pricing/pricing';
import { fingerprint } from './fingerprint';
import { observeAbsent } from './kinds/absent';
import { observeBaseline } from './kinds/baseline';
import { observeBudget } from './kinds/budget';
import { observeComposite } from './kinds/composite';
import { observeCompletion } from './kinds/completion';
import { observeCallerSpend } from './kinds/caller-spend';
import { CALLER_PREFIX } from '../core/log-keys';
import { observeCost } from './kinds/cost';
import { observeRatio } from './kinds/ratio';
import { observeThreshold } from './kinds/threshold';
import { observeWow } from './kinds/wow';
import { unevaluable } from './kinds/common';
import { initialState, step } from './machine';
import { appliesTo } from './select';
import { signalOf } from './signal';
import { accumulateSpend } from './spend';
import type { AlertState, Spend, Transition } from '../core/alert';
import type { Baselines, KindContext, Observation } from './types';

export interface EvaluateInput {
  config: Config;
  frame: Frame;
  /** Current states by fingerprint (only those stored; others start inactive). */
  states: Record<string, AlertState>;
  baselines: Baselines;
  /** Data minutes to evaluate, ascending, each with the decision time it is evaluated at. */
  minutes: { minute: number; at: number }[];
  /** Models known besides those in the frame (stored alerts, learned baselines), so silent models are still judged. */
  knownModels?: string[];
  spend?: Spend;
  pricing?: Pricing;
  /** Told every judgement (what the rule saw, and the alert state after it): explain and the report's charts. */
  onObservation?: ObservationListener;
}

/** One rule's judgement of one label set at one data minute. */
export interface Judged {
  rule: string;
  labels: Record<string, string>;
  minute: number;
  at: number;
  observation: Observation;
  state: AlertState;
}

export type ObservationListener = (j: Judged) => void;

export interface EvaluateOutput {
  states: Record<string, AlertState>;
  /** Only states that changed, for persistence. */
  changed: string[];
  transitions: Transition[];
  spend: Spend;
}

/** One rule's view of one model at one minute. */
export function observe(rule: Rule, model: string, ctx: KindContext): Observation {
  switch (rule.kind) {
    case 'threshold':
      return observeThreshold(rule, model, ctx);
    case 'ratio':
      return observeRatio(rule, model, ctx);
    case 'absent':
      return observeAbsent(rule, model, ctx);
    case 'cost':
      return observeCost(rule, model, ctx);
    case 'baseline':
      return observeBaseline(rule, model, ctx);
    case 'week_over_week':
      return observeWow(rule, model, ctx);
    case 'composite':
      return observeComposite(rule, model, ctx);
    case 'completion':
      return observeCompletion(rule, model, ctx);
    case 'budget':
      return rule.per_model ? observeBudget(rule, [model], ctx.baselines) : unevaluable('account-wide budget is judged once, not per model');
    case 'caller_spend':
      return unevaluable('judged per caller, not per model');
  }
}

export function evaluate(input: EvaluateInput): EvaluateOutput {
  const { config, frame } = input;
  const pricing = input.pricing ?? new Pricing(config.pricing);
  const states = { ...input.states };
  const changed = new Set<string>();
  const transitions: Transition[] = [];
  let spend: Spend = input.spend ?? {};
  const models = [
    ...new Set([...Object.keys(frame.models), ...(input.knownModels ?? []), ...input.baselines.models(), ...Object.values(states).flatMap((s) => (s.labels.ModelId ? [s.labels.ModelId] : []))]),
  ].sort();
  const byName = new Map(config.rules.map((r) => [r.name, r]));
  /** Callers seen in the logs window or with a live alert, for per-caller rules. */
  const callersOf = (model: string, rule: string): string[] => [
    ...new Set([
      ...Object.keys(frame.models[model] ?? {}).flatMap((k) => (k.startsWith(CALLER_PREFIX) ? [k.slice(CALLER_PREFIX.length)] : [])),
      ...Object.values(states).flatMap((s) => (s.rule === rule && s.labels.ModelId === model && s.labels.caller ? [s.labels.caller] : [])),
    ]),
  ];

  const apply = (rule: Rule, labels: Record<string, string>, obs: Observation, minute: number, at: number) => {
    const fp = fingerprint(rule.name, labels);
    const prev = states[fp] ?? initialState(fp, rule, signalOf(rule), labels);
    if (prev.lastMinute !== null && prev.lastMinute >= minute) return; // already judged (re-run tick)
    const { state, transition } = step(prev, rule, obs, minute, at);
    input.onObservation?.({ rule: rule.name, labels, minute, at, observation: obs, state });
    if (!transition && !worthStoring(prev, state)) {
      // Quiet minutes change nothing worth a write: storage follows what an alert is doing, not the clock.
      if (states[fp]) states[fp] = state;
      return;
    }
    states[fp] = state;
    changed.add(fp);
    if (transition) transitions.push(transition);
  };

  for (const { minute, at } of input.minutes) {
    const index = Math.round((minute - frame.from) / frame.period);
    if (index < 0 || index >= frame.length) continue;
    spend = accumulateSpend(spend, frame, index, minute, models, pricing, config.settings.timezone);
    for (const model of models) {
      const cache = new Map<string, Observation>();
      const ctx: KindContext = {
        frame,
        index,
        minute,
        baselines: input.baselines,
        pricing,
        spend,
        tz: config.settings.timezone,
        peer: (name) => {
          const r = byName.get(name);
          return r && appliesTo(r, model) ? get(r) : null;
        },
      };
      const get = (rule: Rule): Observation => {
        let o = cache.get(rule.name);
        if (!o) cache.set(rule.name, (o = observe(rule, model, ctx)));
        return o;
      };
      for (const rule of config.rules) {
        if (!rule.standalone || !appliesTo(rule, model) || (rule.kind === 'budget' && !rule.per_model)) continue;
        if (rule.kind === 'caller_spend') {
          for (const caller of callersOf(model, rule.name)) apply(rule, { ModelId: model, caller }, observeCallerSpend(rule, model, caller, ctx), minute, at);
          continue;
        }
        apply(rule, { ModelId: model }, get(rule), minute, at);
      }
    }
    for (const rule of config.rules) {
      if (rule.kind !== 'budget' || rule.per_model || !rule.standalone) continue;
      apply(rule, { budget: rule.name }, observeBudget(rule, models.filter((m) => appliesTo(rule, m)), input.baselines), minute, at);
    }
  }
  return { states, changed: [...changed], transitions, spend };
}

/** A firing alert is stored every minute (its last evaluable minute drives resolve_after_missing); others only when they move. */
function worthStoring(a: AlertState, b: AlertState): boolean {
  if (b.status === 'firing') return true;
  return (
    a.status !== b.status ||
    a.tier !== b.tier ||
    a.clearSince !== b.clearSince ||
    a.startsAt !== b.startsAt ||
    a.endsAt !== b.endsAt ||
    JSON.stringify(a.runs) !== JSON.stringify(b.runs)
  );
}
