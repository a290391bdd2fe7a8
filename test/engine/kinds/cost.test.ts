import { evaluate } from '../../../shared/engine/evaluate';
import { observeCost } from '../../../shared/engine/kinds/cost';
import type { Spend } from '../../../shared/core/alert';
import { Pricing } from '../../../shared/pricing/pricing';
import type { CostRule } from '../../../shared/rules/schema';
import { baselinesOf } from '../../../shared/run/baselines-provider';
import { HOUR, MINUTE, ctxOf, expectationsOf, flatSeries, minuteFrame } from '../../support/baseline-fixtures';
import { configOf } from '../../support/frame';

const MODEL = 'test.priced-model-v1:0';
const UNPRICED = 'acme.unknown-model-v1:0';
const PRICES = { [MODEL]: { input: 0.001, output: 0.002 } };
const IN = 'InputTokenCount:Sum';
const OUT = 'OutputTokenCount:Sum';
const DAY0 = Date.parse('2026-10-05T00:00:00Z');
const NOON = DAY0 + 12 * HOUR;

const costRule = (over: Record<string, unknown> = {}) => ({
  name: 'daily-cost',
  kind: 'cost',
  next_check: 'Check the spend-by-caller table in the digest.',
  tiers: { warning: { above: 1.3, for: '30m' }, critical: { above: 1.5, for: '30m' } },
  // The ratio logic is tested on small sums here; the evidence guards have their own tests below.
  min_expected_usd: 0,
  min_requests: 0,
  ...over,
});
const ruleOf = (over: Record<string, unknown> = {}) => configOf([costRule(over)], { pricing: PRICES }).rules[0] as CostRule;

/** 60,000 input and 6,000 output tokens an hour: $0.072 an hour, $1.728 a day. */
const HOURLY_USD = (60_000 * 0.001 + 6_000 * 0.002) / 1000;
const learned = (model = MODEL, confidence: 'none' | 'low' | 'ok' = 'ok', asOf = NOON) =>
  baselinesOf([expectationsOf(model, asOf, { [IN]: flatSeries(60_000, confidence), [OUT]: flatSeries(6_000, confidence) })]);

function observeAtMinute(minute: number, spend: Spend, baselines = learned(), model = MODEL, rule = ruleOf(), tz = 'UTC') {
  const frame = minuteFrame(minute, { [model]: { [IN]: [1000], [OUT]: [100] } }, 1);
  return observeCost(rule, model, ctxOf({ frame, index: 0, baselines, pricing: new Pricing(PRICES), spend, tz }));
}

const spentToday = (dayCost: number, model = MODEL, dayFrom = DAY0): Spend => ({ [model]: { day: '2026-10-05', dayFrom, dayCost } });

describe('cost: enough evidence before judging spend', () => {
  const soFar = HOURLY_USD * (12 + 1 / 60);
  it('does not judge a model whose normal spend by now is below min_expected_usd (cents a day are not worth a page)', () => {
    const obs = observeAtMinute(NOON, spentToday(soFar * 3), learned(), MODEL, ruleOf({ min_expected_usd: 1 }));
    expect(obs.evaluable).toBe(false);
    expect(obs.text).toMatch(/below min_expected_usd/);
  });

  it('does not judge a handful of requests, however expensive', () => {
    const few: Spend = { [MODEL]: { day: '2026-10-05', dayFrom: DAY0, dayCost: soFar * 3, dayRequests: 12 } };
    expect(observeAtMinute(NOON, few, learned(), MODEL, ruleOf({ min_requests: 100 })).evaluable).toBe(false);
    const many: Spend = { [MODEL]: { ...few[MODEL], dayRequests: 500 } };
    expect(observeAtMinute(NOON, many, learned(), MODEL, ruleOf({ min_requests: 100 })).breach.critical).toBe(true);
  });
});

describe('cost: spend so far today against the baseline for the same part of the day', () => {
  it('compares spend since midnight with the expected spend up to the judged minute', () => {
    const soFar = HOURLY_USD * (12 + 1 / 60); // 00:00 .. 12:01
    const obs = observeAtMinute(NOON, spentToday(soFar * 1.6));
    expect(obs.evaluable).toBe(true);
    expect(obs.value).toBeCloseTo(1.6, 9);
    expect(obs.baseline).toBeCloseTo(soFar, 9);
    expect(obs.breach).toEqual({ warning: true, critical: true });
    expect(obs.details).toMatchObject({ expected_so_far_usd: 0.87, expected_day_usd: 1.73, baseline_confidence: 'ok' });
    expect(obs.text).toBe('$1.38 spent today so far vs $0.87 expected by now (1.6×; critical above 1.5×); a normal day is about $1.73');
  });

  it('does not breach at the normal pace, and only the warning tier at 1.4×', () => {
    const soFar = HOURLY_USD * (12 + 1 / 60);
    expect(observeAtMinute(NOON, spentToday(soFar)).breach).toEqual({ warning: false, critical: false });
    expect(observeAtMinute(NOON, spentToday(soFar * 1.4)).breach).toEqual({ warning: true, critical: false });
  });

  it('counts the expected spend only from the minute the day\'s spend started being counted (dayFrom)', () => {
    // Spend counted since 06:00 (a deploy at 06:00): expected is 6 h 1 min, not 12 h 1 min.
    const obs = observeAtMinute(NOON, spentToday(HOURLY_USD * (6 + 1 / 60), MODEL, DAY0 + 6 * HOUR));
    expect(obs.value).toBeCloseTo(1, 9);
  });

  it('is not evaluable too early in the day (expected so far below min_day_fraction of a normal day)', () => {
    const obs = observeAtMinute(DAY0 + HOUR, spentToday(1)); // 1 h 1 min of 24 h < 10%
    expect(obs.evaluable).toBe(false);
    expect(obs.text).toBe('too early in the day to judge (expected so far $0.07)');
    expect(observeAtMinute(DAY0 + 3 * HOUR, spentToday(1)).evaluable).toBe(true); // 3 h 1 min > 10%
    expect(observeAtMinute(DAY0 + 3 * HOUR, spentToday(1), learned(), MODEL, ruleOf({ min_day_fraction: '25%' })).evaluable).toBe(false);
  });

  it('is not evaluable without a trusted cost baseline', () => {
    expect(observeAtMinute(NOON, spentToday(5), baselinesOf([])).text).toBe(`no trusted cost baseline for ${MODEL} yet`);
    expect(observeAtMinute(NOON, spentToday(5), learned(MODEL, 'none')).evaluable).toBe(false);
  });

  it('caps at warning on a low-confidence baseline', () => {
    const obs = observeAtMinute(NOON, spentToday(5), learned(MODEL, 'low'));
    expect(obs.breach.critical).toBe(true);
    expect(obs.cap).toBe('warning');
  });

  it('tells that a model has no price instead of judging it at $0', () => {
    const obs = observeAtMinute(NOON, {}, learned(UNPRICED), UNPRICED);
    expect(obs.evaluable).toBe(false);
    expect(obs.text).toBe(`no price for ${UNPRICED}: add it under pricing: in rules.yml`);
  });

  it('through evaluate(): an unpriced model gets no running spend (not $0) while a priced one does', () => {
    const config = configOf([costRule({ missing: 'keep' })], { pricing: PRICES });
    const frame = minuteFrame(NOON, { [UNPRICED]: { [IN]: [50_000], [OUT]: [5_000] }, [MODEL]: { [IN]: [1000], [OUT]: [100] } });
    const out = evaluate({ config, frame, states: {}, baselines: learned(UNPRICED), minutes: [{ minute: NOON, at: NOON + 3 * MINUTE }] });
    expect(out.spend[UNPRICED]).toBeUndefined();
    expect(out.spend[MODEL]).toMatchObject({ day: '2026-10-05', dayFrom: NOON });
    expect(out.spend[MODEL].dayCost).toBeCloseTo((1000 * 0.001 + 100 * 0.002) / 1000, 12);
  });

  it('judges the local day of the rules\' time zone (Los Angeles: the day started at 07:00 UTC)', () => {
    // 12:00 UTC is 05:00 PDT: 5 h 1 min of the local day have passed.
    const laDay = Date.parse('2026-10-05T07:00:00Z');
    const obs = observeAtMinute(NOON, { [MODEL]: { day: '2026-10-05', dayFrom: laDay, dayCost: HOURLY_USD * (5 + 1 / 60) * 2 } }, learned(), MODEL, ruleOf(), 'America/Los_Angeles');
    expect(obs.value).toBeCloseTo(2, 9);
    expect(obs.details.expected_day_usd).toBeCloseTo(HOURLY_USD * 24, 2);
  });
});

describe('cost with a window: the spend rate', () => {
  // The learned normal: 60,000 input and 6,000 output tokens an hour, i.e. 1,000 and 100 a minute.
  const rate = (over: Record<string, unknown> = {}) => ruleOf({ window: '1h', tiers: { warning: { above: 1.5, for: '0m' }, critical: { above: 2, for: '0m' } }, ...over });
  /** An hour of minutes ending at NOON, the last `hot` of them at `times` the normal spend. */
  /** A regular model: its hours wobble ~5 % around their expectation (the learned log spread). */
  const withSpread = (spread: number) => baselinesOf([expectationsOf(MODEL, NOON, { [IN]: { ...flatSeries(60_000), spread }, [OUT]: { ...flatSeries(6_000), spread } })]);
  function observeHour(hot: number, times: number, rule = rate(), requests = 10, baselines = withSpread(0.05)) {
    const n = 60;
    const k = (v: number) => Array.from({ length: n }, (_, i) => (i >= n - hot ? v * times : v));
    const frame = minuteFrame(NOON - (n - 1) * MINUTE, { [MODEL]: { [IN]: k(1000), [OUT]: k(100), 'Invocations:Sum': new Array(n).fill(requests) } });
    return observeCost(rule, MODEL, ctxOf({ frame, index: n - 1, baselines, pricing: new Pricing(PRICES), spend: {} }));
  }

  it('a normal hour is at 1×', () => {
    const obs = observeHour(0, 1);
    expect(obs.value).toBeCloseTo(1, 6);
    expect(obs.breach).toEqual({ warning: false, critical: false });
  });

  it('a 3× runaway warns after 15 minutes and pages after 30, without waiting for the day', () => {
    expect(observeHour(14, 3).breach).toEqual({ warning: false, critical: false });
    expect(observeHour(16, 3).breach).toEqual({ warning: true, critical: false });
    expect(observeHour(31, 3).breach).toEqual({ warning: true, critical: true });
    expect(observeHour(31, 3).text).toMatch(/spent in the last 60 min vs \$0\.07 normal for those minutes \(2\.0×; critical above 2\.0×\)/);
  });

  it('needs evidence as well as the ratio: on a model whose hours wobble ±30 % the same 2× is within its noise at a page-a-year rate', () => {
    const noisy = withSpread(0.3);
    // Evidence bar, 60-minute window (24 trials a day): page at most once a year → z = Φ⁻¹(1 − 1/(365·24)) ≈ 3.7, so
    // log-ratio > 3.7 × 0.3: above 3.0×; warning at most once a month → z ≈ 2.99: above 2.45×.
    const at2 = observeHour(31, 3, rate(), 10, noisy);
    expect(at2.breach).toEqual({ warning: false, critical: false });
    expect(at2.details).toMatchObject({ noise_sigma: 0.3, warning_evidence_ratio: 2.45, critical_evidence_ratio: 3.02 });
    expect(observeHour(60, 3.1, rate(), 10, noisy).breach).toEqual({ warning: true, critical: true });
    // The regular model's bar sits below the tiers: the ratios decide there.
    expect(observeHour(31, 3).details).toMatchObject({ noise_sigma: 0.05, warning_evidence_ratio: 1.16, critical_evidence_ratio: 1.2 });
  });

  it('reads the expectation with the clock an hour either way (a DST change of the traffic\'s clock) and judges the highest of the three readings: a shift may excuse an alarm, never cause one', () => {
    // Learned: 12:00–13:00 is the busy hour at 3× the rest. The traffic's clock moved: the busy hour now comes at 11:00.
    const busyAt = (h: number) => (h === NOON ? 3 : 1);
    const hours = Array.from({ length: 72 }, (_, i) => NOON - 24 * HOUR + i * HOUR);
    const series = (base: number) => ({ values: hours.map((h) => base * busyAt(h)), confidence: 'ok' as const, spread: 0.05, hours: 336 });
    const shifted = baselinesOf([expectationsOf(MODEL, NOON, { [IN]: series(60_000), [OUT]: series(6_000) })]);
    const obs = observeHour(60, 3, rate(), 10, shifted); // 11:00–12:00 at 3×
    expect(obs.value).toBeCloseTo(1, 1); // the window [11:01, 12:01) read as [12:01, 13:01)
    expect(obs.details.clock_shift_hours).toBe(1);
    expect(obs.breach).toEqual({ warning: false, critical: false });
  });

  it('reads a 30-minute window half an hour either way too: a batch learned as a whole hour is not "above normal" at its start', () => {
    // Learned: the 12:00 hour holds a 45-minute batch at 8× (6.25× pro rata); the window [11:46, 12:16) holds 16 batch minutes.
    const hours = Array.from({ length: 72 }, (_, i) => NOON - 24 * HOUR + i * HOUR);
    const series = (base: number) => ({ values: hours.map((h) => base * (h === NOON ? 6.25 : 1)), confidence: 'ok' as const, spread: 0.05, hours: 336 });
    const batch = baselinesOf([expectationsOf(MODEL, NOON, { [IN]: series(60_000), [OUT]: series(6_000) })]);
    const n = 30;
    const k = (v: number) => Array.from({ length: n }, (_, i) => (i >= 14 ? v * 8 : v));
    const end = NOON + 15 * MINUTE;
    const frame = minuteFrame(end - (n - 1) * MINUTE, { [MODEL]: { [IN]: k(1000), [OUT]: k(100), 'Invocations:Sum': new Array(n).fill(10) } });
    const obs = observeCost(rate({ window: '30m' }), MODEL, ctxOf({ frame, index: n - 1, baselines: batch, pricing: new Pricing(PRICES), spend: {} }));
    // Pro rata at the learned hours: (14 + 16 × 8) / (14 + 16 × 6.25) = 1.25×; read half an hour later the window is all batch hour.
    expect(obs.details.clock_shift_hours).toBe(0.5);
    expect(obs.value).toBeCloseTo((14 + 16 * 8) / (30 * 6.25), 6);
  });

  it('is not judged on fewer requests than min_requests in the window', () => {
    const obs = observeHour(60, 5, rate({ min_requests: 601 }));
    expect(obs.evaluable).toBe(false);
    expect(obs.text).toMatch(/600 requests in 60 min/);
  });
});

describe('cost: each rules file prices with its own pricing', () => {
  it("evaluate counts the day's spend at the prices of the config it is given, one config after another", () => {
    // One minute of 1,000 input and 100 output tokens. The engine keeps one price table per rules
    // file's pricing: a second config must not be priced with the first one's table.
    const frame = minuteFrame(NOON, { [MODEL]: { [IN]: [1000], [OUT]: [100], 'Invocations:Sum': [1] } }, 1);
    const spendWith = (pricing?: Record<string, { input: number; output: number }>) =>
      evaluate({ config: configOf([costRule()], pricing ? { pricing } : {}), frame, states: {}, baselines: learned(), minutes: [{ minute: NOON, at: NOON + 3 * MINUTE }] }).spend[MODEL];
    expect(spendWith(PRICES)?.dayCost).toBeCloseTo((1000 * 0.001 + 100 * 0.002) / 1000, 12);
    // Not in the shipped table: unpriced, never counted as $0.
    expect(spendWith()).toBeUndefined();
    expect(spendWith({ [MODEL]: { input: 0.01, output: 0.02 } })?.dayCost).toBeCloseTo((1000 * 0.01 + 100 * 0.02) / 1000, 12);
    expect(spendWith(PRICES)?.dayCost).toBeCloseTo((1000 * 0.001 + 100 * 0.002) / 1000, 12);
  });
});
