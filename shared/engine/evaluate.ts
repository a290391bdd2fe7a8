/**
 * The pure core of a tick: rules × models × evaluated minutes → new alert states and
 * transitions. No clock, no I/O: `minutes` says which data minutes to judge and when each
 * decision is taken.
 */
import type { Config, Rule } from '../rules/schema';
import type { Frame } from '../sources/types';
import { fingerprint } from './fingerprint';
import { observeRatio } from './kinds/ratio';
import { observeThreshold } from './kinds/threshold';
import { initialState, step } from './machine';
import { appliesTo } from './select';
import { signalOf } from './signal';
import type { AlertState, Baselines, KindContext, Observation, Transition } from './types';

export interface EvaluateInput {
  config: Config;
  frame: Frame;
  /** Current states by fingerprint (only those stored; others start inactive). */
  states: Record<string, AlertState>;
  baselines: Baselines;
  /** Data minutes to evaluate, ascending, each with the decision time it is evaluated at. */
  minutes: { minute: number; at: number }[];
  /** Models known besides those in the frame (from stored state), so silent models are still judged. */
  knownModels?: string[];
}

export interface EvaluateOutput {
  states: Record<string, AlertState>;
  /** Only states that changed, for persistence. */
  changed: string[];
  transitions: Transition[];
}

export function observe(rule: Rule, model: string, ctx: KindContext): Observation {
  switch (rule.kind) {
    case 'threshold':
      return observeThreshold(rule, model, ctx);
    case 'ratio':
      return observeRatio(rule, model, ctx);
  }
}

export function evaluate(input: EvaluateInput): EvaluateOutput {
  const { config, frame } = input;
  const states = { ...input.states };
  const changed = new Set<string>();
  const transitions: Transition[] = [];
  const models = [...new Set([...Object.keys(frame.models), ...(input.knownModels ?? []), ...Object.values(states).map((s) => s.labels.ModelId).filter(Boolean)])].sort();

  for (const { minute, at } of input.minutes) {
    const index = Math.round((minute - frame.from) / frame.period);
    if (index < 0 || index >= frame.length) continue;
    const ctx: KindContext = { frame, index, minute, baselines: input.baselines };
    for (const rule of config.rules) {
      const signal = signalOf(rule);
      for (const model of models) {
        if (!appliesTo(rule, model)) continue;
        const labels = { ModelId: model };
        const fp = fingerprint(rule.name, labels);
        const prev = states[fp] ?? initialState(fp, rule, signal, labels);
        if (prev.lastMinute !== null && prev.lastMinute >= minute) continue; // already judged (re-run tick)
        const { state, transition } = step(prev, rule, observe(rule, model, ctx), minute, at);
        if (!transition && !worthStoring(prev, state)) {
          // Quiet minutes change nothing worth a write: storage follows what an alert is doing, not the clock.
          if (states[fp]) states[fp] = state;
          continue;
        }
        states[fp] = state;
        changed.add(fp);
        if (transition) transitions.push(transition);
      }
    }
  }
  return { states, changed: [...changed], transitions };
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
