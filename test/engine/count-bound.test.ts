/**
 * The account-wide bound on per-model error counts (engine/cadence countTargetsToRead): a model
 * whose count, even at the whole account-wide sum, cannot bring a ratio rule to a tier is left
 * unread. What it proves is checked against the engine itself: on random frames, every model left
 * unread is judged the same (no transition, still inactive) on its real counts and on the frame
 * the tick completes without them.
 */
import { boundedBy, completeCounts, countTargetsToRead } from '../../shared/engine/cadence';
import { evaluate } from '../../shared/engine/evaluate';
import { initialState } from '../../shared/engine/machine';
import { NO_BASELINES } from '../../shared/engine/types';
import { parseRules } from '../../shared/rules/load';
import { ACCOUNT, type Frame } from '../../shared/core/series';
import { placeOfTarget } from '../../shared/core/target';
import { rng } from '../../shared/local/generate';
import { frameOf, minute, runs } from '../support/frame';

const config = parseRules(`
rules:
  - { name: throttles, kind: ratio, numerator: InvocationThrottles, denominator: [Invocations, InvocationThrottles], window: 5m, min_requests: 20, evidence_odds: 10000, next_check: x, tiers: { warning: { above: 1% }, critical: { above: 10% } } }
  - { name: server-errors, kind: ratio, numerator: InvocationServerErrors, denominator: Invocations, window: 5m, min_requests: 20, next_check: x, tiers: { warning: { above: 1% }, critical: { above: 5% } } }
  - { name: client-errors, kind: ratio, numerator: InvocationClientErrors, denominator: Invocations, window: 10m, min_requests: 20, evidence: window, next_check: x, tiers: { warning: { above: 5% } } }
`);
const KEYS = ['InvocationThrottles:Sum', 'InvocationServerErrors:Sum', 'InvocationClientErrors:Sum'];
const BIG = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const SMALL = 'amazon.nova-micro-v1:0';
const LEN = 70;
/** The place of a deployment watching one region and account. */
const PLACE = placeOfTarget(BIG);

/** The account-wide frame of a per-model frame: the sum of every model's counts per minute. */
function accountOf(frame: Frame): Frame {
  const sums = Object.fromEntries(
    KEYS.map((k) => [k, Array.from({ length: frame.length }, (_, i) => Object.values(frame.models).reduce<number | null>((s, m) => (m[k]?.[i] == null ? s : (s ?? 0) + (m[k][i] as number)), null))]),
  );
  return { ...frame, models: { [ACCOUNT]: sums } };
}

const judge = { first: minute(LEN - 1), last: minute(LEN - 1) };
const ask = (frame: Frame, key: string, states = {}) => countTargetsToRead({ rules: config.rules, states, frame, account: accountOf(frame), held: undefined, key, place: PLACE, ...judge });

describe('which models must read their error counts', () => {
  // 1,000 requests a minute against 2: the account-wide throttles (a few a minute) are far below 1% of the big model.
  const frame = frameOf({
    [BIG]: { 'Invocations:Sum': runs([1000, LEN]), 'InvocationThrottles:Sum': runs([2, LEN]), 'InvocationServerErrors:Sum': runs([0, LEN]), 'InvocationClientErrors:Sum': runs([0, LEN]) },
    [SMALL]: { 'Invocations:Sum': runs([2, LEN]), 'InvocationThrottles:Sum': runs([0, LEN]), 'InvocationServerErrors:Sum': runs([0, LEN]), 'InvocationClientErrors:Sum': runs([0, LEN]) },
  });

  it('a model whose requests dwarf the account-wide count is proven unable to reach a tier; a small one is not', () => {
    expect(ask(frame, 'InvocationThrottles:Sum')).toEqual([SMALL]);
  });

  it('a model with an alert of a rule reading the count pending or firing is always read', () => {
    const s = { ...initialState('fp', config.rules[0], 'throttles', { ModelId: BIG }), status: 'pending' as const };
    expect(ask(frame, 'InvocationThrottles:Sum', { fp: s }).sort()).toEqual([BIG, SMALL].sort());
  });

  it('fewer events than min_events anywhere in the window: no model is read, however small', () => {
    const few = frameOf({
      [BIG]: { 'Invocations:Sum': runs([1000, LEN]), 'InvocationThrottles:Sum': runs([0, LEN - 3], [1, 1], [0, 2]) },
      [SMALL]: { 'Invocations:Sum': runs([2, LEN]), 'InvocationThrottles:Sum': runs([0, LEN]) },
    });
    expect(ask(few, 'InvocationThrottles:Sum')).toEqual([]);
  });

  it('counts another kind of rule reads (a threshold on them, a composite, a denominator alone) are read for every model', () => {
    const withThreshold = parseRules(`
rules:
  - { name: throttles, kind: ratio, numerator: InvocationThrottles, denominator: Invocations, next_check: x, tiers: { warning: { above: 1% } } }
  - { name: raw, kind: threshold, metric: InvocationThrottles, stat: Sum, window: 5m, next_check: x, tiers: { warning: { below: 1 } } }
  - { name: inverted, kind: ratio, numerator: Invocations, denominator: InvocationServerErrors, next_check: x, tiers: { warning: { above: 1% } } }
`).rules;
    const composite = parseRules(`
rules:
  - { name: throttles, kind: ratio, numerator: InvocationThrottles, denominator: Invocations, next_check: x, tiers: { warning: { above: 1% } } }
  - { name: slow, kind: threshold, metric: InvocationLatency, stat: p95, window: 5m, next_check: x, tiers: { warning: { above: 5s } } }
  - { name: both, kind: composite, all: [{ rule: throttles }, { rule: slow }], next_check: x, tiers: { warning: { for: 0m } } }
`).rules;
    expect(boundedBy(composite, 'InvocationThrottles:Sum')).toBeNull();
    expect(boundedBy(withThreshold, 'InvocationThrottles:Sum')).toBeNull();
    expect(boundedBy(withThreshold, 'InvocationServerErrors:Sum')).toBeNull();
    expect(boundedBy(config.rules, 'InvocationThrottles:Sum')?.map((r) => r.name)).toEqual(['throttles']);
  });
});

describe('what the bound proves, checked against the engine on random frames', () => {
  it('every model left unread is judged inactive, with no transition, on its real counts and on the completed frame', () => {
    let unread = 0;
    let checked = 0;
    let fired = 0;
    for (let seed = 1; seed <= 150; seed++) {
      const r = rng(seed);
      const models = Array.from({ length: 2 + Math.floor(r() * 4) }, (_, i) => `model-${i}`);
      const series: Record<string, Record<string, (number | null)[]>> = {};
      for (const m of models) {
        const rate = [1, 5, 40, 300, 2000][Math.floor(r() * 5)];
        const errorShare = [0, 0.002, 0.01, 0.05, 0.3][Math.floor(r() * 5)];
        const inv = Array.from({ length: LEN }, () => (r() < 0.1 ? null : Math.round(rate * (0.5 + r()))));
        series[m] = { 'Invocations:Sum': inv };
        for (const k of KEYS) series[m][k] = inv.map((n) => (n === null ? null : Math.round(n * errorShare * 2 * r() + (r() < 0.05 ? 3 * r() : 0))));
      }
      const frame = frameOf(series);
      const account = accountOf(frame);
      const minutes = [{ minute: minute(LEN - 1), at: minute(LEN + 2) }];
      const truth = evaluate({ config, frame, states: {}, baselines: NO_BASELINES, minutes });
      fired += truth.transitions.length;
      const completed: Frame = { ...frame, models: Object.fromEntries(Object.entries(frame.models).map(([t, byKey]) => [t, { ...byKey }])) };
      const some = new Map<string, Set<string>>();
      for (const key of KEYS) {
        const need = countTargetsToRead({ rules: config.rules, states: {}, frame, account, held: undefined, key, place: PLACE, ...judge });
        some.set(`${PLACE}\u0000${key}`, new Set(need));
        for (const t of models) if (!need.includes(t)) delete completed.models[t][key];
        unread += models.length - need.length;
      }
      completeCounts(completed, KEYS, account, undefined, new Map(), [PLACE], some);
      const judged = evaluate({ config, frame: completed, states: {}, baselines: NO_BASELINES, minutes });
      for (const key of KEYS) {
        const rule = config.rules.find((x) => x.kind === 'ratio' && `${x.numerator[0]}:Sum` === key)!;
        for (const t of models) {
          if (some.get(`${PLACE}\u0000${key}`)!.has(t)) continue;
          checked++;
          const of = (out: typeof truth) => [out.transitions.filter((x) => x.state.rule === rule.name && x.state.labels.ModelId === t).length, Object.values(out.states).find((s) => s.rule === rule.name && s.labels.ModelId === t)?.status ?? 'inactive'];
          expect([seed, key, t, ...of(truth)]).toEqual([seed, key, t, 0, 'inactive']);
          expect([seed, key, t, ...of(judged)]).toEqual([seed, key, t, 0, 'inactive']);
        }
      }
    }
    // The property is not vacuous: many models were left unread, and the engine fired elsewhere.
    expect(unread).toBeGreaterThan(100);
    expect(checked).toBe(unread);
    expect(fired).toBeGreaterThan(20);
  });
});
