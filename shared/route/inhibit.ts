/** Alertmanager-style inhibition: a firing source alert mutes matching target alerts with equal labels. */
import type { AlertState } from '../core/alert';
import type { InhibitRule } from '../rules/schema';

type Matcher = InhibitRule['source'];

const matches = (m: Matcher, s: AlertState) =>
  (!m.rule || m.rule === s.rule) && (!m.signal || m.signal === s.signal) && (!m.tier || m.tier === s.tier);

/** The fingerprint of the alert that mutes `target`, or null. An alert never mutes itself. */
export function inhibitedBy(target: AlertState, firing: AlertState[], rules: InhibitRule[]): string | null {
  for (const r of rules) {
    if (!matches(r.target, target)) continue;
    for (const src of firing) {
      if (src.fingerprint === target.fingerprint || src.status !== 'firing' || !matches(r.source, src)) continue;
      if (r.equal.every((l) => src.labels[l] === target.labels[l])) return src.fingerprint;
    }
  }
  return null;
}
