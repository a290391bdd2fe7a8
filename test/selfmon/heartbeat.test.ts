/**
 * The dead-man's switch and the run's own metrics, as CloudWatch will read them: the EMF
 * documents the evaluate handler writes to stdout (one per invocation), parsed back.
 */
import { createEvaluateHandler } from '../../functions/evaluate';
import { NO_BASELINES } from '../../shared/engine/types';
import { CaptureNotifiers } from '../../shared/local/capture';
import { EmfMetrics, METRICS_NAMESPACE } from '../../shared/run/emf-metrics';
import { PER_TICK_METRICS } from '../../shared/core/self-metrics';
import { parseRules } from '../../shared/rules/load';
import { ReplaySource } from '../../shared/sources/replay';
import { MINUTE } from '../../shared/core/time';
import type { MetricSource } from '../../shared/sources/types';
import { MemoryStateStore } from '../../shared/state/memory-store';
import { runs } from '../support/frame';
import { lambdaContext, scheduledEvent, silentLogger } from '../support/lambda';
import { traceOf } from '../support/trace';

const T0 = Date.parse('2026-10-05T15:00:00.000Z');
const MODEL = 'amazon.nova-lite-v1:0';
const trace = traceOf(T0, { [MODEL]: { 'Invocations:Sum': runs([100, 30]), 'InvocationServerErrors:Sum': runs([0, 30]) } });
const config = parseRules(`
receivers: [{ name: sns-alerts, type: sns }]
routes: { critical: [sns-alerts] }
rules:
  - { name: server-errors, kind: ratio, numerator: InvocationServerErrors, denominator: Invocations, next_check: look, tiers: { critical: { above: 5%, for: 5m } } }
`);

// test/support/setup-env.ts turns EMF off for the other tests.
beforeAll(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
});

interface Emf {
  _aws: { Timestamp: number; CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [key: string]: unknown;
}

/** EMF documents written to stdout while `run` runs. */
async function emfOf(run: () => Promise<unknown>): Promise<Emf[]> {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return lines
    .flatMap((l) => l.split('\n'))
    .filter((l) => l.includes('"_aws"'))
    .map((l) => JSON.parse(l) as Emf);
}

function handlerWith(source: MetricSource) {
  const metrics = new EmfMetrics({ stage: 'test', service: 'bedrock-watch' });
  const store = new MemoryStateStore();
  const handler = createEvaluateHandler(() => ({ config, source, store, notifiers: new CaptureNotifiers(config.receivers), baselines: async () => NO_BASELINES }), silentLogger(), metrics);
  return {
    tick: (m: number) => handler(scheduledEvent(T0 + m * MINUTE), lambdaContext('evaluate')),
  };
}

describe('heartbeat', () => {
  it('each successful tick writes one EMF document with exactly the metrics cost prices as written every tick (Heartbeat 1), in BedrockWatch by service and Stage only', async () => {
    let now = T0;
    const h = handlerWith(new ReplaySource(trace, { now: () => now, delayMs: 2 * MINUTE }));
    const docs = await emfOf(async () => {
      for (const m of [3, 4, 5]) {
        now = T0 + m * MINUTE;
        await h.tick(m);
      }
    });
    expect(docs).toHaveLength(3);
    for (const d of docs) {
      const [cw] = d._aws.CloudWatchMetrics;
      expect(cw.Namespace).toBe(METRICS_NAMESPACE);
      expect(cw.Dimensions).toEqual([['service', 'Stage']]);
      expect(d.service).toBe('bedrock-watch');
      expect(d.Stage).toBe('test');
      expect(d.Heartbeat).toBe(1);
      expect(d.TickErrors).toBeUndefined();
      // Each name here is a custom metric billed all month: `bedrock-watch cost` prices PER_TICK_METRICS.
      expect(cw.Metrics.map((m) => m.Name).sort()).toEqual([...PER_TICK_METRICS].sort());
      expect(cw.Metrics).toEqual([{ Name: 'Heartbeat', Unit: 'Count' }]);
    }
  });
});

describe('fault: evaluate cannot finish its tick', () => {
  it('a tick that throws writes TickErrors and no Heartbeat, and still fails the invocation', async () => {
    const broken: MetricSource = {
      fetch: async () => {
        throw new RangeError('Invalid time zone specified: Europe/Berln');
      },
    } as unknown as MetricSource;
    const h = handlerWith(broken);
    let thrown: unknown;
    const docs = await emfOf(() => h.tick(3).catch((e) => (thrown = e)));
    expect((thrown as Error).message).toMatch(/Invalid time zone/);
    expect(docs).toHaveLength(1);
    expect(docs[0].TickErrors).toBe(1);
    expect(docs[0].Heartbeat).toBeUndefined();
  });

  it('a bad event fails the tick the same way: no heartbeat', async () => {
    const metrics = new EmfMetrics({ stage: 'test' });
    const handler = createEvaluateHandler(() => { throw new Error('not reached'); }, silentLogger(), metrics);
    const docs = await emfOf(() => handler({ nope: true }, lambdaContext('evaluate')).catch(() => undefined));
    expect(docs.map((d) => [d.Heartbeat, d.TickErrors])).toEqual([[undefined, 1]]);
  });
});

describe('the metrics port on EMF', () => {
  it('sums counts per invocation and keeps gauges with their unit', async () => {
    const metrics = new EmfMetrics({ stage: 'prod' });
    const docs = await emfOf(async () => {
      const flush = metrics.flushing();
      await flush.before?.({} as never);
      metrics.count('NotificationsSent');
      metrics.count('NotificationsSent', 2);
      metrics.count('NotificationsDropped', 0);
      metrics.gauge('OldestUnsentAgeSeconds', 95, 'Seconds');
      await flush.after?.({} as never);
    });
    expect(docs).toHaveLength(1);
    expect(docs[0]).toMatchObject({ NotificationsSent: 3, NotificationsDropped: 0, OldestUnsentAgeSeconds: 95, Stage: 'prod' });
    expect(docs[0]._aws.CloudWatchMetrics[0].Metrics).toEqual(
      expect.arrayContaining([{ Name: 'OldestUnsentAgeSeconds', Unit: 'Seconds' }, { Name: 'NotificationsSent', Unit: 'Count' }]),
    );
  });
});

describe('fault: a rule that throws during a tick', () => {
  it('the tick still beats, and the failures are counted as RuleErrors', async () => {
    const rules = parseRules(`
receivers: [{ name: sns-alerts, type: sns }]
routes: { critical: [sns-alerts] }
rules:
  - { name: latency-p95, kind: threshold, metric: InvocationLatency, stat: p95, next_check: look, tiers: { critical: { above: 10s, for: 5m } } }
`);
    const t = traceOf(T0, { [MODEL]: { 'Invocations:Sum': runs([100, 30]), 'InvocationLatency:p95': runs([800, 30]) } });
    const counted: [string, number][] = [];
    const recording = { count: (name: string, value = 1) => void counted.push([name, value]), gauge: () => {} };
    const throwing = { ...NO_BASELINES, expect: () => { throw new RangeError('corrupt baseline item'); } };
    const handler = createEvaluateHandler(
      () => ({ config: rules, source: new ReplaySource(t, { now: () => T0 + 5 * MINUTE, delayMs: 2 * MINUTE }), store: new MemoryStateStore(), notifiers: new CaptureNotifiers(rules.receivers), baselines: async () => throwing }),
      silentLogger(),
      recording,
    );
    const report = await handler(scheduledEvent(T0 + 5 * MINUTE), lambdaContext('evaluate'));
    expect(report.ruleErrors).toBeGreaterThan(0);
    expect(counted).toEqual([['RuleErrors', report.ruleErrors], ['Heartbeat', 1]]);
  });

  it('a tick whose rules all evaluate writes no RuleErrors (not a metric every tick)', async () => {
    const counted: string[] = [];
    const recording = { count: (name: string) => void counted.push(name), gauge: (name: string) => void counted.push(name) };
    const handler = createEvaluateHandler(
      () => ({ config, source: new ReplaySource(trace, { now: () => T0 + 5 * MINUTE, delayMs: 2 * MINUTE }), store: new MemoryStateStore(), notifiers: new CaptureNotifiers(config.receivers), baselines: async () => NO_BASELINES }),
      silentLogger(),
      recording,
    );
    await handler(scheduledEvent(T0 + 5 * MINUTE), lambdaContext('evaluate'));
    expect(counted).toEqual(['Heartbeat']);
  });
});
