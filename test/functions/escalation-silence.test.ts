/**
 * Issue 17.5: a silence added after an alert was announced stops its escalation (Alertmanager: a
 * silenced alert sends nothing further). The real evaluate handler on dynalite, a silence added by
 * the real `silence add` command (in process, same table), matched on the labels routing sees:
 * `severity` is not one of the alert's own labels, so a silence matched on those would miss.
 */
import { SNSClient } from '@aws-sdk/client-sns';
import { silenceCommand } from '../../shared/cli/silence';
import { MINUTE } from '../../shared/core/time';
import { useDynamo } from '../support/dynamo';
import { evaluateHarness, freshTable, type Harness } from '../support/evaluate-harness';
import { runs } from '../support/frame';
import { startPagerDutyReceiver, startSlackReceiver, type LocalReceiver } from '../support/receivers';
import { traceOf } from '../support/trace';

const MODEL = 'amazon.nova-lite-v1:0';
const T0 = Date.parse('2026-10-05T15:00:00.000Z');
const at = (m: number) => T0 + m * MINUTE;

/** 30% server errors from minute 19 for 90 minutes: fires at 15:29 and stays critical past +60. */
const storm = traceOf(T0, { [MODEL]: { 'Invocations:Sum': runs([100, 150]), 'InvocationServerErrors:Sum': [...runs([0, 19]), ...runs([30, 90]), ...runs([0, 41])] } });
const FIRES = 29;

const rulesYaml = (pd: LocalReceiver, exec: LocalReceiver) => `
settings:
  publication_delay: 2m
receivers:
  - { name: slack-alerts, type: slack, webhook_url: { env: BW_SIL_SLACK_ALERTS } }
  - { name: slack-oncall, type: slack, webhook_url: { env: BW_SIL_SLACK_ONCALL } }
  - { name: pagerduty-oncall, type: pagerduty, routing_key: { env: BW_SIL_PD_KEY }, events_url: "${pd.url}" }
  - { name: slack-management, type: slack, webhook_url: { env: BW_SIL_SLACK_MGMT } }
  - { name: pagerduty-exec, type: pagerduty, routing_key: { env: BW_SIL_PD_KEY }, events_url: "${exec.url}" }
route:
  receiver: slack-alerts
  group_by: [rule]
  group_wait: 0s
  routes:
    - matchers: ['severity="critical"']
      receiver: slack-alerts
      escalation: default-critical
escalation:
  default-critical:
    steps:
      - { after: 0m, receivers: [slack-oncall] }
      - { after: 15m, receivers: [pagerduty-oncall] }
      - { after: 30m, receivers: [slack-management] }
      - { after: 60m, receivers: [pagerduty-exec] }
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

describe('a silence added after the announcement stops the escalation (evaluate handler on dynalite)', () => {
  const db = useDynamo();
  let pd: LocalReceiver;
  let exec: LocalReceiver;
  let alerts: LocalReceiver;
  let oncall: LocalReceiver;
  let mgmt: LocalReceiver;
  let h: Harness;
  let tableName: string;

  beforeEach(async () => {
    [pd, exec, alerts, oncall, mgmt] = await Promise.all([startPagerDutyReceiver(), startPagerDutyReceiver(), startSlackReceiver(), startSlackReceiver(), startSlackReceiver()]);
    Object.assign(process.env, { BW_SIL_SLACK_ALERTS: alerts.url, BW_SIL_SLACK_ONCALL: oncall.url, BW_SIL_SLACK_MGMT: mgmt.url, BW_SIL_PD_KEY: 'R0UT1NGKEY0123456789abcdefABCDEF' });
    const table = await freshTable(db().client);
    tableName = table.name;
    h = evaluateHarness({ rulesYaml: rulesYaml(pd, exec), trace: storm, table, sns: new SNSClient({}) });
  });

  afterEach(async () => {
    for (const k of ['BW_SIL_SLACK_ALERTS', 'BW_SIL_SLACK_ONCALL', 'BW_SIL_SLACK_MGMT', 'BW_SIL_PD_KEY']) delete process.env[k];
    await Promise.all([pd, exec, alerts, oncall, mgmt].map((r) => r.close()));
  });

  const silence = async (m: number, length: string) => {
    const out: string[] = [];
    const code = await silenceCommand(
      { action: 'add', match: ['severity="critical"', 'rule="bedrock-server-errors"'], for: length, comment: 'known incident, on it', author: 'ana', table: tableName, rules: '/nonexistent/rules.yml', dynamo: db().client, now: at(m) },
      (l) => out.push(l),
    );
    expect(code).toBe(0);
    return out;
  };

  async function timeline(from: number, to: number, during: (m: number) => Promise<void>): Promise<string[]> {
    for (let m = from; m <= to; m++) {
      await during(m);
      await h.tick(at(m));
    }
    const outbox = await h.store.listOutbox();
    return outbox.sort((a, b) => a.seq - b.seq).map((o) => `${(Date.parse(o.notification.at) - T0) / MINUTE - FIRES} ${o.notification.action} → ${o.notification.receiver}`);
  }

  it('silenced at +6 min: no PagerDuty at +15, no management at +30, no exec at +60, no reminder and (as Alertmanager) no resolve', async () => {
    const sent = await timeline(3, 150, async (m) => {
      if (m === FIRES + 6) await silence(m, '3h');
    });
    expect(sent).toEqual(['0 trigger → slack-alerts', '0 trigger → slack-oncall']);
    expect([pd.received, exec.received, mgmt.received]).toEqual([[], [], []]);
  }, 120_000);

  it('a silence that ends while the alert still fires lets the policy go on where it was, and the resolve reaches everyone', async () => {
    const sent = await timeline(3, 150, async (m) => {
      if (m === FIRES + 6) await silence(m, '20m');
    });
    // Silent from +6 to +26: the 15-minute step waits for the silence to end, the later ones keep their times.
    expect(sent.filter((l) => !l.includes('resolve'))).toEqual([
      '0 trigger → slack-alerts',
      '0 trigger → slack-oncall',
      '26 escalate → pagerduty-oncall',
      '30 escalate → slack-management',
      '60 escalate → pagerduty-exec',
    ]);
    expect(sent.filter((l) => l.includes('resolve')).map((l) => l.split(' → ')[1]).sort()).toEqual(['pagerduty-exec', 'pagerduty-oncall', 'slack-alerts', 'slack-management', 'slack-oncall']);
  }, 120_000);
});
