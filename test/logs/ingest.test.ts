import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { aggregateMessages } from '../../shared/logs/aggregate';
import { emptyBucket } from '../../shared/core/logs';
import { controlMessage, dataMessage, encodeAwsLogs, type AwsLogsPayload } from '../../shared/logs/awslogs';
import { batchIdOf, ingestBatch } from '../../shared/logs/ingest';
import { AGG_TTL_DAYS, OTHER, readBuckets, readCallers, writeBuckets } from '../../shared/sources/log-buckets';
import type { LocalDynamo } from '../../shared/local/dynalite';
import { useDynamo } from '../support/dynamo';
import { DynamoStateStore } from '../../shared/state/dynamo-store';
import { burst, sample, type RawRecord } from './fixtures/sample';

const NOW = Date.parse('2026-10-05T12:00:00Z');
const MODELS = ['amazon.nova-lite-v1:0', 'anthropic.claude-3-5-sonnet-20240620-v1:0', 'meta.llama3-1-70b-instruct-v1:0'];

let sequence = 0;
/** One delivery of `records`, with ids distinct from every other batch built here. */
function delivery(records: RawRecord[], extra: string[] = []): AwsLogsPayload {
  const messages = [...records.map((r) => ({ timestamp: Date.parse(r.timestamp), message: JSON.stringify(r) })), ...extra.map((message) => ({ timestamp: NOW, message }))];
  const p = dataMessage(messages, { firstSequence: sequence });
  sequence += messages.length;
  return p;
}

/** Counts the DynamoDB commands the real SDK client sends, by name. */
function countCommands(local: LocalDynamo): { counts: Record<string, number>; stop(): void } {
  const counts: Record<string, number> = {};
  const name = `count-${Math.random()}`;
  local.client.middlewareStack.add(
    (next, context) => async (args) => {
      counts[context.commandName!] = (counts[context.commandName!] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name },
  );
  return { counts, stop: () => void local.client.middlewareStack.remove(name) };
}

async function scanAll(local: LocalDynamo): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await local.table.doc.send(new ScanCommand({ TableName: local.table.name, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

describe('ingestBatch (dynalite through the real SDK client)', () => {
  const db = useDynamo();

  it('writes one item per model and minute with the counters of the batch', async () => {
    const start = Date.parse('2026-10-05T01:00:00Z');
    const records = burst(300, start, 3);
    const summary = await ingestBatch(db().table, encodeAwsLogs(delivery(records)), NOW);
    expect(summary).toMatchObject({ messageType: 'DATA_MESSAGE', records: 300, malformed: 0, buckets: 9, writes: 9, skipped: 0 });

    const stored = await readBuckets(db().table, MODELS, start, start + 3 * 60_000);
    expect(stored).toEqual(aggregateMessages(records.map((r) => JSON.stringify(r))).buckets);
    expect(stored.reduce((n, b) => n + b.requests, 0)).toBe(300);
  });

  it('writes exactly one UpdateItem per bucket for a 10,000-record batch', async () => {
    const start = Date.parse('2026-10-05T02:00:00Z');
    const records = burst(10_000, start, 10);
    const event = encodeAwsLogs(delivery(records));
    const { counts, stop } = countCommands(db());
    const summary = await ingestBatch(db().table, event, NOW);
    stop();
    expect(summary).toMatchObject({ records: 10_000, malformed: 0, buckets: 30, writes: 30, skipped: 0 });
    // One UpdateItem per bucket, plus at most one "model seen in logs" marker per model (not per record):
    // here none, as the first batch of this process wrote them less than an hour ago.
    expect(counts).toEqual({ UpdateItemCommand: 30 });
    expect((await new DynamoStateStore(db().table).load()).logModels.sort()).toEqual(MODELS);
    const stored = await readBuckets(db().table, MODELS, start, start + 10 * 60_000);
    expect(stored).toHaveLength(30);
    expect(stored.reduce((n, b) => n + b.requests, 0)).toBe(10_000);
  });

  it('does not count a redelivered batch twice', async () => {
    const start = Date.parse('2026-10-05T03:00:00Z');
    const event = encodeAwsLogs(delivery(burst(500, start, 2)));
    const first = await ingestBatch(db().table, event, NOW);
    const again = await ingestBatch(db().table, event, NOW + 5_000);
    expect(first).toMatchObject({ buckets: 6, writes: 6, skipped: 0 });
    expect(again).toMatchObject({ buckets: 6, writes: 0, skipped: 6, batchId: first.batchId });
    const stored = await readBuckets(db().table, MODELS, start, start + 2 * 60_000);
    expect(stored.reduce((n, b) => n + b.requests, 0)).toBe(500);
  });

  it('adds a different batch for the same minutes on top', async () => {
    const start = Date.parse('2026-10-05T04:00:00Z');
    const records = burst(130, start, 1);
    const a = await ingestBatch(db().table, encodeAwsLogs(delivery(records)), NOW);
    const b = await ingestBatch(db().table, encodeAwsLogs(delivery(records)), NOW);
    expect(a.batchId).not.toBe(b.batchId);
    expect(b).toMatchObject({ writes: 3, skipped: 0 });
    const once = aggregateMessages(records.map((r) => JSON.stringify(r))).buckets;
    const stored = await readBuckets(db().table, MODELS, start, start + 60_000);
    expect(stored.map((x) => [x.requests, x.inputTokens, x.truncated])).toEqual(once.map((x) => [2 * x.requests, 2 * x.inputTokens, 2 * x.truncated]));
    expect(stored.reduce((n, x) => n + x.requests, 0)).toBe(260);
  });

  it('completes a half-written batch exactly once when it is redelivered', async () => {
    const start = Date.parse('2026-10-05T05:00:00Z');
    const payload = delivery(burst(400, start, 4));
    const agg = aggregateMessages(payload.logEvents.map((e) => e.message));
    // The first attempt died after writing 5 of the 12 buckets.
    await writeBuckets(db().table, agg.buckets.slice(0, 5), batchIdOf(payload), NOW);
    const retry = await ingestBatch(db().table, encodeAwsLogs(payload), NOW);
    expect(retry).toMatchObject({ buckets: 12, writes: 7, skipped: 5 });
    expect(await readBuckets(db().table, MODELS, start, start + 4 * 60_000)).toEqual(agg.buckets);
  });

  it('skips malformed records, counts them and still writes the rest', async () => {
    const start = Date.parse('2026-10-05T06:00:00Z');
    const summary = await ingestBatch(
      db().table,
      encodeAwsLogs(delivery(burst(50, start, 1), ['{"truncated json', '{"schemaType":"ModelInvocationLog","modelId":"x"}', '42'])),
      NOW,
    );
    expect(summary).toMatchObject({ records: 50, malformed: 3, malformedByCode: { not_json: 1, timestamp: 1, not_object: 1 }, writes: 3 });
  });

  it('writes nothing for a CONTROL_MESSAGE', async () => {
    const { counts, stop } = countCommands(db());
    const summary = await ingestBatch(db().table, encodeAwsLogs(controlMessage(NOW)), NOW);
    stop();
    expect(summary).toEqual({ messageType: 'CONTROL_MESSAGE', records: 0, malformed: 0, malformedByCode: {}, badEvents: 0, problems: [], buckets: 0, writes: 0, skipped: 0, batchId: null });
    expect(counts).toEqual({});
  });

  it('throws a clear error for an event that is not a delivery', async () => {
    await expect(ingestBatch(db().table, { awslogs: { data: 'bm90IGd6aXA=' } }, NOW)).rejects.toThrow(/not gzip/);
  });

  it('stores no prompt or completion text, only counters', async () => {
    const start = Date.parse('2026-10-05T07:00:00Z');
    const records = burst(26, start, 1).map((r) => {
      r.input.inputBodyJson = { messages: [{ role: 'user', content: [{ text: 'SECRET PROMPT' }] }], system: 'SECRET SYSTEM' };
      if (r.output.outputBodyJson.output) r.output.outputBodyJson.output.message.content[0].text = 'SECRET COMPLETION';
      return r;
    });
    await ingestBatch(db().table, encodeAwsLogs(delivery(records)), NOW);
    const items = (await scanAll(db())).filter((i) => String(i.sk).startsWith('2026-10-05T07:'));
    expect(items).toHaveLength(3);
    const json = JSON.stringify(items, (_k, v: unknown) => (v instanceof Set ? [...v] : v));
    expect(json).not.toMatch(/SECRET|…/);
    for (const item of items) {
      for (const [k, v] of Object.entries(item)) {
        expect(k).toMatch(/^(pk|sk|modelId|minute|ttl|batches|requests|finished|truncated|filtered|failed|unknown|inputTokens|outputTokens|r_[a-z_]+|c_(req|in|out)_arn:aws:iam::123456789012:role\/[a-z-]+)$/);
        if (!['pk', 'sk', 'modelId', 'batches'].includes(k)) expect(typeof v).toBe('number');
      }
    }
  });

  it('lays items out as AGG#<model> / <minute ISO> with a 35-day ttl and the batch id', async () => {
    const start = Date.parse('2026-10-05T08:00:00Z');
    const payload = delivery([sample('meta', 'InvokeModel', 'length')].map((r) => ({ ...r, timestamp: '2026-10-05T08:00:42.000Z' })));
    await ingestBatch(db().table, encodeAwsLogs(payload), NOW);
    const item = (await scanAll(db())).find((i) => i.pk === 'AGG#meta.llama3-1-70b-instruct-v1:0' && i.sk === '2026-10-05T08:00:00.000Z');
    expect(item).toEqual({
      pk: 'AGG#meta.llama3-1-70b-instruct-v1:0',
      sk: '2026-10-05T08:00:00.000Z',
      modelId: 'meta.llama3-1-70b-instruct-v1:0',
      minute: start,
      ttl: Math.floor(NOW / 1000) + AGG_TTL_DAYS * 86_400,
      batches: new Set([batchIdOf(payload)]),
      requests: 1,
      truncated: 1,
      inputTokens: 1620,
      outputTokens: 1024,
      r_length: 1,
      'c_req_arn:aws:iam::123456789012:role/chat-api': 1,
      'c_in_arn:aws:iam::123456789012:role/chat-api': 1620,
      'c_out_arn:aws:iam::123456789012:role/chat-api': 1024,
    });
  });

  it('reads callers per day, normalised to roles, summed over minutes', async () => {
    const day = '2026-10-06';
    const start = Date.parse(`${day}T10:00:00Z`);
    const records = burst(390, start, 30);
    records[0]!.identity.arn = 'arn:aws:iam::123456789012:user/alice';
    await ingestBatch(db().table, encodeAwsLogs(delivery(records.slice(0, 200))), NOW);
    await ingestBatch(db().table, encodeAwsLogs(delivery(records.slice(200))), NOW);
    // The day before and after are not counted.
    await ingestBatch(db().table, encodeAwsLogs(delivery(burst(13, Date.parse('2026-10-07T00:00:00Z'), 1))), NOW);
    const callers = await readCallers(db().table, day, MODELS);
    const expected = new Map<string, { requests: number; inputTokens: number; outputTokens: number }>();
    for (const r of records) {
      const arn = r.identity.arn.replace(/^arn:aws:sts::(\d+):assumed-role\/([^/]+)\/.*$/, 'arn:aws:iam::$1:role/$2');
      const key = `${r.modelId} ${arn}`;
      const e = expected.get(key) ?? { requests: 0, inputTokens: 0, outputTokens: 0 };
      expected.set(key, { requests: e.requests + 1, inputTokens: e.inputTokens + r.input.inputTokenCount, outputTokens: e.outputTokens + r.output.outputTokenCount });
    }
    expect(callers).toHaveLength(expected.size);
    for (const c of callers) expect({ ...c }).toEqual({ modelId: c.modelId, caller: c.caller, ...expected.get(`${c.modelId} ${c.caller}`) });
    expect(callers.some((c) => c.caller === 'arn:aws:iam::123456789012:user/alice')).toBe(true);
    expect(callers.every((c) => !c.caller.includes(':sts:'))).toBe(true);
    await expect(readCallers(db().table, '2026-10-6', MODELS)).rejects.toThrow(/YYYY-MM-DD/);
  });

  it('folds the smallest callers of a bucket beyond the per-write limit into "(other)"', async () => {
    const start = Date.parse('2026-10-05T11:00:00Z');
    const records = Array.from({ length: 100 }, (_, i) => {
      const r = sample('amazon.nova', 'Converse', 'end_turn');
      r.timestamp = new Date(start + i * 100).toISOString();
      r.identity.arn = `arn:aws:iam::123456789012:user/u${String(i).padStart(3, '0')}`;
      return r;
    });
    const summary = await ingestBatch(db().table, encodeAwsLogs(delivery(records)), NOW);
    expect(summary).toMatchObject({ writes: 1 });
    const [b] = await readBuckets(db().table, ['amazon.nova-lite-v1:0'], start, start + 60_000);
    expect(Object.keys(b!.callers)).toHaveLength(64);
    expect(b!.callers[OTHER]).toMatchObject({ requests: 37 });
    expect(b!.requests).toBe(100);
  });

  it("keeps the update under DynamoDB's 4 KB expression limit however many reasons and callers a bucket has", async () => {
    const minute = Date.parse('2026-10-05T13:00:00Z');
    const bucket = {
      ...emptyBucket('amazon.nova-lite-v1:0', minute),
      requests: 1000,
      unknown: 1000,
      reasons: Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`reason_${i}`, 5])),
      callers: Object.fromEntries(
        Array.from({ length: 500 }, (_, i) => [`arn:aws:iam::123456789012:role/a-rather-long-role-name-for-service-${i}`, { requests: 2, inputTokens: 10, outputTokens: 1 }]),
      ),
    };
    const inputs: Record<string, any>[] = [];
    const name = 'capture-update';
    db().client.middlewareStack.add((next) => async (args) => (inputs.push(args.input as Record<string, any>), next(args)), { step: 'initialize', name });
    await writeBuckets(db().table, [bucket], 'b-limits', NOW);
    db().client.middlewareStack.remove(name);
    expect(inputs).toHaveLength(1);
    expect(inputs[0]!.UpdateExpression.length + (inputs[0]!.ConditionExpression.length as number)).toBeLessThan(4096);
    const [b] = await readBuckets(db().table, ['amazon.nova-lite-v1:0'], minute, minute + 60_000);
    expect(Object.keys(b!.reasons)).toHaveLength(32);
    expect(Object.values(b!.reasons).reduce((n, v) => n + v, 0)).toBe(1000);
    expect(Object.keys(b!.callers)).toHaveLength(64);
    expect(Object.values(b!.callers).reduce((n, c) => n + c.requests, 0)).toBe(1000);
  });

  it('reads a half-open range [from, to)', async () => {
    const start = Date.parse('2026-10-05T02:00:00Z'); // written by the 10,000-record test
    const two = await readBuckets(db().table, ['meta.llama3-1-70b-instruct-v1:0'], start + 60_000, start + 3 * 60_000);
    expect(two.map((b) => b.minute)).toEqual([start + 60_000, start + 2 * 60_000]);
    expect(await readBuckets(db().table, MODELS, start, start)).toEqual([]);
  });
});
