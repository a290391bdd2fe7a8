/**
 * Escalation policies, pure: firing alerts, the escalation groups carried from the last tick and
 * group acknowledgements → the steps due now and the groups to carry on.
 *
 * Escalation belongs to the notification group, not to the alert: the alerts a route node with
 * `escalation:` takes that share its group_by values form one escalation group (its key is the
 * group's stream key at the step receivers, so PagerDuty opens one incident for it). Each step is
 * sent once per group, `after` the group formed (the first one also waits the route's group_wait,
 * like the grouped message), listing the group's members; while nobody acknowledges, everyone the
 * policy reached hears again every repeat interval; when every member has resolved, the resolve
 * goes to everyone it reached. An alert joining a group that has escalated already is listed in the
 * group's next message (step, repeat or resolve); it does not start the policy over.
 *
 * A group is acknowledged by an acknowledgement of the group itself (its Slack message's button or
 * its PagerDuty incident, recorded by the ack function under the group's key) or once every firing
 * member has been acknowledged one by one (`bedrock-watch ack`). From then on the group sends no
 * further step and no repeat, even if more alerts join; its resolve still goes out.
 *
 * A silence stops the policy for the alerts it matches (Alertmanager: a silenced alert sends nothing
 * further), matched on the labels routing sees (rule, severity, signal, team, ModelId…): a silenced
 * member is left out of every message, and a group whose firing members are all silenced sends no
 * step and no repeat. As in Alertmanager the resolve of an alert resolving while still silenced is not
 * sent either; if the silence ends first and the alert still fires, the policy goes on where it was.
 *
 * Step notification ids are made of the group key, the step and the receiver, and the groups are
 * committed with the cursor, so a re-run tick can neither skip nor repeat a step.
 */
import { createHash } from 'node:crypto';
import type { AlertState, Transition } from '../core/alert';
import type { EscalationGroup, EscalationMember, Escalations, GroupAck } from '../core/group';
import type { Config, EscalationPolicy, Rule } from '../rules/schema';
import type { Action, Notification } from '../core/notification';
import { isAcked } from './acked';
import { groupIdentity, groupKey, memberId, messageGroup } from './groups';
import { messageOrder, notificationId } from './route';
import { alertView } from './view';
import { routingLabels, type RouteEnv } from './labels';
import { compileRoute, matchRoutes, type RouteNode } from './tree';
import { silencedBy, type Silence } from './silences';

export type { EscalationGroup, Escalations } from '../core/group';

/** Which policy applies to an alert, as its route says, and how the route groups it. */
export interface EscalationBinding {
  policy: string;
  /** Receivers the route itself sends this alert to (trigger, repeat, resolve): the policy does not repeat to them. */
  routed: string[];
  repeatInterval: number;
  /** The route node naming the policy, its group_by, group_wait, and the alert's labels as routing sees them. */
  node: string;
  groupBy: string[];
  groupWait: number;
  labels: Record<string, string>;
}

export type PolicyLookup = (s: AlertState) => EscalationBinding | null;

/**
 * The short form: `routes.escalation: { critical: default-critical }` — the firing tier picks the policy; every alert alone.
 * One group per policy and alert episode (not per tier): an alert moving between two tiers that name the same policy
 * goes on where it was (steps count from when it first fired at a tier using the policy) rather than starting over.
 */
export function tierPolicies(config: Config): PolicyLookup {
  return (s) => {
    const routes = config.routes;
    const name = s.tier && routes ? routes.escalation?.[s.tier] : undefined;
    const policy = name ? config.escalation[name] : undefined;
    if (!routes || !name || !policy || !s.tier) return null;
    return { policy: name, routed: routes[s.tier], repeatInterval: policy.repeat_interval ?? routes.repeat_interval, node: 'routes.escalation', groupBy: ['...'], groupWait: 0, labels: s.labels };
  };
}

/**
 * The tree form: the first route matching the alert (labels as routing sees them) that names an
 * `escalation:` policy (inherited by child routes); the short form's per-tier policies otherwise.
 */
export function routePolicies(config: Config, tree: RouteNode = compileRoute(config), env?: RouteEnv): PolicyLookup {
  const byTier = tierPolicies(config);
  if (!config.route) return byTier;
  const rules = new Map(config.rules.map((r) => [r.name, r]));
  return (s) => {
    if (!s.tier) return null;
    const labels = routingLabels(s, rules.get(s.rule), s.tier, env);
    const node = matchRoutes(tree, labels).find((n) => n.escalation !== undefined);
    const name = node?.escalation;
    const policy = name ? config.escalation[name] : undefined;
    if (!node || !name || !policy) return null;
    return { policy: name, routed: node.receivers, repeatInterval: policy.repeat_interval ?? node.repeat_interval, node: node.id, groupBy: node.group_by, groupWait: node.group_wait, labels };
  };
}

export const stepNotificationId = (groupKey: string, policy: string, step: number, receiver: string) =>
  createHash('sha256').update([groupKey, 'step', policy, step, receiver].join('|')).digest('hex').slice(0, 32);

export interface EscalateInput {
  policies: Record<string, EscalationPolicy>;
  policyFor: PolicyLookup;
  rules: Rule[];
  /** Every alert state after this tick's evaluation. */
  states: Record<string, AlertState>;
  /** This tick's transitions (kept for callers; membership is read from the states). */
  transitions?: readonly Transition[];
  /** The escalation groups the last tick left (the cursor's `escalations`). */
  groups?: Escalations;
  /** Acknowledgements of whole groups, by group key (the ack function's GROUPACK items). */
  groupAcks?: Readonly<Record<string, GroupAck>>;
  env?: RouteEnv;
  /** settings.runbook_base_url. */
  runbookBase?: string;
  /** Silences (active ones mute the members they match). */
  silences?: readonly Silence[];
  now: number;
}

export interface EscalateResult {
  notifications: Notification[];
  /** The groups to carry to the next tick. */
  groups: Escalations;
}

export function escalate(input: EscalateInput): EscalateResult {
  const { policies, states, now } = input;
  const rules = new Map(input.rules.map((r) => [r.name, r]));
  const groups: Escalations = structuredClone(input.groups ?? {});
  const notifications: Notification[] = [];

  // Short-form groups an older version kept per tier (route `routes.escalation.<tier>`) take their per-policy id, so an
  // upgrade mid-episode neither repeats nor restarts a step. Of two (the alert changed tiers), the one further on goes on
  // (same policy, same alert: it reached every receiver the other did), or the earlier of two as far on.
  for (const [id, g] of Object.entries(groups)) {
    if (!g.route.startsWith('routes.escalation.')) continue;
    delete groups[id];
    const nid = id.replace(`${g.route}\n`, 'routes.escalation\n');
    const cur = groups[nid];
    if (!cur || g.sent > cur.sent || (g.sent === cur.sent && g.since < cur.since)) groups[nid] = { ...g, route: 'routes.escalation' };
  }

  // What the groups know of their members.
  for (const g of Object.values(groups)) {
    for (const [mid, m] of Object.entries(g.members)) {
      const s = states[m.fingerprint];
      if (!s) {
        delete g.members[mid]; // expired from the table: nothing left to say about it
        continue;
      }
      m.firing = s.status === 'firing' && s.startsAt === m.episode;
      if (m.firing && s.tier) m.tier = s.tier;
    }
  }

  // Firing alerts a policy applies to join their group. Membership lasts the episode: an alert whose
  // route now names another policy (it rose to a tier with its own) joins that group too, and the
  // first stays open for it, quiet, until it resolves. `bound`: group id + member id the policy applies to now.
  const bound = new Map<string, EscalationBinding>();
  for (const s of Object.values(states).sort((a, b) => a.fingerprint.localeCompare(b.fingerprint))) {
    if (s.status !== 'firing' || s.suppressedBy || s.startsAt === null || !s.tier) continue;
    const binding = input.policyFor(s);
    if (!binding || !policies[binding.policy]) continue;
    const mid = memberId(s.fingerprint, s.startsAt);
    const ident = groupIdentity(`escalation ${binding.policy} ${binding.node}`, binding.groupBy, binding.labels, s.fingerprint, s.startsAt);
    let g = groups[ident.id];
    if (!g) g = groups[ident.id] = newGroup(ident.key ?? groupKey(ident.id, now), binding, ident.labels, ident.key === null, s, now);
    g.members[mid] ??= { fingerprint: s.fingerprint, episode: s.startsAt, firing: true, tier: s.tier, joinedAt: now, told: g.sent > 0 && !g.grouped ? 'firing' : null };
    bound.set(`${ident.id}\n${mid}`, binding);
  }

  // Members an active silence matches now, on the labels routing sees.
  const silenced = (m: EscalationMember): boolean => {
    if (!input.silences?.length) return false;
    const s = states[m.fingerprint];
    return !!s && !!silencedBy(input.silences, routingLabels(s, rules.get(s.rule), m.tier, input.env), now);
  };
  const send = (g: EscalationGroup, action: Action, receivers: string[], id: (receiver: string) => string) => {
    if (!receivers.length) return;
    const shown = Object.entries(g.members).filter(([, m]) => (m.firing || m.told === 'firing') && !silenced(m));
    const alerts = shown
      .map(([, m]) => {
        const s = states[m.fingerprint];
        const resolved = !m.firing;
        const tier = resolved ? ((s.startsAt === m.episode ? s.maxTier : null) ?? m.tier) : m.tier;
        return alertView(s, rules.get(s.rule), tier, resolved, { env: input.env, runbookBase: input.runbookBase });
      })
      .sort(messageOrder);
    if (!alerts.length) return;
    for (const receiver of receivers) {
      notifications.push({
        id: id(receiver),
        key: g.key,
        receiver,
        action,
        at: new Date(now).toISOString(),
        alert: alerts[0],
        alerts,
        // The group told as the routed message tells it (severity: its most severe alert's tier now).
        ...(g.grouped ? { group: messageGroup(g.labels, g.route, alerts[0].tier) } : {}),
      });
    }
    for (const [mid, m] of shown) {
      if (m.firing) m.told = 'firing';
      else delete g.members[mid]; // its resolve has been told
    }
  };

  for (const [gid, g] of Object.entries(groups).sort(([a], [b]) => a.localeCompare(b))) {
    // Resolved members nobody was told about leave at once; so do those resolving under a silence (their resolve is not sent).
    for (const [mid, m] of Object.entries(g.members)) if (!m.firing && (m.told !== 'firing' || silenced(m))) delete g.members[mid];
    const firing = Object.entries(g.members).filter(([, m]) => m.firing);
    if (!firing.length) {
      // Every member resolved: everyone the policy reached hears it (the same id as the route's resolve to the same stream).
      if (g.reached.length) send(g, 'resolve', g.reached, (r) => notificationId(g.key, r, 'resolve', now));
      delete groups[gid];
      continue;
    }
    g.acked ??= ackOf(g, firing.map(([, m]) => m), states, input.groupAcks?.[g.key]);
    if (g.acked) continue;
    // Only members the policy still applies to keep it going (an alert that fell to a tier without one does not).
    const active = firing.flatMap(([mid, m]) => (silenced(m) ? [] : (bound.get(`${gid}\n${mid}`) ?? [])));
    const policy = policies[g.policy];
    if (!active.length || !policy) continue;
    const binding = active[0];
    const steps = policy.steps;
    let stepped = false;
    while (g.sent < steps.length && now >= g.since + Math.max(steps[g.sent].after, binding.groupWait)) {
      const i = g.sent;
      send(g, i === 0 ? 'trigger' : 'escalate', steps[i].receivers, (r) => stepNotificationId(g.key, g.policy, i, r));
      g.sent = i + 1;
      g.lastAt = now;
      g.reached = [...new Set([...g.reached, ...steps[i].receivers])];
      stepped = true;
    }
    if (!stepped && g.sent > 0 && now - g.lastAt >= binding.repeatInterval) {
      send(g, 'repeat', g.reached.filter((r) => !binding.routed.includes(r)), (r) => notificationId(g.key, r, 'repeat', now));
      g.lastAt = now;
    }
  }
  return { notifications, groups };
}

function newGroup(key: string, b: EscalationBinding, labels: Record<string, string>, grouped: boolean, s: AlertState, now: number): EscalationGroup {
  const g: EscalationGroup = { key, policy: b.policy, route: b.node, labels, grouped, since: now, sent: 0, lastAt: now, reached: [], acked: null, members: {} };
  // Progress recorded on the alert by versions that escalated per alert: carried on, so an upgrade neither repeats nor restarts steps.
  const old = s.escalation;
  if (!grouped && old && old.episode === s.startsAt && old.policy === b.policy) Object.assign(g, { since: old.since, sent: old.sent, lastAt: old.lastAt, reached: [...old.reached] });
  return g;
}

/** The group's acknowledgement, if any: of the group itself (since it formed), or of every firing member. */
function ackOf(g: EscalationGroup, firing: EscalationMember[], states: Record<string, AlertState>, groupAck: GroupAck | undefined): EscalationGroup['acked'] {
  if (groupAck) return { by: groupAck.ackedBy, at: groupAck.ackedAt, via: groupAck.via };
  const acks = firing.map((m) => {
    const s = states[m.fingerprint];
    return s && s.startsAt === m.episode && isAcked(s) ? s.ack! : null;
  });
  if (!acks.every(Boolean)) return null;
  const last = acks.reduce((a, b) => (b!.ackedAt > a!.ackedAt ? b : a))!;
  return { by: last.ackedBy, at: last.ackedAt, via: last.via };
}
