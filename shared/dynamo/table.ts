/**
 * The single DynamoDB table: string keys `pk`/`sk`, a `ttl` attribute (epoch seconds) on
 * everything that expires. All writes are single-item and conditional (no transactions).
 *
 *   pk                      sk                    what
 *   STATE                   CURSOR                evaluation cursor, running day/month spend, pending outbox ids
 *   STATE                   ALERT#<fingerprint>   one alert's state machine
 *   OUTBOX                  <notification id>     a decided notification and its delivery record
 *   ONCE                    DIGEST#<day>#<recv>   a once-only job (claimed with a lease, then done or released)
 *   BASELINE                HIST#<model>#<series> hourly history ring (bounded) of one model's series
 *   BASELINE                EXPECT#<model>        compact expectations the evaluate tick reads
 *   AGG#<model>             <minute ISO>          invocation-log counters of one minute
 *   CALLER#<day>            <model>#<role>        spend by caller identity per day
 *   SECRET                  STREAM_KEYS           the secret that signs stream keys (state/stream-secret.ts)
 */
import { DynamoDBClient, CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';

export interface Table {
  doc: DynamoDBDocumentClient;
  name: string;
}

export function tableFromEnv(client = new DynamoDBClient({})): Table {
  const name = process.env.TABLE_NAME;
  if (!name) throw new Error('TABLE_NAME is not set: the function needs the DynamoDB table name (serverless.yml sets it).');
  return { doc: docClient(client), name };
}

export function docClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

export const ttlAfter = (nowMs: number, days: number): number => Math.floor(nowMs / 1000) + days * 86_400;

/** Creates the table as serverless.yml declares it (for dynalite in tests and the local run). */
export async function createTable(client: DynamoDBClient, name: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    }),
  );
  for (let i = 0; i < 100; i++) {
    const d = await client.send(new DescribeTableCommand({ TableName: name }));
    if (d.Table?.TableStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`table ${name} did not become ACTIVE`);
}

/** Every item a query matches, following LastEvaluatedKey. */
export async function queryAll(table: Table, input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await table.doc.send(new QueryCommand({ ...input, TableName: table.name, ExclusiveStartKey }));
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}
