/**
 * The caller's time bounds every SNS publish (alert, digest, drop notice): the real SDK client against
 * a local endpoint that never answers gives up when the caller's time is spent, well before the
 * client's own 5 s request timeout (test/notify/sns-timeout.test.ts waits that one out).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Digest } from '../../shared/core/digest';
import { createSnsClient, SNS_TIMEOUTS, SnsDropNotice, SnsNotifier } from '../../shared/notify/sns';
import { DeliveryError } from '../../shared/notify/types';
import { sampleNotification } from '../support/notification';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:bedrock-watch-alerts';
const digest: Digest = { day: '2026-10-21', models: [], totalCost: 0, totalExpected: null, unpriced: [], alerts: [], callers: [], budgets: [] };

let server: Server;
let endpoint: string;
let requests = 0;
beforeAll(async () => {
  server = createServer(() => void requests++); // never answers
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const client = () => createSnsClient({ endpoint, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' } });

it.each([
  ['an alert', (opts: { timeoutMs: number }) => new SnsNotifier({ topicArn: TOPIC, client: client() }).send(sampleNotification(), opts)],
  ['the digest', (opts: { timeoutMs: number }) => new SnsNotifier({ topicArn: TOPIC, client: client() }).sendDigest(digest, 'daily', opts)],
  ['a drop notice', (opts: { timeoutMs: number }) => new SnsDropNotice({ topicArn: TOPIC, client: client() }).dropped(sampleNotification(), 'why', opts)],
])('%s: abandoned when the caller’s time is spent, as a retryable failure', async (_what, publish) => {
  const before = requests;
  const started = Date.now();
  const error = await publish({ timeoutMs: 500 }).catch((e: unknown) => e);
  const took = Date.now() - started;
  expect(error).toBeInstanceOf(DeliveryError);
  expect((error as DeliveryError).retryable).toBe(true);
  // One attempt at most (on a busy machine the caller's time may run out before the request is out).
  expect(requests).toBeLessThanOrEqual(before + 1);
  // Before the client's own request timeout, which the publish would otherwise wait out.
  expect(took).toBeLessThan(SNS_TIMEOUTS.requestTimeout);
});
