/**
 * DynamoDB served in-process by dynalite on a loopback port, reached through the real
 * AWS SDK v3 client: used by the local run, the backtest and the tests.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AddressInfo } from 'node:net';
import { createTable, docClient, type Table } from '../dynamo/table';

export interface LocalDynamo {
  table: Table;
  client: DynamoDBClient;
  endpoint: string;
  close(): Promise<void>;
}

export async function startLocalDynamo(tableName = 'bedrock-watch-local'): Promise<LocalDynamo> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dynalite = require('dynalite') as (opts: object) => import('node:net').Server;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 2,
  });
  await createTable(client, tableName);
  return {
    table: { doc: docClient(client), name: tableName },
    client,
    endpoint,
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
