/**
 * Latency evidence against the model's own normal (evidence.ts exceedanceNull): a quiet long-output
 * model's heavy-tailed minute p95s do not warn, fast onsets on busier models still warn on their
 * second published minute and page on their third, and the bar follows the false-alarm budget.
 */
import { rng } from '../../shared/local/generate';
import { LATENCY_NULL_FLOOR, exceedanceNull, logScale } from '../../shared/engine/evidence';
import type { Series } from '../../shared/core/series';
import { configOf, evaluateMinutes, fixedBaselines, frameOf, latencyRule, timeline } from '../support/frame';

const MODEL = 'anthropic.claude-sonnet-4-20250514-v1:0';

/** The shipped bedrock-latency-p95 tiers (rules.yml). */
const shipped = (over: Record<string, unknown> = {}) =>
  latencyRule({ evidence: 'sequential', keep_firing_for: '3m', tiers: { warning: { above: '5s', baseline_ratio: 1.5 }, critical: { above: '10s', baseline_ratio: 2 } }, ...over });

/** Per-request latencies: log-normal (sigma 0.6: a long-output model's answers vary in length) times a heavy-tailed per-minute factor. */
function traffic(seed: number, minutes: number, perMinute: () => number, median: number, spike?: { from: number; factor: number }, sigma = 0.6) {
  const r = rng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const requests: Series = [];
  const p95: Series = [];
  for (let m = 0; m < minutes; m++) {
    const n = perMinute();
    // Heavy-tailed minutes: now and then a minute whose answers are all longer (Pareto, index 3).
    const minuteFactor = r() < 0.05 ? Math.pow(1 - r(), -1 / 3) : 1;
    const slow = spike && m >= spike.from ? spike.factor : 1;
    const lat = Array.from({ length: n }, () => median * minuteFactor * slow * Math.exp(sigma * gauss())).sort((a, b) => a - b);
    requests.push(n || null);
    // CloudWatch's p95 of n requests (nearest rank); no datapoint for a minute without requests.
    p95.push(n ? Math.round(lat[Math.ceil(0.95 * n) - 1]) : null);
  }
  return { requests, p95 };
}

const poisson = (r: () => number, mean: number) => () => {
  let k = 0;
  for (let p = r(); p > Math.exp(-mean); p *= r()) k++;
  return k;
};

const medianOf = (xs: Series) => {
  const v = xs.filter((x): x is number => x !== null).sort((a, b) => a - b);
  return v[v.length >> 1];
};

describe('latency evidence against the model’s own normal', () => {
  it('a 3–6 requests/minute long-output model (p95 ~14 s, heavy tails) sends no page and at most one warning in six days', () => {
    const lines: string[] = [];
    for (const [seed, mean] of [
      [1, 6],
      [2, 3],
    ]) {
      const r = rng(100 + seed);
      const { requests, p95 } = traffic(seed, 3 * 24 * 60, poisson(r, mean), 7000);
      const base = medianOf(p95);
      expect(base).toBeGreaterThan(9000); // the minute p95 of a few requests is nearly the slowest of them
      const frame = frameOf({ [MODEL]: { 'Invocations:Sum': requests, 'InvocationLatency:p95': p95 } });
      const run = evaluateMinutes(configOf([shipped()]), frame, { baselines: fixedBaselines(base).baselines, from: 60 });
      lines.push(...timeline(run.transitions));
    }
    expect(lines.filter((l) => l.includes('critical'))).toEqual([]);
    expect(lines.filter((l) => l.startsWith('firing')).length).toBeLessThanOrEqual(1);
  });

  it.each([1, 2, 3, 4, 5])('a 5× onset at 20 requests a minute (p95 2.5 s → 12 s) warns on its second published minute and pages on its third (seed %i)', (seed) => {
    const onset = 120;
    const r = rng(200 + seed);
    const { requests, p95 } = traffic(seed, onset + 20, poisson(r, 20), 1500, { from: onset, factor: 5 }, 0.3);
    const frame = frameOf({ [MODEL]: { 'Invocations:Sum': requests, 'InvocationLatency:p95': p95 } });
    const t = timeline(evaluateMinutes(configOf([shipped()]), frame, { baselines: fixedBaselines(medianOf(p95.slice(0, onset))).baselines, from: 60 }).transitions);
    // Onset minute + 1 is its second data minute: published 2 minutes after it closes, 4 minutes after onset.
    const at = (re: RegExp) => Number(t.find((l) => re.test(l))?.split('@')[1] ?? Infinity) - onset;
    // Onset + 1 is its second data minute, published 2 minutes after it closes: 4 minutes after onset.
    // Never sooner: one minute is never enough (a blip), two never page.
    expect(at(/^firing/)).toBe(1);
    expect(at(/critical/)).toBe(2);
  });

  it('the evidence bar follows the false-alarm budget: a tighter budget waits for more slow minutes', () => {
    // A 1.6× slowdown of a model with a wide normal: each slow minute is weak evidence.
    const onset = 120;
    const r = rng(7);
    const { requests, p95 } = traffic(7, onset + 60, poisson(r, 20), 1200, { from: onset, factor: 1.9 });
    const frame = frameOf({ [MODEL]: { 'Invocations:Sum': requests, 'InvocationLatency:p95': p95 } });
    const baselines = fixedBaselines(medianOf(p95.slice(0, onset))).baselines;
    const warnAt = (budget: string) => {
      const rule = shipped({ false_alarms: { warning: budget }, tiers: { warning: { above: '1s', baseline_ratio: 1.5 } } });
      const first = timeline(evaluateMinutes(configOf([rule]), frame, { baselines, from: 60 }).transitions)[0];
      return first ? Number(first.split('@')[1]) : Infinity;
    };
    const loose = warnAt('1/day');
    const tight = warnAt('1/year');
    expect(loose).toBeGreaterThanOrEqual(onset);
    expect(tight).toBeGreaterThan(loose);
    expect(tight).toBeLessThan(onset + 60);
  });
});

describe('exceedanceNull()', () => {
  it('is the Laplace tail of log latency beyond the limit, floored, and below the alternative', () => {
    expect(exceedanceNull(1000, 0.2, 1000, 'above')).toBeCloseTo(0.45);
    expect(exceedanceNull(1000, 0.2, 1500, 'above')).toBeCloseTo(0.5 * Math.exp(-Math.log(1.5) / 0.2), 6);
    expect(exceedanceNull(1000, 0.05, 10_000, 'above')).toBe(LATENCY_NULL_FLOOR);
    expect(exceedanceNull(1000, 0.2, 500, 'below')).toBeCloseTo(0.5 * Math.exp(-Math.log(2) / 0.2), 6);
  });

  it('logScale reads the spread on one side from the quartile, robust to a few onset minutes', () => {
    const calm = Array.from({ length: 57 }, (_, i) => 1000 * Math.exp(((i % 7) - 3) * 0.05));
    const withOnset = [...calm, 5000, 5000, 5000];
    expect(logScale(withOnset, 'above')).toBeCloseTo(logScale(calm, 'above'), 1);
    expect(logScale([1000, 1000], 'above')).toBe(0.5); // too few minutes: a wide default
  });
});
