import { observeCompletion } from '../../../shared/engine/kinds/completion';
import { wilson, zFor } from '../../../shared/core/stats';
import type { CompletionRule } from '../../../shared/rules/schema';
import { logKey } from '../../../shared/core/log-keys';
import { ctxOf, minuteFrame } from '../../support/baseline-fixtures';
import { configOf } from '../../support/frame';

const MODEL = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
const T = Date.parse('2026-10-05T12:00:00Z');

const completionRule = (over: Record<string, unknown> = {}) => ({
  name: 'completion-rate',
  kind: 'completion',
  next_check: 'Truncated → raise maxTokens; filtered → review the guardrail.',
  min_requests: 0,
  tiers: { warning: { below: '95%', for: '2h' } },
  ...over,
});
const ruleOf = (over: Record<string, unknown> = {}) => configOf([completionRule(over)]).rules[0] as CompletionRule;

interface Counts {
  finished?: number;
  truncated?: number;
  filtered?: number;
  failed?: number;
  unknown?: number;
}

/** One minute of invocation-log outcomes for the model (only the outcomes given get a series). */
function observeCounts(c: Counts, rule = ruleOf()) {
  const series = Object.fromEntries(Object.entries(c).map(([k, v]) => [logKey(k as keyof Counts), [v as number]]));
  const frame = minuteFrame(T, { [MODEL]: series }, 1);
  return observeCompletion(rule, MODEL, ctxOf({ frame, index: 0 }));
}

describe('completion: Wilson upper bound of the finished share', () => {
  it('2 truncated of 20 does not fire a 95% tier: 90% finished, but the upper bound is 96.6%', () => {
    const obs = observeCounts({ finished: 18, truncated: 2 });
    expect(obs.value).toBeCloseTo(0.9, 9);
    expect(obs.details.rate_upper_bound).toBeCloseTo(0.9663, 4);
    expect(obs.breach.warning).toBe(false);
  });

  it('3 truncated of 20 is already evidence at 95% confidence (upper bound 93.8% < 95%), but not for an 80% tier', () => {
    // The brief's "3 of 20 does not fire" does not hold for the documented rule (one-sided 95% Wilson bound):
    // this pins the actual arithmetic.
    expect(wilson(17, 20, zFor(0.95)).upper).toBeCloseTo(0.9384, 4);
    expect(observeCounts({ finished: 17, truncated: 3 }).breach.warning).toBe(true);
    expect(observeCounts({ finished: 17, truncated: 3 }, ruleOf({ tiers: { critical: { below: '80%' } } })).breach.critical).toBe(false);
    // At 99% confidence the same 3 of 20 is not enough.
    expect(observeCounts({ finished: 17, truncated: 3 }, ruleOf({ confidence: 0.99 })).breach.warning).toBe(false);
  });

  it('1 truncated of 5 does not fire a 95% tier (too little evidence), 30 truncated of 200 does', () => {
    expect(observeCounts({ finished: 4, truncated: 1 }).breach.warning).toBe(false);
    const obs = observeCounts({ finished: 170, truncated: 30 });
    expect(obs.details.rate_upper_bound).toBeCloseTo(0.8868, 4);
    expect(obs.breach.warning).toBe(true);
  });

  it('holds a firing tier on the observed rate within hysteresis of the limit', () => {
    const obs = observeCounts({ finished: 953, truncated: 47 }); // 95.3%: above 95% but below 95% + 10% of the 5% gap
    expect(obs.breach.warning).toBe(false);
    expect(obs.hold.warning).toBe(true);
    expect(observeCounts({ finished: 999, truncated: 1 }).hold.warning).toBe(false);
  });

  it('counts truncated, filtered and failed as not finished, and says how many of each', () => {
    const obs = observeCounts({ finished: 160, truncated: 25, filtered: 10, failed: 5 });
    expect(obs.value).toBeCloseTo(0.8, 9);
    expect(obs.details).toMatchObject({ finished: 160, truncated: 25, filtered: 10, failed: 5, unknown: 0, requests: 200, window_minutes: 1 });
    expect(obs.text).toBe('80% of 200 responses finished in 1 min: 25 cut at max tokens, 10 filtered or refused, 5 failed (warning below 95%)');
  });

  it('leaves unknown outcomes out of the rate (never counted as finished) and reports them', () => {
    const obs = observeCounts({ finished: 170, truncated: 30, unknown: 800 });
    expect(obs.value).toBeCloseTo(0.85, 9);
    expect(obs.details).toMatchObject({ requests: 200, unknown: 800 });
    expect(obs.breach.warning).toBe(true);
    expect(obs.text).toBe('85% of 200 responses finished in 1 min: 30 cut at max tokens, 0 filtered or refused, 0 failed, 800 unclassified (warning below 95%)');
  });

  it('is not evaluable with only unknown outcomes, or without invocation logs for the model', () => {
    expect(observeCounts({ unknown: 50 })).toMatchObject({ evaluable: false, text: 'no invocation-log records for this model (is model-invocation logging on?)' });
    expect(observeCounts({ finished: 0, unknown: 50 })).toMatchObject({ evaluable: false, text: '0 logged requests in 1 min: not enough to judge' });
  });

  it('is not evaluable below min_requests (default 50), even with a poor rate', () => {
    const rule = configOf([completionRule({ min_requests: undefined })]).rules[0] as CompletionRule;
    expect(rule.min_requests).toBe(50);
    expect(observeCounts({ finished: 10, truncated: 30 }, rule)).toMatchObject({ evaluable: false, text: '40 logged requests in 1 min: not enough to judge' });
  });

  it('widens the window over quiet minutes until min_requests is met', () => {
    const n = 30;
    const frame = minuteFrame(T, { [MODEL]: { [logKey('finished')]: new Array(n).fill(4), [logKey('truncated')]: new Array(n).fill(1) } }, n);
    const obs = observeCompletion(ruleOf({ window: '5m', min_requests: 50 }), MODEL, ctxOf({ frame, index: n - 1 }));
    expect(obs.details).toMatchObject({ window_minutes: 10, requests: 50, finished: 40, truncated: 10 });
  });
});
