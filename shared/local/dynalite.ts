/**
 * DynamoDB served in-process by dynalite on a loopback port, reached through the real
 * AWS SDK v3 client: used by the local run, the backtest and the tests.
 *
 * The client hands each signed HTTP request straight to dynalite's own request listener
 * (`transport: 'direct'`, the default) instead of writing it to the loopback socket: the same
 * request (headers, signature, JSON body) and the same response (status, headers, checksum) pass
 * through the SDK and dynalite, without the socket and HTTP framing that cost a third of each
 * call. The server still listens on `endpoint`, for clients in other processes.
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTable, docClient, type Table } from '../dynamo/table';

export interface LocalDynamo {
  table: Table;
  client: DynamoDBClient;
  endpoint: string;
  close(): Promise<void>;
}

export interface LocalDynamoOptions {
  /** `direct` (default): requests go to dynalite's listener in-process; `http`: over the loopback socket. */
  transport?: 'direct' | 'http';
}

export async function startLocalDynamo(tableName = 'bedrock-watch-local', opts: LocalDynamoOptions = {}): Promise<LocalDynamo> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dynalite = require('dynalite') as (opts: object) => import('node:net').Server;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const listener = server.listeners('request')[0] as Listener | undefined;
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 2,
    ...((opts.transport ?? 'direct') === 'direct' && listener ? { requestHandler: directHandler(listener) } : {}),
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

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

interface SdkRequest {
  method: string;
  path?: string;
  query?: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

/** An SDK request handler that calls dynalite's request listener with the request, and returns what it answers. */
function directHandler(listener: Listener): NonNullable<DynamoDBClientConfig['requestHandler']> {
  const handler = {
    handle(request: SdkRequest): Promise<{ response: { statusCode: number; headers: Record<string, string>; body: Uint8Array } }> {
      return new Promise((resolve, reject) => {
        const query = Object.entries(request.query ?? {}).flatMap(([k, v]) => (v === null ? [k] : [v].flat().map((x) => `${encodeURIComponent(k)}=${encodeURIComponent(x)}`)));
        const req = Object.assign(new EventEmitter(), {
          method: request.method,
          url: `${request.path || '/'}${query.length ? `?${query.join('&')}` : ''}`,
          headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v])),
        });
        const headers: Record<string, string> = {};
        const res = {
          statusCode: 200,
          setHeader(name: string, value: unknown) {
            headers[name.toLowerCase()] = String(value);
          },
          end(body?: string | Uint8Array) {
            resolve({ response: { statusCode: res.statusCode, headers, body: Buffer.from(body ?? '') } });
          },
        };
        try {
          listener(req as unknown as IncomingMessage, res as unknown as ServerResponse);
        } catch (e) {
          reject(e);
          return;
        }
        // The body arrives after the listener has subscribed, as from a socket.
        process.nextTick(() => {
          try {
            const body = request.body instanceof Uint8Array ? Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength) : Buffer.from(String(request.body ?? ''));
            if (body.length) req.emit('data', body);
            req.emit('end');
          } catch (e) {
            reject(e);
          }
        });
      });
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
    destroy() {},
  };
  return handler as unknown as NonNullable<DynamoDBClientConfig['requestHandler']>;
}
