/**
 * Routing, pure apart from stamping `lastNotifiedAt` / `suppressed_by` on the states it is given: transitions and firing alerts → notifications due now. A tier maps to its
 * receivers; a resolve goes to everyone the episode reached; still-firing alerts repeat on
 * `repeat_interval` until acknowledged; inhibited alerts notify nobody.
 */
import { createHash } from 'node:crypto';
import { type AlertState, type Transition, type Tier, TIERS, tierRank } from '../core/alert';
import type { Config, Rule } from '../rules/schema';
import type { Action, Notification } from '../core/notification';
import { isAcked } from './acked';
import { inhibitedBy } from './inhibit';
import { alertView } from './view';

export interface RouteResult {
  notifications: Notification[];
  /** Fingerprints whose lastNotifiedAt moved (repeats), to persist. */
  notified: string[];
  /** Fingerprint → the alert muting it, for transitions that were suppressed. */
  suppressed: Record<string, string>;
}

/** The per-episode stream of an ungrouped alert (see Notification.key). */
export const episodeKey = (fp: string, episode: number | null) => `${fp}@${episode === null ? 'none' : new Date(episode).toISOString()}`;

export const notificationId = (fp: string, episode: number | null, action: Action, tier: Tier, receiver: string, at: number) =>
  // A trigger and a resolve happen once per episode; an episode can repeat and escalate several times.
  createHash('sha256').update([fp, episode, action, tier, receiver, action === 'repeat' || action === 'escalate' ? at : ''].join('|')).digest('hex').slice(0, 32);

/** Receivers of a tier and, for a resolve, of every tier up to the highest the episode reached. */
function receiversFor(config: Config, tier: Tier, upTo = false): string[] {
  const tiers = upTo ? TIERS.filter((t) => tierRank(t) <= tierRank(tier)) : [tier];
  return [...new Set(tiers.flatMap((t) => config.routes[t]))];
}

export function route(config: Config, transitions: Transition[], states: Record<string, AlertState>, now: number): RouteResult {
  const rules = new Map<string, Rule>(config.rules.map((r) => [r.name, r]));
  const firing = Object.values(states).filter((s) => s.status === 'firing');
  const out: RouteResult = { notifications: [], notified: [], suppressed: {} };
  const make = (s: AlertState, action: Action, tier: Tier, receivers: string[], at: number, resolved: boolean) => {
    const alert = alertView(s, rules.get(s.rule), tier, resolved);
    for (const receiver of receivers) {
      out.notifications.push({ id: notificationId(s.fingerprint, s.startsAt, action, tier, receiver, at), key: episodeKey(s.fingerprint, s.startsAt), receiver, action, at: new Date(at).toISOString(), alert });
    }
  };

  for (const t of transitions) {
    const s = t.state;
    if (t.kind === 'resolved') {
      // Resolve only what was announced: a muted episode was never sent.
      if (s.suppressedBy) continue;
      make({ ...s }, 'resolve', s.maxTier ?? 'info', receiversFor(config, s.maxTier ?? 'info', true), t.at, true);
      continue;
    }
    const muter = t.kind === 'firing' ? inhibitedBy(s, firing, config.inhibit) : s.suppressedBy;
    if (muter) {
      // A muted episode stays muted (and is never resolved to anyone) even if its muter resolves first.
      s.suppressedBy = muter;
      out.suppressed[s.fingerprint] = muter;
      continue;
    }
    const tier = s.tier ?? 'info';
    make({ ...s }, t.kind === 'firing' ? 'trigger' : 'escalate', tier, receiversFor(config, tier), t.at, false);
    s.lastNotifiedAt = t.at;
  }

  const decided = new Set(transitions.map((t) => t.state.fingerprint));
  for (const s of firing) {
    // Someone acknowledged the episode: it is being handled, reminders would only be noise.
    if (decided.has(s.fingerprint) || s.suppressedBy || s.lastNotifiedAt === null || isAcked(s)) continue;
    if (now - s.lastNotifiedAt < config.routes.repeat_interval) continue;
    make(s, 'repeat', s.tier ?? 'info', receiversFor(config, s.tier ?? 'info'), now, false);
    s.lastNotifiedAt = now;
    out.notified.push(s.fingerprint);
  }
  return out;
}
