import { buildExpectations } from '../../../shared/baselines/expectations';
import { type ModelExpectations } from '../../../shared/core/baseline';
import { evaluate } from '../../../shared/engine/evaluate';
import { observeBudget } from '../../../shared/engine/kinds/budget';
import { startOfMonth, startOfNextMonth } from '../../../shared/core/tz';
import { Pricing } from '../../../shared/pricing/pricing';
import type { BudgetRule } from '../../../shared/rules/schema';
import { baselinesOf } from '../../../shared/run/baselines-provider';
import { DAY, HOUR, MINUTE, expectationsOf, historyOf, minuteFrame } from '../../support/baseline-fixtures';
import { configOf } from '../../support/frame';

const A = 'test.model-a-v1:0';
const B = 'test.model-b-v1:0';
const UNPRICED = 'acme.unknown-model-v1:0';
/** $0.001 per 1,000 input tokens: 1,000 input tokens an hour cost $0.001. */
const PRICES = { [A]: { input: 0.001, output: 0.002 }, [B]: { input: 0.001, output: 0.002 } };
const IN = 'InputTokenCount:Sum';
const OUT = 'OutputTokenCount:Sum';
const LA = 'America/Los_Angeles';

const budgetRule = (over: Record<string, unknown> = {}) => ({
  name: 'monthly-budget',
  kind: 'budget',
  monthly_usd: 1000,
  next_check: 'Review the top models and callers.',
  tiers: { info: { spent_above: '50%' }, warning: { spent_above: '75%', forecast_above: '100%' }, critical: { spent_above: '90%' } },
  ...over,
});
const ruleOf = (over: Record<string, unknown> = {}) => configOf([budgetRule(over)]).rules[0] as BudgetRule;

const NOW = Date.parse('2026-10-15T12:00:00Z');
const withCost = (model: string, monthToDate: number | null, forecast: number | null): ModelExpectations =>
  expectationsOf(model, NOW, {}, { cost: { monthStart: Date.parse('2026-10-01T00:00:00Z'), monthToDate, forecast, dailyExpected: null } });

describe('budget: spent_above and forecast_above tiers', () => {
  it('sums month-to-date spend and forecasts over the models and checks each tier', () => {
    const baselines = baselinesOf([withCost(A, 400, 900), withCost(B, 200, 300)]);
    const obs = observeBudget(ruleOf(), [A, B], baselines);
    expect(obs.value).toBeCloseTo(0.6, 9);
    expect(obs.breach).toEqual({ info: true, warning: true, critical: false }); // warning by forecast (120%), not by spend (60%)
    expect(obs.details).toEqual({ spent_usd: 600, forecast_usd: 1200, budget_usd: 1000 });
    expect(obs.text).toBe('$600 of the $1000 monthly budget spent (60%); month-end forecast $1200 (120%); warning spent above 75% or forecast above 100%');
  });

  it('fires spent_above alone when the forecast is within budget', () => {
    const obs = observeBudget(ruleOf(), [A], baselinesOf([withCost(A, 920, 990)]));
    expect(obs.breach).toEqual({ info: true, warning: true, critical: true });
  });

  it('holds a firing tier within hysteresis below its limit', () => {
    const obs = observeBudget(ruleOf(), [A], baselinesOf([withCost(A, 880, 880)]));
    expect(obs.breach.critical).toBe(false);
    expect(obs.hold.critical).toBe(true); // 88% > 90% × (1 − 10%)
  });

  it('counts only the models asked for', () => {
    const obs = observeBudget(ruleOf(), [B], baselinesOf([withCost(A, 900, 900), withCost(B, 100, 100)]));
    expect(obs.value).toBeCloseTo(0.1, 9);
  });

  it('uses month-to-date as the forecast when no forecast is known', () => {
    const obs = observeBudget(ruleOf(), [A], baselinesOf([withCost(A, 300, null)]));
    expect(obs.details.forecast_usd).toBe(300);
  });

  it('lists unpriced models in the text and is not evaluable when no model has a price', () => {
    const some = observeBudget(ruleOf(), [A, UNPRICED], baselinesOf([withCost(A, 100, 200), withCost(UNPRICED, null, null)]));
    expect(some.evaluable).toBe(true);
    expect(some.text).toMatch(new RegExp(`; unpriced: ${UNPRICED.replace(/\./g, '\\.')}$`));
    const none = observeBudget(ruleOf(), [UNPRICED], baselinesOf([withCost(UNPRICED, null, null)]));
    expect(none).toMatchObject({ evaluable: false, text: `no price for ${UNPRICED}` });
    expect(observeBudget(ruleOf(), [A], baselinesOf([]))).toMatchObject({ evaluable: false, text: 'no spend learned yet' });
  });
});

describe('budget: the month of the rules\' time zone', () => {
  /** 1,000 input tokens every hour from `from` to `asOf`: $0.001 an hour. */
  const expectationsAt = (asOf: number, tz: string, from = asOf - 33 * DAY) =>
    buildExpectations(A, { [IN]: historyOf(from, (asOf - from) / HOUR, () => 1000), [OUT]: historyOf(from, (asOf - from) / HOUR, () => 0) }, asOf, tz, new Pricing(PRICES));

  it('in Los Angeles the month starts at local midnight: October 31 22:00 PDT (05:00 UTC on November 1) is still October', () => {
    const asOf = Date.parse('2026-11-01T05:00:00Z');
    const e = expectationsAt(asOf, LA);
    const monthStart = Date.parse('2026-10-01T07:00:00Z'); // 00:00 PDT
    expect(e.cost.monthStart).toBe(monthStart);
    expect(startOfMonth(asOf, LA)).toBe(monthStart);
    expect(e.cost.monthToDate).toBeCloseTo(((asOf - monthStart) / HOUR) * 0.001, 9); // 742 hours, none of September's
    // The month ends at 00:00 PDT on November 1 (07:00 UTC): 2 hours left, at $0.024 a day.
    expect(startOfNextMonth(asOf, LA)).toBe(Date.parse('2026-11-01T07:00:00Z'));
    expect(e.cost.dailyExpected).toBeCloseTo(0.024, 9);
    expect(e.cost.forecast).toBeCloseTo(0.742 + (0.024 * 2) / 24, 9);

    const obs = observeBudget(ruleOf({ monthly_usd: 0.8 }), [A], baselinesOf([e]));
    expect(obs.value).toBeCloseTo(0.742 / 0.8, 6);
    expect(obs.breach.critical).toBe(true);
  });

  it('the same instant in UTC is already November: the budget has only 5 hours of spend', () => {
    const asOf = Date.parse('2026-11-01T05:00:00Z');
    const e = expectationsAt(asOf, 'UTC');
    expect(e.cost.monthStart).toBe(Date.parse('2026-11-01T00:00:00Z'));
    expect(e.cost.monthToDate).toBeCloseTo(0.005, 9);
    expect(e.cost.forecast).toBeCloseTo(0.005 + 0.024 * (30 - 5 / 24), 9);
  });

  it('in the first hour of a new month the budget judges the new month, not the whole previous one', () => {
    // Expectations learned up to 00:00 PDT on November 1 are what evaluate reads from 00:02 to 01:02 PDT.
    // October cost $0.744 of a $0.80 budget (93%): that must not page "critical, spent above 90%" on November 1.
    const asOf = Date.parse('2026-11-01T07:00:00Z');
    const e = expectationsAt(asOf, LA);
    const obs = observeBudget(ruleOf({ monthly_usd: 0.8 }), [A], baselinesOf([e]));
    expect({ monthStart: new Date(e.cost.monthStart).toISOString(), spent: obs.value, critical: obs.breach.critical }).toEqual({
      monthStart: '2026-11-01T07:00:00.000Z',
      spent: 0,
      critical: false,
    });
  });
});

describe('budget through evaluate()', () => {
  const asOf = Date.parse('2026-10-15T12:00:00Z');
  const baselines = baselinesOf([withCost(A, 950, 1000), withCost(B, 10, 20)]);
  const frame = minuteFrame(asOf, { [A]: { [IN]: [1] }, [B]: { [IN]: [1] } });
  const run = (config: ReturnType<typeof configOf>) => evaluate({ config, frame, states: {}, baselines, minutes: [{ minute: asOf, at: asOf + 3 * MINUTE }] });

  it('judges an account-wide budget once, labelled by the budget, over the models it selects', () => {
    const all = run(configOf([budgetRule()]));
    expect(all.transitions.map((t) => [t.kind, t.state.tier, t.state.labels])).toEqual([['firing', 'critical', { budget: 'monthly-budget' }]]);
    const onlyB = run(configOf([budgetRule({ models: { include: ['test.model-b-*'] } })]));
    expect(onlyB.transitions).toEqual([]);
  });

  it('judges a per_model budget for each model separately', () => {
    const out = run(configOf([budgetRule({ per_model: true, monthly_usd: 100 })]));
    expect(out.transitions.map((t) => [t.state.labels.ModelId, t.state.tier]).sort()).toEqual([[A, 'critical']]);
  });
});
