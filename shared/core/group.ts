/** Notification groups as stored with the evaluation cursor (logic in shared/route/groups.ts). */
import type { Tier } from './alert';

export interface GroupMember {
  fingerprint: string;
  /** The alert's episode (startsAt): a new episode of the same alert is a new member. */
  episode: number;
  firing: boolean;
  /** Tier firing now (or last, once resolved). */
  tier: Tier;
  /** What the receiver was last told about this member; null: not yet. */
  sent: { tier: Tier; firing: boolean } | null;
  /** Why the member is hidden now (silence, inhibition), or null. */
  muted: string | null;
}

export interface GroupState {
  /** Stream key at the receiver (PagerDuty dedup_key): the group's identity and episode. */
  key: string;
  receiver: string;
  /** Id of the route node whose timers and time intervals apply (the last one an alert joined through). */
  route: string;
  /** The group_by labels and their values (empty for a route's single group). */
  labels: Record<string, string>;
  /** False for group_by ['...']: one alert alone, its stream its episode. */
  grouped: boolean;
  createdAt: number;
  /** Last message sent (null: none yet). */
  sentAt: number | null;
  /** The time-interval mute in force when last checked, to report a mute once rather than every tick. */
  mutedBy: string | null;
  members: Record<string, GroupMember>;
}

export type Groups = Record<string, GroupState>;

/** One alert episode in an escalation group (shared/route/escalate.ts). */
export interface EscalationMember {
  fingerprint: string;
  episode: number;
  firing: boolean;
  tier: Tier;
  /** When it joined the group (ms). */
  joinedAt: number;
  /** What the policy's receivers were last told about it: null (not yet), firing, or resolved. */
  told: 'firing' | 'resolved' | null;
}

/**
 * An escalation policy's progress for one notification group: the alerts a route node with
 * `escalation:` takes that share its group_by values. Steps, repeats and the resolve go out once
 * per group, listing its members; persisted with the evaluation cursor.
 */
export interface EscalationGroup {
  /** Stream key at the step receivers (PagerDuty dedup_key): `g<hash>@<createdAt>`, or the episode key of an ungrouped alert. */
  key: string;
  policy: string;
  /** Route node whose policy and group_by formed the group. */
  route: string;
  /** The group_by labels and their values (empty when one group takes every alert of the route). */
  labels: Record<string, string>;
  grouped: boolean;
  /** When the policy started to apply (the first member joined): step delays count from here. */
  since: number;
  /** Steps sent (the first `sent` steps of the policy). */
  sent: number;
  /** When the policy last sent anything (step or repeat), for repeats. */
  lastAt: number;
  /** Every receiver the policy reached: they get the resolve. */
  reached: string[];
  /** The group was acknowledged (its message or incident, or every firing member): no later step or repeat. */
  acked: { by: string; at: number; via: string } | null;
  members: Record<string, EscalationMember>;
}

export type Escalations = Record<string, EscalationGroup>;

/** An acknowledgement of a whole group (its Slack message or PagerDuty incident), by the group's stream key. */
export interface GroupAck {
  key: string;
  ackedBy: string;
  ackedAt: number;
  via: 'slack' | 'pagerduty' | 'cli';
}
