/**
 * `bedrock-watch backtest` and the on-call loop: `--json` notifications carry the escalation steps
 * and repeats as they would have been sent (once per group, listing its alerts), and `--silences
 * FILE` replays a maintenance window.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'bedrock-watch.js');
const cli = (args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

const FROM = Date.parse('2026-10-05T12:00:00Z');
const MODELS = ['amazon.nova-lite-v1:0', 'amazon.nova-pro-v1:0', 'meta.llama3-70b-instruct-v1:0', 'mistral.mistral-large-2402-v1:0'];
/** 25% server errors on all four models for 80 minutes, from 13:00. */
const BURST = [FROM + 60 * 60_000, FROM + 140 * 60_000];

function stormTrace(): string {
  const lines: string[] = [];
  for (let m = 0; m < 200; m++) {
    const t = FROM + m * 60_000;
    for (const model of MODELS) {
      const point = (metric: string, value: number) => JSON.stringify({ timestamp: new Date(t).toISOString(), namespace: 'AWS/Bedrock', metric, dimensions: { ModelId: model }, stat: 'Sum', period: 60, value });
      lines.push(point('Invocations', 100), point('InvocationServerErrors', t >= BURST[0] && t < BURST[1] ? 25 : 0));
    }
  }
  return `${lines.join('\n')}\n`;
}

const RULES = `receivers:
  - { name: chat, type: slack, webhook_url: { env: SLACK_WEBHOOK_URL } }
  - { name: slack-oncall, type: slack, webhook_url: { env: SLACK_ONCALL_URL } }
  - { name: pagerduty-oncall, type: pagerduty, routing_key: { env: PD_KEY } }
route:
  receiver: chat
  group_by: [rule, severity]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 30m
  escalation: oncall
escalation:
  oncall:
    steps:
      - { after: 0m, receivers: [slack-oncall] }
      - { after: 15m, receivers: [pagerduty-oncall] }
rules:
  - name: bedrock-server-errors
    kind: ratio
    numerator: InvocationServerErrors
    denominator: Invocations
    window: 5m
    tiers:
      critical: { above: 5%, for: 5m }
    next_check: Check the AWS Health Dashboard.
`;

type Sent = { receiver: string; action: string; at: string; alerts: number };
const minutesAfter = (iso: string, t0: string) => (Date.parse(iso) - Date.parse(t0)) / 60_000;

describe('backtest and the on-call loop', () => {
  let dir: string;
  let trace: string;
  let rules: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bw-oncall-'));
    trace = join(dir, 'storm-metrics.jsonl');
    rules = join(dir, 'rules.yml');
    writeFileSync(trace, stormTrace());
    writeFileSync(rules, RULES);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--json carries every escalation step and repeat as sent: once per group, listing the four models', () => {
    const r = cli(['backtest', '--metrics', trace, '--rules', rules, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { alerts, notifications } = JSON.parse(r.stdout) as { alerts: { startsAt: string }[]; notifications: Sent[] };
    expect(alerts).toHaveLength(4);
    expect(new Set(alerts.map((a) => a.startsAt)).size).toBe(1);
    expect(notifications.every((n) => n.alerts === 4)).toBe(true);
    // Minutes after the four alerts fired (together): the first messages wait group_wait (the next tick);
    // the routed group repeats every 30 min to chat; the policy's step 1 goes 15 min after the group
    // formed, then the policy repeats to everyone it reached (not chat: the route repeats there) 30 min
    // after its last message.
    const timeline = notifications.map((n) => `${minutesAfter(n.at, alerts[0].startsAt)} ${n.action} → ${n.receiver}`);
    const firing = timeline.filter((l) => !l.includes('resolve'));
    expect(firing).toEqual([
      '1 trigger → chat',
      '1 trigger → slack-oncall',
      '15 escalate → pagerduty-oncall',
      '31 repeat → chat',
      '45 repeat → pagerduty-oncall',
      '45 repeat → slack-oncall',
      '61 repeat → chat',
      '75 repeat → pagerduty-oncall',
      '75 repeat → slack-oncall',
    ]);
    const resolves = notifications.filter((n) => n.action === 'resolve');
    expect(resolves.map((n) => n.receiver).sort()).toEqual(['chat', 'pagerduty-oncall', 'slack-oncall']);
  }, 120_000);

  it('--silences FILE replays a maintenance window: silenced models are left out of the messages and held back with the reason', () => {
    const silences = join(dir, 'silences.yml');
    writeFileSync(
      silences,
      `- matchers: ['ModelId=~"meta.*|mistral.*"']
  start: 2026-10-05T12:30:00Z
  end: 2026-10-05T15:30:00Z
  comment: provider upgrade
  author: ana
`,
    );
    const json = cli(['backtest', '--metrics', trace, '--rules', rules, '--silences', silences, '--json']);
    expect(json.stderr).toBe('');
    const { alerts, notifications } = JSON.parse(json.stdout) as { alerts: { labels: { ModelId: string } }[]; notifications: Sent[] };
    expect(alerts.map((a) => a.labels.ModelId).sort()).toEqual(MODELS.slice(0, 2));
    expect(notifications.length).toBeGreaterThan(0);
    expect(notifications.every((n) => n.alerts === 2)).toBe(true);

    const html = join(dir, 'report.html');
    const text = cli(['backtest', '--metrics', trace, '--rules', rules, '--silences', silences, '--html', html]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/Alerts: 2 fired, 2 resolved, 2 held back \(silenced or inhibited\)/);
    expect(text.stdout).toMatch(/Held back: 2 \(2 silenced\)/);
    const page = require('node:fs').readFileSync(html, 'utf8') as string;
    expect(page).toContain('silenced by file-1 (ana: provider upgrade) until 2026-10-05T15:30:00.000Z');
  }, 120_000);

  it('a bad silences file exits 1 naming each problem and where', () => {
    const bad = join(dir, 'bad-silences.json');
    writeFileSync(bad, JSON.stringify([{ matchers: ['ModelId=~"meta.*'], start: '2026-10-05T12:30:00Z', end: '2026-10-05T12:00:00Z', comment: '' }]));
    const r = cli(['backtest', '--metrics', trace, '--rules', rules, '--silences', bad, '--json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^bedrock-watch backtest: .*bad-silences\.json: silences\[0\]\.matchers\[0\] .*; silences\[0\]\.end must be after start; silences\[0\]\.comment must say why/);
  }, 60_000);
});
