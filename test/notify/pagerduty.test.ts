import { deliverWithRetry } from '../../shared/notify/deliver';
import { PagerDutyNotifier, dedupKey, pagerDutyEvent, type PagerDutyTrigger } from '../../shared/notify/pagerduty';
import { resolvedNotification, sampleNotification } from '../support/notification';
import { pagerDutyProblems, startPagerDutyReceiver, type LocalReceiver } from '../support/receivers';

const ROUTING_KEY = 'R0UT1NGKEYSECRET0123456789abcdef'; // 32 chars, like a real integration key
const noSleep = async () => {};

describe('pagerDutyEvent', () => {
  it('maps a firing alert to an Events API v2 trigger, keyed by its episode, with a lock-screen summary', () => {
    expect(pagerDutyEvent(sampleNotification(), ROUTING_KEY)).toEqual({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: 'server-errors/ModelId=amazon.nova-lite-v1:0@2025-06-01T12:00:00.000Z',
      payload: {
        summary: 'CRITICAL: Server-error rate 9.1% on amazon.nova-lite-v1:0: 9.1%',
        source: 'amazon.nova-lite-v1:0',
        severity: 'critical',
        timestamp: '2025-06-01T11:55:00.000Z',
        component: 'bedrock',
        group: 'server-errors',
        class: 'errors',
        custom_details: {
          action: 'trigger',
          summary: 'Server-error rate 9.1% on amazon.nova-lite-v1:0',
          valueText: '9.1% (threshold 5%, baseline 0.1%)',
          threshold: 0.05,
          baseline: 0.001,
          since: '2025-06-01T11:55:00.000Z',
          nextCheck: 'Check the Bedrock service health dashboard and InvocationServerErrors by model.',
          details: { invocations: 1200, serverErrors: 109, window: '5m' },
        },
      },
      links: [{ href: 'https://runbooks.example.com/bedrock/server-errors', text: 'Runbook' }],
    });
  });

  it('re-triggers repeats and escalations under the same dedup_key, at the tier’s severity', () => {
    for (const action of ['repeat', 'escalate'] as const) {
      const e = pagerDutyEvent(sampleNotification({ action, alert: { tier: 'warning' } }), ROUTING_KEY) as PagerDutyTrigger;
      expect([e.event_action, e.dedup_key, e.payload.severity]).toEqual(['trigger', 'server-errors/ModelId=amazon.nova-lite-v1:0@2025-06-01T12:00:00.000Z', 'warning']);
    }
    expect((pagerDutyEvent(sampleNotification({ alert: { tier: 'info' } }), ROUTING_KEY) as PagerDutyTrigger).payload.severity).toBe('info');
  });

  it('sends only routing_key, event_action and dedup_key to resolve', () => {
    expect(pagerDutyEvent(resolvedNotification(), ROUTING_KEY)).toEqual({
      routing_key: ROUTING_KEY,
      event_action: 'resolve',
      dedup_key: 'server-errors/ModelId=amazon.nova-lite-v1:0@2025-06-01T12:00:00.000Z',
    });
  });

  it('falls back to bedrock-watch as source and omits links without a model or runbook', () => {
    const e = pagerDutyEvent(sampleNotification({ alert: { labels: {}, runbook: undefined } }), ROUTING_KEY) as PagerDutyTrigger;
    expect(e.payload.source).toBe('bedrock-watch');
    expect(e).not.toHaveProperty('links');
  });

  it('keys the incident by episode, so a late resolve cannot close the next episode', () => {
    const first = pagerDutyEvent(resolvedNotification(), ROUTING_KEY);
    const next = pagerDutyEvent(sampleNotification({ key: 'server-errors/ModelId=amazon.nova-lite-v1:0@2025-06-01T14:00:00.000Z', alert: { startsAt: '2025-06-01T14:00:00.000Z' } }), ROUTING_KEY);
    expect(first.dedup_key).not.toBe(next.dedup_key);
  });

  it('hashes a fingerprint longer than 255 chars into a stable dedup_key', () => {
    const long = 'f'.repeat(300);
    expect(dedupKey(long)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(dedupKey(long)).toBe(dedupKey(long));
    expect(dedupKey(long)).not.toBe(dedupKey(`${long}g`));
    expect(dedupKey('f'.repeat(255))).toBe('f'.repeat(255));
  });

  it('truncates the summary to 1024 chars', () => {
    const e = pagerDutyEvent(sampleNotification({ alert: { summary: 's'.repeat(2000) } }), ROUTING_KEY) as PagerDutyTrigger;
    expect(e.payload.summary).toHaveLength(1024);
    expect(e.payload.summary.endsWith('…')).toBe(true);
  });
});

describe('PagerDutyNotifier against a local Events API', () => {
  let pd: LocalReceiver;
  let notifier: PagerDutyNotifier;
  beforeEach(async () => {
    pd = await startPagerDutyReceiver();
    notifier = new PagerDutyNotifier({ routingKey: ROUTING_KEY, eventsUrl: pd.url });
  });
  afterEach(async () => {
    await pd.close();
  });

  it('triggers, then resolves the same incident by dedup_key', async () => {
    await notifier.send(sampleNotification());
    await notifier.send(resolvedNotification());
    expect(pd.rejected).toEqual([]);
    const [trigger, resolve] = pd.received as { event_action: string; dedup_key: string }[];
    expect([trigger.event_action, resolve.event_action]).toEqual(['trigger', 'resolve']);
    expect(resolve.dedup_key).toBe(trigger.dedup_key);
  });

  it('resolves an alert with an over-long fingerprint under the key it was triggered with', async () => {
    const alert = { fingerprint: 'x'.repeat(400) };
    const key = `${alert.fingerprint}@2025-06-01T12:00:00.000Z`;
    await notifier.send(sampleNotification({ alert, key }));
    await notifier.send(resolvedNotification(60_000, { alert, key }));
    expect(pd.rejected).toEqual([]);
    const keys = (pd.received as { dedup_key: string }[]).map((e) => e.dedup_key);
    expect(keys[0]).toBe(keys[1]);
  });

  it('gets a long summary accepted by truncating it', async () => {
    await notifier.send(sampleNotification({ alert: { summary: 'Ω'.repeat(3000) } }));
    expect(pd.rejected).toEqual([]);
    expect(pd.received).toHaveLength(1);
  });

  it('retries a 429 after the Retry-After seconds, then succeeds', async () => {
    pd.failNext(429, 1, { 'retry-after': '1' });
    const waits: number[] = [];
    const result = await deliverWithRetry(notifier, sampleNotification(), { sleep: async (ms) => void waits.push(ms) });
    expect(result).toEqual({ ok: true });
    expect(waits).toEqual([1000]);
    expect(pd.received).toHaveLength(2);
  });

  it('treats a 5xx as retryable', async () => {
    pd.failNext(500, 1);
    expect(await deliverWithRetry(notifier, sampleNotification(), { sleep: noSleep })).toEqual({ ok: true });
    expect(pd.received).toHaveLength(2);
  });

  it('does not retry a 400, and reports PagerDuty’s message and errors but never the routing key', async () => {
    const body = { routing_key: ROUTING_KEY, event_action: 'trigger' }; // what PD might echo back
    pd.failNext(400, 1, {}, JSON.stringify({ status: 'invalid event', message: 'Event object is invalid', errors: [`Bad routing_key ${body.routing_key}`] }));
    const result = await deliverWithRetry(notifier, sampleNotification(), { sleep: noSleep });
    expect(result).toEqual({
      ok: false,
      retryable: false,
      error: 'pagerduty receiver "oncall": HTTP 400 Event object is invalid: Bad routing_key [redacted]',
    });
    expect(pd.received).toHaveLength(1);
  });

  it('surfaces the local Events API’s own validation errors for an invalid event', async () => {
    const n = sampleNotification({ alert: { tier: 'fatal' as never } });
    const result = await deliverWithRetry(notifier, n, { sleep: noSleep });
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(result.ok || result.error).toContain("'payload.severity' is invalid");
    expect(result.ok || result.error).not.toContain(ROUTING_KEY);
  });
});

describe('the local Events API', () => {
  it('rejects what PagerDuty rejects', () => {
    expect(pagerDutyProblems({ event_action: 'trigger', payload: { summary: 's', source: 'x', severity: 'critical' } })).toEqual(["'routing_key' is missing or blank"]);
    expect(pagerDutyProblems({ routing_key: 'k', event_action: 'resolve' })).toEqual(["'dedup_key' is required for this event_action"]);
    expect(pagerDutyProblems({ routing_key: 'k', event_action: 'trigger', payload: { summary: 's'.repeat(1025), source: 'x', severity: 'fatal' } })).toEqual([
      "'payload.summary' must be at most 1024 characters",
      "'payload.severity' is invalid (must be one of: critical, error, warning, info)",
    ]);
    expect(pagerDutyProblems({ routing_key: 'k', event_action: 'snooze', dedup_key: 'd'.repeat(256) })).toHaveLength(2);
  });
});

describe('pagerDutyEvent for a group', () => {
  const alerts = ['meta.llama3-1-70b-instruct-v1:0', 'amazon.nova-pro-v1:0', 'anthropic.claude-3-5-haiku-20241022-v1:0', 'mistral.mistral-large-2402-v1:0'].map((m, i) => ({
    ...sampleNotification().alert,
    fingerprint: `fp${i}`,
    title: 'Throttling',
    labels: { ModelId: m, Region: 'us-east-1', AccountId: '123456789012' },
  }));
  const n = sampleNotification({ key: 'g0123456789abcdef0123@1791900000000', alerts, alert: alerts[0] });

  it('is one incident for the group, with a summary that fits a phone lock screen', () => {
    const e = pagerDutyEvent(n, ROUTING_KEY) as PagerDutyTrigger;
    expect(e.dedup_key).toBe('g0123456789abcdef0123@1791900000000');
    expect(e.payload.summary).toBe('CRITICAL: Throttling on 4 models (meta.llama3-1-70b-instruct-…, amazon.nova-pro-v1:0, +2) · us-east-1');
    expect(e.payload.summary.length).toBeLessThanOrEqual(110);
    expect(e.payload.source).toBe('bedrock-watch us-east-1');
    expect(e.payload.custom_details).toMatchObject({ firing: 4, resolved: 0, account: '123456789012', region: 'us-east-1' });
    expect((e.payload.custom_details.alerts as string[])[0]).toMatch(/^CRITICAL meta\.llama3-1-70b-instruct-v1:0: 9\.1% /);
  });

  it('stays open while one alert still fires, and resolves when none does', () => {
    const some = alerts.map((a, i) => (i ? { ...a, status: 'resolved' as const } : a));
    expect(pagerDutyEvent({ ...n, alerts: some }, ROUTING_KEY).event_action).toBe('trigger');
    const all = alerts.map((a) => ({ ...a, status: 'resolved' as const }));
    expect(pagerDutyEvent({ ...n, action: 'resolve', alerts: all }, ROUTING_KEY)).toEqual({ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: n.key });
  });
});
