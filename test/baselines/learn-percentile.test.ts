/**
 * Latency baselines are the same statistic live and in a backtest: the median of the hour's
 * minute p95s, learned from minute datapoints through the real CloudWatch source (GetMetricData
 * emulated at the SDK boundary) and through the replay source of a recorded trace alike.
 */
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { raw } from '../../shared/baselines/history';
import { runBaselineUpdate, type LearnDeps } from '../../shared/run/learn';
import { CloudWatchSource } from '../../shared/sources/cloudwatch';
import { ReplaySource } from '../../shared/sources/replay';
import type { MetricTrace } from '../../shared/sources/trace';
import { MemoryBaselineStore } from '../../shared/state/baselines';
import { emulate, pointsOf } from '../support/cloudwatch-emulator';
import { configOf } from '../support/frame';

const cw = mockClient(CloudWatchClient);
const MODEL = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
const HOUR = 3_600_000;
const MINUTE = 60_000;
const AS_OF = Date.parse('2026-10-19T10:00:00Z');
const NOW = AS_OF + 5 * MINUTE;
const FROM = AS_OF - 14 * 24 * HOUR;
const P95 = 'InvocationLatency:p95';

const config = configOf([
  { name: 'latency-p95', kind: 'threshold', metric: 'InvocationLatency', stat: 'p95', aggregate: 'median', window: '5m', next_check: 'Tokens.', tiers: { warning: { above: '5s', baseline_ratio: 1.5 } } },
  { name: 'model-unavailable', kind: 'absent', next_check: 'IAM.', tiers: { critical: { for: '0m' } } },
]);

/** 14 days of minutes: p95 around 2 s with one slow minute in five (a mean of minute p95s would drift up; the median does not). */
function trace(): MetricTrace {
  const n = (AS_OF - FROM) / MINUTE;
  const p95: (number | null)[] = [];
  const inv: (number | null)[] = [];
  for (let i = 0; i < n; i++) {
    const idle = i % 97 === 0; // now and then a minute without requests: no datapoint
    p95.push(idle ? null : i % 5 === 0 ? 9000 + (i % 7) * 100 : 2000 + (i % 11) * 10);
    inv.push(idle ? null : 40);
  }
  return { from: FROM, to: AS_OF, namespace: 'AWS/Bedrock', series: { [MODEL]: { [P95]: p95, 'Invocations:Sum': inv } }, skipped: 0 };
}

const state: LearnDeps['state'] = { listAlerts: async () => [], load: async () => ({}) as never };

async function learn(source: LearnDeps['source']): Promise<(number | null)[]> {
  const baselines = new MemoryBaselineStore();
  await runBaselineUpdate({ config, source, baselines, state }, NOW);
  const h = (await baselines.loadHistories())[MODEL]!.histories[P95];
  return Array.from({ length: 14 * 24 }, (_, i) => raw(h, FROM + i * HOUR));
}

describe('latency baselines, live and in a backtest', () => {
  it('learn the median of minute p95s per hour through CloudWatch and through a replay, identically', async () => {
    const t = trace();
    cw.reset();
    cw.on(GetMetricDataCommand).callsFake(emulate(pointsOf(t)));
    const live = await learn(new CloudWatchSource({ client: new CloudWatchClient({ region: 'us-east-1' }) }));
    const replayed = await learn(new ReplaySource(t, { now: () => NOW, delayMs: 2 * MINUTE }));

    expect(live).toEqual(replayed);
    // The median ignores the slow minute in five: about 2 s, where a mean would say about 3.4 s.
    expect(live.every((v) => v !== null && v >= 2000 && v <= 2100)).toBe(true);
    // The percentile was read at one minute (the same cost: one metric, however many datapoints).
    const periods = cw.commandCalls(GetMetricDataCommand).flatMap((c) => (c.args[0].input.MetricDataQueries ?? []).map((q) => [q.Expression ?? q.MetricStat?.Metric?.MetricName, q.Expression ? Number(/, (\d+)\)$/.exec(q.Expression)?.[1]) : q.MetricStat?.Period]));
    expect(periods.filter(([e]) => String(e).includes('InvocationLatency')).every(([, p]) => p === 60)).toBe(true);
    expect(periods.filter(([e]) => String(e).includes('"Invocations"')).every(([, p]) => p === 3600)).toBe(true);
  });
});
