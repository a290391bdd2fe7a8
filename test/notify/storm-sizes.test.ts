/**
 * Issue 17.4: storms of 50 and 200 models through the real notifiers, each message checked by a
 * receiver that refuses what the real service refuses — SNS (256 KB with subject and attributes,
 * through the SDK client), Slack (50 blocks, 3,000 characters a section, 40,000 of text) and
 * PagerDuty (512 KB). Before, the SNS body repeated the alerts JSON in five protocol keys and the
 * text twice: over 256 KB at 50 models, refused (a non-retryable client error), the page dropped.
 */
import { PublishCommand, SNSClient, type PublishCommandInput } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import type { AlertView, Notification } from '../../shared/core/notification';
import { PagerDutyNotifier } from '../../shared/notify/pagerduty';
import { SlackNotifier } from '../../shared/notify/slack';
import { SnsDropNotice, SnsNotifier } from '../../shared/notify/sns';
import { sampleNotification } from '../support/notification';
import { PAGERDUTY_MAX_BYTES, snsPublishProblem, startPagerDutyReceiver, startSlackReceiver, type LocalReceiver } from '../support/receivers';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:bedrock-watch-alerts';
const sns = mockClient(SNSClient);

/** A grouped storm: `count` models throttled at once, each alert with the evidence a real one carries. */
export function stormNotification(count: number, over: Partial<Notification> = {}): Notification {
  const base = sampleNotification();
  const alerts: AlertView[] = Array.from({ length: count }, (_, i) => {
    const model = `vendor-${i % 7}.some-rather-long-foundation-model-name-${i}-instruct-v${i % 3}:0`;
    return {
      ...base.alert,
      fingerprint: `bedrock-throttles/ModelId=${model}`,
      rule: 'bedrock-throttles',
      labels: { ModelId: model, Region: i % 2 ? 'us-east-1' : 'eu-central-1', AccountId: '123456789012' },
      summary: `Throttling ${(5 + i / 10).toFixed(1)}% on ${model}: ${'requests refused by the service quota while the traffic grew '.repeat(3)}`,
      valueText: `${(5 + i / 10).toFixed(1)}% (${400 + i} of 8000 requests in 5 minutes; threshold 5%, baseline 0.2%)`,
      details: { window: '5m', invocations: 8000, throttles: 400 + i, perMinute: Array.from({ length: 30 }, (_, m) => 10 + ((m * i) % 17)).join(','), note: 'x'.repeat(600) },
    };
  });
  return { ...base, id: `storm-${count}`, receiver: 'alerts', key: `g-storm-${count}`, alert: alerts[0], alerts, group: { labels: { rule: 'bedrock-throttles' }, route: 'critical' }, ...over };
}

let slack: LocalReceiver;
let pd: LocalReceiver;
beforeAll(async () => {
  [slack, pd] = await Promise.all([startSlackReceiver(), startPagerDutyReceiver()]);
});
afterAll(async () => {
  await Promise.all([slack.close(), pd.close()]);
});

const published: PublishCommandInput[] = [];
beforeEach(() => {
  sns.reset();
  published.splice(0);
  // As SNS: a Publish it refuses is a 400 InvalidParameter (a client error: not retried).
  sns.on(PublishCommand).callsFake((input: PublishCommandInput) => {
    const problem = snsPublishProblem(input);
    if (problem) throw Object.assign(new Error(problem), { name: 'InvalidParameterException', $fault: 'client', $metadata: { httpStatusCode: 400 } });
    published.push(input);
    return { MessageId: `m-${published.length}` };
  });
});

describe.each([50, 200])('a storm of %i models', (count) => {
  const n = stormNotification(count);
  const resolved = stormNotification(count, { action: 'resolve', alerts: stormNotification(count).alerts.map((a) => ({ ...a, status: 'resolved', endsAt: '2025-06-01T13:00:00.000Z' })) });

  it('fits one SNS publish (256 KB), listing the first alerts and counting the rest', async () => {
    const notifier = new SnsNotifier({ topicArn: TOPIC, client: new SNSClient({}) });
    await notifier.send(n);
    await notifier.send({ ...n, action: 'escalate', id: `${n.id}-step` });
    await notifier.send(resolved);
    expect(published).toHaveLength(3);
    const body = JSON.parse(published[0].Message!) as { default: string; email: string };
    expect(JSON.parse(body.default)).toMatchObject({ more: count - 20 });
    expect(body.email).toContain(`…and ${count - 20} more`);
  });

  it('fits Slack: at most 50 blocks, 3,000 characters a section', async () => {
    const notifier = new SlackNotifier({ webhookUrl: slack.url, ackButton: true });
    const before = slack.accepted.length;
    await notifier.send(n);
    await notifier.send(resolved);
    expect(slack.rejected).toEqual([]);
    expect(slack.accepted.length - before).toBe(2);
  });

  it('fits PagerDuty (512 KB)', async () => {
    const notifier = new PagerDutyNotifier({ routingKey: 'R0UT1NGKEY0123456789abcdefABCDEF', eventsUrl: pd.url });
    await notifier.send(n);
    await notifier.send(resolved);
    expect(pd.rejected).toEqual([]);
    for (const e of pd.accepted.slice(-2)) expect(Buffer.byteLength(JSON.stringify(e))).toBeLessThanOrEqual(PAGERDUTY_MAX_BYTES);
  });

  it('a dropped storm message is still announced: the notice on the stack topic fits too', async () => {
    await new SnsDropNotice({ topicArn: TOPIC, client: new SNSClient({}) }).dropped(n, 'slack receiver "alerts": HTTP 404 no_service');
    expect(published).toHaveLength(1);
  });
});

describe('the local receivers refuse what the real services refuse', () => {
  it('PagerDuty: an event over 512 KB is refused (413)', async () => {
    const res = await fetch(pd.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ routing_key: 'k', event_action: 'trigger', payload: { summary: 's', source: 's', severity: 'info', custom_details: { x: 'y'.repeat(PAGERDUTY_MAX_BYTES) } } }) });
    expect(res.status).toBe(413);
  });

  it('SNS: over 256 KB, or a json structure without default', () => {
    expect(snsPublishProblem({ Message: 'x'.repeat(262_145) })).toMatch(/too long/);
    expect(snsPublishProblem({ Message: JSON.stringify({ email: 'x' }), MessageStructure: 'json' })).toMatch(/No default/);
    expect(snsPublishProblem({ Message: 'ok', Subject: 'fine' })).toBeUndefined();
  });
});
