import { estimateMonthly, metricsPerTick, MONTH_MS } from '../../shared/cli/cost/monthly';
import { nativeAlarms, nativeAlarmsMonthly } from '../../shared/cli/cost/native-alarms';
import prices from '../../shared/pricing/aws-prices.json';
import { parseRules } from '../../shared/rules/load';
import { MINUTE } from '../../shared/core/time';

const config = parseRules(`
rules:
  - { name: errors, kind: ratio, numerator: InvocationServerErrors, denominator: [Invocations, InvocationThrottles], next_check: x, tiers: { warning: { above: 1%, for: 10m }, critical: { above: 5%, for: 5m } } }
  - { name: latency, kind: threshold, metric: InvocationLatency, stat: p95, window: 5m, next_check: x, tiers: { warning: { above: 5s, baseline_ratio: 1.5, for: 10m }, critical: { above: 10s, for: 10m } } }
  - { name: silent, kind: absent, signal: availability, next_check: x, tiers: { critical: { for: 0m } } }
  - { name: both, kind: composite, all: [{ rule: errors }, { rule: latency }], next_check: x, tiers: { critical: { for: 5m } } }
  - { name: wow, kind: week_over_week, signal: tokens, measure: tokens_per_request, next_check: x, tiers: { warning: { above: 20% } } }
`);

describe('native CloudWatch alarms for the same rules', () => {
  const eq = nativeAlarms(config);

  it('counts one alarm per rule tier: metric math per metric, anomaly detection as 3, composites apart', () => {
    expect(eq.alarms.map((a) => `${a.rule}/${a.tier}: ${a.kind} ${a.metrics}`)).toEqual([
      'errors/warning: metric math 3',
      'errors/critical: metric math 3',
      'latency/warning: anomaly detection 3',
      'latency/critical: metric 1',
      'silent/critical: metric 1',
      'both/critical: composite 0',
    ]);
    expect(eq.uncounted).toEqual([{ rule: 'wow', why: 'alarms cannot compare a week with the week before' }]);
  });

  it('prices them per model per month', () => {
    const m = nativeAlarmsMonthly(eq, 20);
    expect(m.alarmMetrics).toBe(11 * 20);
    expect(m.composites).toBe(20);
    expect(m.usd).toBeCloseTo(220 * 0.1 + 20 * 0.5, 10);
  });
});

describe('GetMetricData metrics per tick', () => {
  const cfg = { ...config, settings: { ...config.settings } };

  it('reads every series of every model each tick without tiers', () => {
    // Invocations, throttles, server errors, latency p95
    expect(metricsPerTick(cfg, 20, MINUTE, { kind: 'every-tick' })).toBe(4 * 20);
  });

  it('with tiers: fast series per model every tick, then a slow read every detail_every (account-wide error counts, the rest per model)', () => {
    // fast: absent + composite (its `for` covers 5 min but its condition errors needs ≥ 4: yes; latency 10 ≥ 4: yes → slow)
    // → fast reads Invocations only; slow read = 2 account-wide error counts + latency p95 × 20.
    expect(metricsPerTick(cfg, 20, MINUTE, { kind: 'tiered', detailEvery: 5 * MINUTE })).toBeCloseTo(20 + (2 + 20) / 5, 10);
    // Errors in every window: the error counts per model too (account-wide once every 11 ticks).
    expect(metricsPerTick(cfg, 20, MINUTE, { kind: 'tiered', detailEvery: 5 * MINUTE, errors: 1 })).toBeCloseTo(20 + (20 + 2 / 11 + 40) / 5, 10);
    // A slow rule always on the move: the slow read every tick.
    expect(metricsPerTick(cfg, 20, MINUTE, { kind: 'tiered', detailEvery: 5 * MINUTE, moving: 1 })).toBeCloseTo(20 + 2 + 20, 10);
  });
});

describe('GetMetricData metrics per tick with error counts judged every tick', () => {
  const fastErrors = parseRules(`
rules:
  - { name: throttles, kind: ratio, numerator: InvocationThrottles, denominator: [Invocations, InvocationThrottles], next_check: x, tiers: { critical: { above: 10% } } }
  - { name: latency, kind: threshold, metric: InvocationLatency, stat: p95, window: 5m, next_check: x, tiers: { warning: { above: 5s } } }
  - { name: spend, kind: cost, signal: cost, window: 1h, next_check: x, tiers: { warning: { above: 1.5 } } }
`);

  it('reads the counts account-wide every tick, per model only when new errors show; tokens every detail_every', () => {
    // Every tick: Invocations and latency per model, throttles account-wide; every 5 min: input and output tokens per model.
    expect(metricsPerTick(fastErrors, 20, MINUTE, { kind: 'tiered', detailEvery: 5 * MINUTE })).toBeCloseTo(2 * 20 + 1 + (2 * 20) / 5, 10);
    // Errors somewhere every minute: the throttles per model every tick too, account-wide once every 11 ticks.
    expect(metricsPerTick(fastErrors, 20, MINUTE, { kind: 'tiered', detailEvery: 5 * MINUTE, errors: 1 })).toBeCloseTo(2 * 20 + 1 / 11 + 20 + (2 * 20) / 5, 10);
    // detail_every at the schedule: every series per model every tick.
    expect(metricsPerTick(fastErrors, 20, MINUTE, { kind: 'tiered', detailEvery: MINUTE })).toBe(5 * 20);
  });

  it('reads per model only the share of counts the account-wide bound cannot clear, keeping the account-wide read that clears the rest', () => {
    // Errors every minute, 89% of the models read: 17.8 throttle reads a tick and the account-wide read every tick.
    expect(metricsPerTick(fastErrors, 20, MINUTE, { kind: 'tiered', detailEvery: 5 * MINUTE, errors: 1, countShare: 0.89 })).toBeCloseTo(2 * 20 + 1 + 0.89 * 20 + (2 * 20) / 5, 10);
    // Errors in 10% of minutes, 19% of the models read then.
    expect(metricsPerTick(fastErrors, 20, MINUTE, { kind: 'tiered', detailEvery: 5 * MINUTE, errors: 0.1, countShare: 0.19 })).toBeCloseTo(2 * 20 + 1 + 0.1 * 0.19 * 20 + (2 * 20) / 5, 10);
    // At 3 models 89% spares less than one read a count: every model read directly, the account-wide read once every 11 ticks (as without the bound).
    expect(metricsPerTick(fastErrors, 3, MINUTE, { kind: 'tiered', detailEvery: 5 * MINUTE, errors: 1, countShare: 0.89 })).toBeCloseTo(
      metricsPerTick(fastErrors, 3, MINUTE, { kind: 'tiered', detailEvery: 5 * MINUTE, errors: 1 }),
      10,
    );
  });

  it('multiplies reads, models and native alarms by regions × accounts', () => {
    const lambda = { evaluate: { memoryMb: 256, durationMs: 0, invocations: 0 }, baseline: { memoryMb: 256, durationMs: 0, invocations: 0 }, digest: { memoryMb: 256, durationMs: 0, invocations: 0 }, ingest: { memoryMb: 512, durationMs: 0, invocations: 0 } };
    const input = { config: fastErrors, models: 20, interval: MINUTE, design: { kind: 'tiered', detailEvery: 5 * MINUTE } as const, lambda, notifications: 0, logBytesPerTick: 0, storageBytesPerModel: 0 };
    const one = estimateMonthly(input);
    const six = estimateMonthly({ ...input, places: 6 });
    expect(six.metricsPerTick).toBeCloseTo(6 * one.metricsPerTick, 10);
    expect(six.lines[0].usd).toBeCloseTo(6 * one.lines[0].usd, 10);
  });
});

describe('the monthly bill', () => {
  const lambda = {
    evaluate: { memoryMb: 256, durationMs: 500, invocations: MONTH_MS / MINUTE },
    baseline: { memoryMb: 256, durationMs: 0, invocations: 0 },
    digest: { memoryMb: 256, durationMs: 0, invocations: 0 },
    ingest: { memoryMb: 512, durationMs: 0, invocations: 0 },
  };
  const bill = estimateMonthly({ config, models: 20, interval: MINUTE, design: { kind: 'every-tick' }, lambda, notifications: 1000, logBytesPerTick: 1000, storageBytesPerModel: 0 });
  const line = (name: string) => bill.lines.find((l) => l.name === name)!;

  it('prices the metrics requested at GetMetricData per-metric price', () => {
    expect(line('GetMetricData, evaluate').quantity).toBe(80 * 43_200);
    expect(line('GetMetricData, evaluate').usd).toBeCloseTo(80 * 43_200 * prices.cloudwatch.getMetricDataPerMetric, 8);
  });

  it('prices Lambda in GB-seconds at the configured memory plus requests', () => {
    const gbs = 43_200 * 0.25 * 0.5;
    expect(line('Lambda evaluate').quantity).toBeCloseTo(gbs, 8);
    expect(line('Lambda evaluate').usd).toBeCloseTo(gbs * prices.lambda.arm64PerGbSecond + 43_200 * prices.lambda.perRequest, 8);
  });

  it('prices SNS publishes and log ingestion, and adds every line into the total', () => {
    expect(line('SNS publishes').usd).toBeCloseTo(1000 * prices.sns.perPublish, 10);
    expect(line("functions' own logs (ingested, kept 30 days)").quantity).toBeCloseTo(0.0432, 10);
    expect(bill.total).toBeCloseTo(bill.lines.reduce((s, l) => s + l.usd, 0), 10);
  });
});
