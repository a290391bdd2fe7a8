import {
  CloudWatchClient,
  CloudWatchServiceException,
  GetMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudWatchSource, MAX_QUERIES_PER_CALL, MODEL_ID_LABEL } from '../../shared/sources/cloudwatch';
import { getMetricDataCost } from '../../shared/sources/cloudwatch-cost';
import { HOUR, MINUTE } from '../../shared/core/time';
import { parseSeriesKey } from '../../shared/core/series';
import { type FetchRequest } from '../../shared/sources/types';
import { emulate, page, type Point } from '../support/cloudwatch-emulator';

const cw = mockClient(CloudWatchClient);
// A real client: mockClient stubs send() on the CloudWatchClient prototype, so nothing leaves the process.
const client = new CloudWatchClient({ region: 'us-east-1' });
beforeEach(() => cw.reset());

const SONNET = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
const NOVA = 'amazon.nova-lite-v1:0';
const LLAMA = 'meta.llama3-1-70b-instruct-v1:0';

const T0 = Date.parse('2026-10-05T10:00:00Z');
const T1 = Date.parse('2026-10-05T10:15:00Z');
const at = (minute: number) => new Date(T0 + minute * MINUTE);

/** The 12 series keys the default rules read (FORMAT.md metrics, with latency at two stats). */
const KEYS12 = [
  'Invocations:Sum',
  'InvocationThrottles:Sum',
  'InvocationServerErrors:Sum',
  'InvocationClientErrors:Sum',
  'InvocationLatency:Average',
  'InvocationLatency:p95',
  'TimeToFirstToken:Average',
  'TimeToFirstToken:p95',
  'InputTokenCount:Sum',
  'OutputTokenCount:Sum',
  'EstimatedTPMQuotaUsage:Sum',
  'LegacyModelInvocations:Sum',
];


const req = (over: Partial<FetchRequest> = {}): FetchRequest => ({ keys: ['Invocations:Sum'], from: T0, to: T1, period: MINUTE, ...over });
const calls = () => cw.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input);

describe('CloudWatchSource.fetch', () => {
  it('(a) follows NextToken across two pages, the first one PartialData, and merges the series', async () => {
    cw.on(GetMetricDataCommand)
      .resolvesOnce(
        page(
          [
            {
              Id: 's0',
              Label: SONNET,
              StatusCode: 'PartialData',
              Timestamps: [0, 1, 2, 3, 4, 5, 6, 7].map(at),
              Values: [11, 12, 9, 14, 10, 13, 12, 11],
            },
          ],
          'AQICAHh-page-2',
        ),
      )
      .resolvesOnce(
        page([
          { Id: 's0', Label: SONNET, StatusCode: 'Complete', Timestamps: [8, 9, 10, 11, 12, 13, 14].map(at), Values: [10, 15, 12, 11, 13, 12, 14] },
          { Id: 's0', Label: NOVA, StatusCode: 'Complete', Timestamps: [9, 10].map(at), Values: [3, 4] },
        ]),
      );
    const source = new CloudWatchSource({ client: client });
    const frame = await source.fetch(req());

    const sent = calls();
    expect(sent).toHaveLength(2);
    expect(sent[0]!.NextToken).toBeUndefined();
    expect(sent[1]!.NextToken).toBe('AQICAHh-page-2');
    for (const input of sent) {
      expect(input.ScanBy).toBe('TimestampAscending');
      expect(input.StartTime).toEqual(new Date(T0));
      expect(input.EndTime).toEqual(new Date(T1));
      expect(input.MetricDataQueries).toEqual(sent[0]!.MetricDataQueries);
    }
    expect(frame).toMatchObject({ from: T0, length: 15, period: MINUTE });
    expect(frame.models[SONNET]!['Invocations:Sum']).toEqual([11, 12, 9, 14, 10, 13, 12, 11, 10, 15, 12, 11, 13, 12, 14]);
    const nova = Array(15).fill(null);
    nova[9] = 3;
    nova[10] = 4;
    expect(frame.models[NOVA]!['Invocations:Sum']).toEqual(nova);
    expect(source.stats).toEqual({ calls: 2, queries: 2, datapoints: 17, metrics: 3 });
  });

  it('(b) search mode: 3 models × 12 keys take one call of 12 SEARCH queries', async () => {
    const points: Point[] = [];
    [SONNET, NOVA, LLAMA].forEach((model, mi) =>
      KEYS12.forEach((key, ki) => {
        for (let minute = 0; minute < 15; minute++) points.push({ model, key, t: T0 + minute * MINUTE, v: mi * 1000 + ki * 10 + minute });
      }),
    );
    cw.on(GetMetricDataCommand).callsFake(emulate(points));
    const source = new CloudWatchSource({ client: client });
    const frame = await source.fetch(req({ keys: KEYS12 }));

    expect(calls()).toHaveLength(1);
    expect(calls()[0]!.MetricDataQueries).toHaveLength(12);
    expect(Object.keys(frame.models).sort()).toEqual([NOVA, LLAMA, SONNET].sort());
    [SONNET, NOVA, LLAMA].forEach((model, mi) => {
      expect(Object.keys(frame.models[model]!)).toEqual(KEYS12);
      KEYS12.forEach((key, ki) => {
        expect(frame.models[model]![key]).toEqual(Array.from({ length: 15 }, (_, minute) => mi * 1000 + ki * 10 + minute));
      });
    });
    expect(source.stats).toEqual({ calls: 1, queries: 12, datapoints: 3 * 12 * 15, metrics: 36 });
  });

  it('(b) explicit mode: 45 known models × 12 keys = 540 MetricStat queries split into calls of ≤ 500', async () => {
    const models = Array.from({ length: 45 }, (_, i) => `custom.model-${i}-v1:0`);
    const points: Point[] = [];
    models.forEach((model, mi) =>
      KEYS12.forEach((key, ki) => points.push({ model, key, t: T0 + (mi % 15) * MINUTE, v: mi * 100 + ki })),
    );
    cw.on(GetMetricDataCommand).callsFake(emulate(points));
    const source = new CloudWatchSource({ client: client, discovery: false });
    const frame = await source.fetch(req({ keys: KEYS12, knownModels: models }));

    const sent = calls();
    expect(sent.length).toBeGreaterThanOrEqual(2);
    for (const input of sent) expect(input.MetricDataQueries!.length).toBeLessThanOrEqual(MAX_QUERIES_PER_CALL);
    expect(sent.map((c) => c.MetricDataQueries!.length)).toEqual([500, 40]);
    const queries = sent.flatMap((c) => c.MetricDataQueries!);
    expect(queries).toHaveLength(540);
    expect(new Set(queries.map((q) => q.Id)).size).toBe(540);
    for (const q of queries) {
      expect(q.Id).toMatch(/^[a-z][a-zA-Z0-9_]*$/);
      expect(q.Expression).toBeUndefined();
      expect(q.MetricStat).toMatchObject({ Period: 60, Metric: { Namespace: 'AWS/Bedrock' } });
    }
    expect(queries[0]!.MetricStat).toEqual({
      Metric: { Namespace: 'AWS/Bedrock', MetricName: 'Invocations', Dimensions: [{ Name: 'ModelId', Value: models[0] }] },
      Stat: 'Sum',
      Period: 60,
    });
    models.forEach((model, mi) =>
      KEYS12.forEach((key, ki) => {
        const expected = Array(15).fill(null);
        expected[mi % 15] = mi * 100 + ki;
        expect(frame.models[model]![key]).toEqual(expected);
      }),
    );
    expect(source.stats).toMatchObject({ calls: 2, queries: 540, datapoints: 540, metrics: 540 });
  });

  it('(b2) a read naming models (error counts some models need) asks exactly those, one MetricStat query each, even with discovery', async () => {
    const points: Point[] = [SONNET, NOVA, LLAMA].map((model, i) => ({ model, key: 'InvocationThrottles:Sum', t: T0, v: i + 1 }));
    cw.on(GetMetricDataCommand).callsFake(emulate(points));
    const source = new CloudWatchSource({ client: client });
    const frame = await source.fetch(req({ keys: ['InvocationThrottles:Sum'], models: [NOVA, LLAMA], knownModels: [SONNET, NOVA, LLAMA] }));
    const queries = calls().flatMap((c) => c.MetricDataQueries!);
    expect(queries.map((q) => [q.Expression, q.MetricStat?.Metric?.Dimensions?.[0]?.Value])).toEqual([
      [undefined, NOVA],
      [undefined, LLAMA],
    ]);
    // Only the named models are in the frame: the tick merges it over the others' series.
    expect(Object.keys(frame.models).sort()).toEqual([NOVA, LLAMA].sort());
    expect(frame.models[LLAMA]!['InvocationThrottles:Sum']![0]).toBe(3);
    expect(source.stats.metrics).toBe(2);
  });

  it('(c) keeps minutes without a datapoint null and real zeros 0', async () => {
    cw.on(GetMetricDataCommand).resolves(
      page([
        // Throttles: 0 in minutes with invocations, nothing published for the idle minutes 3-5 and 12.
        {
          Id: 's0',
          Label: SONNET,
          StatusCode: 'Complete',
          Timestamps: [0, 1, 2, 6, 7, 8, 9, 10, 11, 13, 14].map(at),
          Values: [0, 0, 2, 0, 0, 0, 5, 0, 0, 0, 1],
        },
      ]),
    );
    const source = new CloudWatchSource({ client: client });
    const frame = await source.fetch(req({ keys: ['InvocationThrottles:Sum'] }));
    expect(frame.models[SONNET]!['InvocationThrottles:Sum']).toEqual([0, 0, 2, null, null, null, 0, 0, 0, 5, 0, 0, null, 0, 1]);
  });

  it('(c) ignores datapoints outside [from, to) and aligns hourly slots', async () => {
    const H0 = Date.parse('2026-10-05T00:00:00Z');
    cw.on(GetMetricDataCommand).resolves(
      page([
        {
          Id: 's0',
          Label: NOVA,
          StatusCode: 'Complete',
          Timestamps: [-1, 0, 2, 3, 4].map((h) => new Date(H0 + h * HOUR)),
          Values: [99, 120, 0, 130, 77],
        },
      ]),
    );
    const source = new CloudWatchSource({ client: client });
    const frame = await source.fetch(req({ from: H0, to: H0 + 4 * HOUR, period: HOUR }));
    expect(frame).toMatchObject({ from: H0, length: 4, period: HOUR });
    expect(frame.models[NOVA]!['Invocations:Sum']).toEqual([120, null, 0, 130]);
    expect(calls()[0]!.MetricDataQueries![0]!.Expression).toBe(
      `SEARCH('{AWS/Bedrock,ModelId} MetricName="Invocations"', 'Sum', 3600)`,
    );
  });

  it('(d) a known model the search did not return stays in the frame with all-null series', async () => {
    const points: Point[] = [
      { model: SONNET, key: 'Invocations:Sum', t: T0, v: 7 },
      { model: SONNET, key: 'InvocationServerErrors:Sum', t: T0, v: 0 },
    ];
    cw.on(GetMetricDataCommand).callsFake(emulate(points));
    const source = new CloudWatchSource({ client: client });
    const frame = await source.fetch(req({ keys: ['Invocations:Sum', 'InvocationServerErrors:Sum'], knownModels: [SONNET, LLAMA] }));

    const nulls = Array(15).fill(null);
    expect(frame.models[LLAMA]).toEqual({ 'Invocations:Sum': nulls, 'InvocationServerErrors:Sum': nulls });
    expect(frame.models[SONNET]!['Invocations:Sum']).toEqual([7, ...Array(14).fill(null)]);
    expect(frame.models[SONNET]!['InvocationServerErrors:Sum']).toEqual([0, ...Array(14).fill(null)]);
  });

  it('(d) explicit mode: a known model with no datapoints appears with all-null series', async () => {
    cw.on(GetMetricDataCommand).callsFake(emulate([{ model: SONNET, key: 'Invocations:Sum', t: T0 + 3 * MINUTE, v: 4 }]));
    const source = new CloudWatchSource({ client: client, discovery: false });
    const frame = await source.fetch(req({ knownModels: [SONNET, NOVA] }));
    expect(frame.models[NOVA]).toEqual({ 'Invocations:Sum': Array(15).fill(null) });
    expect(frame.models[SONNET]!['Invocations:Sum']![3]).toBe(4);
  });

  it('(e) wraps a ThrottlingException in an error naming the call, with the SDK error as cause', async () => {
    const throttled = new CloudWatchServiceException({
      name: 'ThrottlingException',
      $fault: 'client',
      message: 'Rate exceeded',
      $metadata: { httpStatusCode: 400, attempts: 3, totalRetryDelay: 1450 },
    });
    cw.on(GetMetricDataCommand).rejects(throttled);
    const source = new CloudWatchSource({ client: client });
    const error: unknown = await source.fetch(req({ keys: KEYS12 })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(
      'CloudWatch GetMetricData (AWS/Bedrock, 12 queries, 2026-10-05T10:00Z..10:15Z): ThrottlingException: Rate exceeded',
    );
    expect((error as Error).cause).toBe(throttled);
    // No retry loop of its own: the SDK's retry strategy already ran inside send().
    expect(calls()).toHaveLength(1);
  });

  it('throws a clear error naming the metric on a Forbidden or InternalError query status', async () => {
    cw.on(GetMetricDataCommand).resolves(
      page([
        { Id: 's0', Label: SONNET, StatusCode: 'Complete', Timestamps: [at(0)], Values: [3] },
        {
          Id: 's1',
          Label: MODEL_ID_LABEL,
          StatusCode: 'Forbidden',
          Timestamps: [],
          Values: [],
          Messages: [{ Code: 'Forbidden', Value: 'Insufficient permissions' }],
        },
      ]),
    );
    const source = new CloudWatchSource({ client: client });
    await expect(source.fetch(req({ keys: ['Invocations:Sum', 'InvocationLatency:p95'] }))).rejects.toThrow(
      /CloudWatch GetMetricData \(AWS\/Bedrock, 2 queries, .*\): Forbidden for InvocationLatency:p95 .*Insufficient permissions/,
    );

    cw.reset();
    cw.on(GetMetricDataCommand).resolves(page([{ Id: 'm0', StatusCode: 'InternalError', Timestamps: [], Values: [] }]));
    const explicit = new CloudWatchSource({ client: client, discovery: false });
    await expect(explicit.fetch(req({ knownModels: [NOVA] }))).rejects.toThrow(/InternalError for Invocations:Sum of amazon\.nova-lite-v1:0/);
  });

  it('(f) queries exactly the requested keys, one SEARCH expression each', async () => {
    cw.on(GetMetricDataCommand).resolves(page([]));
    const keys = ['Invocations:Sum', 'InvocationLatency:p95', 'InvocationThrottles:Sum', 'Invocations:Sum'];
    const source = new CloudWatchSource({ client: client });
    const frame = await source.fetch(req({ keys }));

    expect(calls()).toHaveLength(1);
    expect(calls()[0]!.MetricDataQueries).toEqual([
      { Id: 's0', Expression: `SEARCH('{AWS/Bedrock,ModelId} MetricName="Invocations"', 'Sum', 60)`, Label: "${PROP('Dim.ModelId')}", ReturnData: true },
      { Id: 's1', Expression: `SEARCH('{AWS/Bedrock,ModelId} MetricName="InvocationLatency"', 'p95', 60)`, Label: "${PROP('Dim.ModelId')}", ReturnData: true },
      { Id: 's2', Expression: `SEARCH('{AWS/Bedrock,ModelId} MetricName="InvocationThrottles"', 'Sum', 60)`, Label: "${PROP('Dim.ModelId')}", ReturnData: true },
    ]);
    expect(frame.models).toEqual({});
    expect(source.stats).toEqual({ calls: 1, queries: 3, datapoints: 0, metrics: 0 });
  });

  it('(f) explicit mode queries only requested keys for known models', async () => {
    cw.on(GetMetricDataCommand).resolves(page([]));
    const source = new CloudWatchSource({ client: client, discovery: false });
    await source.fetch(req({ keys: ['InvocationLatency:p95', 'TimeToFirstToken:Average'], knownModels: [SONNET, NOVA] }));
    const got = calls()[0]!.MetricDataQueries!.map((q) => [
      q.MetricStat!.Metric!.Dimensions![0]!.Value,
      `${q.MetricStat!.Metric!.MetricName}:${q.MetricStat!.Stat}`,
    ]);
    expect(got).toEqual([
      [SONNET, 'InvocationLatency:p95'],
      [SONNET, 'TimeToFirstToken:Average'],
      [NOVA, 'InvocationLatency:p95'],
      [NOVA, 'TimeToFirstToken:Average'],
    ]);
    for (const [, key] of got) expect(parseSeriesKey(key!).stat).toBeTruthy();
  });

  it('makes no call when there is nothing to ask', async () => {
    const explicit = new CloudWatchSource({ client: client, discovery: false });
    const frame = await explicit.fetch(req({ knownModels: [] }));
    expect(frame.models).toEqual({});
    expect(calls()).toHaveLength(0);
    expect(explicit.stats.calls).toBe(0);
  });
});

describe('getMetricDataCost', () => {
  it('bills $0.01 per 1,000 metrics requested', () => {
    expect(getMetricDataCost({ metricsRequested: 1000 })).toBeCloseTo(0.01, 10);
    expect(getMetricDataCost({ metricsRequested: 36 })).toBeCloseTo(0.00036, 10);
    expect(getMetricDataCost({ metricsRequested: 0 })).toBe(0);
  });
});

describe('CloudWatchSource.fetchAccount', () => {
  it('asks for each key without the ModelId dimension, one billed metric each, under the model *', async () => {
    const points: Point[] = [
      { model: SONNET, key: 'InvocationServerErrors:Sum', t: at(1).getTime(), v: 2 },
      { model: NOVA, key: 'InvocationServerErrors:Sum', t: at(1).getTime(), v: 3 },
      { model: NOVA, key: 'InvocationThrottles:Sum', t: at(4).getTime(), v: 1 },
    ];
    cw.on(GetMetricDataCommand).callsFake(emulate(points));
    const source = new CloudWatchSource({ client });
    const frame = await source.fetchAccount!({ keys: ['InvocationServerErrors:Sum', 'InvocationThrottles:Sum'], from: T0, to: T1, period: MINUTE });
    const queries = calls()[0].MetricDataQueries ?? [];
    expect(queries.map((q) => [q.MetricStat?.Metric?.MetricName, q.MetricStat?.Metric?.Dimensions, q.MetricStat?.Stat, q.MetricStat?.Period])).toEqual([
      ['InvocationServerErrors', [], 'Sum', 60],
      ['InvocationThrottles', [], 'Sum', 60],
    ]);
    expect(Object.keys(frame.models)).toEqual(['*']);
    expect(frame.models['*']['InvocationServerErrors:Sum'][1]).toBe(5);
    expect(frame.models['*']['InvocationThrottles:Sum'][4]).toBe(1);
    expect(frame.models['*']['InvocationThrottles:Sum'][0]).toBeNull();
    expect(source.stats.metrics).toBe(2);
  });

  it('reads another account too: its own client (an assumed role) or AccountId on the query (cross-account observability), under that place\'s *', async () => {
    cw.on(GetMetricDataCommand).callsFake(emulate([]));
    const linked = new CloudWatchSource({ client, place: { region: 'eu-west-1', account: '123456789012', observability: true } });
    const frame = await linked.fetchAccount!({ keys: ['InvocationThrottles:Sum'], from: T0, to: T1, period: MINUTE });
    expect(calls()[0].MetricDataQueries?.map((q) => [q.MetricStat?.Metric?.Dimensions, q.AccountId])).toEqual([[[], '123456789012']]);
    expect(Object.keys(frame.models)).toEqual(['eu-west-1|123456789012|*']);
    const assumed = new CloudWatchSource({ client, place: { region: 'eu-west-1', account: '210987654321' } });
    const own = await assumed.fetchAccount!({ keys: ['InvocationThrottles:Sum'], from: T0, to: T1, period: MINUTE });
    expect(calls()[1].MetricDataQueries?.[0].AccountId).toBeUndefined();
    expect(Object.keys(own.models)).toEqual(['eu-west-1|210987654321|*']);
  });
});
