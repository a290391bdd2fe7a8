import type { Frame } from '../core/series';
import type { Rule } from '../rules/schema';
import type { Spend, Tier } from '../core/alert';
import type { ModelExpectations } from '../core/baseline';
import type { Pricing } from '../pricing/pricing';


/** What one rule sees of one model at one minute. */
export interface Observation {
  /** False when the window holds too little data to judge (min_requests, no datapoints, no trusted baseline). */
  evaluable: boolean;
  /** Per tier: the condition holds now (the strict test, used to start firing). */
  breach: Partial<Record<Tier, boolean>>;
  /** Per tier: the relaxed test (hysteresis), used while that tier is already firing. */
  hold: Partial<Record<Tier, boolean>>;
  /** Highest tier this observation may reach (a baseline with low confidence does not page). */
  cap?: Tier;
  value: number | null;
  threshold: number | null;
  baseline: number | null;
  /** Human text of value vs threshold/baseline, e.g. "9.1% of 512 requests (critical above 5%, baseline 0.1%)". */
  text: string;
  /** Per tier: the text and threshold naming that tier's limit, so a message describes the tier actually firing. */
  byTier?: Partial<Record<Tier, { text: string; threshold: number | null }>>;
  details: Record<string, string | number | boolean | null>;
}

/** A learned expectation the engine may compare against. */
export interface Expectation {
  value: number;
  /** none: no history; low: thin history (never pages); ok. */
  confidence: 'none' | 'low' | 'ok';
  hours: number;
}

export interface Baselines {
  /** Expected value of a series for a model at a given hour (ms); null when nothing is known. */
  expect(model: string, series: string, hour: number): Expectation | null;
  /** Everything learned about a model (week-over-week, month-to-date spend). */
  model(model: string): ModelExpectations | null;
  models(): string[];
}

export const NO_BASELINES: Baselines = { expect: () => null, model: () => null, models: () => [] };

export interface KindContext {
  frame: Frame;
  /** Slot index in the frame of the minute being evaluated. */
  index: number;
  minute: number;
  baselines: Baselines;
  pricing: Pricing;
  spend: Spend;
  tz: string;
  /** Observation of another rule for the same model and minute (composites). */
  peer(rule: string): Observation | null;
}

export type Observe<R extends Rule = Rule> = (rule: R, model: string, ctx: KindContext) => Observation;
