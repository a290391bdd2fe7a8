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
