import { Logger } from '@aws-lambda-powertools/logger';
import type { CloudWatchLogsEvent, Context } from 'aws-lambda';
import { handler, makeHandler } from '../../functions/ingest';
import { controlMessage, dataMessage, encodeAwsLogs } from '../../shared/logs/awslogs';
import { readBuckets } from '../../shared/sources/log-buckets';
import { useDynamo } from '../support/dynamo';
import { burst } from './fixtures/sample';

const context = {
  functionName: 'bedrock-watch-dev-ingest',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bedrock-watch-dev-ingest',
  memoryLimitInMB: '512',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
  logGroupName: '/aws/lambda/bedrock-watch-dev-ingest',
  logStreamName: '2026/10/05/[$LATEST]abc',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 60_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
} as Context;

describe('functions/ingest handler', () => {
  const db = useDynamo();

  function setup() {
    const logger = new Logger({ serviceName: 'bedrock-watch', logLevel: 'SILENT' });
    const lines: unknown[][] = [];
    for (const level of ['debug', 'info', 'warn', 'error'] as const) {
      jest.spyOn(logger, level).mockImplementation((...args: unknown[]) => void lines.push([level, ...args]));
    }
    const h = makeHandler({ table: () => db().table, logger, now: () => Date.parse('2026-10-05T12:00:00Z') });
    return { h, lines };
  }

  it('decodes, aggregates and writes a delivery, and returns a summary', async () => {
    const { h } = setup();
    const start = Date.parse('2026-10-05T10:00:00Z');
    const records = burst(260, start, 2).map((r) => ({ timestamp: Date.parse(r.timestamp), message: JSON.stringify(r) }));
    const summary = await h(encodeAwsLogs(dataMessage(records)) as CloudWatchLogsEvent, context);
    expect(summary).toMatchObject({ records: 260, malformed: 0, buckets: 6, writes: 6 });
    const stored = await readBuckets(db().table, ['amazon.nova-lite-v1:0', 'anthropic.claude-3-5-sonnet-20240620-v1:0', 'meta.llama3-1-70b-instruct-v1:0'], start, start + 120_000);
    expect(stored.reduce((n, b) => n + b.requests, 0)).toBe(260);
  });

  it('skips malformed records with one warning per kind of problem that holds counts and ids, never content', async () => {
    const { h, lines } = setup();
    const start = Date.parse('2026-10-05T11:00:00Z');
    const good = burst(13, start, 1).map((r) => {
      r.input.inputBodyJson = { prompt: 'SECRET PROMPT' };
      return { timestamp: Date.parse(r.timestamp), message: JSON.stringify(r) };
    });
    const bad = [
      { timestamp: start, message: '{"prompt":"SECRET PROMPT", "cut off' },
      { timestamp: start, message: JSON.stringify({ schemaType: 'ModelInvocationLog', input: { inputBodyJson: { prompt: 'SECRET PROMPT' } } }) },
    ];
    const summary = await h(encodeAwsLogs(dataMessage([...good, ...bad])) as CloudWatchLogsEvent, context);
    expect(summary).toMatchObject({ records: 13, malformed: 2, writes: 3 });
    const warnings = lines.filter(([level]) => level === 'warn');
    const ids = dataMessage([...good, ...bad]).logEvents.map((e) => e.id);
    expect(warnings).toEqual([
      ['warn', 'skipped 1 invocation-log record: message is not JSON', { code: 'not_json', count: 1, examples: [ids[13]] }],
      ['warn', 'skipped 1 invocation-log record: timestamp is not an ISO 8601 time', { code: 'timestamp', count: 1, examples: [ids[14]] }],
    ]);
    expect(JSON.stringify(lines)).not.toMatch(/SECRET/);
  });

  it('answers a CONTROL_MESSAGE without writing', async () => {
    const { h, lines } = setup();
    const summary = await h(encodeAwsLogs(controlMessage(Date.now())) as CloudWatchLogsEvent, context);
    expect(summary).toMatchObject({ messageType: 'CONTROL_MESSAGE', records: 0, writes: 0 });
    expect(lines.filter(([level]) => level === 'warn')).toEqual([]);
  });

  it('fails the invocation on an event that cannot be decoded (Lambda retries it)', async () => {
    const { h } = setup();
    await expect(h({ awslogs: { data: '!!' } } as CloudWatchLogsEvent, context)).rejects.toThrow(/not base64/);
  });

  it('the deployed handler takes the table from TABLE_NAME', async () => {
    const saved = process.env.TABLE_NAME;
    delete process.env.TABLE_NAME;
    try {
      await expect(handler(encodeAwsLogs(controlMessage(0)) as CloudWatchLogsEvent, context)).rejects.toThrow(/TABLE_NAME is not set/);
    } finally {
      if (saved !== undefined) process.env.TABLE_NAME = saved;
    }
  });
});
