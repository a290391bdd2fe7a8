/**
 * A metric statistic against fixed limits, optionally also against the model's own baseline.
 * With `evidence: sequential` (the default) a tier fires once the minutes past its limit, weighted
 * by their requests, outweigh the minutes within it by `min_requests` since the problem began
 * (evidence.ts: a single slow minute never decides); with `evidence: window` when the window's
 * aggregate is past the limit (and `for` has passed).
 */
import type { ThresholdRule } from '../../rules/schema';
import { seriesKey } from '../../core/series';
import { mean, median, sum } from '../../core/stats';
import { metricValue, times } from '../../core/format';
import { EVIDENCE_SPAN, minuteEvidence } from '../evidence';
import { adaptiveWindow, minutesOf, series, sumOver, valuesOver } from '../window';
import { TIER_ORDER, type TierCheck, observation, unevaluable } from './common';
import type { Observe } from '../types';

const AGG = { median, mean, max: (x: number[]) => (x.length ? Math.max(...x) : null), min: (x: number[]) => (x.length ? Math.min(...x) : null), sum: (x: number[]) => (x.length ? sum(x) : null) };

export const observeThreshold: Observe<ThresholdRule> = (rule, model, ctx) => {
  const key = seriesKey(rule.metric, rule.stat);
  const values = series(ctx.frame, model, key);
  const invocations = series(ctx.frame, model, 'Invocations:Sum');
  const w = adaptiveWindow(
    (n) => sumOver(invocations, ctx.index, n),
    minutesOf(rule.window),
    minutesOf(rule.max_window ?? rule.window * 6),
    rule.min_requests,
    ctx.index + 1,
  );
  const points = valuesOver(values, ctx.index, w.minutes);
  if (!w.enough || !points.length) return unevaluable(`${w.requests} requests in ${w.minutes} min: not enough to judge`);
  const value = AGG[rule.aggregate](points) as number;
  const exp = ctx.baselines.expect(model, key, ctx.minute);
  const base = exp && exp.confidence !== 'none' ? exp.value : null;

  const checks: TierCheck[] = [];
  const evidence: Record<string, number> = {};
  for (const tier of TIER_ORDER) {
    const t = rule.tiers[tier];
    if (!t) continue;
    let breach = test(t, base, 0, value);
    if (rule.evidence === 'sequential') {
      const ev = minuteEvidence(
        (i) => {
          const v = values?.[i];
          return v === null || v === undefined ? null : test(t, base, 0, v);
        },
        (i) => invocations?.[i] ?? 0,
        ctx.index,
        EVIDENCE_SPAN,
      );
      // Enough requests in slow minutes, and the latest minutes (the last twelfth of the run) mostly slow too.
      breach = ev.score >= Math.max(1, rule.min_requests) && ev.recent.evidence > 0;
      if (ev.minutes) evidence[`${tier}_evidence_minutes`] = ev.minutes;
    }
    const limit = [t.above !== undefined ? `above ${metricValue(rule.metric, t.above)}` : '', t.below !== undefined ? `below ${metricValue(rule.metric, t.below)}` : '', t.baseline_ratio ? `≥ ${times(t.baseline_ratio)} baseline` : '']
      .filter(Boolean)
      .join(' and ');
    checks.push({ tier, breach, hold: breach || test(t, base, rule.hysteresis, value), limit, threshold: t.above ?? t.below ?? null });
  }
  const basePart = base !== null ? `, baseline ${metricValue(rule.metric, base)} (${times(value / base)})` : '';
  return observation(checks, {
    value,
    baseline: base,
    // Only a rule that compares with the baseline is limited by how well it is known.
    cap: exp?.confidence === 'low' && Object.values(rule.tiers).some((t) => t?.baseline_ratio !== undefined) ? 'warning' : undefined,
    text: (limit) => `${rule.metric} ${rule.stat} ${metricValue(rule.metric, value)} over ${w.minutes} min${limit ? ` (${limit})` : ''}${basePart}`,
    details: { window_minutes: w.minutes, requests: w.requests, aggregate: rule.aggregate, baseline_confidence: exp?.confidence ?? 'none', ...evidence },
  });
};

type TierLimits = NonNullable<ThresholdRule['tiers'][keyof ThresholdRule['tiers']]>;

/** Whether `v` is past the tier's limits, relaxed by `relax` (hysteresis). */
function test(t: TierLimits, base: number | null, relax: number, v: number): boolean {
  if (t.above !== undefined && !(v > t.above * (1 - relax))) return false;
  if (t.below !== undefined && !(v < t.below * (1 + relax))) return false;
  if (t.baseline_ratio !== undefined) {
    // Relative to the model's own normal: without a learned baseline there is no evidence of "abnormal".
    if (base === null || base <= 0) return false;
    if (!(v >= base * t.baseline_ratio * (1 - relax))) return false;
  }
  return true;
}
