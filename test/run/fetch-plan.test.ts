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
    // With the sequential evidence rules (no `for`), only the slow rules (cost, drift, latency) wait: a fifth fewer metrics here.
    expect(tiered.evaluateMetrics).toBeLessThan(every.evaluateMetrics * 0.85);
  });
});
