import { buildExpectations } from '../../../shared/baselines/expectations';
import { observeWow } from '../../../shared/engine/kinds/wow';
import { Pricing } from '../../../shared/pricing/pricing';
import type { WowRule } from '../../../shared/rules/schema';
import { baselinesOf } from '../../../shared/run/baselines-provider';
import { DAY, HOUR, ctxOf, expectationsOf, historyOf, minuteFrame } from '../../support/baseline-fixtures';
import { configOf } from '../../support/frame';

const MODEL = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
const START = Date.parse('2026-09-28T00:00:00Z');
const AS_OF = START + 9 * DAY;

const wowRule = (over: Record<string, unknown> = {}) => ({
  name: 'tokens-per-request-wow',
  kind: 'week_over_week',
  measure: 'tokens_per_request',
  next_check: 'Compare prompt templates and max_tokens with last week.',
  tiers: { warning: { above: '20%' } },
  ...over,
});
const ruleOf = (over: Record<string, unknown> = {}) => configOf([wowRule(over)]).rules[0] as WowRule;

/**
 * Nine days of hourly history: `requests` an hour; 1,000 input + 200 output tokens per request,
 * times `lastDay` over the latest 24 hours.
 */
function learnedWith(requests: number, lastDay: number, outputOnly = false) {
  const hours = (AS_OF - START) / HOUR;
  const recent = (i: number) => i >= hours - 24;
  const e = buildExpectations(
    MODEL,
    {
      'Invocations:Sum': historyOf(START, hours, () => requests),
      'InputTokenCount:Sum': historyOf(START, hours, (i) => requests * 1000 * (recent(i) && !outputOnly ? lastDay : 1)),
      'OutputTokenCount:Sum': historyOf(START, hours, (i) => requests * 200 * (recent(i) ? lastDay : 1)),
    },
    AS_OF,
    'UTC',
    new Pricing(),
  );
  return baselinesOf([e]);
}

const observe = (rule: WowRule, baselines: ReturnType<typeof baselinesOf>) =>
  observeWow(rule, MODEL, ctxOf({ frame: minuteFrame(AS_OF, {}, 1), index: 0, baselines }));

describe('week_over_week: tokens per request', () => {
  it('+25% tokens per request on a week before fires a 20% tier', () => {
    const obs = observe(ruleOf(), learnedWith(100, 1.25));
    expect(obs.evaluable).toBe(true);
    expect(obs.value).toBeCloseTo(0.25, 9);
    expect(obs.baseline).toBeCloseTo(1000, 9);
    expect(obs.breach.warning).toBe(true);
    expect(obs.details).toEqual({ current: 1250, previous: 1000, requests: 2400 });
    expect(obs.text).toBe('input tokens per request, last 24 h: 1250 vs 1000 a week before (+25%; warning above +20%)');
  });

  it('+45% output tokens per request fires even though all tokens per request moved only +7.5%', () => {
    const obs = observe(ruleOf(), learnedWith(100, 1.45, true));
    expect(obs.value).toBeCloseTo(0.45, 9);
    expect(obs.breach.warning).toBe(true);
    expect(obs.text).toBe('output tokens per request, last 24 h: 290 vs 200 a week before (+45%; warning above +20%)');
  });

  it('+15% does not fire a 20% tier', () => {
    const obs = observe(ruleOf(), learnedWith(100, 1.15));
    expect(obs.breach.warning).toBe(false);
  });

  it('more requests with the same tokens per request is not a change of tokens per request', () => {
    const hours = (AS_OF - START) / HOUR;
    const reqs = (i: number) => (i >= hours - 24 ? 200 : 100);
    const e = buildExpectations(
      MODEL,
      {
        'Invocations:Sum': historyOf(START, hours, reqs),
        'InputTokenCount:Sum': historyOf(START, hours, (i) => reqs(i) * 1000),
        'OutputTokenCount:Sum': historyOf(START, hours, (i) => reqs(i) * 200),
      },
      AS_OF,
      'UTC',
      new Pricing(),
    );
    expect(observe(ruleOf(), baselinesOf([e])).value).toBeCloseTo(0, 9);
    // …while the "tokens" measure sees the doubling.
    expect(observe(ruleOf({ measure: 'tokens' }), baselinesOf([e])).value).toBeCloseTo(1, 9);
  });

  it('is not evaluable with too few requests to compare (min_requests, default 500)', () => {
    const obs = observe(ruleOf(), learnedWith(10, 1.5)); // 240 requests a day
    expect(obs.evaluable).toBe(false);
    expect(obs.text).toBe('240 requests: too few to compare weeks');
    expect(observe(ruleOf({ min_requests: 200 }), learnedWith(10, 1.5)).breach.warning).toBe(true);
  });

  it('is not evaluable without a full day in both weeks', () => {
    const hours = 7 * 24 + 10;
    const e = buildExpectations(
      MODEL,
      { 'Invocations:Sum': historyOf(AS_OF - hours * HOUR, hours, () => 100), 'InputTokenCount:Sum': historyOf(AS_OF - hours * HOUR, hours, () => 1e5) },
      AS_OF,
      'UTC',
      new Pricing(),
    );
    expect(e.wow.tokens_per_request).toBeUndefined();
    expect(observe(ruleOf(), baselinesOf([e]))).toMatchObject({ evaluable: false, text: 'not enough history for a week-over-week comparison' });
  });

  it('is not evaluable when the previous week had no tokens (no division by 0)', () => {
    const e = expectationsOf(MODEL, AS_OF, {}, { wow: { tokens_per_request: { current: 500, previous: 0, requests: 5000 } } });
    expect(observe(ruleOf(), baselinesOf([e])).evaluable).toBe(false);
  });
});

describe('week_over_week: p95 latency', () => {
  it('compares the median hourly p95 of the last 24 h with the same hours a week before', () => {
    const e = expectationsOf(MODEL, AS_OF, {}, { wow: { latency_p95: { current: 3000, previous: 2000, requests: 10_000 } } });
    const obs = observe(ruleOf({ measure: 'latency_p95' }), baselinesOf([e]));
    expect(obs.value).toBeCloseTo(0.5, 9);
    expect(obs.breach.warning).toBe(true);
    expect(obs.text).toBe('p95 latency, last 24 h: 3.0 s vs 2.0 s a week before (+50%; warning above +20%)');
  });
});
