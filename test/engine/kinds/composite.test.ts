import { observeComposite } from '../../../shared/engine/kinds/composite';
import type { Observation } from '../../../shared/engine/types';
import type { CompositeRule } from '../../../shared/rules/schema';
import { ctxOf, minuteFrame } from '../../support/baseline-fixtures';
import { configOf, errorTraffic, evaluateMinutes, frameOf, latencyRule, runs, serverErrorRule, timeline } from '../../support/frame';

const MODEL = 'meta.llama3-1-70b-instruct-v1:0';
const P95 = 'InvocationLatency:p95';

const slowAndFailing = (over: Record<string, unknown> = {}) => ({
  name: 'slow-and-failing',
  kind: 'composite',
  next_check: 'Check the AWS Health Dashboard for the model.',
  all: [
    { rule: 'latency-p95', tier: 'critical' },
    { rule: 'server-errors', tier: 'critical' },
  ],
  tiers: { critical: { for: '2m' } },
  keep_firing_for: '2m',
  ...over,
});

const conditions = [latencyRule({ standalone: false }), serverErrorRule({ standalone: false, window: '1m' })];

/** 10 minutes of 100 requests a minute; p95 and server errors per minute as given. */
const traffic = (p95: (number | null)[], errors: (number | null)[]) =>
  frameOf({ [MODEL]: { ...errorTraffic(runs([100, 10]), errors), [P95]: p95 } });

describe('composite: several rules breaching together for the same model', () => {
  it('fires only while all conditions breach, and only the composite alerts (conditions are standalone: false)', () => {
    const config = configOf([...conditions, slowAndFailing()]);
    const both = evaluateMinutes(config, traffic(runs([12_000, 10]), runs([10, 10])));
    expect(timeline(both.transitions)).toEqual([`firing critical ${MODEL} @2`]); // breaching from minute 0, for 2m
    expect(both.transitions.every((t) => t.state.rule === 'slow-and-failing')).toBe(true);
    expect(both.transitions[0].state.text).toBe('InvocationLatency p95 12 s over 3 min (critical above 10 s) AND 10% (10 of 100 requests in 1 min; critical above 5.0%)');
  });

  it('does not fire when only one condition breaches', () => {
    const config = configOf([...conditions, slowAndFailing()]);
    expect(evaluateMinutes(config, traffic(runs([12_000, 10]), runs([0, 10]))).transitions).toEqual([]);
    expect(evaluateMinutes(config, traffic(runs([2_000, 10]), runs([10, 10]))).transitions).toEqual([]);
  });

  it('resolves when one condition stops breaching (after the minimum resolve hold, 5 min)', () => {
    const config = configOf([...conditions, slowAndFailing()]);
    const t = (n: number) => frameOf({ [MODEL]: { ...errorTraffic(runs([100, n]), [...runs([10, 7]), ...runs([0, n - 7])]), [P95]: runs([12_000, n]) } });
    const out = evaluateMinutes(config, t(14));
    expect(timeline(out.transitions)).toEqual([`firing critical ${MODEL} @2`, `resolved critical ${MODEL} @12`]); // clear from 7
  });
});

const obs = (o: Partial<Observation>): Observation => ({ evaluable: true, breach: {}, hold: {}, value: 1, threshold: 1, baseline: null, text: 'peer', details: {}, ...o });
const compositeOf = (over: Record<string, unknown> = {}) =>
  configOf([
    { name: 'a', kind: 'ratio', numerator: 'InvocationServerErrors', denominator: 'Invocations', next_check: 'x', tiers: { warning: { above: '1%' }, critical: { above: '5%' } } },
    { name: 'b', kind: 'ratio', numerator: 'InvocationThrottles', denominator: 'Invocations', next_check: 'x', tiers: { warning: { above: '1%' }, critical: { above: '5%' } } },
    { name: 'both', kind: 'composite', next_check: 'x', all: [{ rule: 'a' }, { rule: 'b' }], tiers: { critical: { for: '5m' } }, ...over },
  ]).rules[2] as CompositeRule;
const observeWith = (peers: Record<string, Observation>, rule = compositeOf()) => observeComposite(rule, MODEL, ctxOf({ frame: minuteFrame(0, {}, 1), index: 0, peers }));

describe('composite: observation', () => {
  it('breaches when every condition breaches its tier (default: warning)', () => {
    const o = observeWith({ a: obs({ breach: { warning: true }, hold: { warning: true }, text: '2% errors' }), b: obs({ breach: { warning: true }, hold: { warning: true }, text: '3% throttled' }) });
    expect(o).toMatchObject({ evaluable: true, breach: { critical: true }, hold: { critical: true }, text: '2% errors AND 3% throttled', details: { a: '2% errors', b: '3% throttled' } });
  });

  it('does not breach when one condition does not', () => {
    const o = observeWith({ a: obs({ breach: { warning: true }, hold: { warning: true } }), b: obs({ breach: { warning: false }, hold: { warning: true } }) });
    expect(o.breach.critical).toBe(false);
    expect(o.hold.critical).toBe(true); // both still hold: an already-firing composite keeps firing
  });

  it('is not evaluable when one condition is not evaluable, and says which', () => {
    const o = observeWith({ a: obs({ breach: { warning: true } }), b: obs({ evaluable: false, text: '3 requests in 5 min: not enough to judge' }) });
    expect(o).toMatchObject({ evaluable: false, text: 'condition b: 3 requests in 5 min: not enough to judge' });
  });

  it('is not evaluable when a condition does not apply to the model', () => {
    expect(observeWith({ a: obs({ breach: { warning: true } }) })).toMatchObject({ evaluable: false, text: 'condition b: not evaluated' });
  });

  it('a condition breaching a higher tier than asked counts ("breaching at least this tier")', () => {
    // The shipped latency and error rules define only a critical tier; a composite that names them
    // without a tier asks for the default, warning. A critical breach is at least a warning breach.
    const config = configOf([...conditions, slowAndFailing({ all: [{ rule: 'latency-p95' }, { rule: 'server-errors' }] })]);
    const rule = config.rules[2] as CompositeRule;
    expect(rule.all.map((c) => c.tier)).toEqual(['warning', 'warning']);
    const out = evaluateMinutes(config, traffic(runs([12_000, 10]), runs([10, 10])));
    expect(timeline(out.transitions)).toEqual([`firing critical ${MODEL} @2`]);
  });

  it('a composite built on a low-confidence condition does not page either (keeps the condition\'s warning cap)', () => {
    const o = observeWith({ a: obs({ breach: { warning: true }, hold: { warning: true }, cap: 'warning' }), b: obs({ breach: { warning: true }, hold: { warning: true } }) });
    expect(o.breach.critical).toBe(true);
    expect(o.cap).toBe('warning');
  });
});
