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
