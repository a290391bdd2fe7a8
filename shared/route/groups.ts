/**
 * Aggregation groups (Alertmanager's): alerts that share a receiver and the values of their
 * route's group_by labels are told together. The first message waits group_wait after the group
 * forms, so alerts firing together go out in one message; changes (alerts joining, escalating,
 * resolving) go out at most every group_interval; an unchanged, still-firing group repeats every
 * repeat_interval. A group lives until every alert in it has resolved and been told.
 *
 * Group state is plain data, persisted with the evaluation cursor (one conditional write), so a
 * tick that dies after deciding is finished by the next one and nothing is sent twice.
 */
import { createHash } from 'node:crypto';
import { tierRank, type Tier } from '../core/alert';

export type { GroupMember, GroupState, Groups } from '../core/group';
import type { GroupMember, GroupState } from '../core/group';

export const NO_GROUPING = '...';
const SEVERITY = 'severity';

/** The per-episode stream of an ungrouped alert (see Notification.key): `fingerprint@episodeStartISO`. */
export const episodeKey = (fp: string, episode: number | null): string => `${fp}@${episode === null ? 'none' : new Date(episode).toISOString()}`;

/** The group an alert falls in at a receiver, under a route's group_by. */
export function groupIdentity(receiver: string, groupBy: readonly string[], labels: Readonly<Record<string, string>>, fingerprint: string, episode: number) {
  if (groupBy.includes(NO_GROUPING)) {
    // Every alert alone: its stream is its episode, so a late resolve can never close the next episode.
    // Its group's labels are the alert's own, all of them (as Alertmanager reports a group_by ['...'] group).
    return { id: `${receiver}\n${fingerprint}@${episode}`, labels: { ...labels }, key: episodeKey(fingerprint, episode) };
  }
  // Severity is the tier an alert fires at now: it moves within an episode, so it never splits a group
  // (a storm rising from warning to critical stays one conversation); the group reports its highest member's.
  const keyBy = groupBy.filter((l) => l !== SEVERITY);
  const values = Object.fromEntries([...keyBy].sort().map((l) => [l, labels[l] ?? '']));
  const canon = JSON.stringify([keyBy.length ? [...keyBy].sort() : '(all)', values]);
  return { id: `${receiver}\n${canon}`, labels: groupBy.includes(SEVERITY) ? { ...values, [SEVERITY]: labels[SEVERITY] ?? '' } : values, key: null };
}

/** A grouped stream's key: the group's hash and the time it formed (a new storm is a new incident). */
export const groupKey = (id: string, createdAt: number): string => `g${createHash('sha256').update(id).digest('hex').slice(0, 20)}@${createdAt}`;

export const memberId = (fingerprint: string, episode: number) => `${fingerprint}@${episode}`;

export interface GroupTimers {
  group_wait: number;
  group_interval: number;
  repeat_interval: number;
  send_resolved: boolean;
}

export type FlushAction = 'trigger' | 'escalate' | 'update' | 'repeat' | 'resolve';

export interface FlushDecision {
  action: FlushAction;
  /** Members the message carries. */
  members: GroupMember[];
}

/** Members a message may show: firing and not muted, or resolved after the receiver was told they fire (a page must be closed) and not silenced. */
export const visibleMembers = (g: GroupState): GroupMember[] => Object.values(g.members).filter((m) => !m.muted && (m.firing || m.sent?.firing));

/**
 * What the group should send now, if anything (pure; `applyFlush` records it).
 * The first message waits group_wait; later ones group_interval after the last; repeats repeat_interval.
 */
export function decideFlush(g: GroupState, t: GroupTimers, now: number): FlushDecision | null {
  if (!isDue(g, t, now)) return null;
  const visible = visibleMembers(g);
  const firing = visible.filter((m) => m.firing);
  const joined = firing.filter((m) => !m.sent?.firing);
  const escalated = firing.filter((m) => m.sent?.firing && tierRank(m.tier) > tierRank(m.sent.tier));
  // A tier that fell is news too, told as an update (not a new trigger) once the group_interval allows.
  const lowered = firing.filter((m) => m.sent?.firing && tierRank(m.tier) < tierRank(m.sent.tier));
  const resolved = visible.filter((m) => !m.firing);
  const members = t.send_resolved ? visible : firing;
  if (joined.length) return { action: 'trigger', members };
  if (escalated.length) return { action: 'escalate', members };
  if (resolved.length && t.send_resolved) return { action: firing.length ? 'trigger' : 'resolve', members };
  if (lowered.length) return { action: 'update', members };
  if (firing.length && g.sentAt !== null && now - g.sentAt >= t.repeat_interval) return { action: 'repeat', members: firing };
  return null;
}

const isDue = (g: GroupState, t: GroupTimers, now: number) => (g.sentAt === null ? now - g.createdAt >= t.group_wait : now - g.sentAt >= t.group_interval);

/** Records a sent message (d), or none (null): the receiver now knows these members as they are. */
export function applyFlush(g: GroupState, d: FlushDecision | null, t: GroupTimers, now: number): void {
  const due = isDue(g, t, now);
  if (d) {
    for (const m of d.members) m.sent = { tier: m.tier, firing: m.firing };
    g.sentAt = now;
  }
  // Resolved members the receiver never heard of leave at once; the others once told (or, without
  // send_resolved, once due). A tier that fell stays news until an update tells it.
  for (const [id, m] of Object.entries(g.members)) {
    if (!m.firing && (!m.sent?.firing || m.muted || (d !== null && d.members.includes(m)) || (!t.send_resolved && due))) delete g.members[id];
  }
}

/**
 * What a grouped message says of its group (routed and escalation messages alike): its labels, the
 * severity among them being the tier its most severe alert fires at now (`top`), not the first
 * member's, and the route that formed it.
 */
export function messageGroup(labels: Record<string, string>, route: string, top: Tier): { labels: Record<string, string>; route: string } {
  return { labels: SEVERITY in labels ? { ...labels, [SEVERITY]: top } : labels, route };
}
