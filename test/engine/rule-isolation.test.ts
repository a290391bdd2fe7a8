/** One rule that throws must not stop the others: caught per rule and model, counted, reported. */
import { evaluate } from '../../shared/engine/evaluate';
import { NO_BASELINES, type Baselines } from '../../shared/engine/types';
import { configOf, errorTraffic, frameOf, latencyRule, minute, runs, serverErrorRule, timeline } from '../support/frame';

const GOOD = 'amazon.nova-lite-v1:0';
const BAD = 'anthropic.claude-3-haiku-20240307-v1:0';

/** Both models fail hard: 30% server errors and a 20 s p95, for 10 minutes. */
const slow = () => ({ ...errorTraffic(runs([100, 10]), runs([30, 10])), 'InvocationLatency:p95': runs([20_000, 10]) });

/** Baselines that throw for one model, as a corrupt item or a bug in a kind would. */
const brokenFor = (model: string): Baselines => ({
  ...NO_BASELINES,
  expect(m) {
    if (m === model) throw new TypeError(`Cannot read properties of undefined (reading 'median')\n    at expect (baselines.ts:1:1)`);
    return null;
  },
});

const config = configOf([
  serverErrorRule({ tiers: { critical: { above: '5%', for: '2m' } } }),
  latencyRule(),
  { name: 'errors-and-slow', kind: 'composite', all: [{ rule: 'server-errors' }, { rule: 'latency-p95' }], tiers: { critical: { for: '1m' } }, next_check: 'Both at once.' },
]);

function run(baselines: Baselines) {
  const frame = frameOf({ [GOOD]: slow(), [BAD]: slow() });
  const minutes = Array.from({ length: 10 }, (_, i) => ({ minute: minute(i), at: minute(i + 3) }));
  return evaluate({ config, frame, states: {}, baselines, minutes });
}

describe('bad input: a rule that throws', () => {
  it('every rule fires on both models when nothing throws (the reference)', () => {
    const out = run(NO_BASELINES);
    expect(out.ruleErrors).toEqual([]);
    expect(out.transitions.map((t) => `${t.state.rule} ${t.state.labels.ModelId}`).sort()).toEqual(
      [`errors-and-slow ${BAD}`, `errors-and-slow ${GOOD}`, `latency-p95 ${BAD}`, `latency-p95 ${GOOD}`, `server-errors ${BAD}`, `server-errors ${GOOD}`].sort(),
    );
  });

  it('keeps evaluating the other rules and models, and reports each failing rule × model once, in one line', () => {
    const out = run(brokenFor(BAD));
    // The failing rule, and the composite built on it, for that model only.
    expect(out.ruleErrors).toEqual([
      { rule: 'latency-p95', model: BAD, minutes: 10, message: "TypeError: Cannot read properties of undefined (reading 'median')" },
      { rule: 'errors-and-slow', model: BAD, minutes: 10, message: 'its condition rule "latency-p95" failed: TypeError: Cannot read properties of undefined (reading \'median\')' },
    ]);
    expect(out.transitions.map((t) => `${t.state.rule} ${t.state.labels.ModelId}`).sort()).toEqual(
      [`errors-and-slow ${GOOD}`, `latency-p95 ${GOOD}`, `server-errors ${BAD}`, `server-errors ${GOOD}`].sort(),
    );
    // …and the rule that works fires on the model whose other rule fails, at the same minute as on the healthy one.
    expect(timeline(out.transitions.filter((t) => t.state.rule === 'server-errors')).sort()).toEqual([`firing critical ${GOOD} @2`, `firing critical ${BAD} @2`]);
  });

  it('leaves the failing alert as it was (no state invented for a minute it could not judge)', () => {
    const out = run(brokenFor(BAD));
    expect(Object.values(out.states).filter((s) => s.labels.ModelId === BAD).map((s) => s.rule).sort()).toEqual(['server-errors']);
  });

  it('isolates an account-wide budget rule that throws', () => {
    const budget = configOf([serverErrorRule({ tiers: { critical: { above: '5%', for: '2m' } } }), { name: 'budget', kind: 'budget', monthly_usd: 100, tiers: { warning: { spent_above: '50%' } }, next_check: 'Spend.' }]);
    const throwing: Baselines = { ...NO_BASELINES, model: () => { throw new Error('no month data'); } };
    const frame = frameOf({ [GOOD]: slow() });
    const minutes = Array.from({ length: 10 }, (_, i) => ({ minute: minute(i), at: minute(i + 3) }));
    const out = evaluate({ config: budget, frame, states: {}, baselines: throwing, minutes });
    expect(out.ruleErrors).toEqual([{ rule: 'budget', model: null, minutes: 10, message: 'no month data' }]);
    expect(out.transitions.map((t) => t.state.rule)).toEqual(['server-errors']);
  });
});
