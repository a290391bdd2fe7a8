/**
 * Escalation end to end: the real evaluate handler on a simulated clock (dynalite, real Slack and
 * PagerDuty notifiers against local receivers) escalates an error burst step by step, and stops when
 * the alert is acknowledged — by the Slack button (the real ack handler), a PagerDuty webhook, or the
 * real `bedrock-watch ack` command in its own process.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { SNSClient } from '@aws-sdk/client-sns';
import { createAckHandler } from '../../functions/ack';
import { ACK_ACTION_ID } from '../../shared/core/ack';
import { ackDeps } from '../../shared/run/ack-deps';
import { MINUTE } from '../../shared/core/time';
import { AckStore } from '../../shared/state/acks';
import { pagerDutyBody, pagerDutyRequest, slackInteractionBody, slackRequest } from '../support/ack-requests';
import { useDynamo } from '../support/dynamo';
import { evaluateHarness, freshTable, type Harness } from '../support/evaluate-harness';
import { runs } from '../support/frame';
import { lambdaContext, silentLogger } from '../support/lambda';
import { startPagerDutyReceiver, startSlackReceiver, type LocalReceiver } from '../support/receivers';
import { traceOf } from '../support/trace';
import type { Table } from '../../shared/dynamo/table';

const MODEL = 'amazon.nova-lite-v1:0';
const T0 = Date.parse('2026-10-05T15:00:00.000Z');
const at = (m: number) => T0 + m * MINUTE;
const ROOT = join(__dirname, '..', '..');
const SLACK_SECRET = 'slack-signing-secret-for-tests-0001';
const PD_SECRET = 'pagerduty-webhook-secret-for-tests';

/** 30% server errors in minutes 19-34: the evidence decides on minute 21 (its third), `for: 5m`: fires at 15:29, resolves at 15:47. */
const burst = traceOf(T0, { [MODEL]: { 'Invocations:Sum': runs([100, 60]), 'InvocationServerErrors:Sum': [...runs([0, 19]), ...runs([30, 16]), ...runs([0, 25])] } });
const FIRES = 29;
const RESOLVES = 47;

const rulesYaml = (pd: LocalReceiver) => `
settings:
  publication_delay: 2m
receivers:
  - { name: slack-oncall, type: slack, webhook_url: { env: BW_ESC_SLACK_ONCALL } }
  - { name: pagerduty-oncall, type: pagerduty, routing_key: { env: BW_ESC_PD_KEY }, events_url: "${pd.url}" }
  - { name: slack-exec, type: slack, webhook_url: { env: BW_ESC_SLACK_EXEC } }
routes:
  critical: []
  escalation: { critical: oncall }
escalation:
  oncall:
    steps:
      - { after: 0m, receivers: [slack-oncall] }
      - { after: 3m, receivers: [pagerduty-oncall] }
      - { after: 6m, receivers: [slack-exec] }
ack:
  slack_signing_secret: { env: BW_ESC_SLACK_SIGNING }
  slack_teams: [T0LOCAL]
  slack_apps: [A0LOCAL]
  pagerduty_webhook_secret: { env: BW_ESC_PD_WEBHOOK }
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

type SlackMessage = { text: string; blocks: { type: string; block_id?: string; elements?: { value?: string }[] }[] };

/** The real CLI in its own process, against dynalite through the SDK's endpoint variable. */
function cli(args: string[], endpoint: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, 'bin', 'bedrock-watch.js'), ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_ENDPOINT_URL_DYNAMODB: endpoint, NO_COLOR: '1' }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('escalation until acknowledged (evaluate + ack handlers on dynalite)', () => {
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
      BW_ESC_SLACK_ONCALL: oncall.url,
      BW_ESC_SLACK_EXEC: exec.url,
      BW_ESC_PD_KEY: 'R0UT1NGKEY0123456789abcdefABCDEF',
      BW_ESC_SLACK_SIGNING: SLACK_SECRET,
      BW_ESC_PD_WEBHOOK: PD_SECRET,
    });
    table = await freshTable(db().client);
    h = evaluateHarness({ rulesYaml: rulesYaml(pd), trace: burst, table, sns: new SNSClient({}) });
  });

  afterEach(async () => {
    for (const k of ['BW_ESC_SLACK_ONCALL', 'BW_ESC_SLACK_EXEC', 'BW_ESC_PD_KEY', 'BW_ESC_SLACK_SIGNING', 'BW_ESC_PD_WEBHOOK']) delete process.env[k];
    await Promise.all([pd, oncall, exec, responses].map((r) => r.close()));
  });

  /** Ticks every minute in [from, to]; `during(m)` runs before the tick of minute m. */
  async function ticks(from: number, to: number, during?: (m: number) => Promise<void>) {
    for (let m = from; m <= to; m++) {
      await during?.(m);
      await h.tick(at(m));
    }
  }

  const ackHandler = (now: number) =>
    createAckHandler(() => ackDeps({ config: h.config, table, log: silentLogger(), responseUrlPrefix: 'http://127.0.0.1:', now: () => now }), silentLogger());

  /** Which receiver heard what, by minute. */
  async function timeline(): Promise<string[]> {
    const outbox = await h.store.listOutbox();
    expect(outbox.every((o) => o.status === 'sent')).toBe(true);
    return outbox
      .sort((a, b) => a.seq - b.seq)
      .map((o) => `${(Date.parse(o.notification.at) - T0) / MINUTE} ${o.notification.action} → ${o.notification.receiver}`);
  }

  it('without an acknowledgement every step goes out on time, once, and the resolve reaches everyone', async () => {
    await ticks(3, 60);
    expect(await timeline()).toEqual([
      `${FIRES} trigger → slack-oncall`,
      `${FIRES + 3} escalate → pagerduty-oncall`,
      `${FIRES + 6} escalate → slack-exec`,
      `${RESOLVES} resolve → slack-oncall`,
      `${RESOLVES} resolve → pagerduty-oncall`,
      `${RESOLVES} resolve → slack-exec`,
    ]);
    expect(pd.received.map((e) => (e as { event_action: string }).event_action)).toEqual(['trigger', 'resolve']);
    expect([oncall.rejected, pd.rejected, exec.rejected]).toEqual([[], [], []]);
    // The on-call message carries the Acknowledge button; the resolve does not.
    const [first, last] = oncall.received as SlackMessage[];
    expect(first.blocks.at(-1)).toMatchObject({ type: 'actions', block_id: ACK_ACTION_ID });
    expect(last.blocks.some((b) => b.type === 'actions')).toBe(false);
  });

  it('stops at a press of the Slack button: the next steps are never sent, the message shows who', async () => {
    await ticks(3, 60, async (m) => {
      if (m !== FIRES + 1) return;
      const message = (oncall.received as SlackMessage[])[0];
      const value = message.blocks.find((b) => b.type === 'actions')!.elements![0].value!;
      const now = at(m);
      const body = slackInteractionBody({ value, responseUrl: responses.url, blocks: message.blocks, text: message.text });
      const r = await ackHandler(now)(slackRequest(SLACK_SECRET, body, Math.floor(now / 1000)), lambdaContext());
      expect(r.statusCode).toBe(200);
    });
    expect(await timeline()).toEqual([`${FIRES} trigger → slack-oncall`, `${RESOLVES} resolve → slack-oncall`]);
    expect(pd.received).toEqual([]);
    expect(exec.received).toEqual([]);
    expect(responses.rejected).toEqual([]);
    expect(JSON.stringify(responses.received)).toContain('Acknowledged by <@U0ANA> via Slack');
  });

  it('stops at a PagerDuty acknowledgement of the incident it opened (webhook, matched by dedup_key)', async () => {
    await ticks(3, 60, async (m) => {
      if (m !== FIRES + 4) return;
      const key = (pd.received[0] as { dedup_key: string }).dedup_key;
      const r = await ackHandler(at(m))(pagerDutyRequest(['old-secret', PD_SECRET], pagerDutyBody({ key, occurredAt: at(m) - 30_000 })), lambdaContext());
      expect(r.statusCode).toBe(200);
    });
    expect(await timeline()).toEqual([
      `${FIRES} trigger → slack-oncall`,
      `${FIRES + 3} escalate → pagerduty-oncall`,
      `${RESOLVES} resolve → slack-oncall`,
      `${RESOLVES} resolve → pagerduty-oncall`,
    ]);
    expect(exec.received).toEqual([]);
  });

  it('stops at `bedrock-watch ack RULE/LABELS` from a terminal', async () => {
    await ticks(3, FIRES + 1);
    const r = await cli(['ack', `bedrock-server-errors/ModelId=${MODEL}`, '--table', table.name, '--by', 'ana'], db().endpoint);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^Acknowledged bedrock-server-errors amazon\.nova-lite-v1:0 \([0-9a-f]{24}\) as ana at /);
    expect(r.code).toBe(0);
    await ticks(FIRES + 2, 60);
    expect(await timeline()).toEqual([`${FIRES} trigger → slack-oncall`, `${RESOLVES} resolve → slack-oncall`]);
    const [alert] = await new AckStore(table).alerts();
    expect(alert.ack).toMatchObject({ ackedBy: 'ana', via: 'cli', episode: at(FIRES) });
  }, 60_000);
});
