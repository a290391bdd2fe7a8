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
  /** The episode fired again soon after the previous one resolved: it resolves only after a longer clear spell (engine/machine.ts). */
  flapping?: boolean;
  /**
   * Who acknowledged an episode (Slack button, PagerDuty webhook, CLI). Written by the ack
   * function as its own attribute of the alert item, never by a tick; it counts only for the
   * episode it names (`episode` = startsAt), so a new episode starts unacknowledged.
   */
  ack?: AckRecord | null;
  /**
   * Per-alert escalation progress written by earlier versions; escalation now lives per group in the
   * cursor (shared/route/escalate.ts), which carries a record found here on, so an upgrade mid-episode
   * neither repeats nor restarts a step. Never written any more.
   */
  escalation?: EscalationRecord | null;
}

export type AckVia = 'slack' | 'pagerduty' | 'cli';

export interface AckRecord {
  ackedBy: string;
  /** ms */
  ackedAt: number;
  via: AckVia;
  /** startsAt of the episode acknowledged. */
  episode: number;
}

export interface EscalationRecord {
  /** startsAt of the episode this record belongs to. */
  episode: number;
  policy: string;
  /** When the policy started to apply (ms): step delays count from here. */
  since: number;
  /** Steps sent (the first `sent` steps of the policy). */
  sent: number;
  /** When the policy last sent anything (step or repeat), for repeats. */
  lastAt: number;
  /** Every receiver the escalation reached this episode: they get the resolve. */
  reached: string[];
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
