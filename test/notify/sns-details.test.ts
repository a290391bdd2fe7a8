/**
 * shared/notify/sns.ts beyond the common case: a group's attributes and subject, the email text of
 * resolved and storm messages, the size budget, the digest and the dropped-notification notice, and
 * which SDK errors are worth retrying. The SNS client is aws-sdk-client-mock's (no AWS).
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import type { AlertView, Notification } from '../../shared/core/notification';
import type { Digest } from '../../shared/core/digest';
import { digestLines, digestText } from '../../shared/notify/digest-render';
import { createSnsClient, publishBytes, SNS_LISTED_ALERTS, SNS_MAX_BYTES, SNS_TIMEOUTS, SnsDropNotice, SnsNotifier, snsPublishInput, snsText, subject } from '../../shared/notify/sns';
import { DeliveryError } from '../../shared/notify/types';
import { resolvedNotification, sampleNotification } from '../support/notification';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:bedrock-watch-alerts';
const base = sampleNotification().alert;
const alertOn = (i: number, over: Partial<AlertView> = {}): AlertView => ({
  ...base,
  fingerprint: `fp${i}`,
  title: 'Throttling',
  labels: { ModelId: `model-${i}`, Region: 'us-east-1', AccountId: '111111111111' },
  summary: `Throttling on model-${i}`,
  ...over,
});
const group = (alerts: AlertView[], over: Partial<Notification> = {}): Notification => ({ ...sampleNotification(), key: 'g1@1', alert: alerts[0], alerts, ...over });
const attrs = (n: Notification) => Object.fromEntries(Object.entries(snsPublishInput(n, TOPIC).MessageAttributes!).map(([k, v]) => [k, v.StringValue]));
const parts = (n: Notification) => JSON.parse(snsPublishInput(n, TOPIC).Message!) as { default: string; email: string; sms: string };

describe('snsPublishInput: groups and actions', () => {
  it('a group: the alert count, every rule once, no model; region and account only when all share them', () => {
    const alerts = [alertOn(0, { rule: 'a' }), alertOn(1, { rule: 'b' }), alertOn(2, { rule: 'a' })];
    expect(attrs(group(alerts))).toEqual({ severity: 'critical', rule: 'a,b', action: 'trigger', alerts: '3', region: 'us-east-1', accountId: '111111111111' });
    const spread = [alertOn(0), alertOn(1, { labels: { ModelId: 'm', Region: 'eu-west-1', AccountId: '222222222222' } })];
    expect(attrs(group(spread))).toEqual({ severity: 'critical', rule: 'server-errors', action: 'trigger', alerts: '2' });
    // One alert: no count.
    expect(attrs(sampleNotification())).not.toHaveProperty('alerts');
  });

  it('the subject of a group is its one line; of one alert the tag with the action, the summary or the rule', () => {
    const alerts = [alertOn(0), alertOn(1)];
    expect(snsPublishInput(group(alerts), TOPIC).Subject).toBe('CRITICAL: Throttling on 2 models (model-0, model-1) us-east-1');
    expect(snsPublishInput(sampleNotification({ action: 'repeat' }), TOPIC).Subject).toMatch(/^\[CRITICAL still firing\] /);
    expect(snsPublishInput(sampleNotification({ action: 'update', alert: { tier: 'warning' } }), TOPIC).Subject).toMatch(/^\[WARNING lowered\] /);
    expect(snsPublishInput(sampleNotification({ alert: { summary: '' } }), TOPIC).Subject).toBe('[CRITICAL] server-errors');
    // Every alert resolved while the action is not resolve: RESOLVED all the same.
    expect(snsPublishInput({ ...resolvedNotification(), action: 'update' }, TOPIC).Subject).toMatch(/^\[RESOLVED\] /);
  });

  it('the SMS part is the one line, at most 1000 characters', () => {
    const long = sampleNotification({ alert: { title: 't'.repeat(1500) } });
    expect(parts(long).sms).toHaveLength(1000);
    expect(parts(sampleNotification()).sms).toBe('CRITICAL: Server-error rate 9.1% on amazon.nova-lite-v1:0: 9.1%');
  });

  it('a storm: the first 20 alerts in the JSON and the email, the rest counted; 20 exactly: nothing counted', () => {
    const alerts = Array.from({ length: 23 }, (_, i) => alertOn(i));
    const p = parts(group(alerts));
    const json = JSON.parse(p.default);
    expect(json.alerts).toHaveLength(SNS_LISTED_ALERTS);
    expect(json.more).toBe(3);
    expect(p.email).toContain('…and 3 more');
    expect(p.email.split('\n').filter((l) => l.startsWith('- CRITICAL '))).toHaveLength(20);
    const exact = JSON.parse(parts(group(alerts.slice(0, 20))).default);
    expect(exact).not.toHaveProperty('more');
    expect(parts(group(alerts.slice(0, 20))).email).not.toContain('more');
  });

  it('a storm too large for one publish lists fewer alerts until it fits', () => {
    const alerts = Array.from({ length: 40 }, (_, i) => alertOn(i, { details: { blob: 'x'.repeat(12_000) } }));
    const input = snsPublishInput(group(alerts), TOPIC);
    expect(publishBytes(input)).toBeLessThanOrEqual(SNS_MAX_BYTES);
    const json = JSON.parse(JSON.parse(input.Message!).default);
    // 20 do not fit (about 480 KB), 10 do.
    expect(json.alerts).toHaveLength(10);
    expect(json.more).toBe(30);
    // One alert that alone is too large is still sent (SNS refuses it; nothing smaller can be built).
    const huge = snsPublishInput(sampleNotification({ alert: { details: { blob: 'y'.repeat(SNS_MAX_BYTES) } } }), TOPIC);
    expect(publishBytes(huge)).toBeGreaterThan(SNS_MAX_BYTES);
    // …with itself listed, not as an empty list and "1 more".
    const hugeJson = JSON.parse(JSON.parse(huge.Message!).default);
    expect(hugeJson.alerts).toHaveLength(1);
    expect(hugeJson).not.toHaveProperty('more');
  });

  it('a publish of exactly SNS_MAX_BYTES is kept whole; one byte more lists fewer alerts', () => {
    // 21 alerts, the second carrying details that bring the publish to the size wanted (each byte of them counts once).
    const sized = (blob: number) => snsPublishInput(group(Array.from({ length: 21 }, (_, i) => alertOn(i, i === 1 ? { details: { blob: 'x'.repeat(blob) } } : {}))), TOPIC);
    const listed = (input: ReturnType<typeof sized>) => JSON.parse(JSON.parse(input.Message!).default).alerts.length as number;
    const fill = SNS_MAX_BYTES - publishBytes(sized(0));
    const exact = sized(fill);
    expect([publishBytes(exact), listed(exact)]).toEqual([SNS_MAX_BYTES, 20]);
    const over = sized(fill + 1);
    expect(listed(over)).toBe(10);
    expect(publishBytes(over)).toBeLessThanOrEqual(SNS_MAX_BYTES);
  });

  it('publishBytes counts the message, subject and every attribute name, type and value in UTF-8', () => {
    expect(publishBytes({ TopicArn: TOPIC, Message: 'é', Subject: 'ab', MessageAttributes: { k: { DataType: 'String', StringValue: 'vv' }, kk: { DataType: 'Number' } } })).toBe(2 + 2 + (1 + 6 + 2) + (2 + 6));
    expect(publishBytes({ TopicArn: TOPIC } as never)).toBe(0);
    expect(publishBytes({ TopicArn: TOPIC, MessageAttributes: { k: {} } } as never)).toBe(1);
  });
});

describe('snsText', () => {
  it('a resolved alert: when it ended, and a lack-of-data resolve said to be no recovery; no next check', () => {
    const text = snsText(resolvedNotification(65 * 60_000, { alert: { resolveReason: 'no data' } }));
    expect(text.split('\n')).toEqual([
      'RESOLVED (no data): Server-error rate 9.1% on amazon.nova-lite-v1:0: 9.1%',
      '',
      '- RESOLVED Server-error rate 9.1% on amazon.nova-lite-v1:0',
      '  since 2025-06-01T11:55:00.000Z, resolved 2025-06-01T13:05:00.000Z (no data: not a recovery)',
      'Runbook: https://runbooks.example.com/bedrock/server-errors',
    ]);
    expect(snsText(resolvedNotification()).split('\n')[3]).toBe('  since 2025-06-01T11:55:00.000Z, resolved 2025-06-01T13:05:00.000Z');
  });

  it('a firing group: the lead’s next check, the places, each runbook once', () => {
    const alerts = [alertOn(0, { runbook: 'rb/a' }), alertOn(1, { runbook: 'rb/a', nextCheck: 'other' }), alertOn(2, { runbook: undefined })];
    const lines = snsText(group(alerts)).split('\n');
    expect(lines.slice(-6)).toEqual(['  since 2025-06-01T11:55:00.000Z', '', 'Account · region: 111111111111 · us-east-1', '', `Next check: ${base.nextCheck}`, 'Runbook: rb/a']);
    // No places, no next check, no runbook: none of those lines.
    const bare = snsText(sampleNotification({ alert: { labels: {}, nextCheck: '', runbook: undefined } }));
    expect(bare).toBe('CRITICAL: Server-error rate 9.1% on amazon.nova-lite-v1:0 on server-errors: 9.1%\n\n- CRITICAL Server-error rate 9.1% on amazon.nova-lite-v1:0\n  since 2025-06-01T11:55:00.000Z');
  });
});

describe('subject', () => {
  it('printable ASCII on one line, spaces collapsed, at most 99 characters', () => {
    expect(subject('  a\t\tb\u0007c  ')).toBe('a bc');
    expect(subject('‘x’ “y” a–b')).toBe('\'x\' "y" a-b');
    expect(subject('x'.repeat(99))).toBe('x'.repeat(99));
    expect(subject('x'.repeat(100))).toBe(`${'x'.repeat(96)}...`);
    expect(subject(`${'x'.repeat(95)}  yyyy`)).toBe(`${'x'.repeat(95)}...`);
  });
});

describe('SnsNotifier and SnsDropNotice with a mocked client', () => {
  const sns = mockClient(SNSClient);
  beforeEach(() => sns.reset());
  const digest: Digest = { day: '2026-10-21', models: [], totalCost: 0, totalExpected: null, unpriced: [], alerts: [], callers: [], budgets: [] };

  it('the digest: plain text, its title as subject, info severity', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    await new SnsNotifier({ topicArn: TOPIC, client: new SNSClient({}) }).sendDigest(digest, 'daily');
    expect(sns.commandCalls(PublishCommand).map((c) => c.args[0].input)).toEqual([
      {
        TopicArn: TOPIC,
        Subject: subject(digestLines(digest).title),
        Message: digestText(digest),
        MessageAttributes: { severity: { DataType: 'String', StringValue: 'info' }, rule: { DataType: 'String', StringValue: 'daily-digest' } },
      },
    ]);
  });

  it('a failed digest publish names the receiver and the error; a throttle is retryable', async () => {
    sns.on(PublishCommand).rejects(Object.assign(new Error('slow down'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }));
    const err = await new SnsNotifier({ topicArn: TOPIC, client: new SNSClient({}) }).sendDigest(digest, 'daily').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err).toMatchObject({ retryable: true, message: 'sns receiver "daily": Publish failed: Throttling: slow down' });
  });

  it('the drop notice: who, why, which alert, the notification attached (a storm cut to 20), on the stack topic', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    const alerts = Array.from({ length: 22 }, (_, i) => alertOn(i));
    const n = group(alerts, { receiver: 'pager', id: 'n-9' });
    const reason = `HTTP 404 no_service ${'r'.repeat(3000)}`;
    await new SnsDropNotice({ topicArn: TOPIC, client: new SNSClient({}) }).dropped(n, reason);
    const input = sns.commandCalls(PublishCommand)[0].args[0].input;
    expect(input.TopicArn).toBe(TOPIC);
    expect(input.Subject).toBe(subject('[DROPPED] critical notification for pager: Throttling on model-0'));
    expect(input.MessageAttributes).toEqual({
      severity: { DataType: 'String', StringValue: 'critical' },
      rule: { DataType: 'String', StringValue: 'notification-dropped' },
      receiver: { DataType: 'String', StringValue: 'pager' },
    });
    const lines = input.Message!.split('\n');
    expect(lines.slice(0, 7)).toEqual([
      'bedrock-watch gave up delivering a critical notification to receiver "pager".',
      `Why: ${reason}`,
      `Alert: Throttling on model-0 (rule server-errors, trigger, decided ${n.at})`,
      'Notification id: n-9',
      '',
      'Check the receiver (its secret, URL or service) and whether the alert still needs attention.',
      '',
    ]);
    const attached = JSON.parse(lines[7]);
    expect(attached.notification.alerts).toHaveLength(20);
    expect(attached.notification.more).toBe(2);
    expect(attached.notification.id).toBe('n-9');
    expect(attached.reason).toHaveLength(2000);
  });

  it('the drop notice of a resolve says so; without a summary the rule; a small notification has no count', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    const n = resolvedNotification(60_000, { alert: { summary: '' } });
    await new SnsDropNotice({ topicArn: TOPIC, client: new SNSClient({}) }).dropped(n, 'why');
    const input = sns.commandCalls(PublishCommand)[0].args[0].input;
    expect(input.Subject).toBe('[DROPPED] resolve notification for oncall: server-errors');
    expect(input.Message!.split('\n')[2]).toBe(`Alert: server-errors (rule server-errors, resolve, decided ${n.at})`);
    expect(JSON.parse(input.Message!.split('\n')[7]).notification).not.toHaveProperty('more');
  });

  it('the drop notice of exactly 20 alerts attaches them all, with no count of more', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    await new SnsDropNotice({ topicArn: TOPIC, client: new SNSClient({}) }).dropped(group(Array.from({ length: SNS_LISTED_ALERTS }, (_, i) => alertOn(i))), 'why');
    const attached = JSON.parse(sns.commandCalls(PublishCommand)[0].args[0].input.Message!.split('\n')[7]);
    expect(attached.notification.alerts).toHaveLength(20);
    expect(attached.notification).not.toHaveProperty('more');
  });

  it('a failed drop notice says it was the fallback topic', async () => {
    sns.on(PublishCommand).rejects(Object.assign(new Error('denied'), { name: 'AuthorizationErrorException', $metadata: { httpStatusCode: 403 } }));
    const err = await new SnsDropNotice({ topicArn: TOPIC, client: new SNSClient({}) }).dropped(sampleNotification(), 'why').catch((e: unknown) => e);
    expect(err).toMatchObject({ retryable: false, message: 'fallback topic: Publish failed: AuthorizationErrorException: denied' });
  });

  const failure = async (error: unknown) => {
    sns.on(PublishCommand).rejects(error as Error);
    return (await new SnsNotifier({ topicArn: TOPIC, client: new SNSClient({}) }).send(sampleNotification()).catch((e: unknown) => e)) as DeliveryError;
  };

  it('retryable: throttles by name or 429, server faults and 5xx, network errors without an answer', async () => {
    const cases: [string, unknown, boolean][] = [
      ['429 of any name', Object.assign(new Error('x'), { name: 'Whatever', $metadata: { httpStatusCode: 429 } }), true],
      ['a throttle name without status', Object.assign(new Error('x'), { name: 'TooManyRequestsException' }), true],
      ['a server fault without status', Object.assign(new Error('x'), { name: 'Odd', $fault: 'server' }), true],
      ['a 502 without fault', Object.assign(new Error('x'), { name: 'Odd', $metadata: { httpStatusCode: 502 } }), true],
      ['exactly 500', Object.assign(new Error('x'), { name: 'Odd', $metadata: { httpStatusCode: 500 } }), true],
      ['a 499', Object.assign(new Error('x'), { name: 'Odd', $metadata: { httpStatusCode: 499 } }), false],
      ['a reset connection by code', Object.assign(new Error('x'), { code: 'ECONNRESET' }), true],
      ['an abort by name', Object.assign(new Error('x'), { name: 'AbortError' }), true],
      ['a network name with an HTTP answer', Object.assign(new Error('x'), { name: 'TimeoutError', $metadata: { httpStatusCode: 400 } }), false],
      ['an unknown error without status', Object.assign(new Error('x'), { name: 'Weird' }), false],
      ['a client fault', Object.assign(new Error('x'), { name: 'Odd', $fault: 'client', $metadata: { httpStatusCode: 400 } }), false],
    ];
    for (const [what, error, retryable] of cases) expect([what, (await failure(error)).retryable]).toEqual([what, retryable]);
  });

  it('an error without name or message is still described', async () => {
    const odd = { send: async () => Promise.reject({ toString: () => 'strange thing' }) } as unknown as SNSClient;
    const err = (await new SnsNotifier({ topicArn: TOPIC, client: odd }).send(sampleNotification()).catch((e: unknown) => e)) as DeliveryError;
    expect(err.message).toBe('sns receiver "oncall": Publish failed: Error: strange thing');
    // The digest and the drop notice say the same.
    const digestErr = (await new SnsNotifier({ topicArn: TOPIC, client: odd }).sendDigest(digest, 'daily').catch((e: unknown) => e)) as DeliveryError;
    expect(digestErr.message).toBe('sns receiver "daily": Publish failed: Error: strange thing');
    const dropErr = (await new SnsDropNotice({ topicArn: TOPIC, client: odd }).dropped(sampleNotification(), 'why').catch((e: unknown) => e)) as DeliveryError;
    expect(dropErr.message).toBe('fallback topic: Publish failed: Error: strange thing');
  });
});

describe('createSnsClient', () => {
  it('bounded connection and request times, which throw; the caller’s config kept', async () => {
    expect(SNS_TIMEOUTS).toEqual({ connectionTimeout: 3_000, requestTimeout: 5_000, throwOnRequestTimeout: true });
    const client = createSnsClient({ region: 'eu-west-1' });
    expect(await client.config.region()).toBe('eu-west-1');
  });
});
