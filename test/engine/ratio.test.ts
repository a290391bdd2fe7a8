import { wilson, zFor } from '../../shared/core/stats';
import type { Observation } from '../../shared/engine/types';
import type { Series } from '../../shared/core/series';
import { configOf, errorTraffic, frameOf, observeAt, runs, serverErrorRule } from '../support/frame';

const MODEL = 'amazon.nova-lite-v1:0';

/** The ratio rule's observation at the last slot of the given per-minute traffic. */
function observeLast(requests: Series, errors: Series, rule: Record<string, unknown> = {}): Observation {
  const config = configOf([serverErrorRule(rule)]);
  const frame = frameOf({ [MODEL]: errorTraffic(requests, errors) });
  return observeAt(config.rules[0], frame, MODEL, frame.length - 1);
}

describe('ratio rule: confident evidence before a tier breaches', () => {
  it.each([
    // case, requests per minute, errors per minute, rule overrides, evaluable, breaches 5%
    ['1 error in 2 requests: too few requests to judge (min_requests 20)', [2], [1], {}, false, false],
    ['1 error in 2 requests with min_requests 0: judged, but 1 event is below min_events 3', [2], [1], { min_requests: 0 }, true, false],
    ['3 errors in 30 requests: 10% observed, yet the Wilson lower bound (4.1%) is under 5%', [30], [3], {}, true, false],
    ['48 errors in 485 requests over 5 minutes (9.9%) breaches 5%', [97, 97, 97, 97, 97], [10, 10, 10, 9, 9], { window: '5m' }, true, true],
    ['5 errors in 10,000 requests stays quiet', [10_000], [5], {}, true, false],
    ['0 errors in 500 requests stays quiet', [500], [0], {}, true, false],
  ])('%s', (_case, requests, errors, rule, evaluable, breaches) => {
    const obs = observeLast(requests, errors, rule);
    expect(obs.evaluable).toBe(evaluable);
    expect(Boolean(obs.breach.critical)).toBe(breaches);
  });

  it('reports the observed rate, the counts and the lower bound it judged on', () => {
    const obs = observeLast([97, 97, 97, 97, 97], [10, 10, 10, 9, 9], { window: '5m' });
    expect(obs.value).toBeCloseTo(48 / 485, 10);
    expect(obs.threshold).toBe(0.05);
    expect(obs.details).toMatchObject({ events: 48, requests: 485, window_minutes: 5 });
    expect(obs.details.rate_lower_bound).toBeGreaterThan(0.05);
    expect(obs.details.rate_lower_bound).toBeLessThan(48 / 485);
    expect(obs.text).toBe('9.9% (48 of 485 requests in 5 min; critical above 5.0%)');
  });

  it('computes the one-sided 95% Wilson lower bound of 1 in 2 far below 50%', () => {
    const { lower, upper } = wilson(1, 2, zFor(0.95));
    expect(zFor(0.95)).toBeCloseTo(1.6449, 3);
    expect(lower).toBeCloseTo(0.1206, 3);
    expect(upper).toBeCloseTo(0.8794, 3);
    // So 1 in 2 does not breach a 20% tier even when min_requests and min_events allow it.
    expect(observeLast([2], [1], { min_requests: 0, min_events: 0, tiers: { critical: { above: '20%' } } }).breach.critical).toBe(false);
  });

  it('demands more evidence at a higher confidence', () => {
    // 5 errors in 50 requests: a 10% rate, lower bound ≈ 5.8% at 90% but ≈ 4.95% at 95%.
    expect(observeLast([50], [5], { confidence: 0.9 }).breach.critical).toBe(true);
    expect(observeLast([50], [5], { confidence: 0.95 }).breach.critical).toBe(false);
  });

  it.each([
    [3, true],
    [4, false],
  ])('with min_events %i, 3 errors in 20 requests (15%%, confident) breaches: %s', (minEvents, breaches) => {
    expect(observeLast([20], [3], { min_events: minEvents }).breach.critical).toBe(breaches);
  });

  it.each([
    [19, false],
    [20, true],
  ])('with min_requests 20 and a 1-minute window that cannot widen, %i requests are evaluable: %s', (requests, evaluable) => {
    const obs = observeLast([requests], [0], { window: '1m', max_window: '1m' });
    expect(obs.evaluable).toBe(evaluable);
    if (!evaluable) expect(obs.text).toBe(`${requests} requests in 1 min: not enough to judge`);
  });

  it('sums every numerator and denominator metric (throttles over invocations + throttles)', () => {
    const config = configOf([
      serverErrorRule({ name: 'throttles', numerator: 'InvocationThrottles', denominator: ['Invocations', 'InvocationThrottles'], tiers: { critical: { above: '10%' } } }),
    ]);
    const frame = frameOf({ [MODEL]: { 'Invocations:Sum': [70], 'InvocationThrottles:Sum': [30] } });
    const obs = observeAt(config.rules[0], frame, MODEL, 0);
    expect(obs.value).toBeCloseTo(0.3, 10);
    expect(obs.details).toMatchObject({ events: 30, requests: 100 });
    expect(obs.breach.critical).toBe(true);
  });

  it('holds a firing tier while the observed rate stays within the hysteresis band', () => {
    // 9.5% observed against a 10% tier: not a new breach, but within 10% of the limit.
    const obs = observeLast([1000], [95], { tiers: { critical: { above: '10%' } } });
    expect(obs.breach.critical).toBe(false);
    expect(obs.hold.critical).toBe(true);
    expect(observeLast([1000], [85], { tiers: { critical: { above: '10%' } } }).hold.critical).toBe(false);
  });

  it('never judges a window without a single request, even with min_requests 0', () => {
    const obs = observeLast(runs([null, 10]), runs([null, 10]), { min_requests: 0 });
    // 0 of 0 is no evidence at all; it must not become a NaN rate in the state and in the alert text.
    expect(obs.value === null || Number.isFinite(obs.value)).toBe(true);
    expect(obs.text).not.toContain('NaN');
  });
});

describe('ratio rule: adaptive window for low traffic', () => {
  it.each([
    // case, requests per minute over 40 minutes, rule overrides, window minutes, requests, evaluable
    ['busy model: the 5-minute window is enough', runs([100, 40]), {}, 5, 500, true],
    ['3 requests a minute: widens to 7 minutes for 20 requests', runs([3, 40]), {}, 7, 21, true],
    ['1 request a minute: widens to 20 minutes for 20 requests', runs([1, 40]), {}, 20, 20, true],
    ['1 request a minute, min_requests 40: stops at the default max_window (6 × 5m = 30m)', runs([1, 40]), { min_requests: 40 }, 30, 30, false],
    ['1 request a minute with max_window 10m: stops at 10 minutes, not enough to judge', runs([1, 40]), { max_window: '10m' }, 10, 10, false],
    ['silent minutes count as no requests: widens past them', [...runs([50, 30]), ...runs([null, 10])], {}, 11, 50, true],
  ])('%s', (_case, requests, rule, windowMinutes, total, evaluable) => {
    const obs = observeLast(requests, requests.map((r) => (r === null ? null : 0)), { window: '5m', ...rule });
    expect(obs.evaluable).toBe(evaluable);
    if (evaluable) expect(obs.details).toMatchObject({ window_minutes: windowMinutes, requests: total });
    else expect(obs.text).toBe(`${total} requests in ${windowMinutes} min: not enough to judge`);
  });

  it('does not widen into minutes before the data starts', () => {
    const obs = observeLast(runs([3, 4]), runs([0, 4]), { window: '5m' });
    expect(obs.evaluable).toBe(false);
    expect(obs.text).toBe('12 requests in 4 min: not enough to judge');
  });

  it('judges the errors of the widened window, not of the nominal one', () => {
    // 4 requests a minute; the errors sit 6-7 minutes back, outside a 5-minute window but inside the widened one.
    const requests = runs([4, 20]);
    const errors = [...runs([0, 13]), 4, 4, ...runs([0, 5])];
    const obs = observeLast(requests, errors, { window: '5m', min_requests: 28 });
    expect(obs.details).toMatchObject({ window_minutes: 7, requests: 28, events: 8 });
  });
});
