import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { HISTORY_HOURS, at, endOf, raw } from '../../shared/baselines/history';
import { initialState } from '../../shared/engine/machine';
import type { AlertState } from '../../shared/core/alert';
import { signalOf } from '../../shared/engine/signal';
import { fingerprint } from '../../shared/engine/fingerprint';
import { baselinesOf } from '../../shared/run/baselines-provider';
import { BOOTSTRAP_DAYS, runBaselineUpdate, type LearnDeps } from '../../shared/run/learn';
import { CloudWatchSource, MODEL_ID_LABEL } from '../../shared/sources/cloudwatch';
import { DynamoBaselineStore, MemoryBaselineStore } from '../../shared/state/baselines';
import { ConcurrentTickError } from '../../shared/state/types';
import { DAY, HOUR, historyOf } from '../support/baseline-fixtures';
import { hourlyCloudWatch } from '../support/cloudwatch-hourly';
import { useDynamo } from '../support/dynamo';
import { configOf } from '../support/frame';

const cw = mockClient(CloudWatchClient);
const client = new CloudWatchClient({ region: 'us-east-1' });
beforeEach(() => cw.reset());
const db = useDynamo();

const SONNET = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
const NOVA = 'amazon.nova-lite-v1:0';
const INV = 'Invocations:Sum';
const IN = 'InputTokenCount:Sum';
const OUT = 'OutputTokenCount:Sum';

const config = configOf([
  { name: 'model-unavailable', kind: 'absent', next_check: 'IAM, SCP.', tiers: { critical: { for: '0m' } } },
  { name: 'daily-cost', kind: 'cost', next_check: 'Callers.', tiers: { warning: { above: 1.3, for: '30m' } } },
  { name: 'client-errors', kind: 'ratio', numerator: 'InvocationClientErrors', denominator: 'Invocations', next_check: 'Caller.', tiers: { warning: { above: '5%' } } },
]);

/** First run at 10:05 UTC: the publication delay (2 min) leaves 10:00 as the end of the learned range. */
const NOW = Date.parse('2026-10-19T10:05:00Z');
const AS_OF = Date.parse('2026-10-19T10:00:00Z');
const FROM = AS_OF - BOOTSTRAP_DAYS * DAY;

/** An incident on Sonnet six days ago, 10:30–12:30: the model ran at 10× while a latency alert fired. */
const INCIDENT = AS_OF - 6 * DAY + 30 * 60_000;
const inIncident = (t: number) => t + HOUR > INCIDENT - HOUR && t < INCIDENT + 2 * HOUR;

/** Sonnet: 100 requests an hour for the whole 14 days; Nova: 20 an hour for the last 2 days only. */
function value(model: string, key: string, hour: number): number | null {
  const scale = key === INV ? 1 : key === IN ? 1000 : 100;
  if (model === SONNET) return 100 * scale * (inIncident(hour) ? 10 : 1);
  if (model === NOVA) return hour >= AS_OF - 2 * DAY ? 20 * scale : null;
  return null;
}

function alert(rule: string, over: Partial<AlertState>): AlertState {
  const r = config.rules.find((x) => x.name === rule) ?? config.rules[0];
  const labels = { ModelId: SONNET };
  return { ...initialState(fingerprint(rule, labels), r, signalOf(r), labels), rule, ...over };
}

const resolvedIncident = alert('latency-p95', { signal: 'latency', status: 'inactive', maxTier: 'critical', startsAt: INCIDENT, endsAt: INCIDENT + 2 * HOUR });

const noState = (alerts: AlertState[] = []): LearnDeps['state'] => ({
  listAlerts: async () => alerts,
  load: async () => {
    throw new Error('load() is only needed for caller baselines');
  },
});

const calls = () => cw.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input);

describe('runBaselineUpdate on dynalite with a paginated CloudWatch', () => {
  // The tests in this block run in order against one table: bootstrap, then the next hour.
  const store = () => new DynamoBaselineStore(db().table);

  it('bootstraps 14 days of hourly history on a first run (paginated GetMetricData, SEARCH at 3600 s)', async () => {
    cw.on(GetMetricDataCommand).callsFake(hourlyCloudWatch([SONNET, NOVA], value, 100));
    const source = new CloudWatchSource({ client });
    const report = await runBaselineUpdate({ config, source, baselines: store(), state: noState([resolvedIncident]) }, NOW);

    const sent = calls();
    expect(sent.length).toBe(4); // 336 hourly points per series, 100 a page
    expect(sent.map((c) => c.NextToken)).toEqual([undefined, 'page-1', 'page-2', 'page-3']);
    for (const c of sent) {
      expect(c.StartTime).toEqual(new Date(FROM));
      expect(c.EndTime).toEqual(new Date(AS_OF));
      expect(c.MetricDataQueries).toEqual([
        { Id: 's0', Expression: `SEARCH('{AWS/Bedrock,ModelId} MetricName="InputTokenCount"', 'Sum', 3600)`, Label: MODEL_ID_LABEL, ReturnData: true },
        { Id: 's1', Expression: `SEARCH('{AWS/Bedrock,ModelId} MetricName="Invocations"', 'Sum', 3600)`, Label: MODEL_ID_LABEL, ReturnData: true },
        { Id: 's2', Expression: `SEARCH('{AWS/Bedrock,ModelId} MetricName="OutputTokenCount"', 'Sum', 3600)`, Label: MODEL_ID_LABEL, ReturnData: true },
      ]);
    }
    expect(report).toMatchObject({ asOf: '2026-10-19T10:00:00.000Z', models: 2 });
    expect([...report.bootstrapped].sort()).toEqual([NOVA, SONNET]);
    // Sonnet: 336 hours × 3 series; Nova: its history starts with its first traffic, 48 hours × 3.
    expect(report.hoursLearned).toBe(3 * (14 * 24) + 3 * 48);

    const stored = await store().loadHistories();
    expect(Object.keys(stored).sort()).toEqual([NOVA, SONNET]);
    const sonnet = stored[SONNET].histories[INV];
    expect(stored[SONNET].version).toBe(1);
    expect(sonnet.start).toBe(FROM);
    expect(sonnet.values).toHaveLength(14 * 24);
    expect(endOf(sonnet)).toBe(AS_OF);
    expect(stored[NOVA].histories[INV].start).toBe(AS_OF - 2 * DAY);
    expect(stored[SONNET].histories[IN].values.every((v) => v === 100_000 || v === 1_000_000)).toBe(true);
  });

  it('learns the hours of an alert episode like any other (an alert must not bend what is learned to be normal)', async () => {
    const stored = await store().loadHistories();
    const h = stored[SONNET].histories[INV];
    const incident = [INCIDENT - 90 * 60_000, INCIDENT - 30 * 60_000, INCIDENT + 30 * 60_000, INCIDENT + 90 * 60_000].map((t) => Math.floor(t / HOUR) * HOUR);
    expect(h.excluded).toBeUndefined();
    for (const t of incident) {
      expect(raw(h, t)).toBe(1000);
      expect(at(h, t)).toBe(1000);
    }
  });

  it('publishes expectations that baselinesOf reads: the incident does not teach the baseline', async () => {
    const baselines = baselinesOf(await store().loadExpectations());
    expect(baselines.models().sort()).toEqual([NOVA, SONNET]);
    // The hours of the day after are the normal 100 (the incident six days ago is one hour of the level factor's 36).
    expect(baselines.expect(SONNET, INV, AS_OF + 5 * HOUR)).toEqual({ value: 100, confidence: 'ok', hours: 14 * 24 });
    expect(baselines.expect(SONNET, IN, AS_OF + 3 * HOUR)).toMatchObject({ value: 100_000, confidence: 'ok' });
    expect(baselines.expect(NOVA, INV, AS_OF)).toEqual({ value: 20, confidence: 'low', hours: 48 });
    const cost = baselines.model(SONNET)!.cost;
    expect(cost.monthStart).toBe(Date.parse('2026-10-01T00:00:00Z'));
    expect(cost.monthToDate).toBeGreaterThan(0);
  });

  it('learns only the new hour on the next run, alerts firing or not', async () => {
    cw.on(GetMetricDataCommand).callsFake(hourlyCloudWatch([SONNET, NOVA], value, 100));
    // Whatever fires (a cost runaway, silence, client errors), the hour is learned: robust statistics, not exclusion, keep incidents out.
    const firing = alert('model-unavailable', { signal: 'cost', status: 'firing', tier: 'critical', maxTier: 'critical', startsAt: AS_OF + 20 * 60_000, endsAt: null });
    const silent = alert('model-unavailable', { signal: 'availability', status: 'firing', tier: 'critical', maxTier: 'critical', startsAt: AS_OF + 20 * 60_000, endsAt: null, labels: { ModelId: NOVA } });
    const clientErrors = alert('client-errors', { signal: 'client_errors', status: 'firing', tier: 'warning', startsAt: AS_OF - 3 * DAY, labels: { ModelId: NOVA } });
    const source = new CloudWatchSource({ client });
    const report = await runBaselineUpdate({ config, source, baselines: store(), state: noState([resolvedIncident, firing, clientErrors, silent]) }, NOW + HOUR);

    const sent = calls();
    expect(sent).toHaveLength(1);
    expect(sent[0].StartTime).toEqual(new Date(AS_OF));
    expect(sent[0].EndTime).toEqual(new Date(AS_OF + HOUR));
    expect(report).toMatchObject({ asOf: '2026-10-19T11:00:00.000Z', models: 2, bootstrapped: [], hoursLearned: 2 * 3 });

    const stored = await store().loadHistories();
    expect(stored[SONNET].version).toBe(2);
    expect(stored[SONNET].histories[INV].values).toHaveLength(14 * 24 + 1);
    expect(at(stored[SONNET].histories[INV], AS_OF)).toBe(100);
    expect(at(stored[NOVA].histories[INV], AS_OF)).toBe(20);
    expect(baselinesOf(await store().loadExpectations()).model(SONNET)!.asOf).toBe(AS_OF + HOUR);
  });

  it('does nothing when the hour is already learned (a re-delivered schedule)', async () => {
    const report = await runBaselineUpdate({ config, source: new CloudWatchSource({ client }), baselines: store(), state: noState() }, NOW + HOUR + 10 * 60_000);
    expect(calls()).toHaveLength(0);
    expect(report).toMatchObject({ models: 0, hoursLearned: 0 });
  });
});

describe('runBaselineUpdate: bounded history', () => {
  it('keeps at most HISTORY_HOURS per series: a full five-week history drops its oldest hour when it learns a new one', async () => {
    const baselines = new MemoryBaselineStore();
    const start = AS_OF - HISTORY_HOURS * HOUR;
    const full = () => historyOf(start, HISTORY_HOURS, () => 50);
    await baselines.saveHistories(SONNET, { histories: { [INV]: full(), [IN]: full(), [OUT]: full() }, version: 0 });
    cw.on(GetMetricDataCommand).callsFake(hourlyCloudWatch([SONNET], value, 100));
    const report = await runBaselineUpdate({ config, source: new CloudWatchSource({ client }), baselines, state: noState() }, NOW + HOUR);
    expect(calls().map((c) => [c.StartTime, c.EndTime])).toEqual([[new Date(AS_OF), new Date(AS_OF + HOUR)]]);
    expect(report.hoursLearned).toBe(3);
    const h = (await baselines.loadHistories())[SONNET].histories[INV];
    expect(h.values).toHaveLength(HISTORY_HOURS);
    expect(h.start).toBe(start + HOUR);
    expect(endOf(h)).toBe(AS_OF + HOUR);
  });

  it('after a long outage of the baseline function, fetches at most the last 14 days', async () => {
    const baselines = new MemoryBaselineStore();
    const old = AS_OF - 30 * DAY;
    await baselines.saveHistories(SONNET, { histories: { [INV]: historyOf(old - 5 * DAY, 120, () => 50), [IN]: historyOf(old - 5 * DAY, 120, () => 50), [OUT]: historyOf(old - 5 * DAY, 120, () => 50) }, version: 0 });
    cw.on(GetMetricDataCommand).callsFake(hourlyCloudWatch([SONNET], value, 1000));
    await runBaselineUpdate({ config, source: new CloudWatchSource({ client }), baselines, state: noState() }, NOW);
    expect(calls().map((c) => c.StartTime)).toEqual([new Date(FROM)]);
    const h = (await baselines.loadHistories())[SONNET].histories[INV];
    expect(h.values.length).toBeLessThanOrEqual(HISTORY_HOURS);
    expect(raw(h, FROM - HOUR)).toBeNull(); // the hours nobody fetched are unknown, not 0
    expect(raw(h, FROM)).toBe(100);
  });
});

describe('DynamoBaselineStore', () => {
  it('refuses a history write from a stale version (two overlapping runs)', async () => {
    const store = new DynamoBaselineStore(db().table);
    const model = 'test.concurrency-v1:0';
    await store.saveHistories(model, { histories: { [INV]: historyOf(AS_OF, 2, () => 1) }, version: 0 });
    const a = (await store.loadHistories())[model];
    const b = (await store.loadHistories())[model];
    await store.saveHistories(model, a);
    await expect(store.saveHistories(model, b)).rejects.toBeInstanceOf(ConcurrentTickError);
    await expect(store.saveHistories(model, { histories: {}, version: 0 })).rejects.toBeInstanceOf(ConcurrentTickError);
  });
});
