/**
 * Messages people can act on, for a group spanning several accounts and regions (one deployment
 * watching several places): every receiver names each alert's place instead of the headline's
 * alone, counts a model in two regions as two, and stays short where it must (a phone's lock
 * screen, PagerDuty's 1024-character summary, Block Kit's limits).
 */
import type { AlertView, Notification } from '../../shared/core/notification';
import { pagerDutyEvent, type PagerDutyTrigger } from '../../shared/notify/pagerduty';
import { slackMessage } from '../../shared/notify/slack';
import { snsPublishInput, snsText } from '../../shared/notify/sns';
import { sampleNotification } from '../support/notification';
import { slackBlocksProblem } from '../support/receivers';

const ROUTING_KEY = 'R0UT1NGKEYSECRET0123456789abcdef';
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:bedrock-watch-alerts';

function groupOf(places: { model: string; region: string; account: string }[]): Notification {
  const base = sampleNotification();
  const alerts: AlertView[] = places.map((p, i) => ({
    ...base.alert,
    fingerprint: `fp${i}`,
    title: 'Throttling',
    labels: { ModelId: p.model, Region: p.region, AccountId: p.account },
    summary: `Throttling on ${p.model} (${p.region}, account ${p.account}): 23% throttled`,
    valueText: '23% (230 of 1000 requests in 5 min; critical above 10%)',
  }));
  return { ...base, key: 'g0123456789abcdef0123@1791900000000', alert: alerts[0], alerts, group: { labels: { rule: 'bedrock-throttles', severity: 'critical' }, route: 'route.routes[0]' } };
}

const NOVA = 'amazon.nova-pro-v1:0';
const CLAUDE = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const spread = groupOf([
  { model: NOVA, region: 'us-east-1', account: '111111111111' },
  { model: NOVA, region: 'eu-central-1', account: '111111111111' },
  { model: CLAUDE, region: 'us-east-1', account: '222222222222' },
]);

type Block = { type: string; text?: { text: string } };

describe('a grouped message across accounts and regions', () => {
  it('Slack: the header counts the places and every line names its own', () => {
    const m = slackMessage(spread) as { text: string; blocks: Block[] };
    expect(m.blocks[1].text?.text).toBe('*3 firing* · 3 places');
    const lines = m.blocks[2].text!.text.split('\n');
    expect(lines.map((l) => /\*([^*]+)\*/.exec(l)?.[1])).toEqual([
      `${NOVA} (111111111111 · us-east-1)`,
      `${NOVA} (111111111111 · eu-central-1)`,
      `${CLAUDE} (222222222222 · us-east-1)`,
    ]);
    expect(slackBlocksProblem(m.blocks as never)).toBeUndefined();
  });

  it('PagerDuty: one short summary saying how many regions, the places in the details, each alert with its place', () => {
    const e = pagerDutyEvent(spread, ROUTING_KEY) as PagerDutyTrigger;
    // The same model in two regions is two alerts: three models' worth of pages, not two.
    expect(e.payload.summary).toBe(`CRITICAL: Throttling on 3 models (${NOVA}, anthropic.claude-3-5-haiku-…, +1) · 2 regions`);
    expect(e.payload.source).toBe('bedrock-watch');
    expect(e.payload.custom_details).toMatchObject({ places: ['111111111111 · us-east-1', '111111111111 · eu-central-1', '222222222222 · us-east-1'] });
    expect(e.payload.custom_details).not.toHaveProperty('region');
    expect((e.payload.custom_details.alerts as string[])[1]).toMatch(/^CRITICAL amazon\.nova-pro-v1:0 \(111111111111 · eu-central-1\): 23% /);
  });

  it('SNS: the text lists every place; subscription filter attributes only when the message has one', () => {
    expect(snsText(spread)).toContain('Account · region: 111111111111 · us-east-1; 111111111111 · eu-central-1; 222222222222 · us-east-1');
    const attrs = snsPublishInput(spread, TOPIC).MessageAttributes!;
    expect(attrs.region).toBeUndefined();
    expect(attrs.accountId).toBeUndefined();
    const one = groupOf([{ model: NOVA, region: 'us-east-1', account: '111111111111' }, { model: CLAUDE, region: 'us-east-1', account: '111111111111' }]);
    expect(snsPublishInput(one, TOPIC).MessageAttributes!.region).toEqual({ DataType: 'String', StringValue: 'us-east-1' });
  });

  it('stays lock-screen short and within the limits however many places and models it carries', () => {
    const huge = groupOf(Array.from({ length: 600 }, (_, i) => ({ model: `vendor.model-${i}-${'x'.repeat(60)}`, region: `region-${i % 7}`, account: String(100000000000 + (i % 5)) })));
    const e = pagerDutyEvent(huge, ROUTING_KEY) as PagerDutyTrigger;
    expect(e.payload.summary.length).toBeLessThanOrEqual(120);
    expect(e.payload.summary).toMatch(/^CRITICAL: Throttling on 600 models \(.*, \+598\) · 7 regions$/);
    expect(JSON.stringify(e).length).toBeLessThan(512 * 1024); // PagerDuty's event size limit
    const m = slackMessage(huge) as { blocks: Block[] };
    expect(slackBlocksProblem(m.blocks as never)).toBeUndefined();
    expect(m.blocks.length).toBeLessThanOrEqual(50);
  });
});
