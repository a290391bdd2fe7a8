import type { Tier } from './alert';

/**
 * A notification the router decided to send: one alert transition for one receiver.
 * Plain data, persisted in the outbox before any delivery is attempted.
 */
/** `update`: a group's tier fell (told within its group_interval, as news, not as a new trigger). */
export type Action = 'trigger' | 'resolve' | 'repeat' | 'escalate' | 'update';

export interface AlertView {
  fingerprint: string;
  rule: string;
  signal: string;
  tier: Tier;
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  /** What the rule watches, short: "Throttling", "Server errors" (the rule's description). */
  title?: string;
  /** One line: what is wrong, e.g. "Server-error rate 9.1% on amazon.nova-lite-v1:0". */
  summary: string;
  /** The value against what it is compared, human readable: "9.1% (threshold 5%, baseline 0.1%)". */
  valueText: string;
  value: number | null;
  threshold: number | null;
  baseline: number | null;
  /** ISO time the episode started firing (the decision). */
  startsAt: string;
  /** ISO time the condition started holding (the start of the run that made it fire): what "since" means to a reader. */
  since: string;
  endsAt: string | null;
  /** Why a resolved alert resolved, when it was not a recovery (e.g. no evaluable data for 30 min). */
  resolveReason?: string;
  /** The next check for whoever is paged. */
  nextCheck: string;
  runbook?: string;
  /** Extra numbers (counts, window, breakdowns); shown in PagerDuty custom_details and SNS. */
  details: Record<string, string | number | boolean | null>;
}

export interface Notification {
  /** Deterministic: the same decision always makes the same id (group stream + action + receiver + time). */
  id: string;
  /**
   * The stream this message belongs to at its receiver: PagerDuty's dedup_key is derived from it, and
   * nothing is sent for a (receiver, key) while an earlier item of it is unsent. For an ungrouped alert it
   * is one episode (fingerprint + episode start), so a late resolve can never close the next episode's
   * incident; for a grouped message, the group's key (+ group episode).
   */
  key: string;
  receiver: string;
  action: Action;
  /** ISO time the engine decided. */
  at: string;
  /** The headline alert: the most severe firing one (or the first resolved). Equal to alerts[0]. */
  alert: AlertView;
  /** Every alert the message carries (one when ungrouped): firing first, most severe first, then resolved. */
  alerts: AlertView[];
  /** For a grouped message: the labels the group shares and the route that formed it. */
  group?: { labels: Record<string, string>; route: string };
}
