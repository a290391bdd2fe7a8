/**
 * The ingest function on malformed deliveries, through the real handler and dynalite: an unusable event
 * is rejected with one clear line; inside a usable one, every good record is counted, each kind of
 * problem is logged once (ids and counts, never content), and nothing is counted twice on redelivery.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { CloudWatchLogsEvent } from 'aws-lambda';
import { gzipSync } from 'node:zlib';
import { makeHandler } from '../../functions/ingest';
import { dataMessage, encodeAwsLogs } from '../../shared/logs/awslogs';
import { readBuckets } from '../../shared/sources/log-buckets';
import { lambdaContext } from '../support/lambda';
import { useDynamo } from '../support/dynamo';
import { burst, sampleRecords } from './fixtures/sample';

const NOW = Date.parse('2026-10-05T12:00:00Z');
const MODELS = [...new Set(sampleRecords().map((r) => r.modelId as string))];
const STACK = /\n\s+at /;

describe('bad input: log subscription batch', () => {
  const db = useDynamo();

  function setup() {
    const logger = new Logger({ serviceName: 'bedrock-watch', logLevel: 'SILENT' });
    const lines: { level: string; msg: string; extra?: Record<string, unknown> }[] = [];
    for (const level of ['debug', 'info', 'warn', 'error'] as const) {
      jest.spyOn(logger, level).mockImplementation(((msg: string, extra?: Record<string, unknown>) => void lines.push({ level, msg, extra })) as never);
    }
    const h = makeHandler({ table: () => db().table, logger, now: () => NOW });
    return { h: (e: unknown) => h(e as CloudWatchLogsEvent, lambdaContext('bedrock-watch-dev-ingest')), lines };
  }

  const requestsStored = async (from: number, to: number) => (await readBuckets(db().table, MODELS, from, to)).reduce((n, b) => n + b.requests, 0);
  const b64 = (buf: Buffer) => ({ awslogs: { data: buf.toString('base64') } });

  it.each<[string, unknown, string]>([
    ['not a subscription event', { Records: [{ body: '{}' }] }, 'not a CloudWatch Logs subscription event: expected { awslogs: { data: string } }'],
    ['bad base64', { awslogs: { data: 'H4sI%%%not*base64' } }, 'awslogs.data is not base64'],
    ['base64 of something not gzip', b64(Buffer.from('{"messageType":"DATA_MESSAGE"}')), 'awslogs.data is not gzip: incorrect header check'],
    ['truncated gzip', b64(gzipSync(JSON.stringify(dataMessage([{ timestamp: NOW, message: '{}' }]))).subarray(0, 30)), 'awslogs.data is not gzip: unexpected end of file'],
    ['gzip of text that is not JSON', b64(gzipSync('<html>Bad Gateway</html>')), 'awslogs.data does not hold JSON'],
    ['JSON of the wrong shape', b64(gzipSync(JSON.stringify({ messageType: 'DATA', logEvents: [] }))), 'awslogs payload: messageType is neither DATA_MESSAGE nor CONTROL_MESSAGE'],
  ])('rejects %s with one clear error line and no stack trace, writing nothing', async (_what, event, message) => {
    const { h, lines } = setup();
    const failure = await h(event).then(
      () => null,
      (e: Error) => e,
    );
    expect(failure).toMatchObject({ name: 'AwsLogsDecodeError', message });
    expect(failure?.stack).not.toMatch(STACK);
    expect(lines.filter((l) => l.level !== 'debug')).toEqual([{ level: 'error', msg: `rejected the subscription event: ${message}`, extra: undefined }]);
    expect(await requestsStored(NOW - 86_400_000, NOW)).toBe(0);
  });

  it('counts every good record of a batch holding bad records and bad log events, one warning per kind of problem', async () => {
    const { h, lines } = setup();
    const start = Date.parse('2026-10-05T10:00:00Z');
    const good = burst(200, start, 5).map((r) => ({ timestamp: Date.parse(r.timestamp), message: JSON.stringify({ ...r, input: { ...r.input, inputBodyJson: { prompt: 'SECRET PROMPT' } } }) }));
    const badRecords = [
      { timestamp: start, message: 'SECRET PROMPT, not JSON' },
      { timestamp: start, message: 'also not JSON {' },
      { timestamp: start, message: '["SECRET PROMPT"]' },
      { timestamp: start, message: JSON.stringify({ ...good[0], schemaType: 'ModelInvocationLog', timestamp: '2026-10-05T10:00:00Z', modelId: '', prompt: 'SECRET PROMPT' }) },
    ];
    const payload = dataMessage([...good.slice(0, 100), ...badRecords, ...good.slice(100)]);
    // Log events of the wrong shape: no message, a numeric id.
    const events = [...payload.logEvents, { id: 'x-1', timestamp: start } as never, { id: 7, timestamp: start, message: 'SECRET PROMPT' } as never];
    const summary = await h(encodeAwsLogs({ ...payload, logEvents: events }));

    expect(summary).toMatchObject({ records: 200, malformed: 4, badEvents: 2 });
    expect(await requestsStored(start, start + 5 * 60_000)).toBe(200);
    const ids = payload.logEvents.map((e) => e.id);
    expect(lines.filter((l) => l.level === 'warn')).toEqual([
      { level: 'warn', msg: 'skipped 2 log events: a log event needs a string id, a numeric timestamp and a string message', extra: { code: 'bad_event', count: 2, examples: [`logEvents[${ids.length}]`, `logEvents[${ids.length + 1}]`] } },
      { level: 'warn', msg: 'skipped 2 invocation-log records: message is not JSON', extra: { code: 'not_json', count: 2, examples: [ids[100], ids[101]] } },
      { level: 'warn', msg: 'skipped 1 invocation-log record: record is not a JSON object', extra: { code: 'not_object', count: 1, examples: [ids[102]] } },
      { level: 'warn', msg: 'skipped 1 invocation-log record: modelId is missing', extra: { code: 'model_id', count: 1, examples: [ids[103]] } },
    ]);
    expect(JSON.stringify(lines)).not.toMatch(/SECRET/);

    // Redelivered (Lambda retries, CloudWatch Logs re-sends): nothing is counted twice.
    const again = await h(encodeAwsLogs({ ...payload, logEvents: events }));
    expect(again).toMatchObject({ records: 200, writes: 0, skipped: summary.buckets });
    expect(await requestsStored(start, start + 5 * 60_000)).toBe(200);
  });

  it('counts every record of a huge batch (10,000 records, the CloudWatch Logs maximum, plus 1,000 bad) and logs a line per kind, not per record', async () => {
    const { h, lines } = setup();
    const start = Date.parse('2026-10-05T08:00:00Z');
    const good = burst(10_000, start, 10).map((r) => ({ timestamp: Date.parse(r.timestamp), message: JSON.stringify(r) }));
    const bad = Array.from({ length: 1_000 }, (_, i) => ({ timestamp: start, message: i % 2 ? `not json ${i}` : JSON.stringify({ schemaType: 'ModelInvocationLog', timestamp: 'soon' }) }));
    const mixed = good.flatMap((g, i) => (i % 10 === 0 && bad[i / 10] ? [g, bad[i / 10]] : [g]));
    expect(mixed).toHaveLength(11_000);
    const summary = await h(encodeAwsLogs(dataMessage(mixed)));
    expect(summary).toMatchObject({ records: 10_000, malformed: 1_000, badEvents: 0 });
    expect(summary.writes).toBe(summary.buckets);
    expect(await requestsStored(start, start + 10 * 60_000)).toBe(10_000);
    expect(lines.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual([
      'skipped 500 invocation-log records: timestamp is not an ISO 8601 time',
      'skipped 500 invocation-log records: message is not JSON',
    ]);
    expect(lines.filter((l) => l.level === 'warn').every((l) => (l.extra?.examples as string[]).length === 3)).toBe(true);
  });
});
