/**
 * A resolve must never overtake its trigger at a receiver, and a receiver's queue must not wait past
 * its recovery: with PagerDuty down 10:00–10:08, the trigger decided at 10:00 is probed every tick and
 * goes out at 10:08, the first tick PagerDuty answers (per-item backoff sent it at 10:14, six minutes
 * late); the resolve decided at 10:12 follows it. On the simulated clock of the real handler.
 */
import { MINUTE } from '../../shared/core/time';
import { RecordingMetrics } from '../../shared/run/metrics';
import { DELIVERY_SAFETY_MARGIN_MS } from '../../shared/run/tick';
import { lambdaContext } from '../support/lambda';
import { useDynamo } from '../support/dynamo';
import { evaluateHarness, freshTable } from '../support/evaluate-harness';
import { runs } from '../support/frame';
import { startPagerDutyReceiver, type LocalReceiver } from '../support/receivers';
import { traceOf } from '../support/trace';

const T0 = Date.parse('2026-10-05T09:00:00.000Z');
const at = (hhmm: string) => Date.parse(`2026-10-05T${hhmm}:00.000Z`);
const MODEL = 'amazon.nova-lite-v1:0';
// 30% server errors in data minutes 09:50-09:59 at 100 requests a minute: the evidence decides on 09:52 (its third
// published minute), `for: 5m` makes 09:57, so it fires on the 10:00 tick; it resolves on the 10:12 one.
const trace = traceOf(T0, { [MODEL]: { 'Invocations:Sum': runs([100, 90]), 'InvocationServerErrors:Sum': [...runs([0, 50]), ...runs([30, 10]), ...runs([0, 30])] } });

const rulesYaml = (pdUrl: string) => `
receivers:
  - { name: pagerduty-oncall, type: pagerduty, routing_key: { env: BW_ORDER_PD_KEY }, events_url: "${pdUrl}" }
routes:
  critical: [pagerduty-oncall]
rules:
  - name: bedrock-server-errors
    kind: ratio
    numerator: InvocationServerErrors
    denominator: Invocations
    keep_firing_for: 5m
    tiers: { critical: { above: 5%, for: 5m } }
    next_check: Check the AWS Health Dashboard.
`;

describe('fault: receiver down while an alert fires and resolves', () => {
  const db = useDynamo();
  let pd: LocalReceiver;

  beforeAll(async () => {
    pd = await startPagerDutyReceiver();
    process.env.BW_ORDER_PD_KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';
  });
  afterAll(async () => {
    delete process.env.BW_ORDER_PD_KEY;
    await pd.close();
  });

  it('sends the trigger decided at 10:00 before the resolve decided at 10:12, with PagerDuty down 10:00-10:08', async () => {
    const metrics = new RecordingMetrics();
    const h = evaluateHarness({ table: await freshTable(db().client), trace, rulesYaml: rulesYaml(pd.url), metrics });
    const decided: Record<string, string> = {};
    const sentAt: Record<string, string> = {};
    const ages: [string][] = [];
    for (let t = at('09:50'); t <= at('10:16'); t += MINUTE) {
      pd.down(t >= at('10:00') && t < at('10:08') ? 503 : null);
      const before = pd.accepted.length;
      const gauged = metrics.gauges.length;
      const report = await h.tick(t);
      if (metrics.gauges.slice(gauged).some((g) => g.name === 'OldestUnsentAgeSeconds')) ages.push([new Date(t).toISOString().slice(11, 16)]);
      for (const tr of report.transitions) decided[tr.kind] = new Date(t).toISOString().slice(11, 16);
      for (const e of pd.accepted.slice(before) as { event_action: string }[]) sentAt[e.event_action] = new Date(t).toISOString().slice(11, 16);
      if (t === at('10:07')) expect(metrics.last('OldestUnsentAgeSeconds')).toBe(7 * 60); // the trigger, waiting since 10:00
    }
    // The scenario: decided at 10:00 and 10:12.
    expect(decided).toEqual({ firing: '10:00', resolved: '10:12' });
    const events = pd.accepted as { event_action: string; dedup_key: string }[];
    expect(events.map((e) => e.event_action)).toEqual(['trigger', 'resolve']);
    expect(events[1].dedup_key).toBe(events[0].dedup_key);
    // The trigger went out on the first tick PagerDuty was back (not on a per-item backoff 6 minutes later).
    expect(sentAt).toEqual({ trigger: '10:08', resolve: '10:12' });
    // One probe per tick while it was down (each with its in-tick retries): 10:00 … 10:07.
    expect(metrics.counts).toMatchObject({ NotificationsSent: 2, NotificationsFailed: 8 });
    expect(metrics.counts.NotificationsDropped).toBeUndefined();
    // The gauge is written only while something waits (its alarm reads missing data as not breaching):
    // from the decision (10:00) while the trigger waits (to 10:07); from the tick that sent it (10:08) nothing
    // waits at the end of any tick (the resolve decided at 10:12 goes out in that same tick), so not again.
    expect(ages.map(([t]) => t)).toEqual(Array.from({ length: 8 }, (_, i) => new Date(at('10:00') + i * MINUTE).toISOString().slice(11, 16)));
  }, 60_000);

  it('delivers only within the time the Lambda has left: a tick with less left than the safety margin decides, and the next one sends', async () => {
    const h = evaluateHarness({ table: await freshTable(db().client), trace, rulesYaml: rulesYaml(pd.url) });
    const before = pd.received.length;
    for (let t = at('09:50'); t < at('10:00'); t += MINUTE) await h.tick(t);
    const late = { ...lambdaContext(), getRemainingTimeInMillis: () => DELIVERY_SAFETY_MARGIN_MS - 1 };
    const report = await h.tick(at('10:00'), late);
    expect([report.decided, report.delivered, pd.received.length - before]).toEqual([1, 0, 0]);
    expect(await h.tick(at('10:01'))).toMatchObject({ delivered: 1 });
  }, 60_000);
});
