import { compileRoute } from '../../shared/route/tree';
import { formatDuration, parseDuration, parseFraction, parseMillis } from '../../shared/rules/units';
import { Config } from '../../shared/rules/schema';

describe('durations', () => {
  it.each([
    ['800ms', 800],
    ['10s', 10_000],
    ['90s', 90_000],
    ['5m', 300_000],
    ['1.5m', 90_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1w', 604_800_000],
    [' 5m ', 300_000],
    ['0m', 0],
  ])('%j is %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    [5, 'must be a duration with a unit, like 5m, 90s or 2h'],
    [300000, 'must be a duration with a unit, like 5m, 90s or 2h'],
    ['5', '"5" is not a duration: use a number and a unit (ms, s, m, h, d, w), like 5m'],
    ['5 minutes', '"5 minutes" is not a duration: use a number and a unit (ms, s, m, h, d, w), like 5m'],
    ['-5m', '"-5m" is not a duration: use a number and a unit (ms, s, m, h, d, w), like 5m'],
    ['5M', '"5M" is not a duration: use a number and a unit (ms, s, m, h, d, w), like 5m'],
    [null, 'must be a duration with a unit, like 5m, 90s or 2h'],
  ])('refuses %j: %s', (value, problem) => {
    expect(parseDuration(value)).toBe(problem);
  });

  it.each([
    [800, '800ms'],
    [10_000, '10s'],
    [300_000, '5m'],
    [7_200_000, '2h'],
    [86_400_000, '1d'],
    [90_000, '90s'],
  ])('formats %i ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toBe(ms);
  });
});

describe('fractions (ratio limits)', () => {
  it.each([
    ['5%', 0.05],
    ['0.5%', 0.005],
    ['12.5 %', 0.125],
    [0.05, 0.05],
    [0, 0],
  ])('%j is %d', (value, fraction) => {
    expect(parseFraction(value)).toBeCloseTo(fraction, 12);
  });

  it.each([['5'], ['0.05'], ['five percent'], [true], [null]])('refuses %j', (value) => {
    expect(parseFraction(value)).toBe('must be a percentage like 5% or a fraction like 0.05');
  });

  it.each([[-0.05], ['-5%']])('refuses the negative %j, whether written as a number or as a percentage', (value) => {
    expect(typeof parseFraction(value)).toBe('string');
  });
});

describe('times (latency limits)', () => {
  it.each([
    ['10s', 10_000],
    ['800ms', 800],
    [10_000, 10_000],
    [0, 0],
    ['1.5s', 1500],
  ])('%j is %i ms', (value, ms) => {
    expect(parseMillis(value)).toBe(ms);
  });

  it.each([
    ['10', 'must be a time like 10s or 800ms, or a number of milliseconds'],
    ['fast', 'must be a time like 10s or 800ms, or a number of milliseconds'],
    [-1, 'must not be negative'],
  ])('refuses %j: %s', (value, problem) => {
    expect(parseMillis(value)).toBe(problem);
  });
});

describe('units through the schema', () => {
  const rule = (tiers: unknown, extra: Record<string, unknown> = {}) => ({
    rules: [{ name: 'r', kind: 'ratio', numerator: 'InvocationServerErrors', denominator: 'Invocations', next_check: 'c', tiers, ...extra }],
  });

  it('normalises percentages, fractions and durations', () => {
    const config = Config.parse(rule({ warning: { above: '1%', for: '10m' }, critical: { above: 0.05, for: '90s' } }, { window: '2m', keep_firing_for: '1h' }));
    expect(config.rules[0]).toMatchObject({ window: 120_000, keep_firing_for: 3_600_000, tiers: { warning: { above: 0.01, for: 600_000 }, critical: { above: 0.05, for: 90_000 } } });
  });

  it('applies the documented defaults in ms', () => {
    const config = Config.parse(rule({ critical: { above: '5%' } }));
    expect(config.rules[0]).toMatchObject({ window: 300_000, keep_firing_for: 600_000, resolve_after_missing: 1_800_000, min_requests: 20, min_events: 3, confidence: 0.95, missing: 'keep', evidence: 'sequential', tiers: { critical: { for: 0 } } }); // sequential evidence replaces `for` by default
    expect(config.settings).toMatchObject({ publication_delay: 120_000, schedule: 60_000, max_catch_up: 3_600_000 });
    expect(compileRoute(config).repeat_interval).toBe(14_400_000);
  });

  it('refuses a bare number where a duration is expected', () => {
    const r = Config.safeParse(rule({ critical: { above: '5%', for: 300 } }));
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['rules.0.tiers.critical.for', 'must be a duration with a unit, like 5m, 90s or 2h']]);
  });
});
