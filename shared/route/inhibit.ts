/**
 * Alertmanager-style inhibition: a firing alert matching an inhibit rule's source_matchers mutes
 * the alerts matching its target_matchers whose `equal` labels have the same values (a label
 * missing on both counts as equal, as in Alertmanager). An alert never mutes itself, and, as in
 * Alertmanager, an alert matching both a rule's source and its target is muted only by a source
 * that does not also match the target (two such alerts never mute each other). Pure.
 */
import { matchesAll } from '../rules/matchers';
import type { InhibitRule } from '../rules/schema';

export interface Labelled {
  fingerprint: string;
  labels: Readonly<Record<string, string>>;
}

/** The source alert that mutes `target`, or null. `firing` are the firing alerts with their routing labels. */
export function inhibitedBy<T extends Labelled>(target: Labelled, firing: readonly T[], rules: readonly InhibitRule[]): T | null {
  for (const r of rules) {
    if (!matchesAll(r.target_matchers, target.labels)) continue;
    const twoSided = matchesAll(r.source_matchers, target.labels);
    for (const src of firing) {
      if (src.fingerprint === target.fingerprint || !matchesAll(r.source_matchers, src.labels)) continue;
      if (twoSided && matchesAll(r.target_matchers, src.labels)) continue;
      if (r.equal.every((l) => (src.labels[l] ?? '') === (target.labels[l] ?? ''))) return src;
    }
  }
  return null;
}
