/**
 * shared/notify/slack.ts beyond the common case: the Acknowledge button (when a message carries it and
 * what it names), resolved details, the context line and its runbooks, group messages with several
 * kinds of alert or places, durations and dates, the digest post and Slack's error replies.
 */
import { ackButtonBlock } from '../../shared/core/ack';
import { StreamKeys } from '../../shared/core/stream-keys';
import type { AlertView, Notification } from '../../shared/core/notification';
import type { Digest } from '../../shared/core/digest';
import { digestSlack } from '../../shared/notify/digest-render';
import { SLACK_LIMITS, SlackNotifier, formatDuration, slackMessage, truncate } from '../../shared/notify/slack';
import { resolvedNotification, sampleNotification } from '../support/notification';
import { slackBlocksProblem } from '../support/receivers';

type Block = { type: string; block_id?: string; text?: { text: string }; fields?: { text: string }[]; elements?: { text?: string; value?: string }[] };
type Msg = { text: string; blocks: Block[] };
const message = (...args: Parameters<typeof slackMessage>) => slackMessage(...args) as unknown as Msg;
const KEYS = new StreamKeys({ secret: 'k'.repeat(43), legacyBefore: 0 });
const base = sampleNotification().alert;

function group(alerts: AlertView[], over: Partial<Notification> = {}): Notification {
  const firing = alerts.filter((a) => a.status === 'firing');
  return { ...sampleNotification(), key: 'g0123456789abcdef0123@1', alert: firing[0] ?? alerts[0], alerts, ...over };
}
const alertOn = (i: number, over: Partial<AlertView> = {}): AlertView => ({
  ...base,
  fingerprint: `fp${i}`,
  labels: { ModelId: `model-${i}`, Region: 'us-east-1', AccountId: '111111111111' },
  valueText: `${i}%`,
  ...over,
});

describe('the Acknowledge button', () => {
  it('a firing alert carries it last, with the stream key signed (unsigned without keys); not by default', () => {
    const n = sampleNotification();
    expect(message(n, { ackButton: true, keys: KEYS }).blocks.at(-1)).toEqual(ackButtonBlock(KEYS.button(n.key)));
    expect(message(n, { ackButton: true }).blocks.at(-1)).toEqual(ackButtonBlock(StreamKeys.UNSIGNED.button(n.key)));
    for (const m of [message(n), message(n, {}), message(n, { ackButton: false, keys: KEYS })]) expect(m.blocks.map((b) => b.type)).not.toContain('actions');
  });

  it('not on a resolved alert, nor on one without a valid episode start', () => {
    expect(message(resolvedNotification(), { ackButton: true }).blocks.map((b) => b.type)).not.toContain('actions');
    // A resolve action whose alert view still says firing: resolved all the same.
    expect(message({ ...sampleNotification(), action: 'resolve' }, { ackButton: true }).blocks.map((b) => b.type)).not.toContain('actions');
    expect(message(sampleNotification({ alert: { startsAt: 'not a date' } }), { ackButton: true }).blocks.map((b) => b.type)).not.toContain('actions');
  });

  it('a group: the button while one alert fires (its lead with a valid start), none once all resolved', () => {
    const alerts = [alertOn(0), alertOn(1)];
    const n = group(alerts);
    expect(message(n, { ackButton: true, keys: KEYS }).blocks.at(-1)).toEqual(ackButtonBlock(KEYS.button(n.key)));
    expect(message(n).blocks.map((b) => b.type)).not.toContain('actions');
    const resolved = alerts.map((a) => ({ ...a, status: 'resolved' as const, endsAt: '2025-06-01T12:30:00.000Z' }));
    expect(message(group(resolved, { action: 'resolve' }), { ackButton: true }).blocks.map((b) => b.type)).not.toContain('actions');
    expect(message(group([alertOn(0, { startsAt: 'x' }), alertOn(1)]), { ackButton: true }).blocks.map((b) => b.type)).not.toContain('actions');
  });
});

describe('one alert: details', () => {
  it('resolved: the duration from since to the end, a lack-of-data resolve said to be no recovery; the fallback says it', () => {
    const m = message(resolvedNotification(65 * 60_000, { alert: { resolveReason: 'no data' } }));
    expect(m.blocks[1].fields?.map((f) => f.text)).toContain('*Resolved after*\n1h 10m (no data: not a recovery)');
    expect(m.text).toBe('✅ RESOLVED · CRITICAL · amazon.nova-lite-v1:0: resolved after 1h 10m: Server-error rate 9.1% on amazon.nova-lite-v1:0');
  });

  it('no end yet: counted to the notification time; no since: from the episode start', () => {
    const n = { ...sampleNotification({ alert: { since: undefined as never } }), action: 'resolve' as const, at: '2025-06-01T12:20:00.000Z' };
    const m = message(n);
    expect(m.blocks[1].fields?.map((f) => f.text)).toEqual([
      '*Value*\n9.1% (threshold 5%, baseline 0.1%)',
      '*Since*\n<!date^1748779200^{date_short_pretty} {time}|2025-06-01T12:00:00.000Z>',
      '*Resolved after*\n20m',
    ]);
  });

  it('account and region as a field when known; an empty summary is said to be missing', () => {
    const m = message(sampleNotification({ alert: { summary: '', labels: { ModelId: 'm', AccountId: '222222222222', Region: 'eu-west-1' } } }));
    expect(m.blocks[1].text?.text).toBe('(no summary)');
    expect(m.blocks[1].fields?.at(-1)?.text).toBe('*Account · Region*\n222222222222 · eu-west-1');
    expect(m.blocks[1].fields).toHaveLength(3);
  });

  it('an unreadable since is shown as text, escaped', () => {
    const m = message(sampleNotification({ alert: { since: '<soon>' } }));
    expect(m.blocks[1].fields?.[1].text).toBe('*Since*\n&lt;soon&gt;');
  });

  it('a firing alert without a next check has no next-check block', () => {
    const m = message(sampleNotification({ alert: { nextCheck: '' } }));
    expect(m.blocks.map((b) => b.type)).toEqual(['header', 'section', 'context']);
  });
});

describe('the context line and runbooks', () => {
  it('rule and signal in code spans; one runbook as a link, a path as text', () => {
    const ctx = (a: Partial<AlertView>) => message(sampleNotification({ alert: a })).blocks.find((b) => b.type === 'context')!.elements!.map((e) => e.text);
    expect(ctx({})).toEqual(['rule `server-errors` · signal `errors`', ':book: <https://runbooks.example.com/bedrock/server-errors|Runbook>']);
    expect(ctx({ runbook: 'runbooks/errors.md' })).toEqual(['rule `server-errors` · signal `errors`', ':book: Runbook: runbooks/errors.md']);
    // A | would end the link text early: encoded.
    expect(ctx({ runbook: 'https://rb.example/a|b' })[1]).toBe(':book: <https://rb.example/a%7Cb|Runbook>');
    expect(ctx({ runbook: 'http://rb.example/x' })[1]).toBe(':book: <http://rb.example/x|Runbook>');
    expect(ctx({ runbook: 'see https://rb.example/x' })[1]).toBe(':book: Runbook: see https://rb.example/x');
  });

  it('a group: every rule and signal once; several runbooks named by their rule; at most 10 elements', () => {
    const alerts = [
      alertOn(0, { rule: 'throttles', signal: 'throttle', runbook: 'https://rb.example/throttles' }),
      alertOn(1, { rule: 'errors', signal: 'errors', runbook: 'https://rb.example/errors' }),
      alertOn(2, { rule: 'errors', signal: 'errors', runbook: 'https://rb.example/errors' }),
      alertOn(3, { rule: 'latency', signal: 'latency', runbook: 'https://rb.example/other' }),
    ];
    const ctx = message(group(alerts)).blocks.find((b) => b.type === 'context')!.elements!.map((e) => e.text);
    expect(ctx).toEqual([
      'rule `throttles`, `errors`, `latency` · signal `throttle`, `errors`, `latency`',
      ':book: <https://rb.example/throttles|Runbook (throttles)>',
      ':book: <https://rb.example/errors|Runbook (errors)>',
      ':book: <https://rb.example/other|Runbook ()>',
    ]);
    const many = Array.from({ length: 12 }, (_, i) => alertOn(i, { runbook: `https://rb.example/${i}` }));
    const elements = message(group(many)).blocks.find((b) => b.type === 'context')!.elements!;
    expect(elements).toHaveLength(SLACK_LIMITS.contextElements);
    expect(elements.at(-1)?.text).toBe(':book: <https://rb.example/8|Runbook ()>');
  });
});

describe('group messages', () => {
  it('several kinds of alert: counted in the header, named on each line; escalations marked; next check of the lead', () => {
    const alerts = [
      alertOn(0, { title: 'Throttling', tier: 'warning', nextCheck: 'throttle check' }),
      alertOn(1, { title: 'Errors', nextCheck: 'errors check' }),
      alertOn(2, { title: 'Errors', status: 'resolved', endsAt: '2025-06-01T12:30:00.000Z', resolveReason: 'no data' }),
    ];
    const m = message(group(alerts, { action: 'escalate' }));
    expect(m.blocks[0].text?.text).toBe('🚨 CRITICAL (escalated) · 2 kinds of alert · 2 firing');
    expect(m.blocks[1].text?.text).toBe('*2 firing*, 1 resolved · 111111111111 · us-east-1');
    expect(m.blocks[2].text?.text.split('\n')).toEqual([
      `⚠️ *model-0* Throttling · warning: 0% · since <!date^1748778900^{date_short_pretty} {time}|${base.since}>`,
      `🚨 *model-1* Errors · critical: 1% · since <!date^1748778900^{date_short_pretty} {time}|${base.since}>`,
      '✅ ~model-2~ Errors · resolved after 35m (no data)',
    ]);
    expect(m.blocks[3].text?.text).toBe('*Next check:* throttle check');
    expect(slackBlocksProblem(m.blocks)).toBeUndefined();
  });

  it('one kind, several places: "2 places" in the count line, each line with its place; no label; no firing lead, no next check', () => {
    const alerts = [alertOn(0, { title: 'Errors', status: 'resolved', endsAt: null }), alertOn(1, { title: 'Errors', status: 'resolved', labels: { ModelId: 'model-1', Region: 'eu-west-1', AccountId: '111111111111' }, endsAt: null })];
    const n = group(alerts, { action: 'resolve', at: '2025-06-01T12:55:00.000Z' });
    const m = message(n);
    expect(m.blocks[0].text?.text).toBe('✅ RESOLVED · Errors · 2 alerts');
    expect(m.blocks[1].text?.text).toBe('*0 firing*, 2 resolved · 2 places');
    expect(m.blocks[2].text?.text.split('\n')).toEqual(['✅ ~model-0 (111111111111 · us-east-1)~ resolved after 1h', '✅ ~model-1 (111111111111 · eu-west-1)~ resolved after 1h']);
    expect(m.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'context']);
  });

  it('no places: the count line alone', () => {
    const m = message(group([alertOn(0, { labels: { ModelId: 'a' } }), alertOn(1, { labels: { ModelId: 'b' } })]));
    expect(m.blocks[1].text?.text).toBe('*2 firing*');
  });

  it('lines are packed into sections of under 2960 characters; every line shown when they fit', () => {
    // 40 lines of about 400 characters: several sections, nothing left out.
    const alerts = Array.from({ length: 40 }, (_, i) => alertOn(i, { valueText: `${i}% ${'v'.repeat(300)}` }));
    const m = message(group(alerts));
    const sections = m.blocks.slice(2).filter((b) => b.type === 'section').map((b) => b.text!.text);
    expect(sections.length).toBeGreaterThan(1);
    for (const s of sections) expect(s.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText - 40);
    const lines = sections.flatMap((s) => s.split('\n'));
    expect(lines.filter((l) => l.startsWith('🚨 *model-'))).toHaveLength(40);
    expect(m.blocks.some((b) => b.text?.text.includes('more'))).toBe(false);
    // One over-long line is cut to 1000 characters.
    const long = message(group([alertOn(0, { valueText: 'w'.repeat(5000) }), alertOn(1)]));
    const first = long.blocks[2].text!.text.split('\n')[0];
    expect(first).toHaveLength(1000);
    expect(first.endsWith('…')).toBe(true);
  });

  it('too many lines: the sections that fit (45 at most), the rest counted on the last', () => {
    const alerts = Array.from({ length: 400 }, (_, i) => alertOn(i, { valueText: `${i}% ${'v'.repeat(300)}`, nextCheck: '' }));
    const m = message(group(alerts));
    expect(m.blocks.at(-1)?.type).toBe('context');
    const list = m.blocks.slice(2, -1);
    expect(list).toHaveLength(SLACK_LIMITS.blocks - 5);
    const shown = list.flatMap((b) => b.text!.text.split('\n')).filter((l) => l.startsWith('🚨 *model-')).length;
    expect(list.at(-1)!.text!.text.endsWith(`\n…and ${400 - shown} more`)).toBe(true);
    expect(m.blocks.length).toBeLessThanOrEqual(50);
  });
});

describe('durations and truncation', () => {
  it('formatDuration: rounding to seconds, two largest non-zero units, nothing for the unknown', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(400)).toBe('0s');
    expect(formatDuration(59_500)).toBe('1m');
    expect(formatDuration(3_661_000)).toBe('1h 1m');
    expect(formatDuration(3_601_000)).toBe('1h');
    expect(formatDuration(90_061_000)).toBe('1d 1h');
    expect(formatDuration(86_400_000 + 60_000)).toBe('1d');
    expect(formatDuration(61_000)).toBe('1m 1s');
    expect(formatDuration(NaN)).toBe('unknown');
    expect(formatDuration(Infinity)).toBe('unknown');
  });

  it('truncate: plain text keeps entities and links; markup drops a half entity', () => {
    expect(truncate('abcdef &amp; ghi', 10, false)).toBe('abcdef &a…');
    expect(truncate('see <https://x.example/very/long|here> now', 12, false)).toBe('see <https:…');
    expect(truncate('ab &lt', 6)).toBe('ab &lt');
    expect(truncate('abc &lt; more', 8)).toBe('abc …');
    expect(truncate('<a> then text', 8)).toBe('<a> the…');
    expect(truncate('abcdefghij', 10)).toBe('abcdefghij');
    expect(truncate('abcdefghijk', 10)).toBe('abcdefghi…');
  });
});

describe('SlackNotifier: digests and errors', () => {
  const digest: Digest = { day: '2025-06-01', models: [], totalCost: 1.5, totalExpected: null, unpriced: [], alerts: [], callers: [], budgets: [] };
  const recording = (status: number, text = 'ok') => {
    const calls: { url: string; body: unknown }[] = [];
    const fetch = (async (url: string, init: RequestInit) => (calls.push({ url, body: JSON.parse(String(init.body)) }), new Response(status === 204 ? null : text, { status }))) as unknown as typeof globalThis.fetch;
    return { calls, fetch };
  };

  it('posts the digest as its Slack rendering', async () => {
    const { calls, fetch } = recording(200);
    await new SlackNotifier({ webhookUrl: 'https://hooks.example/1', fetch }).sendDigest(digest, 'daily');
    expect(calls).toEqual([{ url: 'https://hooks.example/1', body: JSON.parse(JSON.stringify(digestSlack(digest))) }]);
  });

  it('a digest refused: the receiver named, Slack’s reply cut to 200 characters, the URL left out', async () => {
    for (const status of [199, 300, 404]) {
      const { fetch } = recording(status === 199 ? 500 : status, `no_service${'x'.repeat(300)}`);
      const err = await new SlackNotifier({ webhookUrl: 'https://hooks.example/secret-path', fetch }).sendDigest(digest, 'daily').catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toContain('slack receiver "daily"');
      expect((err as Error).message).toContain(`no_service${'x'.repeat(190)}`);
      expect((err as Error).message).not.toContain(`no_service${'x'.repeat(191)}`);
      expect((err as Error).message).not.toContain('secret-path');
    }
    const { fetch } = recording(299);
    await expect(new SlackNotifier({ webhookUrl: 'https://hooks.example/1', fetch }).sendDigest(digest, 'daily')).resolves.toBeUndefined();
  });

  it('an alert refused: Slack’s reply cut to 200 characters; any 2xx is accepted', async () => {
    const { fetch } = recording(400, `invalid_blocks${'x'.repeat(300)}`);
    const err = (await new SlackNotifier({ webhookUrl: 'https://hooks.example/1', fetch }).send(sampleNotification()).catch((e: Error) => e)) as Error;
    expect(err.message).toContain(`invalid_blocks${'x'.repeat(186)}`);
    expect(err.message).not.toContain(`invalid_blocks${'x'.repeat(187)}`);
    for (const status of [200, 204, 299]) {
      const ok = recording(status, '');
      await expect(new SlackNotifier({ webhookUrl: 'https://hooks.example/1', fetch: ok.fetch }).send(sampleNotification())).resolves.toBeUndefined();
    }
    const { fetch: f3 } = recording(300, 'moved');
    await expect(new SlackNotifier({ webhookUrl: 'https://hooks.example/1', fetch: f3 }).send(sampleNotification())).rejects.toThrow('moved');
  });

  it('the button is on what the notifier posts only when asked for', async () => {
    const on = recording(200);
    await new SlackNotifier({ webhookUrl: 'https://hooks.example/1', fetch: on.fetch, ackButton: true, keys: KEYS }).send(sampleNotification());
    expect(JSON.stringify(on.calls[0].body)).toContain(KEYS.button(sampleNotification().key));
    const off = recording(200);
    await new SlackNotifier({ webhookUrl: 'https://hooks.example/1', fetch: off.fetch }).send(sampleNotification());
    expect(JSON.stringify(off.calls[0].body)).not.toContain('bedrock-watch-ack');
  });
});

describe('more edges (mutation testing)', () => {
  it('an alert view that says resolved is shown resolved whatever the action', () => {
    const n = { ...resolvedNotification(), action: 'update' as const };
    const m = message(n, { ackButton: true });
    expect(m.blocks[0].text?.text).toBe('✅ RESOLVED · CRITICAL · amazon.nova-lite-v1:0');
    expect(m.blocks.map((b) => b.type)).not.toContain('actions');
  });

  it('headers are plain text: a < or & near the cut is kept, not taken for markup; emoji on', () => {
    const model = `a<b&c${'x'.repeat(300)}`;
    const single = slackMessage(sampleNotification({ alert: { labels: { ModelId: model } } })).blocks[0] as { text: { text: string; emoji: boolean } };
    expect(single.text.text).toHaveLength(150);
    expect(single.text.text.startsWith('🚨 CRITICAL · a<b&c')).toBe(true);
    const alerts = [alertOn(0, { title: `T<b&c${'y'.repeat(300)}` }), alertOn(1, { title: `T<b&c${'y'.repeat(300)}` })];
    const head = slackMessage(group(alerts)).blocks[0] as { text: { text: string; emoji: boolean } };
    expect(head).toEqual({ type: 'header', text: { type: 'plain_text', text: expect.stringMatching(/^🚨 CRITICAL · T<b&cy+…$/), emoji: true } });
    expect(head.text.text).toHaveLength(150);
  });

  it('a section of exactly 2960 characters takes its last line; one more character moves it to the next section', () => {
    // Three lines whose lengths add up (with two newlines) to exactly sectionText - 40.
    const line = (pad: number) => message(group([alertOn(0, { valueText: 'v'.repeat(pad) }), alertOn(1)])).blocks[2].text!.text.split('\n')[0];
    const base0 = line(0).length;
    const pad = Math.floor((SLACK_LIMITS.sectionText - 40 - 2) / 3) - base0;
    const total = 3 * (base0 + pad) + 2;
    const extra = SLACK_LIMITS.sectionText - 40 - total; // 0..2 characters to add to the last line
    const fits = message(group([alertOn(0, { valueText: 'v'.repeat(pad) }), alertOn(1, { valueText: 'v'.repeat(pad) }), alertOn(2, { valueText: 'v'.repeat(pad + extra) })]));
    const sections = fits.blocks.slice(2).filter((b) => b.type === 'section' && !b.text!.text.startsWith('*Next check'));
    expect(sections.map((b) => b.text!.text.length)).toEqual([SLACK_LIMITS.sectionText - 40]);
    const over = message(group([alertOn(0, { valueText: 'v'.repeat(pad) }), alertOn(1, { valueText: 'v'.repeat(pad) }), alertOn(2, { valueText: 'v'.repeat(pad + extra + 1) })]));
    expect(over.blocks.slice(2).filter((b) => b.type === 'section' && !b.text!.text.startsWith('*Next check')).map((b) => b.text!.text.split('\n').length)).toEqual([2, 1]);
  });

  it('truncate: an entity before the cut is kept, only a half one at the end goes', () => {
    expect(truncate('a &amp; bcdefgh', 10)).toBe('a &amp; b…');
    expect(truncate('abc &l more', 7)).toBe('abc …');
  });

  it('a Slack reply that echoes the webhook URL is scrubbed, for alerts and digests', async () => {
    const url = 'https://hooks.example/services/T/B/SECRETTOKEN';
    const fetch = (async () => new Response(`no_service for ${url}`, { status: 404 })) as unknown as typeof globalThis.fetch;
    const notifier = new SlackNotifier({ webhookUrl: url, fetch });
    const e1 = (await notifier.send(sampleNotification()).catch((e: Error) => e)) as Error;
    const e2 = (await notifier.sendDigest({ day: 'd', models: [], totalCost: 0, totalExpected: null, unpriced: [], alerts: [], callers: [], budgets: [] }, 'daily').catch((e: Error) => e)) as Error;
    for (const e of [e1, e2]) {
      expect(e.message).toContain('no_service for [redacted]');
      expect(e.message).not.toContain('SECRETTOKEN');
    }
  });
});
