/**
 * The report's chart data, per model: invocations over the whole trace, then for each rule the
 * value it judged minute by minute (the engine's observations), its tier limits (with a baseline
 * ratio, the effective limit: the larger of the fixed limit and baseline × ratio), its baseline,
 * the alert episodes and the notifications. Plain JSON for the page's uPlot script.
 */
import { fingerprint } from '../engine/fingerprint';
import type { Episode } from '../local/episodes';
import type { Captured } from '../local/capture';
import type { ObservationLog, RuleTrack } from '../local/observations';
import { TIERS } from '../core/alert';
import type { Config, Rule } from '../rules/schema';
import type { MetricTrace } from '../sources/trace';
import { MINUTE } from '../core/time';
import { formatGap } from '../core/format';
import { tierLimitText, ruleUnit } from './rule-units';

/** At most this many points per chart line: uPlot draws them at once, and the page stays small. */
export const CHART_POINTS = 3000;

export interface ChartSeries {
  label: string;
  role: 'value' | 'baseline' | 'limit';
  tier?: string;
  values: (number | null)[];
}

export interface Chart {
  title: string;
  unit: string;
  /** Seconds since the epoch (uPlot's x). */
  x: number[];
  series: ChartSeries[];
  episodes: { from: number; to: number; severity: string; suppressed: boolean; label: string }[];
  notes: { t: number; action: string; receiver: string; label: string }[];
}

export interface ModelCharts {
  model: string;
  charts: Chart[];
  /** The initial x range (seconds): where the alerts are, with some context; double-click shows all. */
  zoom: [number, number] | null;
}

const sec = (ms: number) => Math.round(ms / 1000);
/** Ratios and shares are stored as fractions and shown as percentages. */
const scaleOf = (rule: Rule): number => (ruleUnit(rule) === '%' ? 100 : 1);

/** Every `step`-th slot's maximum (a peak must survive the thinning: alerts are about peaks). */
function thin<T extends number | null>(values: readonly T[], step: number, pick: (xs: number[]) => number = (xs) => Math.max(...xs)): (number | null)[] {
  // Four significant digits are more than a chart shows, and keep the page small.
  if (step === 1) return values.map((v) => (v === null ? null : Number(v.toPrecision(4))));
  const out: (number | null)[] = [];
  for (let i = 0; i < values.length; i += step) {
    const xs = values.slice(i, i + step).filter((v): v is Exclude<T, null> => v !== null) as number[];
    out.push(xs.length ? Number(pick(xs).toPrecision(4)) : null);
  }
  return out;
}

function episodeBands(episodes: Episode[]): Chart['episodes'] {
  return episodes.map((e) => ({
    from: sec(Date.parse(e.startsAt)),
    to: e.endsAt ? sec(Date.parse(e.endsAt)) : Number.MAX_SAFE_INTEGER,
    severity: e.severity,
    suppressed: e.suppressedBy !== null,
    label: `${e.rule} ${e.severity}${e.suppressedBy ? ' (suppressed)' : ''}: ${e.text}`,
  }));
}

function notes(captured: Captured[]): Chart['notes'] {
  return captured.map((c) => {
    const n = c.notification;
    const more = n.alerts.length > 1 ? ` (a group of ${n.alerts.length})` : '';
    return { t: sec(Date.parse(n.at)), action: n.action, receiver: c.receiver, label: `${n.action} → ${c.receiver}: ${n.alert.rule}${more}` };
  });
}

/** Where "normal" sits on the scale of a rule whose value is relative to its baseline, and its legend (null: no such level). */
function normalOf(rule: Rule): { level: number; label: string } | null {
  if (rule.kind === 'week_over_week') return { level: 0, label: 'a week before (no change)' };
  if (rule.kind === 'baseline' && rule.compare !== 'ratio') return { level: 0, label: 'as expected (0 deviations)' };
  if (rule.kind === 'cost' || rule.kind === 'caller_spend' || rule.kind === 'baseline') return { level: 1, label: 'as the baseline expects (1×)' };
  return null;
}

function ruleChart(rule: Rule, track: RuleTrack, episodes: Episode[], captured: Captured[]): Chart | null {
  if (!track.value.some((v) => v !== null)) return null;
  const step = Math.max(1, Math.ceil(track.minutes.length / CHART_POINTS));
  const k = scaleOf(rule);
  const scaled = (xs: (number | null)[]) => xs.map((v) => (v === null ? null : v * k));
  const below = Object.values(rule.tiers).some((t) => t && 'below' in t && t.below !== undefined);
  const series: ChartSeries[] = [{ label: rule.description ?? rule.name, role: 'value', values: thin(scaled(track.value), step, below ? (xs) => Math.min(...xs) : undefined) }];
  // The learned baseline is in the value's own unit only for thresholds (a p95 against the normal p95);
  // kinds that judge a ratio to their baseline show where normal sits in that ratio instead.
  const normal = normalOf(rule);
  const baseline =
    rule.kind === 'threshold'
      ? track.baseline.some((v) => v !== null) ? scaled(track.baseline) : null
      : normal
        ? track.value.map((v) => (v === null ? null : normal.level * k))
        : null;
  for (const tier of TIERS) {
    const t = rule.tiers[tier] as { above?: number; below?: number; baseline_ratio?: number } | undefined;
    if (!t) continue;
    const fixed = t.above ?? t.below;
    if (fixed === undefined && t.baseline_ratio === undefined) continue;
    // Only kinds whose limit is in the value's own unit (the budget's and composite's are not).
    if (rule.kind === 'budget' || rule.kind === 'composite' || rule.kind === 'absent') continue;
    const values = track.minutes.map((_, i) => {
      const fromBase = t.baseline_ratio !== undefined && baseline?.[i] != null ? (baseline[i] as number) * t.baseline_ratio : null;
      const f = fixed === undefined ? null : fixed * k;
      if (fromBase === null) return t.baseline_ratio !== undefined ? null : f;
      return f === null ? fromBase : t.below !== undefined ? Math.min(f, fromBase) : Math.max(f, fromBase);
    });
    series.push({ label: `${tier} limit (${tierLimitText(rule, tier)})`, role: 'limit', tier, values: thin(values, step) });
  }
  // A silent model: the value is minutes without data; a tier fires from min_gap on (when enough requests were expected).
  if (rule.kind === 'absent') {
    for (const tier of TIERS) {
      if (!rule.tiers[tier]) continue;
      const minutes = rule.min_gap / MINUTE;
      series.push({ label: `${tier} limit (silent ${formatGap(rule.min_gap)} and ${rule.min_expected_requests} requests expected)`, role: 'limit', tier, values: thin(track.minutes.map(() => minutes), step) });
    }
  }
  if (baseline) series.push({ label: normal?.label ?? 'baseline', role: 'baseline', values: thin(baseline, step, (xs) => xs.reduce((a, b) => a + b, 0) / xs.length) });
  const fp = fingerprint(rule.name, track.labels);
  return {
    title: `${rule.name}: ${rule.description ?? rule.kind}`,
    unit: ruleUnit(rule),
    x: track.minutes.filter((_, i) => i % step === 0).map(sec),
    series,
    episodes: episodeBands(episodes.filter((e) => e.rule === rule.name)),
    // Every message that carried this alert, grouped ones too (it need not be the headline).
    notes: notes(captured.filter((c) => c.notification.alerts.some((a) => a.fingerprint === fp))),
  };
}

export function modelCharts(model: string, trace: MetricTrace, config: Config, episodes: Episode[], captured: Captured[], observations?: ObservationLog): ModelCharts {
  const charts: Chart[] = [];
  const invocations = trace.series[model]?.['Invocations:Sum'];
  if (invocations) {
    const step = Math.max(1, Math.ceil(invocations.length / CHART_POINTS));
    const x: number[] = [];
    for (let i = 0; i < invocations.length; i += step) x.push(sec(trace.from + i * MINUTE));
    charts.push({
      title: 'Invocations per minute (whole trace)',
      unit: 'requests',
      x,
      series: [{ label: 'invocations', role: 'value', values: thin(invocations, step, (xs) => xs.reduce((a, b) => a + b, 0) / xs.length) }],
      episodes: episodeBands(episodes),
      notes: notes(captured),
    });
  }
  const tracks = observations?.forModel(model) ?? [];
  for (const rule of config.rules) {
    const track = tracks.find((t) => t.rule === rule.name);
    const chart = track && ruleChart(rule, track, episodes, captured);
    if (chart) charts.push(chart);
  }
  const fired = episodes.filter((e) => !e.suppressedBy);
  let zoom: ModelCharts['zoom'] = null;
  if (fired.length) {
    const first = Math.min(...fired.map((e) => Date.parse(e.startsAt)));
    const last = Math.max(...fired.map((e) => (e.endsAt ? Date.parse(e.endsAt) : trace.to)));
    const pad = Math.max(2 * 3_600_000, (last - first) * 0.15);
    zoom = [sec(first - pad), sec(last + pad)];
  } else if (tracks.length && tracks[0].minutes.length) {
    // No alert: the replayed span, where the rules' own charts have data.
    zoom = [sec(tracks[0].minutes[0]), sec(tracks[0].minutes.at(-1)!)];
  }
  return { model, charts, zoom };
}
