/**
 * Tiers must grow stricter from info to critical in the rule's direction: for an `above` limit a
 * higher tier has a higher (or equal) limit, for `below` a lower one. Reversed tiers mean the
 * critical tier fires first and the warning never means anything.
 */
import { formatDuration } from './units';

const TIER_ORDER = ['info', 'warning', 'critical'] as const;

interface TierRule {
  kind: string;
  metric?: string;
  tiers: Partial<Record<(typeof TIER_ORDER)[number], Record<string, unknown> | undefined>>;
}

export interface TierProblem {
  /** Relative to the rule, e.g. ['tiers', 'critical', 'above']. */
  path: (string | number)[];
  message: string;
}

/** Limit fields and their direction: true when a higher value is stricter. */
const LIMITS: Record<string, boolean> = { above: true, spent_above: true, forecast_above: true, below: false };

export function tierOrderProblems(rule: TierRule): TierProblem[] {
  const problems: TierProblem[] = [];
  for (const [field, up] of Object.entries(LIMITS)) {
    const set = TIER_ORDER.flatMap((t) => {
      const v = rule.tiers[t]?.[field];
      return typeof v === 'number' ? [{ tier: t, v }] : [];
    });
    for (let i = 1; i < set.length; i++) {
      const lower = set[i - 1];
      const higher = set[i];
      if (up ? higher.v >= lower.v : higher.v <= lower.v) continue;
      problems.push({
        path: ['tiers', higher.tier, field],
        message:
          `${higher.tier} ${field} ${show(rule, higher.v)} is ${up ? 'below' : 'above'} ${lower.tier}'s ${show(rule, lower.v)}: ` +
          `a higher tier needs a stricter limit (for "${field}", a ${up ? 'higher' : 'lower'} value); swap the tiers`,
      });
    }
  }
  return problems;
}

/** The limit as the user wrote it, near enough: a percentage for shares, a time for latencies. */
function show(rule: TierRule, v: number): string {
  if (rule.kind === 'threshold') return rule.metric === 'InvocationLatency' || rule.metric === 'TimeToFirstToken' ? formatDuration(v) : String(v);
  if (rule.kind === 'ratio' || rule.kind === 'completion' || rule.kind === 'budget' || rule.kind === 'week_over_week') return `${+(v * 100).toFixed(4)}%`;
  return String(v);
}
