/**
 * shared/notify/pagerduty.ts beyond the common case: a group's custom_details (places, the listed
 * alerts and the count left out), the bounds that keep an event under PagerDuty's limits, runbook
 * links, and how PagerDuty's error bodies are reported.
 */
import { deliverWithRetry } from '../../shared/notify/deliver';
import { PAGERDUTY_EVENTS_URL, PAGERDUTY_MAX_BYTES, PagerDutyNotifier, pagerDutyEvent, type PagerDutyTrigger } from '../../shared/notify/pagerduty';
import type { AlertView } from '../../shared/core/notification';
import { sampleNotification } from '../support/notification';
import { pagerDutyProblems, startPagerDutyReceiver } from '../support/receivers';

const KEY = 'R0UT1NGKEYSECRET0123456789abcdef';
const base = sampleNotification().alert;
const trigger = (n: ReturnType<typeof sampleNotification>) => pagerDutyEvent(n, KEY) as PagerDutyTrigger;

function groupOf(alerts: AlertView[], over: Partial<ReturnType<typeof sampleNotification>> = {}) {
  return sampleNotification({ key: 'g0123456789abcdef0123@1', alerts, alert: alerts[0], ...over } as never);
}
const alertOn = (i: number, over: Partial<AlertView> = {}): AlertView => ({
  ...base,
  fingerprint: `fp${i}`,
  labels: { ModelId: `model-${i}`, Region: 'us-east-1', AccountId: '111111111111' },
  valueText: `${i}%`,
  ...over,
});

describe('pagerDutyEvent: a group', () => {
  it('lists each alert with its tier or RESOLVED, counts firing and resolved, and takes the first firing alert as lead', () => {
    const alerts = [
      alertOn(0, { status: 'resolved', tier: 'warning', since: '2025-06-01T10:00:00.000Z', nextCheck: 'resolved check' }),
      alertOn(1, { tier: 'warning', since: '2025-06-01T11:00:00.000Z', nextCheck: 'lead check', rule: 'r-b', signal: 's-b' }),
      alertOn(2, { since: '2025-06-01T11:30:00.000Z', rule: 'r-a', signal: 's-a' }),
      alertOn(3, { rule: 'r-a', signal: 's-b' }),
    ];
    const e = trigger(groupOf(alerts, { action: 'escalate' }));
    expect(e.payload.timestamp).toBe('2025-06-01T11:00:00.000Z');
    expect(e.payload.severity).toBe('critical');
    expect(e.payload.group).toBe('server-errors,r-b,r-a');
    expect(e.payload.class).toBe('errors,s-b,s-a');
    expect(e.payload.custom_details).toEqual({
      action: 'escalate',
      firing: 3,
      resolved: 1,
      account: '111111111111',
      region: 'us-east-1',
      nextCheck: 'lead check',
      alerts: [
        'RESOLVED model-0: 0% (since 2025-06-01T10:00:00.000Z)',
        'WARNING model-1: 1% (since 2025-06-01T11:00:00.000Z)',
        'CRITICAL model-2: 2% (since 2025-06-01T11:30:00.000Z)',
        `CRITICAL model-3: 3% (since ${base.since})`,
      ],
    });
    expect(pagerDutyProblems(e)).toEqual([]);
  });

  it('alerts in several places: the places listed, each line naming its own; the source without a region', () => {
    const alerts = [alertOn(0), alertOn(1, { labels: { ModelId: 'model-1', Region: 'eu-west-1', AccountId: '111111111111' } })];
    const e = trigger(groupOf(alerts));
    expect(e.payload.source).toBe('bedrock-watch');
    expect(e.payload.custom_details.places).toEqual(['111111111111 · us-east-1', '111111111111 · eu-west-1']);
    expect(e.payload.custom_details).not.toHaveProperty('region');
    expect(e.payload.custom_details).not.toHaveProperty('account');
    expect(e.payload.custom_details.alerts).toEqual([`CRITICAL model-0 (111111111111 · us-east-1): 0% (since ${base.since})`, `CRITICAL model-1 (111111111111 · eu-west-1): 1% (since ${base.since})`]);
  });

  it('no account or region labels: neither in custom_details, the source is bedrock-watch', () => {
    const alerts = [alertOn(0, { labels: { ModelId: 'a' } }), alertOn(1, { labels: { ModelId: 'b' } })];
    const e = trigger(groupOf(alerts));
    expect(e.payload.source).toBe('bedrock-watch');
    for (const k of ['account', 'region', 'places', 'more']) expect(e.payload.custom_details).not.toHaveProperty(k);
  });

  it('lists at most 50 alerts and counts the rest; each line at most 500 characters', () => {
    const alerts = Array.from({ length: 53 }, (_, i) => alertOn(i, { valueText: i === 0 ? 'v'.repeat(700) : `${i}%` }));
    const e = trigger(groupOf(alerts));
    const lines = e.payload.custom_details.alerts as string[];
    expect(lines).toHaveLength(50);
    expect(lines[49]).toMatch(/^CRITICAL model-49: /);
    expect(e.payload.custom_details.more).toBe(3);
    expect(lines[0]).toHaveLength(500);
    expect(lines[0].endsWith('v…')).toBe(true);
    // Exactly 50: nothing counted.
    expect(trigger(groupOf(alerts.slice(0, 50))).payload.custom_details).not.toHaveProperty('more');
  });
});

describe('pagerDutyEvent: one alert', () => {
  it('account and region in custom_details when the labels have them', () => {
    const e = trigger(sampleNotification({ alert: { labels: { ModelId: 'm', AccountId: '222222222222', Region: 'ap-south-1' } } }));
    expect(e.payload.custom_details).toMatchObject({ account: '222222222222', region: 'ap-south-1' });
    expect(e.payload.source).toBe('m');
    const onlyRegion = trigger(sampleNotification({ alert: { labels: { ModelId: 'm', Region: 'ap-south-1' } } }));
    expect(onlyRegion.payload.custom_details.region).toBe('ap-south-1');
    expect(onlyRegion.payload.custom_details).not.toHaveProperty('account');
  });

  it('details over 64 KiB are replaced by a note; up to 64 KiB they are sent', () => {
    const size = (d: unknown) => Buffer.byteLength(JSON.stringify(d));
    const fits = { blob: 'x'.repeat(64 * 1024 - 11) };
    expect(size(fits)).toBe(64 * 1024);
    expect(trigger(sampleNotification({ alert: { details: fits } })).payload.custom_details.details).toEqual(fits);
    const over = { blob: 'x'.repeat(64 * 1024 - 10) };
    expect(trigger(sampleNotification({ alert: { details: over } })).payload.custom_details.details).toEqual({ omitted: 'too large for a page; see the alert in bedrock-watch incidents' });
    // No details at all: sent as they are.
    expect(trigger(sampleNotification({ alert: { details: undefined } })).payload.custom_details.details).toBeUndefined();
  });

  it('an event that would still exceed 512 KB (an enormous summary or next check) keeps only a count in custom_details', () => {
    const n = sampleNotification({ alert: { nextCheck: 'n'.repeat(PAGERDUTY_MAX_BYTES) } });
    const e = trigger(n);
    expect(e.payload.custom_details).toEqual({ action: 'trigger', alerts: 1, omitted: 'details too large for one event' });
    expect(Buffer.byteLength(JSON.stringify(e))).toBeLessThanOrEqual(PAGERDUTY_MAX_BYTES);
    // Just under the limit: kept whole.
    const room = PAGERDUTY_MAX_BYTES - Buffer.byteLength(JSON.stringify(trigger(sampleNotification({ alert: { nextCheck: '' } }))));
    const full = trigger(sampleNotification({ alert: { nextCheck: 'n'.repeat(room) } }));
    expect(Buffer.byteLength(JSON.stringify(full))).toBe(PAGERDUTY_MAX_BYTES);
    expect(full.payload.custom_details.nextCheck).toHaveLength(room);
  });

  it('the summary is cut without splitting a surrogate pair', () => {
    const e = trigger(sampleNotification({ alert: { title: 'T', labels: {}, valueText: `${'a'.repeat(1021)}😀😀` } }));
    // "CRITICAL: T on server-errors: " is 30 characters; the cut lands inside the emoji, which is dropped whole.
    expect(e.payload.summary.endsWith('a…')).toBe(true);
    expect(e.payload.summary.length).toBeLessThanOrEqual(1024);
    expect(e.payload.summary).not.toMatch(/[\uD800-\uDBFF]…$/);
  });
});

describe('pagerDutyEvent: runbook links', () => {
  it('http(s) runbooks of the alerts, once each, at most 5; repository paths are not links', () => {
    const alerts = [
      ...Array.from({ length: 7 }, (_, i) => alertOn(i, { runbook: `https://rb.example/${i % 6}` })),
      alertOn(7, { runbook: 'runbooks/local.md' }),
      alertOn(8, { runbook: 'ftp://rb.example/x' }),
      alertOn(9, { runbook: 'see https://rb.example/x' }),
      alertOn(10, { runbook: 'http://rb.example/plain' }),
    ];
    const e = trigger(groupOf(alerts));
    expect(e.links).toEqual([0, 1, 2, 3, 4].map((i) => ({ href: `https://rb.example/${i}`, text: 'Runbook' })));
    const few = trigger(groupOf([alertOn(0, { runbook: 'runbooks/a.md' }), alertOn(1, { runbook: 'http://rb.example/plain' }), alertOn(2, { runbook: 'http://rb.example/plain' }), alertOn(3, { runbook: 'see https://rb.example/x' })]));
    expect(few.links).toEqual([{ href: 'http://rb.example/plain', text: 'Runbook' }]);
    expect(trigger(sampleNotification({ alert: { runbook: 'runbooks/a.md' } }))).not.toHaveProperty('links');
  });
});

describe('PagerDutyNotifier: the Events API and its errors', () => {
  it('posts to the Events API v2 by default', () => {
    expect(PAGERDUTY_EVENTS_URL).toBe('https://events.pagerduty.com/v2/enqueue');
  });

  it('uses the fetch it is given, at the default URL, with the event as JSON', async () => {
    const calls: { url: string; body: unknown }[] = [];
    const fetch = (async (url: string, init: RequestInit) => (calls.push({ url, body: JSON.parse(String(init.body)) }), new Response('{"status":"success"}', { status: 202 }))) as unknown as typeof globalThis.fetch;
    await new PagerDutyNotifier({ routingKey: KEY, fetch }).send(sampleNotification());
    expect(calls).toHaveLength(1);
    expect(calls[0].url).toBe(PAGERDUTY_EVENTS_URL);
    expect(calls[0].body).toEqual(pagerDutyEvent(sampleNotification(), KEY));
  });

  it('reports the message and the errors of a 400, each alone, or the raw body cut to 200 characters', async () => {
    const pd = await startPagerDutyReceiver();
    try {
      const notifier = new PagerDutyNotifier({ routingKey: KEY, eventsUrl: pd.url });
      const errorOf = async (body: string) => {
        pd.failNext(400, 1, {}, body);
        const r = await deliverWithRetry(notifier, sampleNotification(), { sleep: async () => {} });
        return r.ok ? null : r.error;
      };
      const who = 'pagerduty receiver "oncall": HTTP 400';
      expect(await errorOf(JSON.stringify({ message: 'Event object is invalid', errors: ['a', 'b'] }))).toBe(`${who} Event object is invalid: a; b`);
      expect(await errorOf(JSON.stringify({ message: 'Only a message' }))).toBe(`${who} Only a message`);
      expect(await errorOf(JSON.stringify({ errors: ['only', 'errors'] }))).toBe(`${who} only; errors`);
      expect(await errorOf(JSON.stringify({ message: 5, errors: 'not a list' }))).toBe(who);
      expect(await errorOf(JSON.stringify({ message: 'm', errors: ['e'.repeat(600)] }))).toBe(`${who} m: ${'e'.repeat(496)}…`);
      expect(await errorOf(`<html>${'z'.repeat(300)}</html>`)).toBe(`${who} <html>${'z'.repeat(193)}…`);
    } finally {
      await pd.close();
    }
  });
});

describe('more edges (mutation testing)', () => {
  it('a resolve action resolves the incident even if the view still lists a firing alert', () => {
    expect(pagerDutyEvent({ ...sampleNotification(), action: 'resolve' }, KEY)).toEqual({ routing_key: KEY, event_action: 'resolve', dedup_key: sampleNotification().key });
  });

  it('the source names the one region of a group even if some alerts have none', () => {
    const e = trigger(groupOf([alertOn(0), alertOn(1, { labels: { ModelId: 'model-1' } })]));
    expect(e.payload.source).toBe('bedrock-watch us-east-1');
  });

  it('a summary exactly at the limit is kept whole; an early emoji does not shorten a cut one', () => {
    const errors = async (body: string) => {
      const fetch = (async () => new Response(body, { status: 400 })) as unknown as typeof globalThis.fetch;
      return ((await new PagerDutyNotifier({ routingKey: KEY, fetch }).send(sampleNotification()).catch((e: Error) => e)) as Error).message;
    };
    return (async () => {
      expect(await errors(JSON.stringify({ message: 'm'.repeat(500) }))).toBe(`pagerduty receiver "oncall": HTTP 400 ${'m'.repeat(500)}`);
      // The cut lands between the two halves of an emoji: both go.
      expect(await errors(JSON.stringify({ message: `${'a'.repeat(498)}😀${'b'.repeat(10)}` }))).toBe(`pagerduty receiver "oncall": HTTP 400 ${'a'.repeat(498)}…`);
      const e = trigger(sampleNotification({ alert: { title: '😀', labels: {}, valueText: 'a'.repeat(2000) } }));
      expect(e.payload.summary).toHaveLength(1024);
      expect(e.payload.summary.endsWith('a…')).toBe(true);
    })();
  });

  it('any 2xx is accepted; 300 is not', async () => {
    for (const status of [200, 299]) {
      const fetch = (async () => new Response('{}', { status })) as unknown as typeof globalThis.fetch;
      await expect(new PagerDutyNotifier({ routingKey: KEY, fetch }).send(sampleNotification())).resolves.toBeUndefined();
    }
    const fetch = (async () => new Response('{"message":"moved"}', { status: 300 })) as unknown as typeof globalThis.fetch;
    await expect(new PagerDutyNotifier({ routingKey: KEY, fetch }).send(sampleNotification())).rejects.toThrow('HTTP 300 moved');
  });
});
