import type { Rule } from '../rules/schema';
import { seriesKey, type SeriesKey } from '../core/series';
import { VOLUME_SERIES } from '../baselines/expectations';

const TOKENS = ['InputTokenCount:Sum', 'OutputTokenCount:Sum'];

/** The metric/statistic pairs the rules read each minute: a source fetches these and nothing else. */
export function seriesNeeded(rules: Rule[]): SeriesKey[] {
  const keys = new Set<SeriesKey>(['Invocations:Sum']);
  for (const r of rules) {
    if (r.kind === 'threshold') keys.add(seriesKey(r.metric, r.stat));
    if (r.kind === 'ratio') for (const m of [...r.numerator, ...r.denominator]) keys.add(seriesKey(m, 'Sum'));
    if (r.kind === 'cost' || r.kind === 'budget') TOKENS.forEach((k) => keys.add(k));
    if (r.kind === 'baseline') (r.series === 'cost' || r.series === 'tokens' ? TOKENS : [seriesKey(r.series, 'Sum')]).forEach((k) => keys.add(k));
  }
  return [...keys].sort();
}

/** The series learned hourly: request and token volumes always (cost, silence, budgets), plus what rules compare with their baseline. */
export function baselineSeries(rules: Rule[]): SeriesKey[] {
  const keys = new Set<SeriesKey>(VOLUME_SERIES);
  for (const r of rules) {
    if (r.kind === 'threshold' && Object.values(r.tiers).some((t) => t?.baseline_ratio !== undefined)) keys.add(seriesKey(r.metric, r.stat));
    if (r.kind === 'week_over_week' && r.measure === 'latency_p95') keys.add('InvocationLatency:p95');
  }
  return [...keys].sort();
}

/** How many minutes of history before the evaluated minute the widest rule reads. */
export function lookbackMinutes(rules: Rule[]): number {
  let ms = 60 * 60_000; // silence detection looks back an hour for the rate before a gap
  for (const r of rules) {
    if (r.kind === 'threshold' || r.kind === 'ratio' || r.kind === 'completion') ms = Math.max(ms, r.max_window ?? r.window * 6);
    if (r.kind === 'baseline' || r.kind === 'caller_spend' || (r.kind === 'cost' && r.window)) ms = Math.max(ms, r.window ?? 0);
  }
  return Math.ceil(ms / 60_000);
}

/** Whether any rule reads invocation-log counts. */
export const needsLogs = (rules: Rule[]): boolean => rules.some((r) => r.kind === 'completion' || r.kind === 'caller_spend');

/** Whether the baseline function learns per-caller token volumes. */
export const needsCallerBaselines = (rules: Rule[]): boolean => rules.some((r) => r.kind === 'caller_spend');
