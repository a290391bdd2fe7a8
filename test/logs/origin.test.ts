/**
 * Invocation logs of several regions and accounts: each record counts in the series of the place
 * that reads its region and account, so a truncation surge in one region is that region's, and a
 * single-place deployment keys by ModelId exactly as before.
 */
import { logTargetResolver, placeKey } from '../../shared/core/target';
import { aggregateMessages } from '../../shared/logs/aggregate';
import { dataMessage, encodeAwsLogs } from '../../shared/logs/awslogs';
import { ingestBatch, recordKey } from '../../shared/logs/ingest';
import { parseRecord } from '../../shared/logs/record';
import { mergeLogSeries, TableLogSource } from '../../shared/sources/logs';
import { emptyFrame } from '../../shared/core/series';
import { watchedPlaceKeys } from '../../shared/rules/places';
import { parseRules } from '../../shared/rules/load';
import { makeHandler } from '../../functions/ingest';
import { Logger } from '@aws-lambda-powertools/logger';
import { useDynamo } from '../support/dynamo';
import { lambdaContext } from '../../shared/local/lambda';
import { burst, type RawRecord } from './fixtures/sample';

const OWN = '111111111111';
const RULES = 'receivers: []\nrules:\n  - { name: t, kind: threshold, metric: InvocationThrottles, stat: Sum, window: 5m, next_check: look, tiers: { warning: { above: 1 } } }\n';
const MEMBER = '222222222222';
const MINUTE = 60_000;
const T0 = Date.parse('2026-11-10T12:00:00Z');

const placed = (records: RawRecord[], region: string | undefined, account: string | undefined): RawRecord[] =>
  records.map((r, i) => {
    const c = structuredClone(r);
    if (region === undefined) delete c.region;
    else c.region = region;
    if (account === undefined) delete c.accountId;
    else c.accountId = account;
    c.requestId = `${region}-${account}-${i}`;
    return c;
  });

describe('which series a log record counts in', () => {
  it.each([
    ['one place (the default): the bare ModelId, wherever the record ran', [], 'us-west-2', MEMBER, 'm'],
    ['one unlabelled place is the default too', [placeKey(undefined, undefined)], 'us-west-2', OWN, 'm'],
    ['regions of this account: the region, whatever account the record names', ['us-east-1|', 'us-west-2|'], 'us-west-2', OWN, 'us-west-2||m'],
    ['accounts watched: region and account', [`us-east-1|${OWN}`, `us-east-1|${MEMBER}`], 'us-east-1', MEMBER, `us-east-1|${MEMBER}|m`],
    ['a place not watched keeps its own origin (never merged into a watched one)', ['us-east-1|', 'us-west-2|'], 'eu-west-1', OWN, `eu-west-1|${OWN}|m`],
  ])('%s', (_what, places, region, account, key) => {
    expect(logTargetResolver(places)('m', region, account)).toBe(key);
  });

  it('reads region and accountId from the record, and ignores values that are not a region or an account id', () => {
    const [r] = placed(burst(1, T0, 1), 'eu-central-1', MEMBER);
    expect(parseRecord(r)).toMatchObject({ region: 'eu-central-1', account: MEMBER });
    expect(parseRecord({ ...r, region: 'nowhere', accountId: 42 })).toMatchObject({ region: null, account: null });
  });

  it('a record without region falls back to the ingest function\'s region, without account to the log group owner', () => {
    const [r] = placed(burst(1, T0, 1), undefined, undefined);
    const key = recordKey({ places: [`us-east-1|${OWN}`, `us-east-1|${MEMBER}`], region: 'us-east-1' }, MEMBER);
    expect(key(parseRecord(r))).toBe(`us-east-1|${MEMBER}|${r.modelId}`);
  });

  it('the places the ingest function keys by are the places the metric source reads', () => {
    const config = parseRules(
      `settings:\n  regions: [us-east-1, us-west-2]\n  accounts:\n    - { id: "${MEMBER}", role_arn: "arn:aws:iam::${MEMBER}:role/bedrock-watch-read" }\n${RULES}`,
      'places.yml',
    );
    expect(watchedPlaceKeys(config.settings, { region: 'us-east-1', account: OWN })).toEqual([`us-east-1|${OWN}`, `us-east-1|${MEMBER}`, `us-west-2|${OWN}`, `us-west-2|${MEMBER}`]);
    expect(watchedPlaceKeys(parseRules(RULES, 'one.yml').settings, { region: 'us-east-1', account: OWN })).toEqual([]);
  });
});

describe('ingest of several regions into DynamoDB (dynalite) and back into the frame', () => {
  const db = useDynamo();
  const places = ['us-east-1|', 'us-west-2|'];

  it('keeps the same model in two regions as two series, and the evaluate tick reads each into its own target', async () => {
    const east = placed(burst(30, T0, 3), 'us-east-1', OWN);
    const west = placed(burst(12, T0, 3), 'us-west-2', OWN);
    const records = [...east, ...west];
    const model = east[0]!.modelId as string;
    const handler = makeHandler({ table: () => db().table, logger: new Logger({ logLevel: 'SILENT' }), now: () => T0 + 10 * MINUTE, origin: () => ({ places, region: 'us-east-1' }) });
    const summary = await handler(encodeAwsLogs(dataMessage(records.map((r) => ({ timestamp: Date.parse(r.timestamp), message: JSON.stringify(r) })), { owner: OWN })), lambdaContext());
    expect(summary.records).toBe(42);

    const perModel = (rs: RawRecord[]) => rs.filter((r) => r.modelId === model).length;
    const keys = [`us-east-1||${model}`, `us-west-2||${model}`];
    const buckets = await new TableLogSource(db().table).buckets(keys, T0, T0 + 3 * MINUTE);
    const sum = (key: string) => buckets.filter((b) => b.modelId === key).reduce((n, b) => n + b.requests, 0);
    expect(sum(keys[0]!)).toBe(perModel(east));
    expect(sum(keys[1]!)).toBe(perModel(west));

    const frame = mergeLogSeries(emptyFrame(T0, T0 + 3 * MINUTE, MINUTE), buckets);
    expect(Object.keys(frame.models).sort()).toEqual(keys);
    expect(frame.models[keys[1]!]!['Log:requests']!.reduce<number>((n, v) => n + (v ?? 0), 0)).toBe(perModel(west));
  });

  it('a single-place deployment sums every record of a model under its ModelId, as before', async () => {
    const records = [...placed(burst(6, T0 + 60 * MINUTE, 1), 'us-east-1', OWN), ...placed(burst(6, T0 + 60 * MINUTE, 1), 'us-west-2', OWN)];
    const agg = aggregateMessages(records.map((r) => JSON.stringify(r)));
    await ingestBatch(db().table, encodeAwsLogs(dataMessage(records.map((r) => ({ timestamp: Date.parse(r.timestamp), message: JSON.stringify(r) })), { owner: OWN })), T0 + 70 * MINUTE);
    const models = [...new Set(agg.buckets.map((b) => b.modelId))];
    expect(models.every((m) => !m.includes('|'))).toBe(true);
    const stored = await new TableLogSource(db().table).buckets(models, T0 + 60 * MINUTE, T0 + 61 * MINUTE);
    expect(stored.reduce((n, b) => n + b.requests, 0)).toBe(12);
  });
});

describe('fault: invocation logs of other regions and accounts delivered through a Kinesis stream', () => {
  const db = useDynamo();
  const places = [`us-east-1|${OWN}`, `us-east-1|${MEMBER}`, `eu-west-1|${OWN}`, `eu-west-1|${MEMBER}`];
  const T = T0 + 6 * 60 * MINUTE;
  const kinesisRecord = (records: RawRecord[], owner: string, seq: string) => ({
    eventSource: 'aws:kinesis',
    kinesis: { sequenceNumber: seq, data: encodeAwsLogs(dataMessage(records.map((r) => ({ timestamp: Date.parse(r.timestamp), message: JSON.stringify(r) })), { owner, logStream: seq })).awslogs.data },
  });
  const handler = (table = db().table) =>
    makeHandler({ table: () => table, logger: new Logger({ logLevel: 'SILENT' }), now: () => T + 10 * MINUTE, origin: () => ({ places, region: 'us-east-1' }) });

  it('stores each payload under its place, skips a record that is not a subscription payload, and asks to retry nothing', async () => {
    const member = placed(burst(8, T, 1), 'eu-west-1', MEMBER);
    const own = placed(burst(5, T, 1), 'us-east-1', OWN);
    const event = { Records: [kinesisRecord(member, MEMBER, '1'), { eventSource: 'aws:kinesis', kinesis: { sequenceNumber: '2', data: Buffer.from('not gzip').toString('base64') } }, kinesisRecord(own, OWN, '3')] };
    const result = await handler()(event as never, lambdaContext());
    expect(result.batchItemFailures).toEqual([]);
    expect(result.rejected).toEqual([{ sequenceNumber: '2', problem: expect.stringMatching(/not gzip/) }]);
    expect(result.records).toBe(13);
    const model = member[0]!.modelId as string;
    const keyOf = (region: string, account: string) => `${region}|${account}|${model}`;
    const stored = await new TableLogSource(db().table).buckets([keyOf('eu-west-1', MEMBER), keyOf('us-east-1', OWN)], T, T + MINUTE);
    const count = (k: string) => stored.filter((b) => b.modelId === k).reduce((n, b) => n + b.requests, 0);
    expect(count(keyOf('eu-west-1', MEMBER))).toBe(member.filter((r) => r.modelId === model).length);
    expect(count(keyOf('us-east-1', OWN))).toBe(own.filter((r) => r.modelId === model).length);
  });

  it('a write that fails reports that record and every later one for retry, and the retry counts nothing twice', async () => {
    const local = db();
    const a = placed(burst(6, T + 2 * MINUTE, 1), 'us-east-1', MEMBER);
    const b = placed(burst(6, T + 2 * MINUTE, 1), 'eu-west-1', OWN);
    const c = placed(burst(6, T + 2 * MINUTE, 1), 'eu-west-1', MEMBER);
    const event = { Records: [kinesisRecord(a, MEMBER, '10'), kinesisRecord(b, OWN, '11'), kinesisRecord(c, MEMBER, '12')] };
    // DynamoDB throttles every write after the first payload's.
    let updates = 0;
    const name = `fail-${Math.random()}`;
    const firstPayloadWrites = aggregateMessages(a.map((r) => JSON.stringify(r))).buckets.length;
    local.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'UpdateItemCommand' && ++updates > firstPayloadWrites) {
          throw Object.assign(new Error('Throughput exceeds the current capacity of your table'), { name: 'ProvisionedThroughputExceededException', $metadata: {} });
        }
        return next(args);
      },
      { step: 'initialize', name },
    );
    const failed = await handler()(event as never, lambdaContext());
    local.client.middlewareStack.remove(name);
    expect(failed.batchItemFailures).toEqual([{ itemIdentifier: '11' }, { itemIdentifier: '12' }]);

    // Lambda retries from the first failed record (here: the whole batch, as after a crash): nothing counts twice.
    const retried = await handler()(event as never, lambdaContext());
    expect(retried.batchItemFailures).toEqual([]);
    const model = a[0]!.modelId as string;
    const keys = [`us-east-1|${MEMBER}|${model}`, `eu-west-1|${OWN}|${model}`, `eu-west-1|${MEMBER}|${model}`];
    const stored = await new TableLogSource(local.table).buckets(keys, T + 2 * MINUTE, T + 3 * MINUTE);
    const n = a.filter((r) => r.modelId === model).length;
    expect(keys.map((k) => stored.filter((x) => x.modelId === k).reduce((s, x) => s + x.requests, 0))).toEqual([n, n, n]);
  });
});
