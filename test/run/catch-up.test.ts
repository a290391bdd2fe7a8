/**
 * After missed ticks (a Lambda outage, throttled invocations), one tick judges up to max_catch_up
 * of the past: an episode may fire and resolve within it, and both are decided at the same `now`.
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { MINUTE } from '../../shared/core/time';
import { useDynamo } from '../support/dynamo';
import { evaluateHarness, freshTable } from '../support/evaluate-harness';
import { runs } from '../support/frame';
import { startPagerDutyReceiver, startSlackReceiver, type LocalReceiver } from '../support/receivers';
import { traceOf } from '../support/trace';

const T0 = Date.parse('2026-10-05T15:00:00.000Z');
const at = (m: number) => T0 + m * MINUTE;
const MODELS = ['amazon.nova-lite-v1:0', 'anthropic.claude-3-5-sonnet-20240620-v1:0', 'meta.llama3-1-70b-instruct-v1:0', 'cohere.command-r-v1:0'];

// Every model: 30% server errors in minutes 20-29 of an hour at 100 requests a minute (fires at minute 26, resolves at 38).
const trace = traceOf(
  T0,
  Object.fromEntries(MODELS.map((m) => [m, { 'Invocations:Sum': runs([100, 60]), 'InvocationServerErrors:Sum': [...runs([0, 20]), ...runs([30, 10]), ...runs([0, 30])] }])),
);

describe('a catch-up tick that both fires and resolves an episode', () => {
  const db = useDynamo();
  const sns = mockClient(SNSClient);
  let pd: LocalReceiver;
  let slack: LocalReceiver;

  beforeAll(async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    [pd, slack] = await Promise.all([startPagerDutyReceiver(), startSlackReceiver()]);
    process.env.BW_CATCHUP_PD_KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';
    process.env.BW_CATCHUP_SLACK_URL = slack.url;
  });

  afterAll(async () => {
    delete process.env.BW_CATCHUP_PD_KEY;
    delete process.env.BW_CATCHUP_SLACK_URL;
    await Promise.all([pd.close(), slack.close()]);
  });

  it('delivers each trigger before its resolve', async () => {
    const h = evaluateHarness({
      table: await freshTable(db().client),
      trace,
      rulesYaml: `
receivers:
  - { name: pagerduty-oncall, type: pagerduty, routing_key: { env: BW_CATCHUP_PD_KEY }, events_url: "${pd.url}" }
  - { name: slack-alerts, type: slack, webhook_url: { env: BW_CATCHUP_SLACK_URL } }
routes:
  critical: [pagerduty-oncall, slack-alerts]
rules:
  - name: bedrock-server-errors
    kind: ratio
    numerator: InvocationServerErrors
    denominator: Invocations
    keep_firing_for: 5m
    tiers: { critical: { above: 5%, for: 5m } }
    next_check: Check the AWS Health Dashboard.
`,
    });
    for (let t = at(3); t <= at(15); t += MINUTE) await h.tick(t);
    // The ticks of 15:16-15:51 never ran; the one at 15:52 judges data minutes 13-49 at once.
    const report = await h.tick(at(52));
    expect(report.evaluated?.minutes).toBe(37);
    expect(report.transitions.map((t) => t.kind).sort()).toEqual([...MODELS.map(() => 'firing'), ...MODELS.map(() => 'resolved')].sort());

    const events = pd.received as { event_action: string; dedup_key: string }[];
    expect(events).toHaveLength(2 * MODELS.length);
    for (const key of new Set(events.map((e) => e.dedup_key))) {
      // Resolve before trigger would leave the PagerDuty incident open for good.
      expect(events.filter((e) => e.dedup_key === key).map((e) => e.event_action)).toEqual(['trigger', 'resolve']);
    }
    const texts = (slack.received as { text: string }[]).map((m) => m.text);
    for (const model of MODELS) {
      expect(texts.filter((t) => t.includes(model)).map((t) => t.split(' ')[0])).toEqual(['🚨', '✅']);
    }
  });
});
