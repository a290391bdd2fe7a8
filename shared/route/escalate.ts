/**
 * Escalation policies, pure: firing alerts and the progress already recorded on them → the
 * steps due now. Each step goes out once, `after` its delay, until the episode is acknowledged
 * or resolved; while nobody acknowledges, everyone the policy reached hears again every
 * repeat interval; a resolve goes to everyone it reached. Progress lives on the alert state
 * (`escalation`), committed with the tick, and step notifications have ids made of the
 * episode and the step index, so a re-run tick can neither skip nor repeat a step.
 */
import { createHash } from 'node:crypto';
import type { AlertState, EscalationRecord, Transition } from '../core/alert';
import type { Config, EscalationPolicy, Rule } from '../rules/schema';
import type { Action, Notification } from '../core/notification';
import { isAcked } from './acked';
import { episodeKey, notificationId } from './route';
import { alertView } from './view';
import { routingLabels, type RouteEnv } from './labels';
import { compileRoute, matchRoutes, type RouteNode } from './tree';

/** Which policy applies to an alert, as its route says. */
export interface EscalationBinding {
  policy: string;
  /** Receivers the route itself sends this alert to (trigger, repeat, resolve): the policy does not repeat to them. */
  routed: string[];
  repeatInterval: number;
}

export type PolicyLookup = (s: AlertState) => EscalationBinding | null;

/** The short form: `routes.escalation: { critical: default-critical }` — the firing tier picks the policy. */
export function tierPolicies(config: Config): PolicyLookup {
  return (s) => {
    const routes = config.routes;
    const name = s.tier && routes ? routes.escalation?.[s.tier] : undefined;
    const policy = name ? config.escalation[name] : undefined;
    if (!routes || !name || !policy || !s.tier) return null;
    return { policy: name, routed: routes[s.tier], repeatInterval: policy.repeat_interval ?? routes.repeat_interval };
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
    const node = matchRoutes(tree, routingLabels(s, rules.get(s.rule), s.tier, env)).find((n) => n.escalation !== undefined);
    const name = node?.escalation;
    const policy = name ? config.escalation[name] : undefined;
    if (!node || !name || !policy) return null;
    return { policy: name, routed: node.receivers, repeatInterval: policy.repeat_interval ?? node.repeat_interval };
  };
}

export const stepNotificationId = (fp: string, episode: number, policy: string, step: number, receiver: string) =>
  createHash('sha256').update([fp, episode, 'step', policy, step, receiver].join('|')).digest('hex').slice(0, 32);

export interface EscalateInput {
  policies: Record<string, EscalationPolicy>;
  policyFor: PolicyLookup;
  rules: Rule[];
  /** Every alert state after this tick's evaluation (records are read from and stamped on these). */
  states: Record<string, AlertState>;
  /** This tick's transitions: resolves close what the escalation reached. */
  transitions: Transition[];
  now: number;
}

export interface EscalateResult {
  notifications: Notification[];
  /** Fingerprints whose escalation record changed, to persist. */
  touched: string[];
}

export function escalate(input: EscalateInput): EscalateResult {
  const { policies, now } = input;
  const rules = new Map(input.rules.map((r) => [r.name, r]));
  const out: EscalateResult = { notifications: [], touched: [] };
  const send = (s: AlertState, action: Action, receivers: string[], id: (receiver: string) => string, at: number) => {
    const resolved = action === 'resolve';
    const alert = alertView(s, rules.get(s.rule), (resolved ? s.maxTier : s.tier) ?? 'info', resolved);
    for (const receiver of receivers) out.notifications.push({ id: id(receiver), key: episodeKey(s.fingerprint, s.startsAt), receiver, action, at: new Date(at).toISOString(), alert, alerts: [alert] });
  };

  for (const t of input.transitions) {
    const s = t.state;
    const rec = s.escalation;
    if (t.kind !== 'resolved' || s.suppressedBy || !rec || rec.episode !== s.startsAt || !rec.reached.length) continue;
    // Same id as the route's resolve to the same receiver: the tick keeps one.
    send(s, 'resolve', rec.reached, (r) => notificationId(episodeKey(s.fingerprint, s.startsAt), r, 'resolve', input.now), t.at);
  }

  for (const s of Object.values(input.states)) {
    if (s.status !== 'firing' || s.suppressedBy || s.startsAt === null) continue;
    const binding = input.policyFor(s);
    const policy = binding ? policies[binding.policy] : undefined;
    if (!binding || !policy) continue;
    const episode = s.startsAt;
    const prev = s.escalation && s.escalation.episode === episode ? s.escalation : null;
    // A policy starts counting when it first applies: at the trigger, or when the alert rose to a tier that has one.
    let rec: EscalationRecord =
      prev && prev.policy === binding.policy
        ? { ...prev, reached: [...prev.reached] }
        : { episode, policy: binding.policy, since: now, sent: 0, lastAt: now, reached: prev ? [...prev.reached] : [] };
    let changed = !(prev && prev.policy === binding.policy);

    if (!isAcked(s)) {
      const steps = policy.steps;
      let stepped = false;
      while (rec.sent < steps.length && now >= rec.since + steps[rec.sent].after) {
        const i = rec.sent;
        send(s, i === 0 ? 'trigger' : 'escalate', steps[i].receivers, (r) => stepNotificationId(s.fingerprint, episode, binding.policy, i, r), now);
        rec = { ...rec, sent: i + 1, lastAt: now, reached: [...new Set([...rec.reached, ...steps[i].receivers])] };
        stepped = changed = true;
      }
      if (!stepped && rec.sent > 0 && now - rec.lastAt >= binding.repeatInterval) {
        const again = rec.reached.filter((r) => !binding.routed.includes(r));
        send(s, 'repeat', again, (r) => notificationId(episodeKey(s.fingerprint, episode), r, 'repeat', now), now);
        rec = { ...rec, lastAt: now };
        changed = true;
      }
    }
    if (changed) {
      s.escalation = rec;
      out.touched.push(s.fingerprint);
    }
  }
  return out;
}
