/**
 * Routing, pure: alert states + the groups carried from the last tick + active silences → the
 * messages due now, the groups to carry on, and what was held back and why.
 *
 * Each tick every firing alert is matched against the route tree with its labels (severity = the
 * tier firing now). Unless a silence or an inhibit rule mutes it, it joins one group per matched
 * route and receiver (route's group_by). Membership lasts the episode: an alert that escalates
 * joins the critical route's groups too, and its resolve reaches every receiver it was announced
 * to. Groups then flush on their timers (groups.ts); a route's mute or active time intervals hold
 * its messages back until the window allows them. A muted alert keeps its state and is announced
 * if it is still firing when the mute ends. A silence added after an alert was announced stops its
 * messages (repeats, updates) and, as in Alertmanager, its resolve if it resolves while silenced.
 *
 * The only side effect is on the alert states given: `suppressedBy` (why an episode was held
 * back, cleared once announced) and `lastNotifiedAt`; their fingerprints are returned to persist.
 */
import { createHash } from 'node:crypto';
import { type AlertState, type Transition, type Tier, tierRank } from '../core/alert';
import type { Config, Rule } from '../rules/schema';
import type { Action, AlertView, Notification } from '../core/notification';
import { applyFlush, decideFlush, groupIdentity, groupKey, memberId, messageGroup, type GroupMember, type Groups, type GroupState } from './groups';
import { isAcked } from './acked';
import { inhibitedBy } from './inhibit';
import { routingLabels, type RouteEnv } from './labels';
import { silencedBy, type Silence } from './silences';
import { activeInterval } from './time-intervals';
import { compileRoute, matchRoutes, type RouteNode } from './tree';
import { alertView } from './view';

export interface RouteInput {
  config: Config;
  /** The compiled tree (compileRoute(config)); compiled here when not given. */
  tree?: RouteNode;
  states: Record<string, AlertState>;
  /** This tick's transitions: an episode that fired and resolved within one (catch-up) tick is still told. */
  transitions?: readonly Transition[];
  groups: Groups;
  silences?: readonly Silence[];
  env?: RouteEnv;
  now: number;
}

/** A message that was not sent, and why (for the report and the logs). */
export interface Muted {
  at: number;
  kind: 'silenced' | 'inhibited' | 'time_interval';
  reason: string;
  fingerprint: string;
  rule: string;
  labels: Record<string, string>;
  /** For a time-interval mute: the receiver whose message waits. */
  receiver?: string;
}

export interface RouteResult {
  notifications: Notification[];
  groups: Groups;
  /** Fingerprints of alert states whose suppressedBy/lastNotifiedAt moved, to persist. */
  touched: string[];
  muted: Muted[];
}

/** The per-episode stream of an ungrouped alert (see Notification.key): `fingerprint@episodeStartISO`. */
export { episodeKey } from './groups';

export const notificationId = (key: string, receiver: string, action: Action, at: number) =>
  createHash('sha256').update([key, receiver, action, at].join('|')).digest('hex').slice(0, 32);

export function route(input: RouteInput): RouteResult {
  const { config, states, now } = input;
  const tree = input.tree ?? compileRoute(config);
  const rules = new Map<string, Rule>(config.rules.map((r) => [r.name, r]));
  const groups: Groups = structuredClone(input.groups);
  const touched = new Set<string>();
  const muted: Muted[] = [];

  // A catch-up tick (after missed ticks) can judge a whole episode at once: it fired and resolved
  // in the data this tick read. It is routed as firing, and its groups are told at once, then resolved.
  const caughtUp = new Set(
    (input.transitions ?? []).filter((t) => t.kind === 'firing' && states[t.state.fingerprint]?.status === 'inactive' && states[t.state.fingerprint].startsAt === t.state.startsAt).map((t) => t.state.fingerprint),
  );
  const firing = Object.values(states)
    .filter((s) => s.status === 'firing' || caughtUp.has(s.fingerprint))
    .map((s) => ({ fingerprint: s.fingerprint, state: s, labels: routingLabels(s, rules.get(s.rule), s.tier ?? s.maxTier, input.env) }));

  // Why each firing alert is muted now, if it is (a silence first, then inhibition).
  const muteOf = new Map<string, { kind: Muted['kind']; reason: string }>();
  for (const a of firing) {
    const silence = silencedBy(input.silences ?? [], a.labels, now);
    if (silence) {
      muteOf.set(a.fingerprint, { kind: 'silenced', reason: `silenced by ${silence.id} (${silence.author}: ${silence.comment}) until ${new Date(silence.endsAt).toISOString()}` });
      continue;
    }
    const src = inhibitedBy(a, firing, config.inhibit);
    if (src) muteOf.set(a.fingerprint, { kind: 'inhibited', reason: `inhibited by ${src.state.rule} ${src.state.labels.ModelId ?? JSON.stringify(src.state.labels)} (${src.state.tier})` });
  }

  const silencedResolve = (fp: string, tier: Tier): string | null => {
    if (!input.silences?.length) return null;
    const s = states[fp];
    const silence = silencedBy(input.silences, routingLabels(s, rules.get(s.rule), tier, input.env), now);
    return silence ? `silenced by ${silence.id}` : null;
  };

  // Refresh what the groups know of their members.
  for (const g of Object.values(groups)) {
    for (const [id, m] of Object.entries(g.members)) {
      const s = states[m.fingerprint];
      if (!s) {
        delete g.members[id];
        continue;
      }
      m.firing = s.status === 'firing' && s.startsAt === m.episode;
      if (m.firing) m.tier = s.tier ?? m.tier;
      // As in Alertmanager, a silence holds back a resolve too (inhibition needs a firing source, so it holds only firing members).
      m.muted = m.firing ? (muteOf.get(m.fingerprint)?.reason ?? null) : silencedResolve(m.fingerprint, m.tier);
    }
  }

  // Firing alerts join the groups of every route that matches them now.
  for (const a of firing) {
    const s = a.state;
    const mute = muteOf.get(a.fingerprint);
    if (mute && s.lastNotifiedAt === null && s.suppressedBy !== mute.reason) {
      // Report a held-back episode once per reason, not every minute.
      if (s.suppressedBy === null) muted.push({ at: now, ...mute, fingerprint: s.fingerprint, rule: s.rule, labels: s.labels });
      s.suppressedBy = mute.reason;
      touched.add(s.fingerprint);
    }
    if (mute) continue;
    for (const node of matchRoutes(tree, a.labels)) {
      for (const receiver of node.receivers) {
        const episode = s.startsAt ?? now;
        const ident = groupIdentity(receiver, node.group_by, a.labels, s.fingerprint, episode);
        let g = groups[ident.id];
        if (!g) {
          g = groups[ident.id] = { key: ident.key ?? groupKey(ident.id, now), receiver, route: node.id, labels: ident.labels, grouped: ident.key === null, createdAt: now, sentAt: null, mutedBy: null, members: {} };
        }
        const mid = memberId(s.fingerprint, episode);
        if (!g.members[mid]) {
          g.members[mid] = { fingerprint: s.fingerprint, episode, firing: true, tier: s.tier ?? s.maxTier ?? 'info', sent: null, muted: null };
          g.route = node.id;
        }
      }
    }
  }

  const nodes = indexNodes(tree);
  const notifications: Notification[] = [];
  const flush = (id: string, g: GroupState, timers: RouteNode) => {
    const node = nodes.get(g.route) ?? tree;
    const decision = decideFlush(g, timers, now);
    const held = decision ? timeMute(node, config, now) : null;
    if (decision && held) {
      if (g.mutedBy !== held) {
        for (const m of decision.members) {
          const s = states[m.fingerprint];
          muted.push({ at: now, kind: 'time_interval', reason: `${held} (route ${node.id})`, fingerprint: m.fingerprint, rule: s.rule, labels: s.labels, receiver: g.receiver });
        }
      }
      g.mutedBy = held;
      return; // nothing recorded as sent: the message goes out when the window allows
    }
    g.mutedBy = null;
    if (decision?.action === 'repeat' && allAcked(decision.members, states)) {
      // Every firing member was acknowledged: it is being handled, a reminder would only be noise.
      return;
    }
    applyFlush(g, decision, timers, now);
    if (decision) {
      notifications.push(message(g, decision.action, decision.members, states, rules, config, input.env, now));
      for (const m of decision.members) {
        const s = states[m.fingerprint];
        if (s.startsAt !== m.episode) continue;
        s.lastNotifiedAt = now;
        s.suppressedBy = null;
        touched.add(s.fingerprint);
      }
    }
    if (!Object.keys(g.members).length) delete groups[id];
  };
  for (const [id, g] of Object.entries(groups).sort(([a], [b]) => a.localeCompare(b))) {
    const node = nodes.get(g.route) ?? tree;
    const caught = Object.values(g.members).filter((m) => caughtUp.has(m.fingerprint));
    if (!caught.length) {
      flush(id, g, node);
      continue;
    }
    // Its timers passed in the data already: tell the episode now, then its end.
    const now0 = { ...node, group_wait: 0, group_interval: 0 };
    flush(id, g, now0);
    if (!groups[id]) continue;
    for (const m of caught) m.firing = false;
    flush(id, g, now0);
  }
  return { notifications, groups, touched: [...touched], muted };
}

/** True when every firing member's current episode is acknowledged (8B). */
function allAcked(members: GroupMember[], states: Record<string, AlertState>): boolean {
  const firing = members.filter((m) => m.firing);
  return firing.length > 0 && firing.every((m) => {
    const s = states[m.fingerprint];
    return !!s && s.startsAt === m.episode && isAcked(s);
  });
}

/** The mute or active-window reason holding a route's messages back at `now`, or null. */
function timeMute(node: RouteNode, config: Config, now: number): string | null {
  const tz = config.settings.timezone;
  const mute = activeInterval(node.mute_time_intervals, config.time_intervals, now, tz);
  if (mute) return `muted by time interval "${mute}"`;
  if (node.active_time_intervals.length && !activeInterval(node.active_time_intervals, config.time_intervals, now, tz))
    return `outside active time intervals ${node.active_time_intervals.map((n) => `"${n}"`).join(', ')}`;
  return null;
}

function indexNodes(root: RouteNode, out = new Map<string, RouteNode>()): Map<string, RouteNode> {
  out.set(root.id, root);
  for (const c of root.routes) indexNodes(c, out);
  return out;
}

/** Firing before resolved, most severe first, then oldest: the order of a message's alerts. */
export const messageOrder = (a: AlertView, b: AlertView) =>
  (a.status === 'firing' ? 0 : 1) - (b.status === 'firing' ? 0 : 1) || tierRank(b.tier) - tierRank(a.tier) || a.since.localeCompare(b.since) || a.fingerprint.localeCompare(b.fingerprint);

function message(g: GroupState, action: Action, members: GroupMember[], states: Record<string, AlertState>, rules: Map<string, Rule>, config: Config, env: RouteEnv | undefined, now: number): Notification {
  const alerts = members
    .map((m) => {
      const s = states[m.fingerprint];
      // A resolve names the episode's highest tier: what the receivers were paged for.
      const tier: Tier = m.firing ? m.tier : ((s.startsAt === m.episode ? s.maxTier : null) ?? m.sent?.tier ?? m.tier);
      return alertView(s, rules.get(s.rule), tier, !m.firing, { env, runbookBase: config.settings.runbook_base_url });
    })
    .sort(messageOrder);
  return {
    id: notificationId(g.key, g.receiver, action, now),
    receiver: g.receiver,
    action,
    at: new Date(now).toISOString(),
    key: g.key,
    alert: alerts[0],
    alerts,
    ...(g.grouped ? { group: messageGroup(g.labels, g.route, alerts[0].tier) } : {}),
  };
}
