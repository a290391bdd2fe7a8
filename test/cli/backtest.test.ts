import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'bedrock-watch.js');

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const MODEL = 'amazon.nova-lite-v1:0';
const FROM = Date.parse('2026-10-05T12:00:00Z');
const BURST_START = FROM + 90 * 60_000;
const BURST_END = BURST_START + 20 * 60_000;
const ISO_SECONDS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

/** Three hours of one model at 100 requests a minute, with 25% server errors for 20 minutes. */
function tinyTrace(): string {
  const lines: string[] = [];
  for (let m = 0; m < 180; m++) {
    const t = FROM + m * 60_000;
    const errors = t >= BURST_START && t < BURST_END ? 25 : 0;
    const point = (metric: string, value: number) =>
      JSON.stringify({ timestamp: new Date(t).toISOString(), namespace: 'AWS/Bedrock', metric, dimensions: { ModelId: MODEL }, stat: 'Sum', period: 60, value });
    lines.push(point('Invocations', 100), point('InvocationServerErrors', errors), point('InvocationThrottles', 0));
  }
  return `${lines.join('\n')}\n`;
}

const RULES = `receivers:
  - name: oncall
    type: sns
  - name: chat
    type: slack
    webhook_url: { env: SLACK_WEBHOOK_URL }
routes:
  critical: [oncall, chat]
  warning: [chat]
rules:
  - name: bedrock-server-errors
    kind: ratio
    numerator: InvocationServerErrors
    denominator: Invocations
    window: 5m
    tiers:
      warning: { above: 1%, for: 10m }
      critical: { above: 5%, for: 5m }
    next_check: Check the AWS Health Dashboard.
`;

const CLAUDE = 'anthropic.claude-3-5-sonnet-20240620-v1:0';

/** Three hours of invocation-log records, 10 a minute; half of them cut at max tokens during the burst. */
function tinyLogTrace(): string {
  const lines: string[] = [];
  for (let m = 0; m < 180; m++) {
    const t = FROM + m * 60_000;
    for (let i = 0; i < 10; i++) {
      const cut = t >= BURST_START && t < BURST_END + 40 * 60_000 && i % 2 === 0;
      lines.push(
        JSON.stringify({
          schemaType: 'ModelInvocationLog',
          schemaVersion: '1.0',
          timestamp: new Date(t + i * 5_000).toISOString(),
          requestId: `r-${m}-${i}`,
          operation: 'InvokeModel',
          modelId: CLAUDE,
          identity: { arn: 'arn:aws:sts::123456789012:assumed-role/app/task-1' },
          input: { inputTokenCount: 900 },
          output: { outputTokenCount: 300, outputBodyJson: { stop_reason: cut ? 'max_tokens' : 'end_turn' } },
        }),
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

const LOG_RULES = `receivers:
  - name: oncall
    type: sns
routes:
  critical: [oncall]
rules:
  - name: bedrock-completion-rate
    kind: completion
    signal: completion
    window: 15m
    min_requests: 50
    tiers:
      critical: { below: 80%, for: 15m }
    next_check: See the stop-reason breakdown.
`;

describe('bedrock-watch backtest', () => {
  let dir: string;
  let trace: string;
  let rules: string;
  let logs: string;
  let logRules: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bw-backtest-'));
    trace = join(dir, 'burst-metrics.jsonl.gz');
    rules = join(dir, 'rules.yml');
    writeFileSync(trace, gzipSync(tinyTrace()));
    writeFileSync(join(dir, 'burst-metrics.jsonl'), tinyTrace());
    writeFileSync(rules, RULES);
    logs = join(dir, 'burst-invocations.jsonl.gz');
    logRules = join(dir, 'log-rules.yml');
    writeFileSync(logs, gzipSync(tinyLogTrace()));
    writeFileSync(logRules, LOG_RULES);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--json prints only the contract object, with the burst as a critical server-error alert', () => {
    const r = cli(['backtest', '--metrics', trace, '--rules', rules, '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out).sort()).toEqual(['alerts', 'forecast', 'notifications']);
    expect(out.alerts).toHaveLength(1);
    // The noise forecast (additive): one page in three hours is 56 a week, far over a page a year.
    expect(out.forecast).toEqual([
      { rule: 'bedrock-server-errors', model: MODEL, warnings: 0, pages: 1, warningsPerWeek: 0, pagesPerWeek: expect.any(Number), budget: { warningsPerWeek: 0.23, pagesPerWeek: 0.01916 }, overBudget: true },
    ]);
    expect(out.forecast[0].pagesPerWeek).toBeGreaterThan(50);
    const [alert] = out.alerts;
    expect(Object.keys(alert).sort()).toEqual(['endsAt', 'labels', 'reached', 'rule', 'severity', 'signal', 'startsAt']);
    // FORMAT.md: each tier reached and when it first did; 25% errors page at once, so critical is reached at the start.
    expect(alert.reached).toEqual({ critical: alert.startsAt });
    expect(alert).toMatchObject({ rule: 'bedrock-server-errors', signal: 'server_errors', severity: 'critical', labels: { ModelId: MODEL } });
    expect(alert.startsAt).toMatch(ISO_SECONDS);
    expect(alert.endsAt).toMatch(ISO_SECONDS);
    // Decided on the simulated schedule: after the burst began (evidence + `for` + publication delay), soon enough.
    const starts = Date.parse(alert.startsAt);
    expect(starts).toBeGreaterThan(BURST_START);
    expect(starts).toBeLessThan(BURST_START + 15 * 60_000);
    expect(Date.parse(alert.endsAt)).toBeGreaterThan(BURST_END);

    for (const n of out.notifications) {
      expect(Object.keys(n).sort()).toEqual(['action', 'alerts', 'at', 'receiver']);
      expect(n.at).toMatch(ISO_SECONDS);
      expect(n.alerts).toBe(1);
    }
    const summary = out.notifications.map((n: { receiver: string; action: string }) => `${n.receiver} ${n.action}`).sort();
    expect(summary).toEqual(expect.arrayContaining(['chat resolve', 'chat trigger', 'oncall resolve', 'oncall trigger']));
    expect(out.notifications.find((n: { action: string }) => n.action === 'trigger').at).toBe(alert.startsAt);
  });

  it('reads plain .jsonl and a --from/--to slice; the dynalite store decides the same', () => {
    const plain = cli(['backtest', '--metrics', join(dir, 'burst-metrics.jsonl'), '--rules', rules, '--json']);
    const dyn = cli(['backtest', '--metrics', trace, '--rules', rules, '--json', '--store', 'dynalite']);
    const quiet = cli(['backtest', '--metrics', trace, '--rules', rules, '--json', '--to', new Date(BURST_START).toISOString()]);
    expect(plain.code).toBe(0);
    expect(dyn.code).toBe(0);
    expect(JSON.parse(dyn.stdout)).toEqual(JSON.parse(plain.stdout));
    expect(JSON.parse(quiet.stdout)).toMatchObject({ alerts: [], notifications: [], forecast: [expect.objectContaining({ warnings: 0, pages: 0, overBudget: false })] });
  });

  it('without --json prints a readable summary', () => {
    const r = cli(['backtest', '--metrics', trace, '--rules', rules]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Alerts: 1 fired, 1 resolved/);
    expect(r.stdout).toContain(MODEL);
    expect(r.stdout).toMatch(/bedrock-server-errors: 1 fired, 1 resolved/);
    expect(r.stdout).toMatch(/critical +2026-10-05T13:\d\d:00Z → 2026-10-05T1\d:\d\d:00Z/);
    expect(r.stdout).toMatch(/oncall +2 +\(1 trigger, 1 resolve\)/);
    expect(r.stdout).toMatch(/Replay: \d+ ticks, [\d.]+ ms\/tick \(memory store\)/);
    expect(r.stdout).toMatch(/Noise forecast: .*\n.*\n +bedrock-server-errors +amazon\.nova-lite-v1:0 +0 \(0\) +\d+(\.\d+)? \(1\) +1 a month, 1 a year +OVER BUDGET/);
  });

  it('validate --history FILE warns, at the tier in the rules file, where the rules would have been noisier than its budget; the exit code stays 0', () => {
    const r = cli(['validate', rules, '--history', trace]);
    expect(r.code).toBe(0);
    // rules.yml line 18 holds `critical: { above: 5%, for: 5m }`.
    expect(r.stderr).toMatch(/rules\.yml:18:\d+: warning: rules\[0\]\.tiers\.critical \(bedrock-server-errors\) would have sent 1 page on amazon\.nova-lite-v1:0 in 0\.1 days of .*burst-metrics\.jsonl\.gz \(\d+(\.\d+)? a week; budget 1 a year\)/);
    expect(r.stdout).toMatch(/noise forecast over 0\.1 days: 1 rule\/model pair\(s\) over budget/);
    expect(r.stdout).toMatch(/OK \(1 rule, 2 receivers\)/);
  });

  it.each([
    ['no trace', [], /needs --metrics FILE, --logs FILE, or both/],
    ['a bad --from', ['--metrics', 'x', '--from', 'yesterday'], /--from must be an ISO time/],
    ['an unknown store', ['--metrics', 'x', '--store', 'redis'], /--store must be memory or dynalite/],
  ])('exits 2 for %s', (_name, args, message) => {
    const r = cli(['backtest', ...args]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });

  it('--logs alone replays an invocation-log trace: a truncation regression alerts on completion', () => {
    const r = cli(['backtest', '--logs', logs, '--rules', logRules, '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out).sort()).toEqual(['alerts', 'forecast', 'notifications']);
    expect(out.alerts).toEqual([expect.objectContaining({ rule: 'bedrock-completion-rate', signal: 'completion', severity: 'critical', labels: { ModelId: CLAUDE } })]);
    expect(Date.parse(out.alerts[0].startsAt)).toBeGreaterThan(BURST_START);
  });

  it('exits 1 with a message for an unreadable trace', () => {
    const r = cli(['backtest', '--metrics', join(dir, 'missing.jsonl.gz'), '--rules', rules, '--json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/cannot read trace .*missing\.jsonl\.gz/);
  });
});
