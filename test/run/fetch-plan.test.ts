/**
 * The tiered fetch (settings.detail_every) against reading every series every minute, through
 * the real evaluate handler on a generated workload: the same alerts on the same ticks, for a
 * fraction of the GetMetricData metrics.
 */
import { replay, type ReplayResult } from '../../shared/local/replay-run';
import { generateWorkload } from '../../shared/local/generate';
import { parseRules } from '../../shared/rules/load';
import { DAY, MINUTE } from '../../shared/core/time';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadMetricTrace } from '../../shared/sources/trace';
import { groupRules } from '../../shared/engine/cadence';
import type { Transition } from '../../shared/core/alert';
import { targetKey } from '../../shared/core/target';
import type { MetricTrace } from '../../shared/sources/trace';
import { manyModels } from '../../shared/cli/bench';
import { ReplaySource } from '../../shared/sources/replay';
import { SENTINEL_SERIES } from '../../shared/engine/cadence';

const config = parseRules(readFileSync(join(__dirname, '..', '..', 'rules.yml'), 'utf8'));
const day = (h: number, m = 0) => new Date(Date.parse('2026-11-03T00:00:00Z') + h * 3_600_000 + m * MINUTE).toISOString();
const models = [
  { id: 'amazon.nova-micro-v1:0', peakPerMinute: 2, nightShare: 0.2, weekendShare: 0.5, growthPerDay: 0, p95: 900, inputTokens: 600, outputTokens: 200 },
  { id: 'anthropic.claude-3-5-haiku-20241022-v1:0', peakPerMinute: 200, nightShare: 0.25, weekendShare: 0.5, growthPerDay: 0, p95: 2200, inputTokens: 1500, outputTokens: 400 },
  { id: 'anthropic.claude-sonnet-4-20250514-v1:0', peakPerMinute: 20, nightShare: 0.3, weekendShare: 0.6, growthPerDay: 0, p95: 4000, inputTokens: 3000, outputTokens: 1800 },
];
const { trace } = generateWorkload({
  start: '2026-11-02T00:00:00Z',
  days: 2,
  seed: 3,
  models,
  incidents: [
    { kind: 'throttle_storm', modelId: models[1].id, start: day(10), minutes: 20, severity: 'critical', magnitude: 0.25 },
    { kind: 'server_errors', modelId: models[2].id, start: day(12, 7), minutes: 30, severity: 'critical', magnitude: 0.2 },
    { kind: 'latency_spike', modelId: models[2].id, start: day(15, 3), minutes: 40, severity: 'critical', magnitude: 3 },
    { kind: 'outage', modelId: models[1].id, start: day(17, 11), minutes: 20, severity: 'critical', magnitude: 0 },
  ],
});

const decisions = (r: ReplayResult) => r.transitions.map((t) => `${new Date(t.at).toISOString()} ${t.kind} ${t.state.rule} ${t.state.labels.ModelId} ${t.state.tier ?? ''}`).sort();

describe('reading slow rules every detail_every', () => {
  let every: ReplayResult;
  let tiered: ReplayResult;
  beforeAll(async () => {
    const from = trace.from + DAY + 9 * 3_600_000; // the incidents' hours
    const to = from + 10 * 3_600_000;
    every = await replay({ config, metrics: trace, from, to, store: 'memory', detailEvery: MINUTE });
    tiered = await replay({ config, metrics: trace, from, to, store: 'memory', detailEvery: 5 * MINUTE });
  }, 120_000);

  it('fires, escalates and resolves the same alerts on the same ticks', () => {
    expect(decisions(every).filter((d) => d.includes('firing')).length).toBeGreaterThanOrEqual(3); // throttles, server errors, latency
    expect(decisions(tiered)).toEqual(decisions(every));
    expect(tiered.captured.map((c) => `${c.receiver} ${c.notification.action} ${c.notification.at}`).sort()).toEqual(
      every.captured.map((c) => `${c.receiver} ${c.notification.action} ${c.notification.at}`).sort(),
    );
  });

  it('requests fewer GetMetricData metrics', () => {
    // Errors and throttles somewhere in most minutes (the generator's background rates at 200 requests a minute),
    // so the counts are often read per model: the saving is the account-wide proof of the quiet minutes, and tokens.
    expect(tiered.evaluateMetrics).toBeLessThan(every.evaluateMetrics * 0.85);
  });
});

/**
 * The bundled sample (three models, errors in a few minutes an hour, a cost incident) replayed
 * both ways: reading every series per model every tick, and the plan (error counts behind the
 * account-wide read, held counts never re-read, tokens every detail_every).
 */
describe('the fetch plan against reading everything, on the bundled sample', () => {
  const sample = loadMetricTrace(join(__dirname, '..', '..', 'events', 'traces', 'sample-metrics.jsonl.gz'));
  const { fast } = groupRules(config.rules, config.settings.detail_every, config.settings.schedule);
  const fastRules = new Set(fast.map((r) => r.name));
  const line = (t: Transition) => `${t.kind} ${t.state.rule} ${t.state.labels.ModelId} ${t.state.tier ?? ''} minute ${new Date(t.minute).toISOString()}`;
  let every: ReplayResult;
  let planned: ReplayResult;
  beforeAll(async () => {
    const from = sample.to - 2 * DAY;
    every = await replay({ config, metrics: sample, from, store: 'memory', detailEvery: MINUTE });
    planned = await replay({ config, metrics: sample, from, store: 'memory' });
  }, 180_000);

  it('judges every count, latency and availability rule identically: same transitions, same data minutes, same ticks', () => {
    const of = (r: ReplayResult) => r.transitions.filter((t) => fastRules.has(t.state.rule)).map((t) => `${line(t)} at ${new Date(t.at).toISOString()}`).sort();
    expect(of(every).length).toBeGreaterThanOrEqual(6);
    expect(of(planned)).toEqual(of(every));
    const sent = (r: ReplayResult) => r.captured.filter((c) => fastRules.has(c.notification.alert.rule)).map((c) => `${c.receiver} ${c.notification.action} ${c.notification.at}`).sort();
    expect(sent(planned)).toEqual(sent(every));
  });

  it('judges the spend rate on the same data minutes, at most detail_every − schedule later', () => {
    const wait = config.settings.detail_every - config.settings.schedule;
    const spend = (r: ReplayResult) => r.transitions.filter((t) => t.state.rule === 'bedrock-spend-rate');
    expect(spend(every).length).toBeGreaterThanOrEqual(2);
    expect(spend(planned).map(line)).toEqual(spend(every).map(line));
    spend(planned).forEach((t, i) => {
      expect(t.at).toBeGreaterThanOrEqual(spend(every)[i].at);
      expect(t.at - spend(every)[i].at).toBeLessThanOrEqual(wait);
    });
  });

  it('requests about half the metrics: the error counts are read per model only when a new minute is not zero', () => {
    // Reading everything: 8 series × 3 models = 24 a tick.
    expect(every.evaluateMetrics / every.ticks).toBe(24);
    // 13.7 measured: the per-model counts of the minutes with errors only for models the account-wide bound cannot clear (15.8 reading every model's).
    expect(planned.evaluateMetrics / planned.ticks).toBeLessThan(14.5);
  });
});

/** Two places of one trace (region and account fields): each has its own account-wide counts, read per model only where they are not zero. */
describe('the fetch plan in several places', () => {
  const MODEL = 'anthropic.claude-3-5-haiku-20241022-v1:0';
  const quiet = { id: MODEL, peakPerMinute: 3, nightShare: 0.3, weekendShare: 0.5, growthPerDay: 0, p95: 2000, inputTokens: 1000, outputTokens: 300 };
  const places = [
    { region: 'us-east-1', account: '111111111111', seed: 21, incidents: [] },
    { region: 'us-west-2', account: '111111111111', seed: 22, incidents: [{ kind: 'throttle_storm' as const, modelId: MODEL, start: day(10), minutes: 20, severity: 'critical' as const, magnitude: 0.4 }] },
  ];
  const trace: MetricTrace = { from: Date.parse('2026-11-02T00:00:00Z'), to: Date.parse('2026-11-04T00:00:00Z'), namespace: 'AWS/Bedrock', series: {}, skipped: 0 };
  const EMBED = 'amazon.titan-embed-text-v2:0';
  for (const p of places) {
    const w = generateWorkload({ start: '2026-11-02T00:00:00Z', days: 2, seed: p.seed, models: [quiet, { ...quiet, id: EMBED, peakPerMinute: 2, outputTokens: 0 }], incidents: p.incidents });
    for (const m of [MODEL, EMBED]) trace.series[targetKey({ modelId: m, region: p.region, account: p.account })] = w.trace.series[m];
  }
  let every: ReplayResult;
  let planned: ReplayResult;
  beforeAll(async () => {
    const from = trace.from + DAY + 8 * 3_600_000;
    const to = from + 4 * 3_600_000;
    every = await replay({ config, metrics: trace, from, to, store: 'memory', detailEvery: MINUTE });
    planned = await replay({ config, metrics: trace, from, to, store: 'memory' });
  }, 120_000);

  it('pages for the throttle storm in us-west-2 on the same tick, and judges everything else the same', () => {
    const of = (r: ReplayResult) => r.transitions.map((t) => `${t.kind} ${t.state.rule} ${t.state.labels.Region} ${t.state.labels.ModelId} ${t.state.tier ?? ''} ${t.minute} ${t.at}`).sort();
    expect(of(every).some((t) => t.startsWith('firing bedrock-throttles us-west-2'))).toBe(true);
    expect(of(planned)).toEqual(of(every));
  });

  it('reads fewer metrics: counts per model only in the place with errors, tokens every detail_every', () => {
    // Two models a place, 8 series each: 32 a tick reading everything.
    expect(every.evaluateMetrics / every.ticks).toBe(32);
    expect(planned.evaluateMetrics / planned.ticks).toBeLessThan(26);
  });
});

/**
 * The bench's busy account (20 generated models from 1.5 to 240 requests a minute, errors and
 * throttles somewhere in most minutes) with incidents on a small and a large model: the per-model
 * error counts are read only for models the account-wide bound cannot clear, and every rule is
 * judged as reading everything every tick judges it.
 */
describe('the fetch plan in a busy account of 20 models', () => {
  const profiles = manyModels(20);
  const small = profiles[1].id; // 12 requests a minute
  const large = profiles[3].id; // 240
  const { trace } = generateWorkload({
    start: '2026-11-02T00:00:00Z',
    days: 2,
    seed: 11,
    models: profiles,
    incidents: [
      { kind: 'throttle_storm', modelId: large, start: day(10), minutes: 20, severity: 'critical', magnitude: 0.25 },
      { kind: 'server_errors', modelId: small, start: day(11, 7), minutes: 30, severity: 'critical', magnitude: 0.2 },
      { kind: 'client_errors', modelId: large, start: day(12), minutes: 30, severity: 'critical', magnitude: 0.4 },
    ],
  });
  // Metrics requested by reads of error counts alone (per model), counted at the replay source.
  const counted = { perModel: 0 };
  const fetch = ReplaySource.prototype.fetch;
  let every: ReplayResult;
  let planned: ReplayResult;
  let unbounded: ReplayResult;
  let perModel: { planned: number; unbounded: number };
  beforeAll(async () => {
    jest.spyOn(ReplaySource.prototype, 'fetch').mockImplementation(async function (this: ReplaySource, req) {
      const frame = await fetch.call(this, req);
      // From the request and its answer (reads run concurrently, so not from the shared counter): as the source bills them.
      if (req.keys.every((k) => SENTINEL_SERIES.has(k))) counted.perModel += (req.models?.length ?? Object.keys(frame.models).length) * req.keys.length;
      return frame;
    });
    const from = trace.from + DAY + 9 * 3_600_000;
    const to = from + 4 * 3_600_000;
    every = await replay({ config, metrics: trace, from, to, store: 'memory', detailEvery: MINUTE });
    counted.perModel = 0;
    planned = await replay({ config, metrics: trace, from, to, store: 'memory' });
    const p = counted.perModel;
    counted.perModel = 0;
    // A run that records observations reads every model's counts (the real values for explain and the report): the plan without the bound.
    unbounded = await replay({ config, metrics: trace, from, to, store: 'memory', onObservation: () => {} });
    perModel = { planned: p / planned.ticks, unbounded: counted.perModel / unbounded.ticks };
    jest.restoreAllMocks();
  }, 300_000);

  it('fires and resolves the same alerts on the same ticks as reading everything every tick', () => {
    const of = (r: ReplayResult) => r.transitions.map((t) => `${t.kind} ${t.state.rule} ${t.state.labels.ModelId} ${t.state.tier ?? ''} ${t.minute} ${t.at}`).sort();
    expect(of(every).filter((t) => t.startsWith('firing')).length).toBeGreaterThanOrEqual(3);
    expect(of(planned)).toEqual(of(every));
    expect(of(unbounded)).toEqual(of(every));
  });

  it('reads fewer per-model error counts than without the bound, and fewer metrics than reading everything', () => {
    expect(perModel.planned).toBeLessThan(perModel.unbounded * 0.95);
    expect(planned.evaluateMetrics).toBeLessThan(unbounded.evaluateMetrics);
    expect(planned.evaluateMetrics / planned.ticks).toBeLessThan((every.evaluateMetrics / every.ticks) * 0.8);
  });
});
