/**
 * The evaluate Lambda handler end to end: a recorded error burst replayed through the real
 * handler, DynamoDB (dynalite), and the real Slack/PagerDuty/SNS notifiers against local
 * receivers that validate what they are sent.
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { createEvaluateHandler } from '../../functions/evaluate';
import { NO_BASELINES } from '../../shared/engine/types';
import { parseRules } from '../../shared/rules/load';
import { MemoryStateStore } from '../../shared/state/memory-store';
import { MINUTE } from '../../shared/core/time';
import { useDynamo } from '../support/dynamo';
import { evaluateHarness, freshTable, type Harness } from '../support/evaluate-harness';
import { runs } from '../support/frame';
import { lambdaContext, scheduledEvent, silentLogger } from '../support/lambda';
import { startPagerDutyReceiver, startSlackReceiver, type LocalReceiver } from '../support/receivers';
import { traceOf } from '../support/trace';

const MODEL = 'amazon.nova-lite-v1:0';
const T0 = Date.parse('2026-10-05T15:00:00.000Z');
const at = (m: number) => T0 + m * MINUTE;
const ROUTING_KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:bedrock-watch-alerts';

/**
 * 100 requests a minute for an hour; 30% server errors in minutes 20-34. The critical tier's evidence
 * decides on its third published minute (minute 22), so with `for: 5m` it fires at minute 27 (decided
 * at 15:30, once that minute is published), clears at minute 39 and resolves 5 minutes later (minute
 * 44, decided at 15:47).
 */
const burst = traceOf(T0, { [MODEL]: { 'Invocations:Sum': runs([100, 60]), 'InvocationServerErrors:Sum': [...runs([0, 20]), ...runs([30, 15]), ...runs([0, 25])] } });
const FIRES_AT = at(30);
const RESOLVES_AT = at(47);
const FIRST_TICK = at(3);
const LAST_TICK = at(62);

let envs = 0;

function rulesYaml(pd: LocalReceiver, env: { pd: string; slack: string }): string {
  return `
settings:
  publication_delay: 2m
receivers:
  - name: pagerduty-oncall
    type: pagerduty
    routing_key: { env: ${env.pd} }
    events_url: ${pd.url}
  - name: slack-alerts
    type: slack
    webhook_url: { env: ${env.slack} }
  - name: sns-alerts
    type: sns
    topic_arn: ${TOPIC}
routes:
  critical: [pagerduty-oncall, slack-alerts, sns-alerts]
rules:
  - name: bedrock-server-errors
    kind: ratio
    description: Server errors
    numerator: InvocationServerErrors
    denominator: Invocations
    window: 5m
    min_requests: 20
    keep_firing_for: 5m
    tiers:
      critical: { above: 5%, for: 5m }
    next_check: Check the AWS Health Dashboard for Amazon Bedrock in this region.
`;
}

type PdEvent = { event_action: string; dedup_key: string; routing_key: string; payload?: { severity: string; source: string } };
type SlackMessage = { text: string; blocks: { type: string; text?: { text: string } }[] };

describe('evaluate handler', () => {
  const db = useDynamo();
  const sns = mockClient(SNSClient);
  let pd: LocalReceiver;
  let slack: LocalReceiver;
  let env: { pd: string; slack: string };
  let h: Harness;

  beforeEach(async () => {
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    [pd, slack] = await Promise.all([startPagerDutyReceiver(), startSlackReceiver()]);
    envs++;
    env = { pd: `BW_TEST_PD_KEY_${envs}`, slack: `BW_TEST_SLACK_URL_${envs}` };
    process.env[env.pd] = ROUTING_KEY;
    process.env[env.slack] = slack.url;
    h = evaluateHarness({ rulesYaml: rulesYaml(pd, env), trace: burst, table: await freshTable(db().client), sns: new SNSClient({}) });
  });

  afterEach(async () => {
    delete process.env[env.pd];
    delete process.env[env.slack];
    await Promise.all([pd.close(), slack.close()]);
  });

  /** Runs every scheduled minute in [from, to], returning the ticks that decided something. */
  async function ticks(from: number, to: number, harness = h) {
    const decided: { at: string; kinds: string[] }[] = [];
    for (let t = from; t <= to; t += MINUTE) {
      const r = await harness.tick(t);
      if (r.transitions.length) decided.push({ at: r.now, kinds: r.transitions.map((x) => x.kind) });
    }
    return decided;
  }

  const pdEvents = () => pd.received as PdEvent[];
  const slackMessages = () => slack.received as SlackMessage[];

  it('pages PagerDuty, Slack and SNS once for an error burst, then resolves with the same dedup_key', async () => {
    const decided = await ticks(FIRST_TICK, LAST_TICK);
    expect(decided).toEqual([
      { at: new Date(FIRES_AT).toISOString(), kinds: ['firing'] },
      { at: new Date(RESOLVES_AT).toISOString(), kinds: ['resolved'] },
    ]);

    expect(pd.rejected).toEqual([]);
    expect(pdEvents().map((e) => e.event_action)).toEqual(['trigger', 'resolve']);
    const [trigger, resolve] = pdEvents();
    expect(trigger).toMatchObject({ routing_key: ROUTING_KEY, payload: { severity: 'critical', source: MODEL } });
    expect(resolve.dedup_key).toBe(trigger.dedup_key);

    expect(slack.rejected).toEqual([]);
    expect(slackMessages()).toHaveLength(2);
    // Every message names where: the region (AWS_REGION) and the account (the function's ARN).
    expect(slackMessages()[0].text).toMatch(/^🚨 CRITICAL · amazon\.nova-lite-v1:0 \(us-east-1, account 123456789012\): Server errors on amazon\.nova-lite-v1:0: /);
    expect(slackMessages()[1].text).toMatch(/^✅ RESOLVED · CRITICAL · amazon\.nova-lite-v1:0/);

    const published = sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(published.map((p) => [p.TopicArn, p.MessageAttributes?.action?.StringValue])).toEqual([
      [TOPIC, 'trigger'],
      [TOPIC, 'resolve'],
    ]);

    const outbox = await h.store.listOutbox();
    expect(outbox).toHaveLength(6);
    expect(outbox.every((o) => o.status === 'sent' && o.attempts === 1 && o.lastError === null)).toBe(true);
    expect((await h.store.load()).cursor.pending).toEqual([]);
  });

  it('sends each notification once when the same tick is run twice', async () => {
    await ticks(FIRST_TICK, FIRES_AT);
    const again = await h.tick(FIRES_AT);
    expect(again).toMatchObject({ evaluated: null, transitions: [], decided: 0, delivered: 0 });
    await ticks(FIRES_AT + MINUTE, LAST_TICK);
    await h.tick(RESOLVES_AT);
    expect(pdEvents().map((e) => e.event_action)).toEqual(['trigger', 'resolve']);
    expect(slackMessages()).toHaveLength(2);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(2);
  });

  it('sends each notification once when two invocations of every tick run at the same time', async () => {
    const other = h.twin();
    const skipped: string[] = [];
    for (let t = FIRST_TICK; t <= LAST_TICK; t += MINUTE) {
      const [a, b] = await Promise.all([h.tick(t), other.tick(t)]);
      for (const r of [a, b]) if (r.skipped) skipped.push(r.now);
    }
    expect(pdEvents().map((e) => e.event_action)).toEqual(['trigger', 'resolve']);
    expect(slackMessages()).toHaveLength(2);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(2);
    expect(pd.rejected).toEqual([]);
    const states = await h.store.listAlerts();
    expect(states).toHaveLength(1);
    expect(states[0]).toMatchObject({ status: 'inactive', maxTier: 'critical', startsAt: FIRES_AT, endsAt: RESOLVES_AT });
  });

  it.each([
    // failures before PagerDuty accepts, outbox attempts (claims) it took
    [2, 1], // retried within the tick
    [3, 2], // the tick gives up after 3 tries; a later tick delivers
    [7, 3],
  ])('delivers a trigger exactly once to a receiver failing %i times with HTTP 500 first', async (failures, claims) => {
    pd.failNext(500, failures);
    await ticks(FIRST_TICK, LAST_TICK);
    const events = pdEvents();
    // Every failed request and the accepted one carry the same event; exactly one was accepted.
    expect(events).toHaveLength(failures + 2);
    expect(events.slice(0, failures + 1).every((e) => e.event_action === 'trigger' && e.dedup_key === events[0].dedup_key)).toBe(true);
    expect(events[failures + 1]).toMatchObject({ event_action: 'resolve', dedup_key: events[0].dedup_key });
    const trigger = (await h.store.listOutbox()).find((o) => o.notification.receiver === 'pagerduty-oncall' && o.notification.action === 'trigger');
    expect(trigger).toMatchObject({ status: 'sent', attempts: claims, lastError: null });
    expect(slackMessages()).toHaveLength(2);
  });

  it('records the alert and keeps retrying when a receiver’s secret is missing, naming the receiver', async () => {
    delete process.env[env.slack];
    await ticks(FIRST_TICK, FIRES_AT);

    expect(await h.store.listAlerts()).toMatchObject([{ rule: 'bedrock-server-errors', status: 'firing', tier: 'critical', labels: { ModelId: MODEL } }]);
    expect(pdEvents().map((e) => e.event_action)).toEqual(['trigger']);
    const stuck = (await h.store.listOutbox()).find((o) => o.notification.receiver === 'slack-alerts');
    expect(stuck).toMatchObject({ status: 'pending', sentAt: null });
    expect(stuck?.lastError).toBe(`receiver "slack-alerts" webhook_url: environment variable ${env.slack} is not set`);
    expect(stuck!.nextAttemptAt).toBeGreaterThan(FIRES_AT);
    expect((await h.store.load()).cursor.pending).toEqual([stuck!.id]);

    // The secret is fixed: a later tick delivers the trigger, before the resolve, once.
    process.env[env.slack] = slack.url;
    await ticks(FIRES_AT + MINUTE, LAST_TICK);
    expect(slackMessages().map((m) => m.text.split(' ')[0])).toEqual(['🚨', '✅']);
    expect((await h.store.listOutbox()).find((o) => o.id === stuck!.id)).toMatchObject({ status: 'sent', lastError: null });
    expect(pdEvents().map((e) => e.event_action)).toEqual(['trigger', 'resolve']);
  });

  it.each([
    ['no time', { 'detail-type': 'Scheduled Event', source: 'aws.events' }, 'bad event: field "time" is missing: expected an EventBridge Scheduled Event like events/schedule.json'],
    ['a time that is not a date', { ...scheduledEvent(T0), time: 'yesterday' }, 'bad event: field "time" is not an ISO date: "yesterday"'],
    ['a number for time', { ...scheduledEvent(T0), time: T0 }, 'bad event: field "time" is missing: expected an EventBridge Scheduled Event like events/schedule.json'],
    ['no event at all', null, 'bad event: expected an EventBridge Scheduled Event object, got null'],
  ])('refuses an event with %s, clearly, touching nothing', async (_what, event, message) => {
    const store = new MemoryStateStore();
    const handler = createEvaluateHandler(
      () => ({ config: parseRules(rulesYaml(pd, env)), source: { fetch: () => Promise.reject(new Error('must not fetch')) }, store, notifiers: { get: () => Promise.reject(new Error('must not notify')) }, baselines: async () => NO_BASELINES }),
      silentLogger(),
    );
    await expect(handler(event, lambdaContext())).rejects.toMatchObject({ name: 'BadEventError', message });
    expect((await store.load()).cursor).toMatchObject({ lastMinute: null, version: 0 });
  });
});
