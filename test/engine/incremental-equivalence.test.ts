/**
 * The faster engine (issue 20) decides exactly as the engine it replaced. The replaced
 * observations of the threshold and ratio kinds (and the evidence scans they call) are kept
 * verbatim in test/support/reference-engine; here both judge the same data at every minute and
 * must agree to the last bit: breach and hold per tier, value, threshold, texts and details.
 *
 * Data: the bundled sample trace (events/traces, the same as ../shared/traces), the generated
 * incident and incident-free scenarios (shared/local/scenarios), and seeded random minute series
 * (gaps, zeros, spikes, fractional values) for the evidence scans on their own.
 */
import { join } from 'node:path';
import { observeRatio } from '../../shared/engine/kinds/ratio';
import { observeThreshold } from '../../shared/engine/kinds/threshold';
import { countEvidence, exceedanceEvidence, logScale } from '../../shared/engine/evidence';
import { observeRatio as referenceRatio } from '../support/reference-engine/ratio';
import { observeThreshold as referenceThreshold } from '../support/reference-engine/threshold';
import * as reference from '../support/reference-engine/evidence';
import { loadRulesFile } from '../../shared/rules/load';
import { loadMetricTrace, type MetricTrace } from '../../shared/sources/trace';
import { incidentScenario, quietScenario } from '../../shared/local/scenarios';
import { rng } from '../../shared/local/generate';
import { Pricing } from '../../shared/pricing/pricing';
import { HOUR, MINUTE } from '../../shared/core/time';
import type { Baselines, KindContext, Observation } from '../../shared/engine/types';
import type { Frame } from '../../shared/core/series';
import type { RatioRule, Rule, ThresholdRule } from '../../shared/rules/schema';
import { configOf } from '../support/frame';

const ROOT = join(__dirname, '..', '..');

/** rules.yml's threshold and ratio rules, and variants that take the other branches (window evidence, a `below` tier, fractional limits). */
function rulesUnderTest(): Rule[] {
  const shipped = loadRulesFile(join(ROOT, 'rules.yml')).rules.filter((r) => r.kind === 'threshold' || r.kind === 'ratio');
  const variants = configOf([
    { name: 'latency-window', kind: 'threshold', metric: 'InvocationLatency', stat: 'p95', aggregate: 'max', window: '3m', min_requests: 5, evidence: 'window', next_check: 'x', tiers: { warning: { above: '4s' }, critical: { above: '8s', baseline_ratio: 2 } } },
    { name: 'latency-below', kind: 'threshold', metric: 'InvocationLatency', stat: 'p95', aggregate: 'mean', window: '5m', min_requests: 1, next_check: 'x', tiers: { info: { below: '500ms' }, warning: { below: '200ms', evidence_minutes: 4 } } },
    { name: 'latency-ratio-only', kind: 'threshold', metric: 'InvocationLatency', stat: 'p95', aggregate: 'median', window: '5m', min_requests: 10, next_check: 'x', tiers: { warning: { baseline_ratio: 1.3 }, critical: { above: '1s', baseline_ratio: 3 } } },
    { name: 'errors-window', kind: 'ratio', numerator: ['InvocationServerErrors', 'InvocationClientErrors'], denominator: 'Invocations', window: '2m', min_requests: 5, evidence: 'window', next_check: 'x', tiers: { warning: { above: '0.5%' }, critical: { above: '3%' } } },
    { name: 'errors-budget', kind: 'ratio', numerator: 'InvocationServerErrors', denominator: 'Invocations', window: '5m', min_requests: 10, min_events: 3, next_check: 'x', tiers: { info: { above: '0.1%' }, warning: { above: '0.7%', evidence_minutes: 3 }, critical: { above: '4%' } } },
  ]).rules;
  return [...shipped, ...variants];
}

/**
 * Learned expectations read off the trace itself (the median of each hour of the day), with some
 * hours thin (low confidence) and some unknown, so every branch that reads a baseline is taken.
 */
function hourlyBaselines(trace: { from: number; series: MetricTrace['series'] }): Baselines {
  const medians = new Map<string, number>();
  for (const [model, byKey] of Object.entries(trace.series)) {
    for (const [key, values] of Object.entries(byKey)) {
      const byHour: number[][] = Array.from({ length: 24 }, () => []);
      values.forEach((v, i) => {
        if (v !== null) byHour[Math.floor((trace.from + i * MINUTE) / HOUR) % 24].push(v);
      });
      byHour.forEach((xs, h) => {
        if (xs.length) medians.set(`${model}|${key}|${h}`, xs.sort((a, b) => a - b)[xs.length >> 1]);
      });
    }
  }
  return {
    expect(model, series, at) {
      const hour = Math.floor(at / HOUR);
      if (hour % 11 === 0) return null;
      const value = medians.get(`${model}|${series}|${hour % 24}`);
      if (value === undefined) return null;
      return { value, confidence: hour % 7 === 0 ? 'low' : hour % 13 === 0 ? 'none' : 'ok', hours: 24 };
    },
    model: () => null,
    models: () => Object.keys(trace.series),
  };
}

const pricing = new Pricing();

/** Every minute from `fromIndex` of every model: the new and the reference observation of each rule; the disagreements. */
function compare(frame: Frame, baselines: Baselines, rules: Rule[], fromIndex = 0, stride = 1): { judged: number; evaluable: number; breaches: number; differ: string[] } {
  const differ: string[] = [];
  let judged = 0;
  let evaluable = 0;
  let breaches = 0;
  for (const model of Object.keys(frame.models)) {
    for (let index = fromIndex; index < frame.length; index += stride) {
      const ctx: KindContext = { frame, index, minute: frame.from + index * MINUTE, baselines, pricing, spend: {}, tz: 'UTC', peer: () => null };
      for (const rule of rules) {
        const [now, before] =
          rule.kind === 'threshold'
            ? [observeThreshold(rule as ThresholdRule, model, ctx), referenceThreshold(rule as ThresholdRule, model, ctx)]
            : [observeRatio(rule as RatioRule, model, ctx), referenceRatio(rule as RatioRule, model, ctx)];
        judged++;
        if (before.evaluable) evaluable++;
        if (Object.values(before.breach).some(Boolean)) breaches++;
        if (!same(now, before) && differ.length < 5) differ.push(`${rule.name} ${model} minute ${new Date(ctx.minute).toISOString()}: ${JSON.stringify(now)} vs ${JSON.stringify(before)}`);
      }
    }
  }
  return { judged, evaluable, breaches, differ };
}

const same = (a: Observation, b: Observation) => JSON.stringify(a) === JSON.stringify(b) && a.value === b.value && Object.is(a.threshold, b.threshold);

const frameOfTrace = (trace: MetricTrace): Frame => ({ from: trace.from, length: (trace.to - trace.from) / MINUTE, period: MINUTE, models: trace.series });

describe('the faster threshold and ratio observations decide as the ones they replaced', () => {
  const rules = rulesUnderTest();

  test('on the bundled sample trace, its last two days, every 7th minute', () => {
    const trace = loadMetricTrace(join(ROOT, 'events', 'traces', 'sample-metrics.jsonl.gz'));
    const frame = frameOfTrace(trace);
    const r = compare(frame, hourlyBaselines(trace), rules, frame.length - 2 * 1440, 7);
    expect(r.differ).toEqual([]);
    // The comparison saw real decisions, not only unevaluable minutes.
    expect(r.evaluable).toBeGreaterThan(r.judged / 2);
    expect(r.breaches).toBeGreaterThan(10);
  });

  // A stride prime to 60 keeps the run short and still lands on every minute of the hour and every hour of the day.
  test.each([
    ['incident scenario, seed 3', () => incidentScenario(3, 1), 7],
    ['incident scenario, seed 8, a tenth of the traffic', () => incidentScenario(8, 0.1), 7],
    ['incident-free scenario, seed 11', () => quietScenario(11), 31],
  ])('on the generated %s, its judged days, every 7th or 31st minute', (_name, make, stride) => {
    const { workload, judgedDays } = make();
    const frame = frameOfTrace(workload.trace);
    const r = compare(frame, hourlyBaselines(workload.trace), rules, frame.length - judgedDays * 1440, stride as number);
    expect(r.differ).toEqual([]);
    expect(r.evaluable).toBeGreaterThan(r.judged / 3);
  });

  test('on random minute series: gaps, zeros, bursts of errors, slow spells, fractional counts', () => {
    let breaches = 0;
    for (let seed = 1; seed <= 16; seed++) {
      const r = rng(seed);
      const length = 150;
      const gap = () => r() < 0.1 + (seed % 4) * 0.1;
      const inv: (number | null)[] = [];
      const series: Record<string, (number | null)[]> = {};
      const keys = ['InvocationServerErrors:Sum', 'InvocationClientErrors:Sum', 'InvocationThrottles:Sum', 'InvocationLatency:p95', 'TimeToFirstToken:Average'];
      for (const k of keys) series[k] = [];
      let bad = 0;
      for (let i = 0; i < length; i++) {
        if (r() < 0.05) bad = Math.floor(r() * 20);
        bad = Math.max(0, bad - 1);
        const n = gap() ? null : seed % 5 === 0 ? Math.round(r() * 3000) / 100 : Math.floor(r() * (seed % 3 === 0 ? 8 : 300));
        inv.push(n);
        for (const k of keys) {
          if (n === null || (k.endsWith(':Sum') && r() < 0.2)) series[k].push(n === null ? null : r() < 0.5 ? 0 : null);
          else if (k.endsWith(':Sum')) series[k].push(Math.min(n, Math.floor(r() * (bad ? n * 0.5 : 3))));
          else series[k].push(Math.round((bad ? 12_000 : 1500) * Math.exp(r() * 1.5 - 0.5)) * (r() < 0.02 ? 0 : 1));
        }
      }
      const frame: Frame = { from: Date.parse('2026-10-05T12:00:00Z'), length, period: MINUTE, models: { 'amazon.nova-pro-v1:0': { 'Invocations:Sum': inv, ...series } } };
      const c = compare(frame, hourlyBaselines({ from: frame.from, series: frame.models }), rules);
      expect(c.differ).toEqual([]);
      breaches += c.breaches;
    }
    expect(breaches).toBeGreaterThan(50);
  });

  test('the evidence scans themselves, on random slots (closure forms kept for callers)', () => {
    const r = rng(2026);
    for (let t = 0; t < 400; t++) {
      const n = 1 + Math.floor(r() * 90);
      const events = Array.from({ length: n }, () => (r() < 0.3 ? Math.floor(r() * 10) : 0));
      const requests = Array.from({ length: n }, () => (r() < 0.15 ? 0 : r() < 0.1 ? NaN : Math.floor(r() * 50)));
      const values = Array.from({ length: n }, () => (r() < 0.1 ? null : r() < 0.03 ? 0 : 100 + r() * 5000));
      const limit = [0.01, 0.05, 0.25, 0.9][t % 4];
      const minutes = 1 + (t % 4);
      const end = Math.floor(r() * n);
      const span = [60, 10, 200][t % 3];
      expect(countEvidence((i) => events[i], (i) => requests[i], end, span, limit, minutes)).toEqual(reference.countEvidence((i) => events[i], (i) => requests[i], end, span, limit, minutes));
      const o = { center: 800 + r() * 2000, scale: 0.05 + r(), limit: 1000 + r() * 4000, side: t % 5 === 0 ? ('below' as const) : ('above' as const) };
      const past = (i: number) => (values[i] === null ? null : (values[i] as number) > o.limit);
      expect(exceedanceEvidence((i) => values[i], past, o, end, span, minutes)).toEqual(reference.exceedanceEvidence((i) => values[i], past, o, end, span, minutes));
      const xs = values.filter((v): v is number => v !== null);
      expect(logScale(xs, 'above')).toBe(reference.logScale(xs, 'above'));
      expect(logScale(xs, 'below')).toBe(reference.logScale(xs, 'below'));
    }
  });
});
