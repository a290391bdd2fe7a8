/**
 * Faults at the receivers, through the real delivery: real notifiers posting over HTTP to the local
 * Slack and PagerDuty receivers, secrets from SSM through Powertools (SSM and SNS mocked at the SDK).
 */
import { clearCaches } from '@aws-lambda-powertools/parameters';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { NotifierSet, type ReceiverConfig } from '../../shared/notify/receivers';
import { SnsDropNotice } from '../../shared/notify/sns';
import type { Notification } from '../../shared/core/notification';
import { deliverOutbox, outboxItems, type DeliverOptions } from '../../shared/run/deliver-outbox';
import { RecordingMetrics } from '../../shared/run/metrics';
import { MemoryStateStore } from '../../shared/state/memory-store';
import { resolvedNotification, sampleNotification } from '../support/notification';
import { startPagerDutyReceiver, startSlackReceiver, type LocalReceiver } from '../support/receivers';

const T0 = Date.parse('2026-10-05T10:00:00.000Z');
const MINUTE = 60_000;
const FALLBACK_TOPIC = 'arn:aws:sns:us-east-1:123456789012:bedrock-watch-alerts-test';
const SLACK_PARAM = '/bedrock-watch/slack-webhook-url';
const PD_KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';

const ssm = mockClient(SSMClient);
const sns = mockClient(SNSClient);

const silent = { warn: () => undefined, error: () => undefined };

/** A store, its pending list and the options one tick would pass, with metrics and the fallback topic. */
function outbox() {
  const store = new MemoryStateStore();
  const metrics = new RecordingMetrics();
  const pending: string[] = [];
  const opts: DeliverOptions = { log: silent, sleep: async () => {}, metrics, dropNotice: new SnsDropNotice({ topicArn: FALLBACK_TOPIC, client: new SNSClient({}) }) };
  return {
    store,
    metrics,
    async decide(now: number, ...ns: Notification[]) {
      await store.putOutbox(outboxItems(ns, now));
      pending.push(...ns.map((n) => n.id));
    },
    deliver: (notifiers: NotifierSet, now: number, extra: Partial<DeliverOptions> = {}) => deliverOutbox(store, notifiers, [...pending], now, { ...opts, ...extra }),
    item: async (id: string) => (await store.getOutbox([id]))[0],
  };
}

const alert = (id: string, receiver: string, over: Partial<Notification> = {}) => sampleNotification({ id, receiver, key: `k-${id}`, ...over });
const fallbackNotices = () => sns.commandCalls(PublishCommand).map((c) => c.args[0].input).filter((i) => i.TopicArn === FALLBACK_TOPIC);

let slackOld: LocalReceiver;
let slackNew: LocalReceiver;
let pd: LocalReceiver;

beforeEach(async () => {
  ssm.reset();
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  clearCaches();
  [slackOld, slackNew, pd] = await Promise.all([startSlackReceiver(), startSlackReceiver(), startPagerDutyReceiver()]);
  process.env.BW_FAULTS_PD_KEY = PD_KEY;
});
afterEach(async () => {
  delete process.env.BW_FAULTS_PD_KEY;
  await Promise.all([slackOld.close(), slackNew.close(), pd.close()]);
});

const slackCfg: ReceiverConfig = { name: 'slack-alerts', type: 'slack', webhook_url: { ssm: SLACK_PARAM } };
const pdCfg = (): ReceiverConfig => ({ name: 'pagerduty-oncall', type: 'pagerduty', routing_key: { env: 'BW_FAULTS_PD_KEY' }, events_url: pd.url });

describe('fault: Slack webhook rotated in SSM', () => {
  let webhook: string;
  let clock: number;
  beforeEach(() => {
    webhook = slackOld.url;
    clock = 0;
    ssm.on(GetParameterCommand, { Name: SLACK_PARAM }).callsFake(() => ({ Parameter: { Name: SLACK_PARAM, Type: 'SecureString', Value: webhook } }));
  });
  const rotate = () => {
    webhook = slackNew.url;
  };
  const notifierSet = () => new NotifierSet([slackCfg], { clock: () => clock });

  it('old URL answers 404 no_service: the secret is read again and the alert arrives at the new URL', async () => {
    const o = outbox();
    const notifiers = notifierSet(); // one warm Lambda container
    await o.decide(T0, alert('a1', 'slack-alerts'));
    expect(await o.deliver(notifiers, T0)).toMatchObject({ delivered: 1 });
    rotate();
    slackOld.down(404); // Slack: no_service
    clock += 10_000; // well within the secret's max-age
    await o.decide(T0 + MINUTE, alert('a2', 'slack-alerts'));
    expect(await o.deliver(notifiers, T0 + MINUTE)).toMatchObject({ delivered: 1, dropped: 0 });
    expect(slackOld.accepted).toHaveLength(1);
    expect(slackNew.accepted).toHaveLength(1);
    expect((await o.item('a2')).status).toBe('sent');
    expect(o.metrics.counts.NotificationsDropped).toBeUndefined();
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
  });

  it('past the max-age the secret is read again, so the rotated URL is used even while the old one still works', async () => {
    const o = outbox();
    const notifiers = notifierSet();
    await o.decide(T0, alert('a1', 'slack-alerts'));
    await o.deliver(notifiers, T0);
    rotate();
    clock += 60_000;
    await o.decide(T0 + MINUTE, alert('a2', 'slack-alerts'));
    await o.deliver(notifiers, T0 + MINUTE);
    expect([slackOld.accepted.length, slackNew.accepted.length]).toEqual([2, 0]); // cached within the max-age
    clock += 300_000;
    await o.decide(T0 + 7 * MINUTE, alert('a3', 'slack-alerts'));
    await o.deliver(notifiers, T0 + 7 * MINUTE);
    expect([slackOld.accepted.length, slackNew.accepted.length]).toEqual([2, 1]);
  });

  it('a webhook that is really gone is dropped after one fresh read, counted, and announced on the stack topic', async () => {
    const o = outbox();
    const notifiers = notifierSet();
    slackOld.down(404);
    await o.decide(T0, alert('a1', 'slack-alerts'));
    expect(await o.deliver(notifiers, T0)).toMatchObject({ delivered: 0, dropped: 1 });
    expect(slackOld.received).toHaveLength(2); // once with the cached secret, once after reading it again
    expect((await o.item('a1')).status).toBe('dead');
    expect(o.metrics.counts.NotificationsDropped).toBe(1);
    const [notice] = fallbackNotices();
    expect(notice.Subject).toBe('[DROPPED] critical notification for slack-alerts: Server-error rate 9.1% on amazon.nova-lite-v1:0');
    expect(notice.Message).toContain('receiver "slack-alerts"');
    expect(notice.Message).toContain('HTTP 404 no_service');
    expect(notice.Message).not.toContain(slackOld.url); // the webhook is a secret
  });
});

describe('fault: receiver failing for a day', () => {
  it('gives up after 24 h of failures: dropped, counted once, and announced with the reason', async () => {
    const o = outbox();
    const notifiers = new NotifierSet([pdCfg()]);
    pd.down(503);
    await o.decide(T0, alert('p1', 'pagerduty-oncall'));
    for (let t = T0; t <= T0 + 25 * 60 * MINUTE; t += 30 * MINUTE) await o.deliver(notifiers, t);
    expect((await o.item('p1')).status).toBe('dead');
    expect(o.metrics.counts.NotificationsDropped).toBe(1);
    expect(o.metrics.counts.NotificationsFailed).toBeGreaterThan(1);
    const notices = fallbackNotices();
    expect(notices).toHaveLength(1);
    expect(notices[0].Message).toContain('receiver "pagerduty-oncall"');
    expect(notices[0].Message).toContain('HTTP 503');
    expect(notices[0].Message).not.toContain(PD_KEY);
  });

  it('a non-retryable answer (400) is dropped at once and announced', async () => {
    const o = outbox();
    pd.failNext(400, 3);
    await o.decide(T0, alert('p1', 'pagerduty-oncall'));
    expect(await o.deliver(new NotifierSet([pdCfg()]), T0)).toMatchObject({ dropped: 1 });
    expect(fallbackNotices()).toHaveLength(1);
  });
});

describe('fault: receiver asks to slow down', () => {
  it('schedules the retry when Retry-After says (90 s), not on its own backoff', async () => {
    const o = outbox();
    const notifiers = new NotifierSet([pdCfg()]);
    pd.failNext(429, 1, { 'retry-after': '90' });
    await o.decide(T0, alert('p1', 'pagerduty-oncall'));
    expect(await o.deliver(notifiers, T0)).toMatchObject({ delivered: 0, failed: 1 });
    expect((await o.item('p1')).nextAttemptAt).toBe(T0 + 90_000);
    expect(pd.received).toHaveLength(1); // not hammered within the tick either
    expect(await o.deliver(notifiers, T0 + 60_000)).toMatchObject({ delivered: 0 });
    expect(await o.deliver(notifiers, T0 + 95_000)).toMatchObject({ delivered: 1 });
  });
});

describe('fault: receiver hangs', () => {
  it('a hung Slack does not keep PagerDuty from being delivered within the time left; Slack is retried on the next tick, in order', async () => {
    const o = outbox();
    process.env.BW_FAULTS_SLACK_URL = slackOld.url;
    const notifiers = new NotifierSet([{ name: 'slack-alerts', type: 'slack', webhook_url: { env: 'BW_FAULTS_SLACK_URL' } }, pdCfg()]);
    slackOld.hold();
    // Slack is first in decision order: delivered one after the other, it would use up all the time left.
    await o.decide(T0, alert('s1', 'slack-alerts', { key: 'ep1' }), alert('p1', 'pagerduty-oncall', { key: 'ep1' }));
    await o.decide(T0 + MINUTE, resolvedNotification(60_000, { id: 's2', receiver: 'slack-alerts', key: 'ep1' }));
    const end = Date.now() + 1_500;
    const report = await o.deliver(notifiers, T0 + MINUTE, { timeLeft: () => end - Date.now() });
    delete process.env.BW_FAULTS_SLACK_URL;
    expect(report).toMatchObject({ delivered: 1, failed: 1 });
    expect(pd.accepted).toHaveLength(1);
    const s1 = await o.item('s1');
    expect([s1.status, s1.lastError]).toEqual(['pending', expect.stringMatching(/timed out/)]);
    expect((await o.item('s2')).status).toBe('pending'); // behind s1
    slackOld.release();
    expect(slackOld.accepted).toEqual([]); // the abandoned request was not acted on
    await o.deliver(notifiers, T0 + 5 * MINUTE);
    expect((slackOld.accepted as { text: string }[]).map((m) => m.text.split(' ')[0])).toEqual(['🚨', '✅']);
  }, 20_000);
});
