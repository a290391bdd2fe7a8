import { deliverWithRetry } from '../../shared/notify/deliver';
import { SlackNotifier, formatDuration, slackMessage, truncate } from '../../shared/notify/slack';
import { DeliveryError } from '../../shared/notify/types';
import { resolvedNotification, sampleNotification } from '../support/notification';
import { slackBlocksProblem, startSlackReceiver, type LocalReceiver } from '../support/receivers';

type Msg = { text: string; blocks: { type: string; text?: { text: string }; fields?: { text: string }[]; elements?: { text: string }[] }[] };
const message = (...args: Parameters<typeof slackMessage>) => slackMessage(...args) as Msg;
const allText = (m: Msg) => JSON.stringify(m.blocks);
const noSleep = async () => {};

describe('slackMessage', () => {
  it('heads a firing alert with severity emoji, tier and model, then summary, value, since, next check and runbook', () => {
    const m = message(sampleNotification());
    expect(m.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: '🚨 CRITICAL · amazon.nova-lite-v1:0', emoji: true } });
    expect(m.blocks[1].text?.text).toBe('Server-error rate 9.1% on amazon.nova-lite-v1:0');
    expect(m.blocks[1].fields?.map((f) => f.text)).toEqual([
      '*Value*\n9.1% (threshold 5%, baseline 0.1%)',
      '*Since*\n<!date^1748778900^{date_short_pretty} {time}|2025-06-01T11:55:00.000Z>',
    ]);
    expect(m.blocks[2].text?.text).toMatch(/^\*Next check:\* Check the Bedrock service health/);
    expect(allText(m)).toContain('<https://runbooks.example.com/bedrock/server-errors|Runbook>');
    expect(m.text).toBe('🚨 CRITICAL · amazon.nova-lite-v1:0: Server-error rate 9.1% on amazon.nova-lite-v1:0');
    expect(slackBlocksProblem(m.blocks)).toBeUndefined();
  });

  it('uses the tier emoji and marks escalations and repeats', () => {
    expect(message(sampleNotification({ alert: { tier: 'warning' } })).blocks[0].text?.text).toBe('⚠️ WARNING · amazon.nova-lite-v1:0');
    expect(message(sampleNotification({ action: 'escalate' })).blocks[0].text?.text).toBe('🚨 CRITICAL (escalated) · amazon.nova-lite-v1:0');
    expect(message(sampleNotification({ action: 'repeat', alert: { tier: 'info' } })).blocks[0].text?.text).toBe('ℹ️ INFO (still firing) · amazon.nova-lite-v1:0');
  });

  it('names the rule when the alert has no model label, and leaves out a missing runbook', () => {
    const m = message(sampleNotification({ alert: { labels: {}, runbook: undefined } }));
    expect(m.blocks[0].text?.text).toBe('🚨 CRITICAL · server-errors');
    expect(allText(m)).not.toContain('Runbook');
  });

  it('says a resolved alert is resolved and for how long it fired, without a next check', () => {
    // The condition held from 11:55 (since); the episode fired at 12:00 and resolved 65 min later.
    const m = message(resolvedNotification(65 * 60_000));
    expect(m.blocks[0].text?.text).toBe('✅ RESOLVED · CRITICAL · amazon.nova-lite-v1:0');
    expect(m.blocks[1].fields?.map((f) => f.text)).toContain('*Resolved after*\n1h 10m');
    expect(m.text).toContain('resolved after 1h 10m');
    expect(allText(m)).not.toContain('Next check');
  });

  it('escapes &, < and > in alert text so it cannot forge links or mentions', () => {
    const m = message(sampleNotification({ alert: { summary: 'p99 > 5s & rising <!channel>' } }));
    expect(m.blocks[1].text?.text).toBe('p99 &gt; 5s &amp; rising &lt;!channel&gt;');
  });

  it('truncates over-long text to Slack limits with an ellipsis', () => {
    const m = message(sampleNotification({ alert: { summary: 'x'.repeat(5000), nextCheck: 'y'.repeat(4000), labels: { ModelId: 'm'.repeat(300) } } }));
    expect(m.blocks[0].text!.text).toHaveLength(150);
    expect(m.blocks[0].text!.text.endsWith('…')).toBe(true);
    expect(m.blocks[1].text!.text).toHaveLength(3000);
    expect(m.blocks[2].text!.text).toHaveLength(3000);
    expect(m.blocks.length).toBeLessThanOrEqual(50);
    expect(slackBlocksProblem(m.blocks)).toBeUndefined();
  });

  it('never cuts a surrogate pair, an &entity; or a <link> in half', () => {
    expect(truncate(`${'a'.repeat(8)}😀😀`, 10)).toBe(`${'a'.repeat(8)}…`);
    expect(truncate('abcdef &amp; ghi', 10)).toBe('abcdef …');
    expect(truncate('see <https://x.example/very/long|here> now', 12)).toBe('see …');
    expect(truncate('short', 10)).toBe('short');
  });

  it('formats durations with the two largest units', () => {
    expect(formatDuration(45_000)).toBe('45s');
    expect(formatDuration(26 * 3600_000 + 60_000)).toBe('1d 2h');
    expect(formatDuration(86400_000 + 5000)).toBe('1d');
    expect(formatDuration(-1)).toBe('unknown');
  });
});

describe('SlackNotifier against a local Slack webhook', () => {
  let slack: LocalReceiver;
  beforeEach(async () => {
    slack = await startSlackReceiver();
  });
  afterEach(async () => {
    await slack.close();
  });

  const secretOf = (url: string) => new URL(url).pathname;

  it('posts a Block Kit message the webhook accepts', async () => {
    await new SlackNotifier({ webhookUrl: slack.url }).send(sampleNotification());
    expect(slack.rejected).toEqual([]);
    expect(slack.received).toEqual([slackMessage(sampleNotification())]);
  });

  it('posts firing and resolved messages for the same episode', async () => {
    const notifier = new SlackNotifier({ webhookUrl: slack.url });
    await notifier.send(sampleNotification());
    await notifier.send(resolvedNotification());
    expect(slack.received).toHaveLength(2);
    expect(slack.rejected).toEqual([]);
  });

  it('gets a long summary accepted by truncating it', async () => {
    await new SlackNotifier({ webhookUrl: slack.url }).send(sampleNotification({ alert: { summary: '∑'.repeat(10_000) } }));
    expect(slack.rejected).toEqual([]);
    expect(slack.received).toHaveLength(1);
  });

  it('the local webhook rejects what Slack rejects: over-long header, too many blocks, bad block type', async () => {
    const post = (body: unknown) => fetch(slack.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const header = { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } };
    const many = Array.from({ length: 51 }, () => ({ type: 'divider' }));
    for (const blocks of [[header], many, [{ type: 'banner' }]]) {
      const res = await post({ text: 'x', blocks });
      expect([res.status, await res.text()]).toEqual([400, 'invalid_blocks']);
    }
    expect(slack.rejected).toEqual(['blocks[0].text is 151 chars (max 150)', '51 blocks (max 50)', 'blocks[0]: invalid type']);
  });

  it('retries a 429 after the Retry-After seconds, then succeeds', async () => {
    slack.failNext(429, 1, { 'retry-after': '2' });
    const waits: number[] = [];
    const result = await deliverWithRetry(new SlackNotifier({ webhookUrl: slack.url }), sampleNotification(), { sleep: async (ms) => void waits.push(ms) });
    expect(result).toEqual({ ok: true });
    expect(waits).toEqual([2000]);
    expect(slack.received).toHaveLength(2);
  });

  it('does not retry a 400 and reports Slack’s error code, never the webhook URL', async () => {
    slack.failNext(400, 1, {}, 'invalid_payload');
    const result = await deliverWithRetry(new SlackNotifier({ webhookUrl: slack.url }), sampleNotification(), { sleep: noSleep });
    expect(result).toEqual({ ok: false, retryable: false, error: 'slack receiver "oncall": HTTP 400 invalid_payload' });
    expect(slack.received).toHaveLength(1);
  });

  it('does not retry a webhook that no longer exists (404 no_service), naming the receiver not the URL', async () => {
    const wrong = `${slack.url}x`;
    const error = await new SlackNotifier({ webhookUrl: wrong }).send(sampleNotification()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error).toMatchObject({ retryable: false, message: 'slack receiver "oncall": HTTP 404 no_service' });
    expect((error as Error).message).not.toContain(secretOf(wrong));
  });

  it('treats a 5xx as retryable', async () => {
    slack.failNext(503, 5);
    const result = await deliverWithRetry(new SlackNotifier({ webhookUrl: slack.url }), sampleNotification(), { attempts: 2, sleep: noSleep });
    expect(result).toMatchObject({ ok: false, retryable: true });
    expect(slack.received).toHaveLength(2);
  });

  it('treats a refused connection as retryable and keeps the URL out of the message', async () => {
    const url = slack.url;
    await slack.close();
    const error = await new SlackNotifier({ webhookUrl: url }).send(sampleNotification()).catch((e: unknown) => e);
    expect(error).toMatchObject({ retryable: true });
    expect((error as Error).message).toMatch(/^slack receiver "oncall": request failed/);
    expect((error as Error).message).not.toContain(secretOf(url));
    slack = await startSlackReceiver();
  });

  it('does not retry a malformed webhook URL, and keeps it out of the message', async () => {
    const webhookUrl = 'hooks.slack.com/services/T1/B1/not-a-url-secret';
    const error = await new SlackNotifier({ webhookUrl }).send(sampleNotification()).catch((e: unknown) => e);
    expect(error).toMatchObject({ retryable: false, message: 'slack receiver "oncall": the configured URL is not a valid URL' });
  });
});

describe('slackMessage for a group', () => {
  const group = (n: number, resolved = 0) => {
    const base = sampleNotification();
    const alerts = Array.from({ length: n }, (_, i) => ({
      ...base.alert,
      fingerprint: `fp${i}`,
      title: 'Throttling',
      labels: { ModelId: `vendor.model-${i}-${'x'.repeat(i % 3 ? 10 : 200)}`, Region: 'eu-west-1', AccountId: '123456789012' },
      valueText: `${10 + i}% (${i} of 1000 requests in 5 min; critical above 10%)`,
      ...(i < resolved ? { status: 'resolved' as const, endsAt: '2025-06-01T12:30:00.000Z' } : {}),
    }));
    const ordered = [...alerts.filter((a) => a.status === 'firing'), ...alerts.filter((a) => a.status === 'resolved')];
    return { ...base, key: 'g123@1', alert: ordered[0], alerts: ordered, group: { labels: { rule: 'server-errors', severity: 'critical' }, route: 'route.routes[0]' } };
  };

  it('lists every alert compactly under one header with the count, account and region', () => {
    const m = message(group(5, 2));
    expect(m.blocks[0].text?.text).toBe('🚨 CRITICAL · Throttling · 3 firing');
    expect(m.blocks[1].text?.text).toBe('*3 firing*, 2 resolved · 123456789012 · eu-west-1');
    const list = m.blocks[2].text!.text.split('\n');
    expect(list).toHaveLength(5);
    expect(list[0]).toMatch(/^🚨 \*vendor\.model-2-x+\* critical: 12% \(2 of 1000 requests in 5 min; critical above 10%\) · since <!date\^/);
    expect(list[4]).toMatch(/^✅ ~vendor\.model-1-x+~ resolved after 35m$/);
    expect(m.text).toMatch(/^CRITICAL: Throttling on 3 models \(vendor\.model-2-xxxxxxxxxx, vendor\.model-3-xxxxxxxxxxxx…, \+1\); 2 resolved · eu-west-1$/);
    expect(slackBlocksProblem(m.blocks)).toBeUndefined();
  });

  it('stays within Block Kit limits for hundreds of alerts, counting what it leaves out', () => {
    const m = message(group(1500));
    expect(m.blocks.length).toBeLessThanOrEqual(50);
    for (const b of m.blocks) expect((b.text?.text ?? '').length).toBeLessThanOrEqual(3000);
    const listed = m.blocks.flatMap((b) => (b.text?.text ?? '').split('\n')).filter((l) => l.startsWith('🚨 *vendor'));
    const more = Number(/…and (\d+) more/.exec(allText(m))?.[1]);
    expect(more).toBeGreaterThan(0);
    expect(listed.length + more).toBe(1500);
    expect(slackBlocksProblem(m.blocks)).toBeUndefined();
  });

  it('says RESOLVED when every alert of the group has resolved', () => {
    const m = message({ ...group(3, 3), action: 'resolve' });
    expect(m.blocks[0].text?.text).toBe('✅ RESOLVED · Throttling · 3 alerts');
  });
});
