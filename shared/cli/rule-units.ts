/** How a rule's values and tier limits read, in the units the notifications use (engine/format). */
import type { Tier } from '../core/alert';
import { count, formatGap, metricValue, pct, times } from '../core/format';
import type { Rule } from '../rules/schema';

/** A value of what the rule measures (an observation's value, threshold or baseline). */
export function formatRuleValue(rule: Rule, v: number): string {
  switch (rule.kind) {
    case 'ratio':
    case 'completion':
    case 'week_over_week':
    case 'budget':
      return pct(v);
    case 'threshold':
      return metricValue(rule.metric, v);
    case 'cost':
    case 'caller_spend':
      return times(v);
    case 'baseline':
      return rule.compare === 'ratio' ? times(v) : `${v.toFixed(1)} σ`;
    default:
      return count(v);
  }
}

/** The unit of the value axis, for charts. */
export function ruleUnit(rule: Rule): string {
  switch (rule.kind) {
    case 'ratio':
    case 'completion':
    case 'week_over_week':
    case 'budget':
      return '%';
    case 'threshold':
      return rule.metric === 'InvocationLatency' || rule.metric === 'TimeToFirstToken' ? 'ms' : rule.metric;
    case 'cost':
    case 'caller_spend':
      return '× normal';
    case 'baseline':
      return rule.compare === 'ratio' ? '× normal' : 'σ';
    case 'absent':
      return 'min silent';
    default:
      return '';
  }
}

/** "above 5% for 5 min", "above 5 s and ≥ 1.5× baseline for 10 min". */
export function tierLimitText(rule: Rule, tier: Tier): string | null {
  const t = rule.tiers[tier] as Record<string, number | undefined> | undefined;
  if (!t) return null;
  const parts: string[] = [];
  for (const [k, v] of Object.entries(t)) {
    if (k === 'for' || v === undefined) continue;
    if (k === 'baseline_ratio') parts.push(`≥ ${times(v)} baseline`);
    else parts.push(`${k.replace(/_/g, ' ')} ${formatRuleValue(rule, v)}`);
  }
  const hold = t.for ? ` for ${formatGap(t.for)}` : '';
  return `${parts.join(' and ') || 'condition holds'}${hold}`;
}
