/**
 * The SNS client must not wait for ever on a stalled connection: the real SDK client (not mocked here)
 * against a local endpoint that accepts the request and never answers.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSnsClient, SNS_TIMEOUTS, SnsNotifier } from '../../shared/notify/sns';
import { DeliveryError } from '../../shared/notify/types';
import { sampleNotification } from '../support/notification';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:bedrock-watch-alerts';

describe('fault: SNS endpoint hangs', () => {
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

  const client = () =>
    createSnsClient({ endpoint, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' } });

  it('gives up after the request timeout with a retryable error, by default', async () => {
    expect(SNS_TIMEOUTS.requestTimeout).toBeLessThan(10_000);
    const notifier = new SnsNotifier({ topicArn: TOPIC, client: client() });
    const error = await notifier.send(sampleNotification()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect((error as DeliveryError).retryable).toBe(true);
    expect((error as DeliveryError).message).toMatch(/Publish failed: TimeoutError/);
    expect(requests).toBeGreaterThan(0);
  }, 20_000);

  it('gives up sooner when the caller has less time left', async () => {
    const notifier = new SnsNotifier({ topicArn: TOPIC, client: client() });
    const error = await notifier.send(sampleNotification(), { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect((error as DeliveryError).retryable).toBe(true);
  }, 20_000);
});
