import type { Rule } from '../rules/schema';
import { seriesKey, type SeriesKey } from '../sources/types';

/** The metric/statistic pairs the rules read: a source fetches these and nothing else. */
export function seriesNeeded(rules: Rule[]): SeriesKey[] {
  const keys = new Set<SeriesKey>(['Invocations:Sum']);
  for (const r of rules) {
    if (r.kind === 'threshold') keys.add(seriesKey(r.metric, r.stat));
    if (r.kind === 'ratio') for (const m of [...r.numerator, ...r.denominator]) keys.add(seriesKey(m, 'Sum'));
  }
  return [...keys].sort();
}

/** How many minutes of history before the evaluated minute the widest rule window reads. */
export function lookbackMinutes(rules: Rule[]): number {
  let ms = 0;
  for (const r of rules) if ('window' in r) ms = Math.max(ms, r.max_window ?? r.window * 6);
  return Math.ceil(ms / 60_000);
}
