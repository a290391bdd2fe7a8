/**
 * Issue 17.6: per-item backoff outlived the receiver's recovery, and the escalation ran out of order.
 * Here PagerDuty (the 3-minute step) is down for three ticks and back before the 8-minute step: its
 * step must go out on the first tick it answers — before the 8-minute step — not on a backoff
 * timer 3 minutes after it recovered (after the next step). The real evaluate handler on dynalite.
 */
import { SNSClient } from '@aws-sdk/client-sns';
import { MINUTE } from '../../shared/core/time';
import { useDynamo } from '../support/dynamo';
import { evaluateHarness, freshTable } from '../support/evaluate-harness';
import { runs } from '../support/frame';
import { startPagerDutyReceiver, startSlackReceiver, type LocalReceiver } from '../support/receivers';
import { traceOf } from '../support/trace';

const MODEL = 'amazon.nova-lite-v1:0';
const T0 = Date.parse('2026-10-05T15:00:00.000Z');
const at = (m: number) => T0 + m * MINUTE;
/** As in test/functions/escalation.test.ts: fires at 15:29, resolves at 15:47. */
const burst = traceOf(T0, { [MODEL]: { 'Invocations:Sum': runs([100, 60]), 'InvocationServerErrors:Sum': [...runs([0, 19]), ...runs([30, 16]), ...runs([0, 25])] } });
const FIRES = 29;

const rulesYaml = (pd: LocalReceiver) => `
settings:
  publication_delay: 2m
receivers:
  - { name: slack-oncall, type: slack, webhook_url: { env: BW_REC_SLACK_ONCALL } }
  - { name: pagerduty-oncall, type: pagerduty, routing_key: { env: BW_REC_PD_KEY }, events_url: "${pd.url}" }
  - { name: slack-exec, type: slack, webhook_url: { env: BW_REC_SLACK_EXEC } }
routes:
  critical: []
  escalation: { critical: oncall }
escalation:
  oncall:
    steps:
      - { after: 0m, receivers: [slack-oncall] }
      - { after: 3m, receivers: [pagerduty-oncall] }
      - { after: 8m, receivers: [slack-exec] }
rules:
  - name: bedrock-server-errors
    kind: ratio
    numerator: InvocationServerErrors
    denominator: Invocations
    window: 5m
    min_requests: 20
    keep_firing_for: 5m
    tiers:
      critical: { above: 5%, for: 5m }
    next_check: Check the AWS Health Dashboard.
`;

describe('fault: the paging receiver recovers between two escalation steps', () => {
  const db = useDynamo();
  let pd: LocalReceiver;
  let oncall: LocalReceiver;
  let exec: LocalReceiver;

  beforeAll(async () => {
    [pd, oncall, exec] = await Promise.all([startPagerDutyReceiver(), startSlackReceiver(), startSlackReceiver()]);
    Object.assign(process.env, { BW_REC_SLACK_ONCALL: oncall.url, BW_REC_SLACK_EXEC: exec.url, BW_REC_PD_KEY: 'R0UT1NGKEY0123456789abcdefABCDEF' });
  });
  afterAll(async () => {
    for (const k of ['BW_REC_SLACK_ONCALL', 'BW_REC_SLACK_EXEC', 'BW_REC_PD_KEY']) delete process.env[k];
    await Promise.all([pd, oncall, exec].map((r) => r.close()));
  });

  it('sends the 3-minute step on the first tick PagerDuty answers, before the 8-minute step', async () => {
    const h = evaluateHarness({ rulesYaml: rulesYaml(pd), trace: burst, table: await freshTable(db().client), sns: new SNSClient({}) });
    const heard: Record<string, number> = {};
    for (let m = 3; m <= FIRES + 12; m++) {
      // PagerDuty is down for the ticks of minutes 32, 33 and 34, back at 35.
      pd.down(m >= FIRES + 3 && m <= FIRES + 5 ? 503 : null);
      const before = { pd: pd.accepted.length, oncall: oncall.accepted.length, exec: exec.accepted.length };
      await h.tick(at(m));
      if (pd.accepted.length > before.pd) heard.pagerduty ??= m - FIRES;
      if (oncall.accepted.length > before.oncall) heard.oncall ??= m - FIRES;
      if (exec.accepted.length > before.exec) heard.exec ??= m - FIRES;
    }
    // Before: the step failed at +3 and +5 and waited out a 4-minute backoff: PagerDuty at +9, after the exec step at +8.
    expect(heard).toEqual({ oncall: 0, pagerduty: 6, exec: 8 });
  }, 60_000);
});
