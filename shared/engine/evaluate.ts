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
import { formatTexts, unevaluable } from './kinds/common';
import { initialState, stepDeferred, writeTexts, type Unwritten } from './machine';
import { appliesTo } from './select';
import { placeLabels, placeOfTarget, targetLabels, targetOfLabels } from '../core/target';
import { observeSourceHealth } from './kinds/source-health';
import { signalOf } from './signal';
import { accumulateSpend } from './spend';
import { TIERS, type AlertState, type Spend, type Transition } from '../core/alert';
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
  /** Rules that threw, once per rule and model (null: an account-wide rule); the others were judged all the same. */
  ruleErrors: RuleError[];
}

export interface RuleError {
  rule: string;
  model: string | null;
  message: string;
  /** Minutes of this evaluation it failed on. */
  minutes: number;
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
    case 'source_health':
      return unevaluable('judged per region and account, not per model');
  }
}

export function evaluate(input: EvaluateInput): EvaluateOutput {
  const { config, frame } = input;
  const pricing = input.pricing ?? pricingOf(config.pricing);
  const states = { ...input.states };
  const changed = new Set<string>();
  const transitions: Transition[] = [];
  let spend: Spend = input.spend ?? {};
  const models = [
    ...new Set([...Object.keys(frame.models), ...(input.knownModels ?? []), ...input.baselines.models(), ...Object.values(states).flatMap((s) => targetOfLabels(s.labels) ?? [])]),
  ].sort();
  const byName = new Map(config.rules.map((r) => [r.name, r]));
  /** Callers seen in the logs window or with a live alert, for per-caller rules. */
  // Callers with a stored alert, indexed once: scanning every state for every model is quadratic at scale.
  // (A state created during this call is for a caller of the frame, which callersOf lists anyway.)
  const storedCallers = new Map<string, string[]>();
  for (const s of Object.values(input.states)) {
    const target = targetOfLabels(s.labels);
    if (!s.labels.caller || !target) continue;
    const key = `${s.rule}\u0000${target}`;
    storedCallers.set(key, [...(storedCallers.get(key) ?? []), s.labels.caller]);
  }
  const callersOf = (model: string, rule: string): string[] => [
    ...new Set([
      ...Object.keys(frame.models[model] ?? {}).flatMap((k) => (k.startsWith(CALLER_PREFIX) ? [k.slice(CALLER_PREFIX.length)] : [])),
      ...(storedCallers.get(`${rule}\u0000${model}`) ?? []),
    ]),
  ];

  // One rule that throws (a bug, data it cannot handle) must not stop the others: its alert keeps its
  // state for the minute, the failure is counted and reported, the tick goes on.
  const failures = new Map<string, RuleError>();
  const failed = (rule: string, model: string | null, e: unknown) => {
    const key = `${rule}\u0000${model ?? ''}`;
    const known = failures.get(key);
    if (known) known.minutes++;
    else failures.set(key, { rule, model, message: errorText(e), minutes: 1 });
  };

  // Stored states whose texts are not written yet (machine.ts stepDeferred): written before anything reads them.
  const unwritten = new Map<string, Unwritten>();
  const apply = (rule: Rule, labels: Record<string, string>, obs: Observation, minute: number, at: number, fp = fingerprint(rule.name, labels)) => {
    const stored = states[fp];
    const prev = stored ?? initialState(fp, rule, signalOfRule(rule), labels);
    if (prev.lastMinute !== null && prev.lastMinute >= minute) return; // already judged (re-run tick)
    const r = stepDeferred(prev, stored ? unwritten.get(fp) ?? null : null, rule, obs, minute, at);
    const { state, transition } = r;
    let texts = r.unwritten;
    if (input.onObservation) {
      writeTexts(state, texts);
      texts = null;
      input.onObservation({ rule: rule.name, labels, minute, at, observation: formatTexts(obs), state });
    }
    if (!transition && !worthStoring(prev, state)) {
      // Quiet minutes change nothing worth a write: storage follows what an alert is doing, not the clock.
      if (stored) {
        states[fp] = state;
        if (texts) unwritten.set(fp, texts);
        else unwritten.delete(fp);
      }
      return;
    }
    states[fp] = writeTexts(state, texts);
    unwritten.delete(fp);
    changed.add(fp);
    if (transition) transitions.push(transition);
  };

  for (const { minute, at } of input.minutes) {
    const index = Math.round((minute - frame.from) / frame.period);
    if (index < 0 || index >= frame.length) continue;
    spend = accumulateSpend(spend, frame, index, minute, models, pricing, config.settings.timezone);
    for (const model of models) {
      // A place that could not be read this tick: its models are unknown, not silent; judge them next time.
      if (failedPlace(frame, model)) continue;
      const ctx = new ModelMinute(frame, index, minute, input.baselines, pricing, spend, config.settings.timezone, model, byName);
      for (const rule of config.rules) {
        if (!rule.standalone || !appliesTo(rule, model) || (rule.kind === 'budget' && !rule.per_model) || rule.kind === 'source_health') continue;
        try {
          if (rule.kind === 'caller_spend') {
            for (const caller of callersOf(model, rule.name)) {
              try {
                apply(rule, { ...targetLabels(model), caller }, observeCallerSpend(rule, model, caller, ctx), minute, at);
              } catch (e) {
                failed(rule.name, model, e);
              }
            }
            continue;
          }
          const target = targetOf(rule, model);
          const obs = ctx.get(rule);
          // No alert stored and nothing breaching: the minute would leave a fresh inactive state, not kept.
          if (!states[target.fp] && !input.onObservation && quiet(rule, obs)) continue;
          apply(rule, { ...target.labels }, obs, minute, at, target.fp);
        } catch (e) {
          failed(rule.name, model, e);
        }
      }
    }
    for (const rule of config.rules) {
      if (rule.kind !== 'source_health' || !frame.places) continue;
      for (const place of frame.places.all) apply(rule, { source: 'cloudwatch', ...placeLabels(place) }, observeSourceHealth(rule, place, frame), minute, at);
    }
    for (const rule of config.rules) {
      if (rule.kind !== 'budget' || rule.per_model || !rule.standalone) continue;
      try {
        apply(rule, { budget: rule.name }, observeBudget(rule, models.filter((m) => appliesTo(rule, m)), input.baselines), minute, at);
      } catch (e) {
        failed(rule.name, null, e);
      }
    }
  }
  // Every state handed back reads as if its texts had been written each minute.
  for (const [fp, texts] of unwritten) writeTexts(states[fp], texts);
  return { states, changed: [...changed], transitions, spend, ruleErrors: [...failures.values()] };
}

/**
 * One model at one minute, as the kinds see it (KindContext): each rule is observed once (a failure
 * is remembered like a result), and a composite reads its condition rules through `peer`. A class,
 * so a model and minute costs one object rather than an object and two closures.
 */
class ModelMinute implements KindContext {
  private readonly cache = new Map<string, Observation | { failed: unknown }>();
  constructor(
    readonly frame: Frame,
    readonly index: number,
    readonly minute: number,
    readonly baselines: Baselines,
    readonly pricing: Pricing,
    readonly spend: Spend,
    readonly tz: string,
    private readonly model: string,
    private readonly byName: Map<string, Rule>,
  ) {}

  peer(name: string): Observation | null {
    const r = this.byName.get(name);
    if (!r || !appliesTo(r, this.model)) return null;
    try {
      return this.get(r);
    } catch (e) {
      throw new Error(`its condition rule "${name}" failed: ${errorText(e)}`);
    }
  }

  get(rule: Rule): Observation {
    let o = this.cache.get(rule.name);
    if (!o) {
      try {
        o = observe(rule, this.model, this);
      } catch (e) {
        o = { failed: e };
      }
      this.cache.set(rule.name, o);
    }
    if ('failed' in o) throw o.failed;
    return o;
  }
}

/** One price table per rules file's pricing (a tick used to copy the shipped table twice over). */
const pricings = new WeakMap<object, Pricing>();
const NO_OVERRIDES = {};
function pricingOf(overrides: Config['pricing']): Pricing {
  const key = overrides ?? NO_OVERRIDES;
  let p = pricings.get(key);
  if (!p) pricings.set(key, (p = new Pricing(overrides)));
  return p;
}

/** Per rule: each model's labels and fingerprint, the same every minute and every tick (hashing them was a tenth of a tick). */
const targets = new WeakMap<Rule, Map<string, { labels: Record<string, string>; fp: string }>>();
function targetOf(rule: Rule, model: string): { labels: Record<string, string>; fp: string } {
  let byModel = targets.get(rule);
  if (!byModel) targets.set(rule, (byModel = new Map()));
  let t = byModel.get(model);
  if (!t) {
    const labels = targetLabels(model);
    t = { labels, fp: fingerprint(rule.name, labels) };
    if (byModel.size > 100_000) byModel.clear();
    byModel.set(model, t);
  }
  return t;
}

const signals = new WeakMap<Rule, string>();
function signalOfRule(rule: Rule): string {
  let s = signals.get(rule);
  if (s === undefined) signals.set(rule, (s = signalOf(rule)));
  return s;
}

/** What went wrong, in one line (no stack: it goes to logs and metrics, and the rule is named beside it). */
function errorText(e: unknown): string {
  const text = e instanceof Error ? `${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e.message}` : String(e);
  return text.split('\n')[0];
}

/**
 * Whether an observation leaves an alert with no state stored (inactive, no tier holding) as it is:
 * no tier of the rule breaches (a state not firing starts a tier on its breach), or there is not
 * enough data and the missing-data policy does not make it breach (machine.ts). Such a minute
 * changes nothing worth storing, and the state it makes is dropped.
 */
function quiet(rule: Rule, obs: Observation): boolean {
  if (!obs.evaluable) return rule.missing !== 'breaching';
  for (const tier of TIERS) if (rule.tiers[tier] && obs.breach[tier]) return false;
  return true;
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
    (!(isEmpty(a.runs) && isEmpty(b.runs)) && JSON.stringify(a.runs) !== JSON.stringify(b.runs))
  );
}

/** Whether an object has no enumerable key (JSON "{}"): most minutes both states' runs are empty, and writing them out to compare was a share of every tick. */
function isEmpty(o: object): boolean {
  for (const _ in o) return false;
  return true;
}

function failedPlace(frame: Frame, target: string): boolean {
  if (!frame.places) return false;
  return placeOfTarget(target) in frame.places.failed;
}
