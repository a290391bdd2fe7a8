import { observeAbsent } from '../../../shared/engine/kinds/absent';
import { evaluate } from '../../../shared/engine/evaluate';
import type { AbsentRule } from '../../../shared/rules/schema';
import { baselinesOf } from '../../../shared/run/baselines-provider';
import type { Series } from '../../../shared/core/series';
import { HOUR, MINUTE, ctxOf, expectationsOf, flatSeries, minuteFrame } from '../../support/baseline-fixtures';
import { configOf, runs } from '../../support/frame';

const MODEL = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
const INV = 'Invocations:Sum';
/** Monday 2026-10-05 12:00 UTC: a busy hour. */
const NOON = Date.parse('2026-10-05T12:00:00Z');

const absentRule = (over: Record<string, unknown> = {}) => ({
  name: 'model-unavailable',
  kind: 'absent',
  min_expected_requests: 30,
  next_check: 'Look for IAM or SCP changes.',
  tiers: { critical: { for: '0m' } },
  ...over,
});
const ruleOf = (over: Record<string, unknown> = {}) => configOf([absentRule(over)]).rules[0] as AbsentRule;

/** Learned traffic: `perHour(hourMs)` requests for every hour of the expectation span. */
function learned(asOf: number, perHour: (hour: number) => number, confidence: 'none' | 'low' | 'ok' = 'ok') {
  const s = flatSeries(0, confidence);
  s.values = s.values.map((_, i) => perHour(asOf - 24 * HOUR + i * HOUR));
  return baselinesOf([expectationsOf(MODEL, asOf, { [INV]: s })]);
}

/** The absent observation at the last slot of a frame of Invocations:Sum starting at `from`. */
function observeLast(inv: Series, baselines = learned(NOON, () => 3000), rule = ruleOf(), from = NOON) {
  const frame = minuteFrame(from, { [MODEL]: { [INV]: inv } }, inv.length);
  return observeAbsent(rule, MODEL, ctxOf({ frame, index: inv.length - 1, baselines }));
}

describe('absent: a model with learned traffic goes silent', () => {
  it('fires once the silence is longer than min_gap and at least min_expected_requests were expected in it', () => {
    // 50 requests a minute normally (3,000 an hour); 40 minutes of traffic, then 6 silent minutes.
    const obs = observeLast(runs([50, 40], [null, 6]));
    expect(obs.evaluable).toBe(true);
    expect(obs.breach.critical).toBe(true);
    expect(obs.value).toBe(6);
    expect(obs.details).toMatchObject({ silent_minutes: 6, expected_requests: 300, normal_per_minute: 50, recent_per_minute: 50 });
    expect(obs.text).toBe('no datapoints for 6 min; about 300 requests expected in that time (50/min normally at this hour); critical after 30 expected requests');
    expect(obs.cap).toBeUndefined();
  });

  it('does not fire for a silence shorter than min_gap, however busy the model normally is', () => {
    const obs = observeLast(runs([50, 40], [null, 4]));
    expect(obs.breach.critical).toBe(false);
    expect(obs.hold.critical).toBe(true); // an already-firing alert holds while the silence lasts
  });

  it('respects a longer min_gap', () => {
    expect(observeLast(runs([50, 40], [null, 9]), undefined, ruleOf({ min_gap: '10m' })).breach.critical).toBe(false);
    expect(observeLast(runs([50, 40], [null, 10]), undefined, ruleOf({ min_gap: '10m' })).breach.critical).toBe(true);
  });

  it('does not fire while requests arrive', () => {
    const obs = observeLast(runs([50, 40]));
    expect(obs).toMatchObject({ evaluable: true, value: 0, breach: { critical: false }, hold: { critical: false } });
    expect(obs.text).toBe('receiving requests (50/min expected now)');
  });

  it('a model quiet at night (low learned rate) does not fire after an hour of silence', () => {
    // 6 requests an hour between 00:00 and 06:00, 3,000 an hour in the day.
    const night = Date.parse('2026-10-05T02:00:00Z');
    const baselines = learned(night, (h) => (new Date(h).getUTCHours() < 6 ? 6 : 3000));
    const obs = observeLast(runs([1, 1], [null, 60]), baselines, ruleOf(), night);
    expect(obs.breach.critical).toBe(false);
    expect(obs.details.expected_requests).toBeLessThan(30);
  });

  it('a model that was winding down (low recent rate) does not fire although its hour is normally busy', () => {
    // Normally 50/min at noon, but the last half hour before the gap ran at one request every two minutes.
    const windingDown = new Array(15).fill(0).flatMap((): Series => [null, 1]);
    const obs = observeLast([...runs([50, 10]), ...windingDown, ...runs([null, 20])]);
    expect(obs.details.recent_per_minute).toBe(0.5);
    expect(obs.details.expected_requests).toBe(10);
    expect(obs.details.silent_minutes).toBe(20);
    expect(obs.breach.critical).toBe(false);
  });

  it('counts the silence hour by hour against the learned rate of each hour', () => {
    // The gap runs from 11:30 into the 12:00 hour: 11:xx is learned at 600/h (10/min), the other hours at 3,000/h (50/min),
    // so the reading an hour either way (a clock shift) expects more and the learned one is judged.
    const from = NOON - 60 * MINUTE;
    const baselines = learned(NOON, (h) => (h === NOON - 60 * MINUTE ? 600 : 3000));
    const obs = observeLast(runs([100, 30], [null, 40]), baselines, ruleOf(), from);
    // 30 silent minutes at min(10, recent 100) + 10 at min(50, 100)
    expect(obs.details).toMatchObject({ silent_minutes: 40, expected_requests: 30 * 10 + 10 * 50, normal_per_minute: 50 });
  });

  it('reads the learned hours with the traffic clock an hour either way and judges the lowest: a weekly rest after a DST change is not an outage', () => {
    // Learned: traffic (30/min) until 12:00, rest from 12:00. After a DST change the traffic now rests from 11:00.
    const from = NOON - 60 * MINUTE;
    const baselines = learned(NOON, (h) => (h < NOON ? 1800 : 0));
    const silent = observeLast(runs([30, 30], [null, 30]), baselines, ruleOf(), from - 60 * MINUTE + 30 * MINUTE);
    // Silent from 11:00 to 11:30: the learned 11:xx says 30/min, the same hours read an hour later say 0.
    expect(silent.details).toMatchObject({ silent_minutes: 30, expected_requests: 0 });
    expect(silent.breach.critical).toBe(false);
    // Where every alignment expects traffic (hours 9–11 all at 30/min), the same silence pages.
    const busy = observeLast(runs([30, 30], [null, 30]), learned(NOON, (h) => (h < NOON + 60 * MINUTE ? 1800 : 0)), ruleOf(), from - 30 * MINUTE);
    expect(busy.breach.critical).toBe(true);
  });
});

describe('absent: baseline confidence', () => {
  it('is not evaluable without a learned baseline for the model', () => {
    const obs = observeLast(runs([50, 40], [null, 30]), baselinesOf([]));
    expect(obs.evaluable).toBe(false);
    expect(obs.text).toBe(`no trusted traffic baseline for ${MODEL} at this hour yet`);
  });

  it('is not evaluable while the baseline has no confidence (less than a day of history)', () => {
    expect(observeLast(runs([50, 40], [null, 30]), learned(NOON, () => 3000, 'none')).evaluable).toBe(false);
  });

  it('does not judge silence on a low-confidence baseline at all: an unavailability page needs a trusted normal', () => {
    const obs = observeLast(runs([50, 40], [null, 30]), learned(NOON, () => 3000, 'low'));
    expect(obs.evaluable).toBe(false);
    const config = configOf([absentRule()]);
    const frame = minuteFrame(NOON, { [MODEL]: { [INV]: runs([50, 40], [null, 30]) } });
    const out = evaluate({ config, frame, states: {}, baselines: learned(NOON, () => 3000, 'low'), minutes: [{ minute: NOON + 69 * MINUTE, at: NOON + 72 * MINUTE }] });
    expect(out.transitions).toEqual([]);
  });
});

describe('absent through evaluate(): a model that disappeared from the data', () => {
  it('fires for a model known only from its baseline (no datapoint at all in the frame)', () => {
    const config = configOf([absentRule()]);
    const frame = minuteFrame(NOON, {}, 30);
    const out = evaluate({ config, frame, states: {}, baselines: learned(NOON, () => 3000), minutes: [{ minute: NOON + 29 * MINUTE, at: NOON + 32 * MINUTE }] });
    expect(out.transitions.map((t) => [t.kind, t.state.tier, t.state.labels.ModelId])).toEqual([['firing', 'critical', MODEL]]);
  });
});

describe('absent: bursty callers', () => {
  // 200 requests an hour, all in one-minute bursts every 10 minutes: 9 silent minutes are normal.
  const bursts = (minutes: number): Series => Array.from({ length: minutes }, (_, i) => (i % 10 === 0 ? 33 : null));

  it('a silence no longer than twice the usual gap between bursts is not unavailability', () => {
    const obs = observeLast([...bursts(51), ...runs([null, 12])], learned(NOON, () => 200 * 10));
    expect(obs.details).toMatchObject({ longest_recent_gap_minutes: 9 });
    expect(obs.breach.critical).toBe(false);
    expect(obs.hold.critical).toBe(true);
  });

  it('a silence of more than twice the usual gap, with enough requests expected in it, is', () => {
    const obs = observeLast([...bursts(51), ...runs([null, 25])], learned(NOON, () => 200 * 10));
    expect(obs.breach.critical).toBe(true);
  });
});

describe('absent: a retired model', () => {
  it('stops holding the alert once its baseline expects no traffic any more', () => {
    const obs = observeLast(runs([null, 30]), learned(NOON, () => 0));
    expect(obs.breach.critical).toBe(false);
    expect(obs.hold.critical).toBe(false);
  });
});
