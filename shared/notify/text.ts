/**
 * The words every receiver uses for a message, so Slack, PagerDuty and SNS say the same thing:
 * what (rule title), how many and which models, the tier actually firing, where (account and
 * region), and since when the condition holds.
 */
import type { AlertView, Notification } from '../core/notification';
import type { Tier } from '../core/alert';

const TIER_RANK: Record<Tier, number> = { info: 1, warning: 2, critical: 3 };

export const firingOf = (n: Notification): AlertView[] => n.alerts.filter((a) => a.status === 'firing');
export const resolvedOf = (n: Notification): AlertView[] => n.alerts.filter((a) => a.status === 'resolved');

/** The tier the message is about: the highest firing one (or, all resolved, the highest told). */
export function messageTier(n: Notification): Tier {
  const pool = firingOf(n).length ? firingOf(n) : n.alerts;
  return pool.reduce<Tier>((t, a) => ((TIER_RANK[a.tier] ?? 0) > (TIER_RANK[t] ?? 0) ? a.tier : t), pool[0]?.tier ?? 'info');
}

/** "Throttling" — the rule's title, the part of the summary before " on <model>: …". */
export function titleOf(a: AlertView): string {
  if (a.title) return a.title;
  const s = a.summary.replace(/^Resolved( for lack of data)?: /, '');
  const model = a.labels.ModelId;
  const cut = model ? s.indexOf(` on ${model}`) : s.indexOf(': ');
  return (cut > 0 ? s.slice(0, cut) : s.split(': ')[0]) || a.rule;
}

/** What the alert is about in a list: the model, or the budget / caller it watches. */
export const subjectOf = (a: AlertView): string => a.labels.ModelId ?? a.labels.budget ?? a.labels.caller ?? a.rule;

/** "123456789012 · us-east-1", or '' when unknown. */
export function whereOf(a: AlertView): string {
  return [a.labels.AccountId, a.labels.Region].filter(Boolean).join(' · ');
}

/** The distinct places (account · region) a message's alerts are in. */
export const placesOf = (alerts: readonly AlertView[]): string[] => [...new Set(alerts.map(whereOf).filter(Boolean))];

/** Where a whole message is: its one place, "3 places" when its alerts are in several, or ''. */
export function whereOfAll(alerts: readonly AlertView[]): string {
  const places = placesOf(alerts);
  return places.length > 1 ? `${places.length} places` : (places[0] ?? '');
}

/** An alert in a list: its subject, and its place when the message spans several (the same model in two regions is two alerts). */
export function listSubject(a: AlertView, places: readonly string[]): string {
  const where = whereOf(a);
  return places.length > 1 && where ? `${subjectOf(a)} (${where})` : subjectOf(a);
}

/** The value without its explanation in brackets: "9.1%" of "9.1% (91 of 1000 …)". */
export const shortValue = (a: AlertView): string => a.valueText.split(' (')[0].split('; ')[0];

/**
 * One line for the whole message, short enough for a phone lock screen:
 * "CRITICAL: Throttling on 4 models (meta.llama3…, +3) · us-east-1".
 */
export function oneLine(n: Notification): string {
  const tier = messageTier(n).toUpperCase();
  const firing = firingOf(n);
  const shown = firing.length ? firing : n.alerts;
  const allResolved = !firing.length;
  const regions = [...new Set(shown.map((a) => a.labels.Region).filter(Boolean))];
  const region = regions.length > 1 ? `${regions.length} regions` : regions[0];
  const titles = [...new Set(shown.map(titleOf))];
  const what = titles.length === 1 ? titles[0] : `${titles.length} kinds of alert`;
  let body: string;
  if (shown.length === 1) {
    const a = shown[0];
    body = `${what} on ${subjectOf(a)}: ${shortValue(a)}`;
  } else {
    // Counted per alert target (a model in two regions is two), named by subject (short enough for a lock screen).
    const places = placesOf(shown);
    const count = new Set(shown.map((a) => listSubject(a, places))).size;
    const subjects = [...new Set(shown.map(subjectOf))];
    const models = shown.every((a) => a.labels.ModelId);
    body = `${what} on ${count} ${models ? 'models' : 'items'} (${subjects.slice(0, 2).map((s) => shorten(s, 28)).join(', ')}${count > 2 ? `, +${count - Math.min(2, subjects.length)}` : ''})`;
  }
  const resolvedNote = !allResolved && resolvedOf(n).length ? `; ${resolvedOf(n).length} resolved` : '';
  const lack = allResolved && shown.every((a) => a.resolveReason) ? ' (no data)' : '';
  return `${allResolved ? 'RESOLVED' : tier}${lack}: ${body}${resolvedNote}${region ? ` · ${region}` : ''}`;
}

export function shorten(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
