import type { Frame } from '../sources/types';
import type { Rule, Tier } from '../rules/schema';
import type { ModelExpectations } from '../baselines/expectations';
import type { Pricing } from '../pricing/pricing';

export type { Tier };

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

/** Spend so far today per model, accumulated from the minutes judged (local day of the rules' time zone). */
export type Spend = Record<string, { day: string; dayFrom: number; dayCost: number; dayRequests?: number }>;

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

export type AlertStatus = 'inactive' | 'pending' | 'firing';

/** One alert's state machine: rule × labels. Persisted as one DynamoDB item. */
export interface AlertState {
  fingerprint: string;
  rule: string;
  signal: string;
  labels: Record<string, string>;
  status: AlertStatus;
  /** Tier currently firing (null unless firing). */
  tier: Tier | null;
  /** Highest tier reached in the current (or last) episode. */
  maxTier: Tier | null;
  /** Per tier: data minute (ms) when its condition started holding without a break. */
  runs: Partial<Record<Tier, number>>;
  /** Data minute when the firing tier stopped qualifying (hysteresis clock). */
  clearSince: number | null;
  lastEvaluable: number | null;
  lastMinute: number | null;
  /** Decision time (ms) the current/last episode started firing; its end. */
  startsAt: number | null;
  endsAt: number | null;
  lastNotifiedAt: number | null;
  /** Fingerprint of the alert whose firing muted this episode (inhibition), if any. */
  suppressedBy: string | null;
  /** Latest observation, for messages. */
  value: number | null;
  threshold: number | null;
  baseline: number | null;
  text: string;
  /** The observation text when the episode reached its highest tier: what the episode was about. */
  headline: string;
  details: Record<string, string | number | boolean | null>;
  /** Optimistic-concurrency version of the stored item. */
  version: number;
}

export type TransitionKind = 'firing' | 'escalated' | 'resolved';

export interface Transition {
  kind: TransitionKind;
  /** Decision time (ms). */
  at: number;
  /** Data minute that decided it. */
  minute: number;
  fromTier: Tier | null;
  state: AlertState;
}
