import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CloudWatchClient, GetMetricDataCommand, ListMetricsCommand, type GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, FilterLogEventsCommand, type FilterLogEventsCommandInput } from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { checkpointFile, record, RECORD_KEYS } from '../../shared/cli/record';
import { parseRecord } from '../../shared/logs/record';
import { loadMetricTrace } from '../../shared/sources/trace';
import { DAY, MINUTE } from '../../shared/core/time';
import { emulate, page, pointsOf, type Point } from '../support/cloudwatch-emulator';
import { sampleFile } from '../support/trace';

const ROOT = join(__dirname, '..', '..');
const cw = mockClient(CloudWatchClient);
const logs = mockClient(CloudWatchLogsClient);
const sample = loadMetricTrace(sampleFile('sample-metrics.jsonl.gz'));
const NOW = sample.to + 3 * MINUTE; // the window ends at the sample's last minute
const FROM = sample.to - DAY;
const points: Point[] = pointsOf(sample).filter((p) => p.t >= FROM && RECORD_KEYS.includes(p.key));
const models = Object.keys(sample.series).sort();
const noSleep = async () => {};
const throttle = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });

/** GetMetricData as CloudWatch pages it: at most `max` datapoints a response, the rest behind NextToken (PartialData). */
function paginated(max = 5000) {
  const full = emulate(points);
  return (input: GetMetricDataCommandInput) => {
    const all = full({ ...input, NextToken: undefined });
    let skip = Number(input.NextToken ?? 0);
    let budget = max;
    const results = [];
    for (const r of all.MetricDataResults ?? []) {
      const n = r.Timestamps!.length;
      const take = Math.max(0, Math.min(n - skip, budget));
      const from = Math.min(skip, n);
      results.push({ ...r, StatusCode: from + take < n ? 'PartialData' : 'Complete', Timestamps: r.Timestamps!.slice(from, from + take), Values: r.Values!.slice(from, from + take) });
      skip = Math.max(0, skip - n);
      budget -= take;
    }
    const total = (all.MetricDataResults ?? []).reduce((a, r) => a + r.Timestamps!.length, 0);
    const served = Number(input.NextToken ?? 0) + (max - budget);
    return page(results as never, served < total ? String(served) : undefined);
  };
}

/** ListMetrics in two pages, with a metric of another dimension set that must be ignored. */
function listMetrics(input: { NextToken?: string }) {
  const metric = (m: string) => ({ Namespace: 'AWS/Bedrock', MetricName: 'Invocations', Dimensions: [{ Name: 'ModelId', Value: m }] });
  if (!input.NextToken) return { Metrics: [metric(models[0]), { Namespace: 'AWS/Bedrock', MetricName: 'Invocations', Dimensions: [{ Name: 'ModelId', Value: 'x' }, { Name: 'Guardrail', Value: 'g' }] }], NextToken: 'p2' };
  return { Metrics: models.slice(1).map(metric) };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bw-record-'));
  cw.reset();
  logs.reset();
  cw.on(ListMetricsCommand).callsFake(listMetrics);
  jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  jest.restoreAllMocks();
});

const text = (file: string) => gunzipSync(readFileSync(file)).toString('utf8');

describe('record', () => {
  it('writes every datapoint of the window as a metric trace that loads back to the same series, through throttling and pagination', async () => {
    const serve = paginated();
    let calls = 0;
    cw.on(GetMetricDataCommand).callsFake((input) => {
      if (++calls === 2) throw throttle();
      return serve(input);
    });
    const out = join(dir, 'acct-metrics.jsonl.gz');
    const report = await record({ cloudwatch: new CloudWatchClient({ region: 'us-east-1' }), region: 'us-east-1', days: 1, out, now: NOW, sleep: noSleep });
    expect(report.models).toEqual(models);
    expect(report.datapoints).toBe(points.length);
    // ≤ 500 queries a call, pages followed: more calls than chunks.
    const inputs = cw.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input);
    expect(Math.max(...inputs.map((i) => i.MetricDataQueries!.length))).toBeLessThanOrEqual(500);
    expect(inputs.some((i) => i.NextToken)).toBe(true);
    expect(existsSync(checkpointFile(out))).toBe(false);

    const back = loadMetricTrace(out);
    expect(back.from).toBe(FROM);
    for (const m of models) for (const key of RECORD_KEYS) {
      const original = sample.series[m][key]?.slice((FROM - sample.from) / MINUTE) ?? [];
      expect(back.series[m][key] ?? []).toEqual(original.some((v) => v !== null) ? original : []);
    }
    const first = JSON.parse(text(out).split('\n')[0]);
    expect(Object.keys(first)).toEqual(['timestamp', 'namespace', 'metric', 'dimensions', 'stat', 'period', 'value']);

    // Replays with backtest, unchanged.
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'bedrock-watch.js'), 'backtest', '--metrics', out, '--json'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(Array.isArray(json.alerts) && Array.isArray(json.notifications)).toBe(true);
  }, 120_000);

  it('records several regions into one trace whose lines say where, and which replays them as separate series', async () => {
    // us-west-2 serves the same datapoints at half the value: the same model, another place.
    const east = emulate(points);
    const west = emulate(points.map((p) => ({ ...p, v: p.v / 2 })));
    cw.on(GetMetricDataCommand).callsFake(async (input, getClient) => ((await getClient().config.region()) === 'us-west-2' ? west : east)(input));
    const out = join(dir, 'two-metrics.jsonl.gz');
    const report = await record({
      cloudwatch: new CloudWatchClient({ region: 'us-east-1' }),
      region: 'us-east-1',
      moreRegions: [{ region: 'us-west-2', cloudwatch: new CloudWatchClient({ region: 'us-west-2' }) }],
      account: '111111111111',
      days: 1,
      out,
      now: NOW,
      sleep: noSleep,
    });
    expect(report.models).toEqual([...models.map((m) => `us-east-1||${m}`), ...models.map((m) => `us-west-2||${m}`)]);
    const first = JSON.parse(text(out).split('\n')[0]);
    expect(Object.keys(first)).toEqual(['timestamp', 'region', 'account', 'namespace', 'metric', 'dimensions', 'stat', 'period', 'value']);
    const back = loadMetricTrace(out);
    const m = models[0];
    const eastKey = `us-east-1|111111111111|${m}`;
    const westKey = `us-west-2|111111111111|${m}`;
    expect(Object.keys(back.series)).toEqual(expect.arrayContaining([eastKey, westKey]));
    const inv = (k: string) => back.series[k]['Invocations:Sum'].reduce<number>((a, v) => a + (v ?? 0), 0);
    expect(inv(westKey)).toBeCloseTo(inv(eastKey) / 2, 6);
  }, 120_000);

  it('resumes an interrupted run where it stopped and ends with the same file', async () => {
    const serve = paginated(50_000);
    cw.on(GetMetricDataCommand).callsFake(serve);
    const whole = join(dir, 'whole-metrics.jsonl.gz');
    await record({ cloudwatch: new CloudWatchClient({ region: 'us-east-1' }), region: 'us-east-1', days: 1, out: whole, now: NOW, sleep: noSleep });
    const wholeCalls = cw.commandCalls(GetMetricDataCommand).length;

    cw.reset();
    cw.on(ListMetricsCommand).callsFake(listMetrics);
    let calls = 0;
    cw.on(GetMetricDataCommand).callsFake((input) => {
      if (++calls === 3) throw Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } });
      return serve(input);
    });
    const out = join(dir, 'acct-metrics.jsonl.gz');
    const opts = { cloudwatch: new CloudWatchClient({ region: 'us-east-1' }), region: 'us-east-1', days: 1, out, now: NOW, sleep: noSleep };
    await expect(record(opts)).rejects.toThrow(/^CloudWatch GetMetricData \(AWS\/Bedrock, 30 queries, .*\): AccessDeniedException: User is not authorized \(needs cloudwatch:GetMetricData\)$/);
    expect(existsSync(checkpointFile(out))).toBe(true);
    expect(existsSync(out)).toBe(false);

    cw.reset();
    cw.on(GetMetricDataCommand).callsFake(serve);
    // Later, and the window stays the one the first run chose.
    const report = await record({ ...opts, now: NOW + 5 * 3_600_000 });
    expect(report.resumed).toBe(true);
    expect(cw.commandCalls(ListMetricsCommand)).toHaveLength(0);
    expect(cw.commandCalls(GetMetricDataCommand).length).toBe(wholeCalls - 2);
    expect(text(out)).toBe(text(whole));
  }, 60_000);

  it('records invocation logs page by page with the prompt and completion text stripped', async () => {
    cw.on(GetMetricDataCommand).callsFake(paginated());
    const records = Array.from({ length: 120 }, (_, i) => ({
      schemaType: 'ModelInvocationLog',
      schemaVersion: '1.0',
      timestamp: new Date(FROM + i * 11 * MINUTE + 1234).toISOString(),
      accountId: '123456789012',
      identity: { arn: 'arn:aws:sts::123456789012:assumed-role/app/session-1' },
      region: 'us-east-1',
      requestId: `r-${i}`,
      operation: i % 2 ? 'Converse' : 'InvokeModel',
      modelId: models[i % models.length],
      input: { inputContentType: 'application/json', inputTokenCount: 100 + i, inputBodyJson: { messages: [{ role: 'user', content: 'SECRET PROMPT about payroll' }] } },
      output: i % 2
        ? { outputContentType: 'application/json', outputTokenCount: 20, outputBodyJson: { output: { message: { content: [{ text: 'SECRET ANSWER' }] } }, stopReason: i % 3 ? 'end_turn' : 'max_tokens' } }
        : { outputContentType: 'application/json', outputTokenCount: 30, outputBodyJson: JSON.stringify({ content: [{ text: 'SECRET ANSWER' }], stop_reason: 'end_turn' }) },
    }));
    logs.on(FilterLogEventsCommand).callsFake((input: FilterLogEventsCommandInput) => {
      const inWindow = records.filter((r) => Date.parse(r.timestamp) >= input.startTime! && Date.parse(r.timestamp) <= input.endTime!);
      const events = [...inWindow.map((r) => ({ timestamp: Date.parse(r.timestamp), message: JSON.stringify(r) })), { timestamp: input.startTime, message: 'START RequestId: not a record' }];
      const start = Number(input.nextToken ?? 0);
      const slice = events.slice(start, start + 3);
      return { events: slice, nextToken: start + 3 < events.length ? String(start + 3) : undefined };
    });
    const out = join(dir, 'acct-metrics.jsonl.gz');
    const report = await record({ cloudwatch: new CloudWatchClient({ region: 'us-east-1' }), logsClient: new CloudWatchLogsClient({ region: 'us-east-1' }), region: 'us-east-1', days: 1, out, logGroup: '/bedrock/invocations', now: NOW, sleep: noSleep });
    const logFile = join(dir, 'acct-invocations.jsonl.gz');
    const written = text(logFile);
    expect(written).not.toMatch(/SECRET/);
    const lines = written.trim().split('\n');
    expect(lines).toHaveLength(records.length);
    expect(report.logRecords).toBe(records.length);
    const byId = new Map(records.map((r) => [r.requestId, r]));
    for (const line of lines) {
      const stripped = parseRecord(line);
      expect(stripped).toEqual(parseRecord(JSON.stringify(byId.get(stripped.requestId!))));
    }
    expect(logs.commandCalls(FilterLogEventsCommand).some((c) => c.args[0].input.nextToken)).toBe(true);
  }, 60_000);
});
