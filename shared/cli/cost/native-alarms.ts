/**
 * The native CloudWatch alarms a user would build for the same rules, per model: one alarm per
 * rule tier (CloudWatch alarms have one threshold), billed per metric they read; an alarm that
 * compares with a learned baseline is an anomaly-detection alarm (billed as 3 metrics); a
 * composite rule is a composite alarm per tier over its conditions' alarms. Kinds with no alarm
 * equivalent (week over week, budgets, invocation-log rules) are listed, not priced.
 *
 * The count is the least a faithful copy needs: a tier with both an absolute limit and a baseline
 * ratio is counted as the anomaly alarm alone (an exact copy would add a static alarm and a
 * composite AND).
 */
import type { Config, Rule } from '../../rules/schema';
import { TIERS } from '../../core/alert';
import prices from '../../pricing/aws-prices.json';

export interface NativeAlarm {
  rule: string;
  tier: string;
  kind: 'metric' | 'metric math' | 'anomaly detection' | 'composite';
  /** Alarm metrics billed per model (0 for a composite alarm, which is billed per alarm). */
  metrics: number;
}

export interface NativeEquivalent {
  /** Alarms for one model. */
  alarms: NativeAlarm[];
  /** Rules with no native alarm equivalent, with the reason. */
  uncounted: { rule: string; why: string }[];
}

const tiersOf = (r: Rule) => TIERS.filter((t) => (r.tiers as Record<string, unknown>)[t]);

export function nativeAlarms(config: Pick<Config, 'rules'>): NativeEquivalent {
  const alarms: NativeAlarm[] = [];
  const uncounted: NativeEquivalent['uncounted'] = [];
  for (const r of config.rules) {
    const tiers = tiersOf(r);
    const add = (kind: NativeAlarm['kind'], metrics: (tier: string) => number) => tiers.forEach((tier) => alarms.push({ rule: r.name, tier, kind, metrics: metrics(tier) }));
    switch (r.kind) {
      case 'threshold': {
        for (const tier of tiers) {
          const t = r.tiers[tier] as { baseline_ratio?: number };
          alarms.push(t.baseline_ratio !== undefined ? { rule: r.name, tier, kind: 'anomaly detection', metrics: 3 } : { rule: r.name, tier, kind: 'metric', metrics: 1 });
        }
        break;
      }
      case 'ratio':
        add('metric math', () => new Set([...r.numerator, ...r.denominator]).size);
        break;
      case 'absent':
        add('metric', () => 1); // Invocations with missing data treated as breaching
        break;
      case 'cost':
        add('metric math', () => 2); // input and output tokens × price
        break;
      case 'baseline':
        add('anomaly detection', () => prices.cloudwatch.anomalyDetectionAlarmMetrics);
        break;
      case 'composite':
        add('composite', () => 0);
        break;
      case 'week_over_week':
        uncounted.push({ rule: r.name, why: 'alarms cannot compare a week with the week before' });
        break;
      case 'budget':
        uncounted.push({ rule: r.name, why: 'a monthly budget is an AWS Budgets alert, not an alarm' });
        break;
      case 'completion':
      case 'caller_spend':
        uncounted.push({ rule: r.name, why: 'reads invocation logs, not metrics' });
        break;
    }
  }
  return { alarms, uncounted };
}

/** Monthly USD of the native alarms for `models` models. */
export function nativeAlarmsMonthly(eq: NativeEquivalent, models: number): { alarmMetrics: number; composites: number; usd: number } {
  const alarmMetrics = eq.alarms.reduce((s, a) => s + a.metrics, 0) * models;
  const composites = eq.alarms.filter((a) => a.kind === 'composite').length * models;
  return { alarmMetrics, composites, usd: alarmMetrics * prices.cloudwatch.alarmPerMetricMonth + composites * prices.cloudwatch.compositeAlarmMonth };
}
