import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { PagerDutyNotifier } from '../../shared/notify/pagerduty';
import { NotifierSet, createNotifier, type ReceiverConfig, type SecretRef } from '../../shared/notify/receivers';
import type { resolveSecret } from '../../shared/notify/secrets';
import { SlackNotifier } from '../../shared/notify/slack';
import { SnsNotifier } from '../../shared/notify/sns';
import { sampleNotification } from '../support/notification';
import { startPagerDutyReceiver, startSlackReceiver } from '../support/receivers';

/** A resolver over a fixed map of "ssm:/name" / "env:NAME" → value, counting calls. */
function fakeResolve(values: Record<string, string>) {
  const calls: string[] = [];
  const resolve: typeof resolveSecret = async (ref: SecretRef, where: string) => {
    const key = 'ssm' in ref ? `ssm:${ref.ssm}` : `env:${ref.env}`;
    calls.push(`${where} <- ${key}`);
    const value = values[key];
    if (value === undefined) throw new Error(`${where}: ${key} not found`);
    return value;
  };
  return { resolve, calls };
}

const slackCfg: ReceiverConfig = { name: 'team-slack', type: 'slack', webhook_url: { ssm: '/bw/slack' } };
const pdCfg: ReceiverConfig = { name: 'pagerduty-oncall', type: 'pagerduty', routing_key: { env: 'PD_KEY' } };
const snsCfg: ReceiverConfig = { name: 'fanout', type: 'sns', topic_arn: 'arn:aws:sns:us-east-1:123456789012:alerts' };

describe('createNotifier', () => {
  it('builds a Slack notifier from the resolved webhook secret, which then delivers', async () => {
    const slack = await startSlackReceiver();
    try {
      const { resolve, calls } = fakeResolve({ 'ssm:/bw/slack': slack.url });
      const notifier = await createNotifier(slackCfg, { resolve });
      expect(notifier).toBeInstanceOf(SlackNotifier);
      expect(calls).toEqual(['receiver "team-slack" webhook_url <- ssm:/bw/slack']);
      await notifier.send(sampleNotification({ receiver: 'team-slack' }));
      expect(slack.received).toHaveLength(1);
    } finally {
      await slack.close();
    }
  });

  it('builds a PagerDuty notifier with the resolved routing key and the configured events_url', async () => {
    const pd = await startPagerDutyReceiver();
    try {
      const { resolve } = fakeResolve({ 'env:PD_KEY': 'k'.repeat(32) });
      const notifier = await createNotifier({ ...pdCfg, events_url: pd.url }, { resolve });
      expect(notifier).toBeInstanceOf(PagerDutyNotifier);
      await notifier.send(sampleNotification({ receiver: 'pagerduty-oncall' }));
      expect(pd.received).toMatchObject([{ routing_key: 'k'.repeat(32) }]);
    } finally {
      await pd.close();
    }
  });

  it('refuses a routing key that is not one, without echoing it', async () => {
    const { resolve } = fakeResolve({ 'env:PD_KEY': 'https://events.pagerduty.com/x' });
    await expect(createNotifier(pdCfg, { resolve })).rejects.toThrow(
      'receiver "pagerduty-oncall" routing_key: the secret is not a PagerDuty routing key: one is 32 characters, this value has 30',
    );
  });

  it('refuses a webhook secret that is not a URL, without echoing it', async () => {
    const { resolve } = fakeResolve({ 'ssm:/bw/slack': 'xoxb-not-a-webhook' });
    const error = await createNotifier(slackCfg, { resolve }).catch((e: Error) => e);
    expect((error as Error).message).toBe('receiver "team-slack" webhook_url: the secret is not a valid URL');
  });

  it('passes secret resolution errors through, naming the receiver', async () => {
    const { resolve } = fakeResolve({});
    await expect(createNotifier(pdCfg, { resolve })).rejects.toThrow('receiver "pagerduty-oncall" routing_key: env:PD_KEY not found');
  });

  describe('sns', () => {
    const sns = mockClient(SNSClient);
    beforeEach(() => sns.reset());

    it('publishes to the configured topic through the given client', async () => {
      sns.on(PublishCommand).resolves({});
      const notifier = await createNotifier(snsCfg, { sns: new SNSClient({}) });
      expect(notifier).toBeInstanceOf(SnsNotifier);
      await notifier.send(sampleNotification({ receiver: 'fanout' }));
      expect(sns.commandCalls(PublishCommand)[0].args[0].input.TopicArn).toBe(snsCfg.topic_arn);
    });

    it('defaults the topic to ALERT_TOPIC_ARN', async () => {
      sns.on(PublishCommand).resolves({});
      const notifier = await createNotifier({ name: 'fanout', type: 'sns' }, { env: { ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:1:default' } });
      await notifier.send(sampleNotification());
      expect(sns.commandCalls(PublishCommand)[0].args[0].input.TopicArn).toBe('arn:aws:sns:us-east-1:1:default');
    });

    it('says clearly when there is no topic at all', async () => {
      await expect(createNotifier({ name: 'fanout', type: 'sns' }, { env: {} })).rejects.toThrow(
        'receiver "fanout" topic_arn: not set, and the default ALERT_TOPIC_ARN environment variable is not set either',
      );
    });
  });
});

describe('NotifierSet', () => {
  it('creates each receiver once and reuses it within the secret max-age, so a warm Lambda does not read secrets on every tick', async () => {
    const { resolve, calls } = fakeResolve({ 'ssm:/bw/slack': 'https://hooks.slack.example/services/T/B/x', 'env:PD_KEY': 'k'.repeat(32) });
    const set = new NotifierSet([slackCfg, pdCfg], { resolve });
    const [a, b] = await Promise.all([set.get('team-slack'), set.get('team-slack')]);
    expect(a).toBe(b);
    expect(await set.get('team-slack')).toBe(a);
    await set.get('pagerduty-oncall');
    expect(calls).toHaveLength(2);
  });

  it('tries again after a failed creation instead of caching the failure', async () => {
    const values: Record<string, string> = {};
    const { resolve, calls } = fakeResolve(values);
    const set = new NotifierSet([pdCfg], { resolve });
    await expect(set.get('pagerduty-oncall')).rejects.toThrow('not found');
    values['env:PD_KEY'] = 'k'.repeat(32);
    await expect(set.get('pagerduty-oncall')).resolves.toBeInstanceOf(PagerDutyNotifier);
    expect(calls).toHaveLength(2);
  });

  it('rejects an unknown receiver name, listing the known ones', async () => {
    const set = new NotifierSet([slackCfg, pdCfg]);
    await expect(set.get('nobody')).rejects.toThrow('no receiver named "nobody" (known: team-slack, pagerduty-oncall)');
  });

  it('rejects two receivers with the same name', () => {
    expect(() => new NotifierSet([slackCfg, { ...pdCfg, name: 'team-slack' }])).toThrow('receiver "team-slack" is defined twice');
  });
});
