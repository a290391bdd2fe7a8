/** Alerts as every stage after the engine sees them: one state machine per rule × labels, and its transitions. */

export const TIERS = ['info', 'warning', 'critical'] as const;
export type Tier = (typeof TIERS)[number];
export const tierRank = (t: Tier | null | undefined): number => (t ? TIERS.indexOf(t) + 1 : 0);

/** Spend so far today per model, accumulated from the minutes judged (local day of the rules' time zone). */
export type Spend = Record<string, { day: string; dayFrom: number; dayCost: number; dayRequests?: number }>;

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
  /** Data minute the condition that made the episode fire started holding (its earliest tier run). */
  conditionSince?: number | null;
  /** Decision time (ms) the current/last episode started firing; its end. */
  startsAt: number | null;
  endsAt: number | null;
  lastNotifiedAt: number | null;
  /** Why this episode is held back (silence, inhibition) while it has not been announced; null once it is. */
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
