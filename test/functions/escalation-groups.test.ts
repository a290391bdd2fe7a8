/**
 * Escalation per group end to end: the real evaluate handler on a simulated clock (dynalite, real
 * Slack and PagerDuty notifiers against local receivers) and the real ack handler with signed
 * requests. Four models fail together and are one group: each step reaches its receiver once,
 * listing them; PagerDuty acknowledgements of any incident bedrock-watch opened for the group (the
 * routed one or the escalation's) and the grouped message's Slack button acknowledge the group.
 */
import { SNSClient } from '@aws-sdk/client-sns';
import { createAckHandler } from '../../functions/ack';
import { ACK_ACTION_ID } from '../../shared/core/ack';
import { MINUTE } from '../../shared/core/time';
import { ackDeps } from '../../shared/run/ack-deps';
import { AckStore } from '../../shared/state/acks';
import type { Table } from '../../shared/dynamo/table';
import { pagerDutyBody, pagerDutyRequest, slackInteractionBody, slackRequest } from '../support/ack-requests';
import { useDynamo } from '../support/dynamo';
import { evaluateHarness, freshTable, type Harness } from '../support/evaluate-harness';
import { runs } from '../support/frame';
import { lambdaContext, silentLogger } from '../support/lambda';
import { startPagerDutyReceiver, startSlackReceiver, type LocalReceiver } from '../support/receivers';
import { traceOf } from '../support/trace';

const T0 = Date.parse('2026-10-05T15:00:00.000Z');
const at = (m: number) => T0 + m * MINUTE;
const SLACK_SECRET = 'slack-signing-secret-for-tests-0002';
const PD_SECRET = 'pagerduty-webhook-secret-for-tests-2';
const STORM = ['amazon.nova-lite-v1:0', 'amazon.nova-pro-v1:0', 'anthropic.claude-3-haiku-20240307-v1:0', 'meta.llama3-70b-instruct-v1:0'];
const LATE = 'mistral.mistral-large-2402-v1:0';

/** 30% server errors: the storm's four models in minutes 19-33, a fifth in 24-38 (a page needs three published minutes). */
const burst = (from: number) => ({ 'Invocations:Sum': runs([100, 70]), 'InvocationServerErrors:Sum': [...runs([0, from]), ...runs([30, 15]), ...runs([0, 70 - from - 15])] });
const trace = traceOf(T0, { ...Object.fromEntries(STORM.map((m) => [m, burst(19)])), [LATE]: burst(24) });
/** As in escalation.test.ts: the storm fires at 15:29 and resolves at 15:47; the group's first messages wait group_wait. */
const FIRES = 29;
const FIRST = FIRES + 1;

const rulesYaml = (pd: LocalReceiver) => `
settings:
  publication_delay: 2m
receivers:
  - { name: pagerduty-team, type: pagerduty, routing_key: { env: BW_GE_PD_TEAM }, events_url: "${pd.url}" }
  - { name: slack-oncall, type: slack, webhook_url: { env: BW_GE_SLACK_ONCALL } }
  - { name: pagerduty-oncall, type: pagerduty, routing_key: { env: BW_GE_PD_ONCALL }, events_url: "${pd.url}" }
  - { name: slack-exec, type: slack, webhook_url: { env: BW_GE_SLACK_EXEC } }
route:
  receiver: pagerduty-team
  group_by: [rule, severity]
  group_wait: 30s
  group_interval: 5m
  escalation: oncall
escalation:
  oncall:
    steps:
      - { after: 0m, receivers: [slack-oncall] }
      - { after: 3m, receivers: [pagerduty-oncall] }
      - { after: 6m, receivers: [slack-exec] }
ack:
  slack_signing_secret: { env: BW_GE_SLACK_SIGNING }
  slack_teams: [T0LOCAL]
  slack_apps: [A0LOCAL]
  pagerduty_webhook_secret: { env: BW_GE_PD_WEBHOOK }
  pagerduty_services: [PBWTEST1]
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

const TEAM_KEY = 'R0UT1NGKEY0123456789abcdefTEAM00';
const ONCALL_KEY = 'R0UT1NGKEY0123456789abcdefONCALL';
type PdEvent = { routing_key: string; event_action: string; dedup_key: string; payload?: { summary: string; custom_details: { alerts?: string[] } } };
type SlackMessage = { text: string; blocks: { type: string; block_id?: string; text?: { text: string }; elements?: { value?: string }[] }[] };

describe('escalation per group (evaluate + ack handlers on dynalite)', () => {
  const db = useDynamo();
  let pd: LocalReceiver;
  let oncall: LocalReceiver;
  let exec: LocalReceiver;
  let responses: LocalReceiver;
  let h: Harness;
  let table: Table;

  beforeEach(async () => {
    [pd, oncall, exec, responses] = await Promise.all([startPagerDutyReceiver(), startSlackReceiver(), startSlackReceiver(), startSlackReceiver()]);
    Object.assign(process.env, {
      BW_GE_PD_TEAM: TEAM_KEY,
      BW_GE_PD_ONCALL: ONCALL_KEY,
      BW_GE_SLACK_ONCALL: oncall.url,
      BW_GE_SLACK_EXEC: exec.url,
      BW_GE_SLACK_SIGNING: SLACK_SECRET,
      BW_GE_PD_WEBHOOK: PD_SECRET,
    });
    table = await freshTable(db().client);
    h = evaluateHarness({ rulesYaml: rulesYaml(pd), trace, table, sns: new SNSClient({}) });
  });

  afterEach(async () => {
    for (const k of ['BW_GE_PD_TEAM', 'BW_GE_PD_ONCALL', 'BW_GE_SLACK_ONCALL', 'BW_GE_SLACK_EXEC', 'BW_GE_SLACK_SIGNING', 'BW_GE_PD_WEBHOOK']) delete process.env[k];
    await Promise.all([pd, oncall, exec, responses].map((r) => r.close()));
  });

  async function ticks(from: number, to: number, during?: (m: number) => Promise<void>) {
    for (let m = from; m <= to; m++) {
      await during?.(m);
      await h.tick(at(m));
    }
  }

  const ackHandler = (now: number) =>
    createAckHandler(() => ackDeps({ config: h.config, table, log: silentLogger(), responseUrlPrefix: 'http://127.0.0.1:', now: () => now }), silentLogger());

  /** "minute action → receiver (models firing/resolved)", in decision order. */
  async function timeline(): Promise<string[]> {
    const outbox = await h.store.listOutbox();
    expect(outbox.every((o) => o.status === 'sent')).toBe(true);
    return outbox
      .sort((a, b) => a.seq - b.seq)
      .map((o) => {
        const n = o.notification;
        const firing = n.alerts.filter((a) => a.status === 'firing').length;
        return `${(Date.parse(n.at) - T0) / MINUTE} ${n.action} → ${n.receiver} (${firing}/${n.alerts.length - firing})`;
      });
  }

  const steps = (lines: string[]) => lines.filter((l) => !l.includes('pagerduty-team'));
  const pdTo = (key: string) => (pd.received as PdEvent[]).filter((e) => e.routing_key === key);

  it('one notification per step per receiver, listing the group; a late model rides along; one resolve each', async () => {
    await ticks(3, 60);
    const lines = await timeline();
    expect(steps(lines)).toEqual([
      `${FIRST} trigger → slack-oncall (4/0)`,
      `${FIRES + 3} escalate → pagerduty-oncall (4/0)`,
      `${FIRES + 6} escalate → slack-exec (5/0)`,
      '51 resolve → slack-oncall (0/5)',
      '51 resolve → pagerduty-oncall (0/5)',
      '51 resolve → slack-exec (0/5)',
    ]);
    // The escalation's PagerDuty incident is one, for the group: one trigger (four models listed), one resolve.
    const esc = pdTo(ONCALL_KEY);
    expect(esc.map((e) => e.event_action)).toEqual(['trigger', 'resolve']);
    expect(new Set(esc.map((e) => e.dedup_key)).size).toBe(1);
    expect(esc[0].payload!.custom_details.alerts).toHaveLength(4);
    expect(esc[0].payload!.summary).toMatch(/^CRITICAL: Server errors on 4 models \(/);
    // The Slack step carries the group's button.
    const first = (oncall.received as SlackMessage[])[0];
    // Its value and the incident's dedup_key are the group's key signed with the deployment's secret: not computable from rules.yml.
    const streams = await new AckStore(table).streams();
    expect(first.blocks.find((b) => b.type === 'actions')!.elements![0].value).toMatch(/^ack:bw1-[0-9a-f]{40}$/);
    expect(esc[0].dedup_key).toMatch(/^bw1-[0-9a-f]{40}$/);
    expect(streams.some((st) => esc[0].dedup_key.includes(st.key) || first.blocks.some((b) => JSON.stringify(b).includes(st.key)))).toBe(false);
    expect([oncall.rejected, pd.rejected, exec.rejected]).toEqual([[], [], []]);
  });

  it("a PagerDuty acknowledgement of the escalation's incident acknowledges the group: no later step, every member acknowledged", async () => {
    await ticks(3, 60, async (m) => {
      if (m !== FIRES + 4) return;
      const key = pdTo(ONCALL_KEY)[0].dedup_key;
      const r = await ackHandler(at(m))(pagerDutyRequest([PD_SECRET], pagerDutyBody({ key, occurredAt: at(m) - 20_000 })), lambdaContext());
      expect(r.statusCode).toBe(200);
    });
    expect(steps(await timeline())).toEqual([
      `${FIRST} trigger → slack-oncall (4/0)`,
      `${FIRES + 3} escalate → pagerduty-oncall (4/0)`,
      // The group ends when its last member (the late model) resolves; the resolve names what the receivers were told.
      '51 resolve → slack-oncall (0/4)',
      '51 resolve → pagerduty-oncall (0/4)',
    ]);
    expect(exec.received).toEqual([]);
    const acked = (await new AckStore(table).alerts()).filter((a) => a.ack).map((a) => [a.labels.ModelId, a.ack!.via, a.ack!.ackedBy]);
    expect(acked.sort()).toEqual(STORM.map((m) => [m, 'pagerduty', 'Ana Oncall']).sort());
  });

  it("a PagerDuty acknowledgement of the routed grouped incident (not a step) acknowledges the group's alerts and stops the escalation", async () => {
    await ticks(3, 60, async (m) => {
      if (m !== FIRST + 1) return;
      const team = pdTo(TEAM_KEY);
      expect(team.map((e) => e.event_action)).toEqual(['trigger']);
      expect(team[0].dedup_key).toMatch(/^bw1-[0-9a-f]{40}$/);
      const r = await ackHandler(at(m))(pagerDutyRequest([PD_SECRET], pagerDutyBody({ key: team[0].dedup_key, occurredAt: at(m) - 10_000 })), lambdaContext());
      expect(r.statusCode).toBe(200);
    });
    expect(steps(await timeline())).toEqual([`${FIRST} trigger → slack-oncall (4/0)`, '51 resolve → slack-oncall (0/4)']);
    expect(pdTo(ONCALL_KEY)).toEqual([]);
    expect((await new AckStore(table).alerts()).filter((a) => a.ack)).toHaveLength(4);
  });

  it("the group's own acknowledgement record stops it, whoever acknowledged its alerts (the tick reads it from the table)", async () => {
    await ticks(3, 60, async (m) => {
      if (m !== FIRES + 4) return;
      const key = (await new AckStore(table).streams()).find((st) => st.kind === 'escalation')!.key;
      await new AckStore(table).acknowledgeGroup(key, { ackedBy: 'ana', via: 'pagerduty' }, at(m));
    });
    expect(steps(await timeline())).toEqual([
      `${FIRST} trigger → slack-oncall (4/0)`,
      `${FIRES + 3} escalate → pagerduty-oncall (4/0)`,
      '51 resolve → slack-oncall (0/4)',
      '51 resolve → pagerduty-oncall (0/4)',
    ]);
    expect((await new AckStore(table).alerts()).filter((a) => a.ack)).toEqual([]);
  });

  it('a PagerDuty event older than the group is ignored', async () => {
    await ticks(3, 40, async (m) => {
      if (m !== FIRST + 1) return;
      const key = pdTo(TEAM_KEY)[0].dedup_key;
      await ackHandler(at(m))(pagerDutyRequest([PD_SECRET], pagerDutyBody({ key, occurredAt: at(FIRES) - 60_000 })), lambdaContext());
    });
    expect(steps(await timeline())).toEqual([`${FIRST} trigger → slack-oncall (4/0)`, `${FIRES + 3} escalate → pagerduty-oncall (4/0)`, `${FIRES + 6} escalate → slack-exec (5/0)`]);
  });

  it("the grouped message's Slack button acknowledges the group and shows who", async () => {
    await ticks(3, 60, async (m) => {
      if (m !== FIRST + 1) return;
      const message = (oncall.received as SlackMessage[])[0];
      const value = message.blocks.find((b) => b.block_id === ACK_ACTION_ID)!.elements![0].value!;
      const body = slackInteractionBody({ value, responseUrl: responses.url, blocks: message.blocks, text: message.text });
      const r = await ackHandler(at(m))(slackRequest(SLACK_SECRET, body, Math.floor(at(m) / 1000)), lambdaContext());
      expect(r.statusCode).toBe(200);
    });
    expect(steps(await timeline())).toEqual([`${FIRST} trigger → slack-oncall (4/0)`, '51 resolve → slack-oncall (0/4)']);
    expect(JSON.stringify(responses.received)).toContain('Acknowledged by <@U0ANA> via Slack');
    expect((await new AckStore(table).alerts()).filter((a) => a.ack?.via === 'slack')).toHaveLength(4);
  });

  // Issue 17.3: the routed group's acknowledgement is stored under its own key; the tick looks for the
  // escalation group's. Acknowledged in the minute the late model joins, the "every firing member
  // acknowledged" fallback failed (the newcomer is not), and the escalation went on to slack-exec.
  it('an acknowledgement of the routed grouped incident stops the escalation even when an alert joins in the tick that first sees it', async () => {
    const LATE_FIRES = FIRES + 5;
    await ticks(3, 60, async (m) => {
      if (m !== LATE_FIRES) return;
      const team = pdTo(TEAM_KEY);
      const r = await ackHandler(at(m))(pagerDutyRequest([PD_SECRET], pagerDutyBody({ key: team[0].dedup_key, occurredAt: at(m) - 5_000 })), lambdaContext());
      expect(r.statusCode).toBe(200);
    });
    const lines = await timeline();
    // The late model did join in that tick (the routed group tells it), yet no further step went out.
    expect(lines).toContain(`${LATE_FIRES + 1} trigger → pagerduty-team (5/0)`);
    expect(steps(lines)).toEqual([`${FIRST} trigger → slack-oncall (4/0)`, `${FIRES + 3} escalate → pagerduty-oncall (4/0)`, '51 resolve → slack-oncall (0/4)', '51 resolve → pagerduty-oncall (0/4)']);
    expect(exec.received).toEqual([]);
  });

  it("the routed grouped message's Slack button stops the escalation too, with an alert joining in the tick that first sees it", async () => {
    // The same tree with the route's own receiver on Slack: its grouped message carries the routed group's button.
    const team = await startSlackReceiver();
    process.env.BW_GE_SLACK_TEAM = team.url;
    try {
      const yaml = rulesYaml(pd)
        .replace('receivers:\n', 'receivers:\n  - { name: slack-team, type: slack, webhook_url: { env: BW_GE_SLACK_TEAM } }\n')
        .replace('  receiver: pagerduty-team\n', '  receiver: slack-team\n');
      table = await freshTable(db().client);
      h = evaluateHarness({ rulesYaml: yaml, trace, table, sns: new SNSClient({}) });
      const LATE_FIRES = FIRES + 5;
      await ticks(3, 60, async (m) => {
        if (m !== LATE_FIRES) return;
        const message = (team.received as SlackMessage[])[0];
        const value = message.blocks.find((b) => b.block_id === ACK_ACTION_ID)!.elements![0].value!;
        const body = slackInteractionBody({ value, responseUrl: responses.url, blocks: message.blocks, text: message.text });
        expect((await ackHandler(at(m))(slackRequest(SLACK_SECRET, body, Math.floor(at(m) / 1000)), lambdaContext())).statusCode).toBe(200);
      });
      const lines = await timeline();
      expect(lines).toContain(`${LATE_FIRES + 1} trigger → slack-team (5/0)`);
      expect(steps(lines).filter((l) => !l.includes('slack-team'))).toEqual([
        `${FIRST} trigger → slack-oncall (4/0)`,
        `${FIRES + 3} escalate → pagerduty-oncall (4/0)`,
        '51 resolve → slack-oncall (0/4)',
        '51 resolve → pagerduty-oncall (0/4)',
      ]);
      expect(exec.received).toEqual([]);
      expect(JSON.stringify(responses.received)).toContain('Acknowledged by <@U0ANA> via Slack');
    } finally {
      delete process.env.BW_GE_SLACK_TEAM;
      await team.close();
    }
  });
});
