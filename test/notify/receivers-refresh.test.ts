/**
 * shared/notify/receivers.ts: how long a built notifier (and the secret in it) is kept, what a refresh
 * re-reads, what the notifiers are built with, and the SNS topic taken from the environment.
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { StreamKeys } from '../../shared/core/stream-keys';
import { NotifierSet, createNotifier, type ReceiverConfig, type SecretRef } from '../../shared/notify/receivers';
import { SECRET_MAX_AGE_S, type SecretDeps } from '../../shared/notify/secrets';
import { slackMessage } from '../../shared/notify/slack';
import { pagerDutyEvent } from '../../shared/notify/pagerduty';
import { sampleNotification } from '../support/notification';

const slackCfg: ReceiverConfig = { name: 'team-slack', type: 'slack', webhook_url: { ssm: '/bw/slack' } };
const pdCfg: ReceiverConfig = { name: 'pd', type: 'pagerduty', routing_key: { env: 'PD_KEY' }, events_url: 'https://pd.example/enqueue' };
const KEYS = new StreamKeys({ secret: 's'.repeat(43), legacyBefore: 0 });

/** A resolver that records what it was asked and with which options. */
function recordingResolve() {
  const calls: { ref: SecretRef; where: string; deps: SecretDeps }[] = [];
  const resolve = async (ref: SecretRef, where: string, deps?: SecretDeps) => {
    calls.push({ ref, where, deps: deps ?? {} });
    return 'ssm' in ref ? 'https://hooks.example/services/T/B/x' : 'k'.repeat(32);
  };
  return { calls, resolve };
}

/** A fetch that records the JSON bodies posted. */
function recordingFetch() {
  const bodies: unknown[] = [];
  const fetch = (async (_url: string, init: RequestInit) => (bodies.push(JSON.parse(String(init.body))), new Response('ok', { status: 200 }))) as unknown as typeof globalThis.fetch;
  return { bodies, fetch };
}

describe('NotifierSet: the age of a built notifier', () => {
  it('kept for SECRET_MAX_AGE_S, rebuilt after with the secret read past every cache', async () => {
    let now = 1_000_000;
    const { calls, resolve } = recordingResolve();
    const set = new NotifierSet([slackCfg], { resolve, clock: () => now });
    const first = await set.get('team-slack');
    now += SECRET_MAX_AGE_S * 1000 - 1;
    expect(await set.get('team-slack')).toBe(first);
    now += 1;
    const second = await set.get('team-slack');
    expect(second).not.toBe(first);
    expect(calls.map((c) => c.deps.forceFetch)).toEqual([false, true]);
    // The rebuilt one is kept again from its own build time.
    expect(await set.get('team-slack')).toBe(second);
  });

  it('refresh: rebuilt at once, the secret re-read past every cache', async () => {
    const { calls, resolve } = recordingResolve();
    const set = new NotifierSet([slackCfg], { resolve, clock: () => 5 });
    const first = await set.get('team-slack');
    const fresh = await set.refresh('team-slack');
    expect(fresh).not.toBe(first);
    expect(await set.get('team-slack')).toBe(fresh);
    expect(calls.map((c) => [c.where, c.deps.forceFetch])).toEqual([
      ['receiver "team-slack" webhook_url', false],
      ['receiver "team-slack" webhook_url', true],
    ]);
  });

  it('a failed rebuild does not drop a newer good one', async () => {
    let fail = false;
    const resolve = async () => {
      if (fail) throw new Error('ssm down');
      return 'https://hooks.example/services/T/B/x';
    };
    const set = new NotifierSet([slackCfg], { resolve });
    fail = true;
    const failed = set.refresh('team-slack');
    fail = false;
    const good = set.refresh('team-slack');
    await expect(failed).rejects.toThrow('ssm down');
    const notifier = await good;
    expect(await set.get('team-slack')).toBe(notifier);
  });

  it('no receivers: an unknown name says none are known', async () => {
    await expect(new NotifierSet([]).get('x')).rejects.toThrow('no receiver named "x" (known: none)');
  });

  it('SNS receivers share one client, created once', async () => {
    const sns = mockClient(SNSClient);
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    try {
      const a: ReceiverConfig = { name: 'a', type: 'sns', topic_arn: 'arn:aws:sns:us-east-1:1:a' };
      const b: ReceiverConfig = { name: 'b', type: 'sns', topic_arn: 'arn:aws:sns:us-east-1:1:b' };
      const set = new NotifierSet([a, b]);
      const na = (await set.get('a')) as unknown as { client: SNSClient };
      const nb = (await set.get('b')) as unknown as { client: SNSClient };
      expect(na.client).toBeInstanceOf(SNSClient);
      expect(na.client).toBe(nb.client);
      // A given client is used as is.
      const given = new SNSClient({});
      const withClient = new NotifierSet([a], { sns: given });
      expect(((await withClient.get('a')) as unknown as { client: SNSClient }).client).toBe(given);
    } finally {
      sns.restore();
    }
  });
});

describe('createNotifier: what the notifiers are built with', () => {
  it('Slack: the Acknowledge button and the stream keys when given', async () => {
    const { resolve } = recordingResolve();
    const { bodies, fetch } = recordingFetch();
    const n = sampleNotification();
    await (await createNotifier(slackCfg, { resolve, fetch, ackButtons: true, streamKeys: async () => KEYS })).send(n);
    await (await createNotifier(slackCfg, { resolve, fetch })).send(n);
    expect(bodies).toEqual([JSON.parse(JSON.stringify(slackMessage(n, { ackButton: true, keys: KEYS }))), JSON.parse(JSON.stringify(slackMessage(n)))]);
  });

  it('PagerDuty: the configured events URL and the stream keys', async () => {
    const { resolve } = recordingResolve();
    const urls: string[] = [];
    const bodies: unknown[] = [];
    const fetch = (async (url: string, init: RequestInit) => (urls.push(url), bodies.push(JSON.parse(String(init.body))), new Response('{}', { status: 202 }))) as unknown as typeof globalThis.fetch;
    const n = sampleNotification();
    await (await createNotifier(pdCfg, { resolve, fetch, streamKeys: async () => KEYS })).send(n);
    expect(urls).toEqual(['https://pd.example/enqueue']);
    expect(bodies).toEqual([JSON.parse(JSON.stringify(pagerDutyEvent(n, 'k'.repeat(32), KEYS)))]);
  });

  it('secrets are resolved with the deps’ environment and the secret options', async () => {
    const { calls, resolve } = recordingResolve();
    const env = { PD_KEY: 'x' };
    await createNotifier(pdCfg, { resolve, env }, { forceFetch: true });
    expect(calls).toEqual([{ ref: { env: 'PD_KEY' }, where: 'receiver "pd" routing_key', deps: { env, forceFetch: true } }]);
  });

  it('SNS: the topic from a named environment variable, or why there is none', async () => {
    const sns = mockClient(SNSClient);
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    try {
      const cfg: ReceiverConfig = { name: 'fan', type: 'sns', topic_arn: { env: 'MY_TOPIC' } } as ReceiverConfig;
      const notifier = await createNotifier(cfg, { env: { MY_TOPIC: 'arn:aws:sns:us-east-1:1:mine', ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:1:default' }, sns: new SNSClient({}) });
      await notifier.send(sampleNotification());
      expect(sns.commandCalls(PublishCommand)[0].args[0].input.TopicArn).toBe('arn:aws:sns:us-east-1:1:mine');
      await expect(createNotifier(cfg, { env: { ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:1:default' } })).rejects.toThrow('receiver "fan" topic_arn: environment variable MY_TOPIC is not set');
    } finally {
      sns.restore();
    }
  });

  it('an unknown type is refused, naming the receiver and the type', async () => {
    await expect(createNotifier({ name: 'odd', type: 'fax' } as never)).rejects.toThrow('receiver "odd": unknown type "fax"');
  });
});
