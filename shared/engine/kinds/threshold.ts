/**
 * A metric statistic against fixed limits, optionally also against the model's own baseline.
 * With `evidence: sequential` (the default) a tier fires once the minutes past its limit are far
 * enough from the model's own normal minutes that its false-alarm budget allows it (evidence.ts
 * exceedanceEvidence: a CUSUM against a log-Laplace null centered on the learned baseline, with the
 * recent minutes' spread; a single slow minute never decides); with `evidence: window` when the
 * window's aggregate is past the limit (and `for` has passed). `min_requests` only says when the
 * window holds enough requests to be judged at all.
 */
import type { ThresholdRule } from '../../rules/schema';
import { seriesKey, type Series } from '../../core/series';
import { mean, median, sum } from '../../core/stats';
import { metricValue, times } from '../../core/format';
import { EVIDENCE_MINUTES, EVIDENCE_SPAN, NULL_SHARE, exceedanceEvidenceOf, exceedanceNull, logScaleOfSorted, sortedLogs } from '../evidence';
import { evidenceBar } from '../false-alarms';
import { countWindow, minutesOf, series, valuesOver } from '../window';
import { TIER_ORDER, type TierCheck, observation, tierLimits, unevaluable } from './common';
import type { Observe } from '../types';

const AGG = { median, mean, max: (x: number[]) => (x.length ? Math.max(...x) : null), min: (x: number[]) => (x.length ? Math.min(...x) : null), sum: (x: number[]) => (x.length ? sum(x) : null) };

const VALUES = new Float64Array(EVIDENCE_SPAN);
/** median(xs) of up to EVIDENCE_SPAN values, sorted in scratch rather than in a copied array (the same value: NaN-free input sorts alike). */
function sortedMedian(xs: number[]): number | null {
  if (xs.length > VALUES.length || xs.some((x) => x !== x)) return median(xs);
  if (!xs.length) return null;
  const s = VALUES.subarray(0, xs.length);
  for (let i = 0; i < xs.length; i++) s[i] = xs[i];
  s.sort();
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const NO_VALUES: number[] = [];

/** Scratch for one observation at a time (the engine is synchronous; nothing keeps them past it). */
const LOGS = new Float64Array(EVIDENCE_SPAN);
const SORTED = new Float64Array(EVIDENCE_SPAN);
const PASTS = new Int8Array(EVIDENCE_SPAN);

export const observeThreshold: Observe<ThresholdRule> = (rule, model, ctx) => {
  const key = seriesKey(rule.metric, rule.stat);
  const values = series(ctx.frame, model, key);
  const invocations = series(ctx.frame, model, 'Invocations:Sum');
  const w = countWindow([invocations], ctx.index, minutesOf(rule.window), minutesOf(rule.max_window ?? rule.window * 6), rule.min_requests, ctx.index + 1);
  const points = valuesOver(values, ctx.index, w.minutes);
  if (!w.enough || !points.length) return unevaluable(`${w.requests} requests in ${w.minutes} min: not enough to judge`);
  const value = AGG[rule.aggregate](points) as number;
  const exp = ctx.baselines.expect(model, key, ctx.minute);
  const base = exp && exp.confidence !== 'none' ? exp.value : null;

  // The evidence span, and what the sequential evidence reads of it (spanOf: each slot's log, the
  // spread and the recent median), worked out once for every tier, and only once a tier has a minute
  // past its limit: most minutes none has, no run of evidence can then breach, and what the details
  // say of it is worked out from a copy of the span if they are read.
  const lo = Math.max(0, ctx.index - EVIDENCE_SPAN + 1);
  let span: Span | null = null;
  let kept: Series | null = null;
  const pasts = PASTS.subarray(0, ctx.index - lo + 1);

  const checks: TierCheck[] = [];
  // Per tier, what the details say of its evidence (formatted only when the details are read).
  const evidence: Evidence[] = [];
  const limits = tierLimits(rule, (t) =>
    [t.above !== undefined ? `above ${metricValue(rule.metric, t.above)}` : '', t.below !== undefined ? `below ${metricValue(rule.metric, t.below)}` : '', t.baseline_ratio ? `≥ ${times(t.baseline_ratio)} baseline` : '']
      .filter(Boolean)
      .join(' and '),
  );
  for (const tier of TIER_ORDER) {
    const t = rule.tiers[tier];
    if (!t) continue;
    let breach = passes(t, base, 0, value);
    if (rule.evidence === 'sequential') {
      let past = false;
      for (let i = lo; i <= ctx.index; i++) {
        const v = (values as Series)[i];
        pasts[i - lo] = v === null || v === undefined ? -1 : passes(t, base, 0, v) ? 1 : 0;
        if (pasts[i - lo] === 1) past = true;
      }
      const minutes = t.evidence_minutes ?? EVIDENCE_MINUTES[tier];
      if (past) {
        span ??= spanOf(values as Series, lo, ctx.index, base, LOGS, SORTED);
        const n = normalOf(t, base, NO_VALUES, span.sorted, span.recentMedian);
        const ev = n ? exceedanceEvidenceOf(span.logs, pasts, n, lo, ctx.index, minutes) : null;
        // Minutes past the limit, further from the model's own normal than its normal minutes go (the bar
        // is the tier's false-alarm budget), from at least EVIDENCE_MINUTES of them, with minutes past the
        // limit in the run and in its latest minutes (the last twelfth of the run).
        breach = ev !== null && ev.score >= evidenceBar(rule, tier) + ev.extraBar && ev.events > 0 && ev.recent.events > 0 && ev.recent.evidence > 0;
        if (n || ev?.minutes) evidence.push({ tier, t, n, minutes: ev?.minutes ?? 0 });
      } else {
        // No minute of the span past the limit: no run of evidence has a minute past it (its events are
        // those minutes), so the tier cannot breach; its normal and run (details) are worked out if read.
        kept ??= (values as Series).slice(lo, ctx.index + 1);
        evidence.push({ tier, t, n: undefined, minutes, pasts: pasts.slice() });
      }
    }
    checks.push({ tier, breach, hold: breach || passes(t, base, rule.hysteresis, value), limit: limits[tier] as string, threshold: t.above ?? t.below ?? null });
  }
  return observation(checks, {
    value,
    baseline: base,
    // Only a rule that compares with the baseline is limited by how well it is known.
    cap: exp?.confidence === 'low' && Object.values(rule.tiers).some((t) => t?.baseline_ratio !== undefined) ? 'warning' : undefined,
    text(limit) {
      return `${rule.metric} ${rule.stat} ${metricValue(rule.metric, value)} over ${w.minutes} min${limit ? ` (${limit})` : ''}${base !== null ? `, baseline ${metricValue(rule.metric, base)} (${times(value / base)})` : ''}`;
    },
    details() {
      const more: Record<string, number> = {};
      let keptSpan: Span | null = null;
      for (const e of evidence) {
        let { n, minutes } = e;
        if (e.pasts) {
          // A tier with no minute past its limit: its normal, and the run the scan finds, from the span as it was.
          const length = e.pasts.length;
          keptSpan ??= spanOf(kept as Series, 0, length - 1, base, new Float64Array(length), new Float64Array(length));
          n = normalOf(e.t, base, NO_VALUES, keptSpan.sorted, keptSpan.recentMedian);
          if (!n) continue;
          minutes = exceedanceEvidenceOf(keptSpan.logs, e.pasts, n, lo, ctx.index, minutes).minutes;
        }
        if (n) more[`${e.tier}_null_share`] = Number(exceedanceNull(n.center, n.scale, n.limit, n.side).toPrecision(2));
        if (minutes) more[`${e.tier}_evidence_minutes`] = minutes;
      }
      return { window_minutes: w.minutes, requests: w.requests, aggregate: rule.aggregate, baseline_confidence: exp?.confidence ?? 'none', ...more };
    },
  });
};

/** What the details say of a tier's evidence: its normal and run length, or (pasts: no minute past its limit) what to work them out from. */
interface Evidence {
  tier: string;
  t: Tier;
  n: ReturnType<typeof normalOf> | undefined;
  /** The run's length; with `pasts`, the minimum number of minutes to scan for. */
  minutes: number;
  pasts?: Int8Array;
}

/**
 * What the sequential evidence reads of the span (slots lo..end of `values`): each slot's log (NaN:
 * no value) in `logs`, the positive values' logs ascending (the spread of the model's normal), and
 * the recent median (its center when no baseline is learned). `logs` and `sorted` are scratch of at
 * least end − lo + 1 slots.
 */
interface Span {
  logs: Float64Array;
  sorted: Float64Array;
  recentMedian: number | null | undefined;
}

function spanOf(values: Series, lo: number, end: number, base: number | null, logsScratch: Float64Array, sortedScratch: Float64Array): Span {
  const logs = logsScratch.subarray(0, end - lo + 1);
  let positive = 0;
  for (let i = lo; i <= end; i++) {
    const v = values[i];
    logs[i - lo] = v === null || v === undefined || !(v > 0) ? NaN : Math.log(v);
    if (v !== null && v !== undefined && v > 0) positive++;
  }
  // The recent values are the span's values, so their positive ones' logs are these slots' logs (sorted).
  const sorted = sortedScratch.subarray(0, positive);
  positive = 0;
  for (let j = 0; j < logs.length; j++) if (logs[j] === logs[j]) sorted[positive++] = logs[j];
  sorted.sort();
  // The recent median, the center when no baseline is learned: once, not once per tier.
  return { logs, sorted, recentMedian: base === null ? sortedMedian(valuesOver(values, end, EVIDENCE_SPAN)) : undefined };
}

/** Whether a value is past a tier's limits, relaxed by `relax` (the hysteresis that keeps a firing tier). */
function passes(t: Tier, base: number | null, relax: number, v: number): boolean {
  if (t.above !== undefined && !(v > t.above * (1 - relax))) return false;
  if (t.below !== undefined && !(v < t.below * (1 + relax))) return false;
  if (t.baseline_ratio !== undefined) {
    // Relative to the model's own normal: without a learned baseline there is no evidence of "abnormal".
    if (base === null || base <= 0) return false;
    if (!(v >= base * t.baseline_ratio * (1 - relax))) return false;
  }
  return true;
}

type Tier = ThresholdRule['tiers'][keyof ThresholdRule['tiers']] & object;

/**
 * The model's normal minutes for a tier (evidence.ts exceedanceEvidence): centered on the learned
 * baseline (else the recent median), with the recent minutes' own spread on the limit's side, and
 * the tier's limit now (its absolute limit, or baseline × ratio when higher). A tier with an
 * absolute limit only is judged like the count rules: its normal is never taken to cross the limit
 * more often than a quarter of the alternative's half of the minutes, so a model that is always
 * slow still alerts on an absolute limit.
 */
export function normalOf(
  t: Tier,
  base: number | null,
  recent: number[],
  sorted?: Float64Array,
  recentMedian?: number | null,
): { center: number; scale: number; limit: number; side: 'above' | 'below' } | null {
  const side = t.above === undefined && t.below !== undefined ? 'below' : 'above';
  const ratio = t.baseline_ratio !== undefined && base !== null ? base * t.baseline_ratio : 0;
  const limit = side === 'above' ? Math.max(t.above ?? 0, ratio) : (t.below as number);
  if (!(limit > 0)) return null;
  // `sorted` (the recent values' logs ascending) and `recentMedian`: when the caller has them, worked out once for every tier.
  const scale = logScaleOfSorted(sorted ?? sortedLogs(recent), side);
  let center = base ?? (recentMedian === undefined ? median(recent) : recentMedian) ?? limit;
  // Absolute limit only, and the model normally past it: judge as if its normal sat where a quarter as
  // many minutes would be past the limit (NULL_SHARE, as count rules), so it still alerts.
  const shift = scale * Math.log(1 / NULL_SHARE);
  if (t.baseline_ratio === undefined && (side === 'above' ? center > limit / Math.exp(shift) : center < limit * Math.exp(shift))) {
    center = side === 'above' ? Math.min(center, limit / Math.exp(shift)) : Math.max(center, limit * Math.exp(shift));
  }
  return center > 0 ? { center, scale, limit, side } : null;
}
