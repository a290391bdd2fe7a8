import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { SnsNotifier, snsPublishInput, subject } from '../../shared/notify/sns';
import { DeliveryError } from '../../shared/notify/types';
import { resolvedNotification, sampleNotification } from '../support/notification';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:bedrock-watch-alerts';

/** An SDK service error as the v3 client throws it. */
function sdkError(name: string, httpStatusCode: number, fault: 'client' | 'server' = httpStatusCode >= 500 ? 'server' : 'client') {
  return Object.assign(new Error(`${name} happened`), { name, $fault: fault, $metadata: { httpStatusCode } });
}

describe('snsPublishInput', () => {
  it('publishes readable text for people, JSON for programs, with severity, rule, modelId and action attributes', () => {
    const n = sampleNotification({ alert: { labels: { ModelId: 'amazon.nova-lite-v1:0', Region: 'us-east-1', AccountId: '123456789012' } } });
    const input = snsPublishInput(n, TOPIC);
    expect(input.TopicArn).toBe(TOPIC);
    expect(input.MessageStructure).toBe('json');
    const perProtocol = JSON.parse(input.Message!);
    // Compact: the JSON once (every program protocol falls back to default), the text for email, a line for SMS.
    expect(Object.keys(perProtocol)).toEqual(['default', 'email', 'sms']);
    expect(JSON.parse(perProtocol.default)).toEqual({ action: 'trigger', receiver: 'oncall', at: n.at, key: n.key, alert: n.alert, alerts: [n.alert] });
    expect(perProtocol.email).toContain('- CRITICAL Server-error rate 9.1% on amazon.nova-lite-v1:0');
    expect(perProtocol.email).toContain('since 2025-06-01T11:55:00.000Z');
    expect(perProtocol.email).toContain('Account · region: 123456789012 · us-east-1');
    expect(perProtocol.email).toContain('Runbook: https://runbooks.example.com/bedrock/server-errors');
    expect(input.Subject).toBe('[CRITICAL] Server-error rate 9.1% on amazon.nova-lite-v1:0');
    expect(input.MessageAttributes).toEqual({
      severity: { DataType: 'String', StringValue: 'critical' },
      rule: { DataType: 'String', StringValue: 'server-errors' },
      modelId: { DataType: 'String', StringValue: 'amazon.nova-lite-v1:0' },
      action: { DataType: 'String', StringValue: 'trigger' },
      region: { DataType: 'String', StringValue: 'us-east-1' },
      accountId: { DataType: 'String', StringValue: '123456789012' },
    });
  });

  it('leaves out modelId when the alert has no model', () => {
    const input = snsPublishInput(sampleNotification({ alert: { labels: {} } }), TOPIC);
    expect(Object.keys(input.MessageAttributes!)).toEqual(['severity', 'rule', 'action']);
  });

  it('marks resolved and escalated alerts in the subject', () => {
    expect(snsPublishInput(resolvedNotification(), TOPIC).Subject).toBe('[RESOLVED] Server-error rate 9.1% on amazon.nova-lite-v1:0');
    expect(snsPublishInput(sampleNotification({ action: 'escalate' }), TOPIC).Subject).toMatch(/^\[CRITICAL escalated\] /);
  });

  it('keeps the subject printable ASCII, on one line, under 100 chars', () => {
    expect(subject('Latência p99 > 5s\non “modèle” — 🚀 ok…')).toBe('Latencia p99 > 5s on "modele" - ok...');
    const long = subject(`[WARNING] ${'é'.repeat(300)}`);
    expect(long.length).toBeLessThan(100);
    expect(long).toMatch(/^\[WARNING\] e+\.\.\.$/);
    expect(long).toMatch(/^[\x20-\x7e]+$/);
  });
});

describe('SnsNotifier', () => {
  const sns = mockClient(SNSClient);
  beforeEach(() => sns.reset());

  it('sends one PublishCommand with the alert attributes', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const n = sampleNotification();
    await new SnsNotifier({ topicArn: TOPIC, client: new SNSClient({}) }).send(n);
    const calls = sns.commandCalls(PublishCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0].args[0].input).toEqual(snsPublishInput(n, TOPIC));
    expect(calls[0].args[0].input.MessageAttributes?.severity).toEqual({ DataType: 'String', StringValue: 'critical' });
  });

  it.each([
    ['throttling', true, sdkError('Throttling', 400)],
    ['a KMS throttle', true, sdkError('KMSThrottlingException', 400)],
    ['an internal error (5xx)', true, sdkError('InternalErrorException', 500)],
    ['a timeout without a response', true, Object.assign(new Error('socket hang up'), { name: 'TimeoutError' })],
    ['authorization denied', false, sdkError('AuthorizationErrorException', 403)],
    ['a missing topic', false, sdkError('NotFoundException', 404)],
    ['invalid parameters', false, sdkError('InvalidParameterException', 400)],
  ])('on %s, throws a DeliveryError with retryable=%s', async (_what, retryable, error) => {
    sns.on(PublishCommand).rejects(error);
    const err = await new SnsNotifier({ topicArn: TOPIC, client: new SNSClient({}) }).send(sampleNotification()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err).toMatchObject({ retryable });
    expect((err as Error).message).toMatch(/^sns receiver "oncall": Publish failed: /);
  });
});
