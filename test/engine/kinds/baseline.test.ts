import { observeBaseline } from '../../../shared/engine/kinds/baseline';
import { Pricing } from '../../../shared/pricing/pricing';
import type { BaselineRule } from '../../../shared/rules/schema';
import { baselinesOf } from '../../../shared/run/baselines-provider';
import { ctxOf, expectationsOf, flatSeries, minuteFrame } from '../../support/baseline-fixtures';
import { configOf } from '../../support/frame';

const MODEL = 'test.priced-model-v1:0';
const PRICES = { [MODEL]: { input: 0.001, output: 0.002 } };
const T = Date.parse('2026-10-05T12:00:00Z');
const IN = 'InputTokenCount:Sum';
const OUT = 'OutputTokenCount:Sum';
const INV = 'Invocations:Sum';

const baselineRule = (over: Record<string, unknown> = {}) => ({
  name: 'volume-vs-baseline',
  kind: 'baseline',
  series: 'Invocations',
  next_check: 'Find the new traffic.',
  tiers: { warning: { above: 2 }, critical: { above: 4 } },
  ...over,
});
const ruleOf = (over: Record<string, unknown> = {}) => configOf([baselineRule(over)], { pricing: PRICES }).rules[0] as BaselineRule;

/** An hour (default window) of per-minute values, ending at T + 59 min. */
function observeHour(perMinute: Record<string, number>, series: Record<string, ReturnType<typeof flatSeries>>, rule = ruleOf()) {
  const frame = minuteFrame(T, { [MODEL]: Object.fromEntries(Object.entries(perMinute).map(([k, v]) => [k, new Array(60).fill(v)])) }, 60);
  const baselines = baselinesOf([expectationsOf(MODEL, T, series)]);
  return observeBaseline(rule, MODEL, ctxOf({ frame, index: 59, baselines, pricing: new Pricing(PRICES) }));
}

describe('baseline: a volume over a trailing window against its expectation', () => {
  it('compares requests in the last hour with the learned requests for that hour (ratio)', () => {
    const obs = observeHour({ [INV]: 150 }, { [INV]: flatSeries(3000) });
    expect(obs).toMatchObject({ evaluable: true, value: 3, baseline: 3000, breach: { warning: true, critical: false } });
    expect(obs.text).toBe('Invocations 9000 in the last 60 min vs 3000 expected (3.0×; warning above 2.0×)');
  });

  it('tokens add input and output; cost prices them', () => {
    const tokens = observeHour({ [IN]: 2000, [OUT]: 200 }, { [IN]: flatSeries(60_000), [OUT]: flatSeries(6_000) }, ruleOf({ series: 'tokens' }));
    expect(tokens.value).toBeCloseTo(2, 9);
    const cost = observeHour({ [IN]: 2000, [OUT]: 200 }, { [IN]: flatSeries(60_000), [OUT]: flatSeries(6_000) }, ruleOf({ series: 'cost' }));
    expect(cost.value).toBeCloseTo(2, 9);
    expect(cost.baseline).toBeCloseTo(0.072, 9);
  });

  it('scores in robust deviations with compare: deviations', () => {
    const series = { ...flatSeries(3000), spread: 0.25 };
    const obs = observeHour({ [INV]: 100 }, { [INV]: series }, ruleOf({ compare: 'deviations', tiers: { warning: { above: 3 } } }));
    expect(obs.value).toBeCloseTo(Math.log(2) / 0.25, 9); // 2× normal is 2.77 deviations
    expect(obs.breach.warning).toBe(false);
    expect(observeHour({ [INV]: 100 }, { [INV]: flatSeries(3000) }, ruleOf({ compare: 'deviations' }))).toMatchObject({ evaluable: false, text: 'no spread learned yet for deviations' });
  });

  it('is not evaluable below min_expected, without a baseline, or for an unpriced cost', () => {
    expect(observeHour({ [INV]: 150 }, { [INV]: flatSeries(3000) }, ruleOf({ min_expected: 5000 })).text).toBe('too little expected volume to judge');
    expect(observeHour({ [INV]: 150 }, {}).evaluable).toBe(false);
    const frame = minuteFrame(T, { 'acme.unknown-v1:0': { [IN]: [5] } }, 1);
    expect(observeBaseline(ruleOf({ series: 'cost' }), 'acme.unknown-v1:0', ctxOf({ frame, index: 0, pricing: new Pricing() })).text).toBe('no price for acme.unknown-v1:0');
  });

  it('caps at warning on a low-confidence baseline', () => {
    expect(observeHour({ [INV]: 300 }, { [INV]: flatSeries(3000, 'low') }).cap).toBe('warning');
  });

  it('does not judge tokens when one of the two token series has no trusted baseline (weakest confidence wins)', () => {
    // Input tokens: no confidence (less than a day learned); output tokens: low. Together: none.
    const obs = observeHour({ [IN]: 5000, [OUT]: 500 }, { [IN]: flatSeries(60_000, 'none'), [OUT]: flatSeries(6_000, 'low') }, ruleOf({ series: 'tokens' }));
    expect(obs.evaluable).toBe(false);
  });
});
