/** The noise forecast: warnings and pages a week per rule and model on a history, against the tiers' budgets. */
import { forecastLines, noiseForecast } from '../../shared/cli/forecast';
import { DEFAULT_FALSE_ALARMS, evidenceBar, tailProbability } from '../../shared/engine/false-alarms';
import { parseAlarmRate } from '../../shared/rules/units';
import { configOf, latencyRule, serverErrorRule } from '../support/frame';

const A = 'amazon.nova-lite-v1:0';
const B = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const WEEK = 7 * 86_400_000;
const ep = (rule: string, model: string, severity: string, suppressedBy: string | null = null) => ({ rule, severity, labels: { ModelId: model }, suppressedBy });

describe('noiseForecast()', () => {
  const config = configOf(
    [
      serverErrorRule({ name: 'errors', tiers: { warning: { above: '1%' }, critical: { above: '5%' } } }),
      latencyRule({ name: 'latency', false_alarms: { warning: '1/week' }, tiers: { warning: { above: '5s' } } }),
    ],
    { settings: { false_alarms: { warning: '1/month', critical: '1/year' } } },
  );
  const span = { from: 0, to: 3 * WEEK };

  it('counts warnings and pages per rule and model, per week, against each tier budget; muted alerts notify no one', () => {
    const rows = noiseForecast(
      config,
      [ep('errors', A, 'critical'), ep('errors', A, 'warning', 'inhibited by x'), ep('latency', A, 'warning'), ep('latency', A, 'warning'), ep('latency', B, 'warning')],
      [A, B],
      span,
    );
    expect(rows).toEqual([
      { rule: 'errors', model: A, warnings: 0, pages: 1, warningsPerWeek: 0, pagesPerWeek: 0.33, budget: { warningsPerWeek: 0.2300, pagesPerWeek: 0.01916 }, overBudget: true },
      { rule: 'errors', model: B, warnings: 0, pages: 0, warningsPerWeek: 0, pagesPerWeek: 0, budget: { warningsPerWeek: 0.23, pagesPerWeek: 0.01916 }, overBudget: false },
      // The rule's own budget (1 a week) over the settings': two warnings in three weeks are within it.
      { rule: 'latency', model: A, warnings: 2, pages: 0, warningsPerWeek: 0.67, pagesPerWeek: 0, budget: { warningsPerWeek: 1, pagesPerWeek: null }, overBudget: false },
      { rule: 'latency', model: B, warnings: 1, pages: 0, warningsPerWeek: 0.33, pagesPerWeek: 0, budget: { warningsPerWeek: 1, pagesPerWeek: null }, overBudget: false },
    ]);
  });

  it('prints the rows with alerts, marks those over budget, and sums up the quiet rest', () => {
    const rows = noiseForecast(config, [ep('errors', A, 'critical')], [A, B], span);
    const lines = forecastLines(rows, span);
    expect(lines[0]).toMatch(/^Noise forecast: .* \(21\.0 days\)/);
    expect(lines.find((l) => l.includes('errors'))).toMatch(/errors +amazon\.nova-lite-v1:0 +0 \(0\) +0\.33 \(1\) +1 a month, 1 a year +OVER BUDGET/);
    expect(lines.at(-1)).toBe('  every other rule and model: no warning, no page (3 pairs)');
  });
});

describe('false-alarm budgets', () => {
  it('parse as alarms per week, and refuse a bare number or none', () => {
    expect(parseAlarmRate('1/month')).toBeCloseTo(DEFAULT_FALSE_ALARMS.warning, 10);
    expect(parseAlarmRate('1/year')).toBeCloseTo(DEFAULT_FALSE_ALARMS.critical, 10);
    expect(parseAlarmRate('2 / week')).toBe(2);
    expect(parseAlarmRate('0.5/day')).toBe(3.5);
    expect(parseAlarmRate(1)).toMatch(/like 1\/month/);
    expect(parseAlarmRate('0/week')).toMatch(/more than 0/);
  });

  it('set the evidence bar: ln(minutes in a week / alarms a week), unless the rule sets evidence_odds', () => {
    expect(tailProbability(1)).toBeCloseTo(1 / 10_080, 12);
    expect(evidenceBar({ false_alarms: { warning: parseAlarmRate('1/month') as number } }, 'warning')).toBeCloseTo(Math.log(43_830), 2);
    expect(evidenceBar({}, 'critical')).toBeCloseTo(Math.log(525_960), 2);
    expect(evidenceBar({ evidence_odds: 10_000 }, 'critical')).toBeCloseTo(Math.log(10_000), 10);
  });

  it('a rule’s own budget overrides settings.false_alarms tier by tier; rules.yml errors name the field', () => {
    const config = configOf([serverErrorRule({ false_alarms: { warning: '1/week' }, tiers: { warning: { above: '1%' }, critical: { above: '5%' } } })], { settings: { false_alarms: { critical: '1/month' } } });
    expect((config.rules[0] as { false_alarms: Record<string, number> }).false_alarms).toEqual({ info: 1, warning: 1, critical: DEFAULT_FALSE_ALARMS.warning });
    expect(() => configOf([serverErrorRule({ false_alarms: { warning: 'often' } })])).toThrow(/"often\\" is not a rate: write how many alarms per period, like 1\/month[\s\S]*"false_alarms",\s*"warning"/);
  });
});
