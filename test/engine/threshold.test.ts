import { NO_BASELINES, type Baselines, type Observation } from '../../shared/engine/types';
import type { Series } from '../../shared/core/series';
import { configOf, evaluateMinutes, fixedBaselines, frameOf, latencyRule, minute, observeAt, runs, timeline } from '../support/frame';

const MODEL = 'meta.llama3-1-70b-instruct-v1:0';
const P95 = 'InvocationLatency:p95';

function observeLast(p95: Series, rule: Record<string, unknown> = {}, baselines: Baselines = NO_BASELINES, invocations: Series = p95.map(() => 20)): Observation {
  const config = configOf([latencyRule(rule)]);
  const frame = frameOf({ [MODEL]: { 'Invocations:Sum': invocations, [P95]: p95 } });
  return observeAt(config.rules[0], frame, MODEL, frame.length - 1, baselines);
}

describe('threshold rule: aggregate over the window', () => {
  const oneSlowMinute = [2000, 2000, 30_000, 2000, 2000];

  it.each([
    // aggregate, value, breaches 10 s
    ['median', 2000, false],
    ['mean', 7600, false],
    ['min', 2000, false],
    ['max', 30_000, true],
  ])('%s of four 2 s minutes and one 30 s minute is %i ms (breaches 10 s: %s)', (aggregate, value, breaches) => {
    const obs = observeLast(oneSlowMinute, { aggregate });
    expect(obs.value).toBe(value);
    expect(obs.breach.critical).toBe(breaches);
  });

  it('defaults to the median, so one slow minute does not count', () => {
    const obs = observeLast(oneSlowMinute);
    expect(obs.value).toBe(2000);
    expect(obs.breach.critical).toBe(false);
    expect(obs.text).toBe('InvocationLatency p95 2.0 s over 5 min (critical above 10 s)');
  });

  it('breaches when most minutes of the window are slow', () => {
    const obs = observeLast([2000, 12_000, 13_000, 2000, 14_000]);
    expect(obs.value).toBe(12_000);
    expect(obs.breach.critical).toBe(true);
  });

  it('skips minutes without a datapoint instead of reading them as 0 ms', () => {
    expect(observeLast([12_000, null, 12_000, null, 12_000]).value).toBe(12_000);
  });

  it('is not evaluable without enough invocations in the window', () => {
    const obs = observeLast([20_000, 20_000, 20_000], { max_window: '5m' }, NO_BASELINES, [2, 2, 2]);
    expect(obs.evaluable).toBe(false);
    expect(obs.text).toBe('6 requests in 3 min: not enough to judge');
  });

  it('supports a "below" limit', () => {
    expect(observeLast(runs([300, 5]), { tiers: { critical: { below: '500ms' } } }).breach.critical).toBe(true);
    expect(observeLast(runs([700, 5]), { tiers: { critical: { below: '500ms' } } }).breach.critical).toBe(false);
  });
});

describe('threshold rule: baseline_ratio', () => {
  const slow = runs([12_000, 5]); // 12 s, above the 10 s absolute limit
  const rule = { tiers: { critical: { above: '10s', baseline_ratio: 2, for: '1m' } } };

  it.each([
    { what: 'no learned baseline at all: no evidence of "abnormal"', baselines: NO_BASELINES, breaches: false },
    { what: 'a baseline with confidence "none"', baselines: fixedBaselines(4000, 'none').baselines, breaches: false },
    { what: 'a model that is always slow (baseline 11 s: 1.1×)', baselines: fixedBaselines(11_000).baselines, breaches: false },
    { what: 'a normally fast model (baseline 4 s: 3×)', baselines: fixedBaselines(4000).baselines, breaches: true },
    { what: 'exactly 2× its baseline (6 s)', baselines: fixedBaselines(6000).baselines, breaches: true },
  ])('12 s p95 with $what breaches: $breaches', ({ baselines, breaches }) => {
    expect(observeLast(slow, rule, baselines).breach.critical).toBe(breaches);
  });

  it('still requires the absolute limit: 3× a 1 s baseline is only 3 s', () => {
    expect(observeLast(runs([3000, 5]), rule, fixedBaselines(1000).baselines).breach.critical).toBe(false);
  });

  it("asks for the model's own baseline of the rule's series at the evaluated minute", () => {
    const { baselines, asked } = fixedBaselines(4000);
    const obs = observeLast(slow, rule, baselines);
    expect(asked).toEqual([{ model: MODEL, series: P95, hour: minute(4) }]);
    expect(obs.baseline).toBe(4000);
    expect(obs.text).toBe('InvocationLatency p95 12 s over 5 min (critical above 10 s and ≥ 2.0× baseline), baseline 4.0 s (3.0×)');
  });
});

describe('threshold rule: a thin (low-confidence) baseline never pages', () => {
  const tiers = { warning: { above: '5s', baseline_ratio: 1.5, for: '2m' }, critical: { above: '10s', baseline_ratio: 2, for: '2m' } };
  const frame = frameOf({ [MODEL]: { 'Invocations:Sum': runs([20, 20]), [P95]: [...runs([3000, 5]), ...runs([20_000, 15])] } });

  it('caps the observation at warning', () => {
    const obs = observeLast(runs([20_000, 5]), { tiers }, fixedBaselines(4000, 'low').baselines);
    expect(obs.breach).toEqual({ warning: true, critical: true });
    expect(obs.cap).toBe('warning');
  });

  it('fires warning and never escalates while the baseline stays thin', () => {
    const run = evaluateMinutes(configOf([latencyRule({ tiers })]), frame, { baselines: fixedBaselines(4000, 'low').baselines });
    expect(timeline(run.transitions)).toEqual([`firing warning ${MODEL} @9`]);
  });

  it('fires critical straight away once the same baseline is trusted', () => {
    const run = evaluateMinutes(configOf([latencyRule({ tiers })]), frame, { baselines: fixedBaselines(4000, 'ok').baselines });
    expect(timeline(run.transitions)).toEqual([`firing critical ${MODEL} @9`]);
  });

  it('does not cap a rule that never compares with the baseline (absolute limits only)', () => {
    // No baseline_ratio anywhere: the baseline's confidence is irrelevant to this rule.
    const obs = observeLast(runs([20_000, 5]), { tiers: { critical: { above: '10s', for: '1m' } } }, fixedBaselines(4000, 'low').baselines);
    expect(obs.breach.critical).toBe(true);
    expect(obs.cap).toBeUndefined();
  });
});
