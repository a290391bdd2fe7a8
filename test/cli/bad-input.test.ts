/** The CLI on bad input, as a user runs it: one clear message, a non-zero exit, never a stack trace. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'bedrock-watch.js');

function cli(args: string[], env: Record<string, string> = {}) {
  const base = { ...process.env };
  delete base.TABLE_NAME;
  delete base.BEDROCK_WATCH_DEBUG;
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...base, NO_COLOR: '1', ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A stack trace looks like "    at fn (file:line:col)". */
const STACK = /^\s+at .+[(:]\d+/m;

const MODEL = 'amazon.nova-lite-v1:0';
const FROM = Date.parse('2026-10-05T12:00:00Z');
const iso = (t: number) => new Date(t).toISOString();

/** One hour of one model, per minute. */
const metricTrace = () =>
  Array.from({ length: 60 }, (_, m) =>
    JSON.stringify({ timestamp: iso(FROM + m * 60_000), namespace: 'AWS/Bedrock', metric: 'Invocations', dimensions: { ModelId: MODEL }, stat: 'Sum', period: 60, value: 100 }),
  ).join('\n');

const logTrace = () =>
  Array.from({ length: 60 }, (_, m) =>
    JSON.stringify({
      schemaType: 'ModelInvocationLog',
      timestamp: iso(FROM + m * 60_000),
      requestId: `r-${m}`,
      operation: 'InvokeModel',
      modelId: MODEL,
      input: { inputTokenCount: 10 },
      output: { outputTokenCount: 10 },
    }),
  ).join('\n');

const RULES = `receivers:
  - name: oncall
    type: sns
routes:
  critical: [oncall]
rules:
  - name: server-errors
    kind: ratio
    numerator: InvocationServerErrors
    denominator: Invocations
    models: { include: ['amazon.*', 'anthropic.claude-*'] }
    tiers:
      critical: { above: 5%, for: 5m }
    next_check: Check the AWS Health Dashboard.
`;

describe('bad input: CLI', () => {
  let dir: string;
  let metrics: string;
  let logs: string;
  let rules: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bw-cli-bad-'));
    metrics = join(dir, 'm-metrics.jsonl');
    logs = join(dir, 'l-invocations.jsonl');
    rules = join(dir, 'rules.yml');
    writeFileSync(metrics, metricTrace());
    writeFileSync(logs, logTrace());
    writeFileSync(rules, RULES);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['baseline bootstrap without --table', ['baseline', 'bootstrap'], /^bedrock-watch baseline: name the stack's DynamoDB table with --table NAME/],
    ['baseline without its action', ['baseline'], /^bedrock-watch baseline: the baseline command has one action: bootstrap/],
    ['an unknown option', ['backtest', '--metric', 'x'], /^bedrock-watch backtest: Unknown option '--metric'/],
    ['a missing option value', ['backtest', '--metrics'], /^bedrock-watch backtest: Option '--metrics <value>' argument missing/],
    ['a bad --from', ['backtest', '--metrics', 'x', '--from', 'yesterday'], /^bedrock-watch backtest: --from must be an ISO time/],
    ['an empty range', ['backtest', '--metrics', 'x', '--from', '2026-10-05T12:00:00Z', '--to', '2026-10-05T12:00:00Z'], /^bedrock-watch backtest: --to must be after --from/],
  ])('%s: one message, exit 2, no stack trace', (_what, args, message) => {
    const r = cli(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(STACK);
  });

  it.each([
    ['a metric trace given as --logs', () => ['--logs', metrics], /m-metrics\.jsonl: no invocation-log records \(schemaType ModelInvocationLog\) among 60 lines; it looks like a metric trace: pass it as --metrics/],
    ['an invocation-log trace given as --metrics', () => ['--metrics', logs], /l-invocations\.jsonl:1: needs timestamp \(ISO\), metric, stat and a numeric value; it looks like an invocation-log trace: pass it as --logs/],
    ['--from after the trace ends', () => ['--metrics', metrics, '--from', '2026-10-06T00:00:00Z'], /--from 2026-10-06T00:00:00Z is after the end of the trace: the trace covers 2026-10-05T12:00:00Z → 2026-10-05T13:00:00Z/],
    ['--to before the trace starts', () => ['--metrics', metrics, '--to', '2026-10-05T11:00:00Z'], /--to 2026-10-05T11:00:00Z is before the start of the trace/],
    ['a range shorter than one tick', () => ['--metrics', metrics, '--from', '2026-10-05T12:10:00Z', '--to', '2026-10-05T12:10:30Z'], /the range 2026-10-05T12:10:00Z → 2026-10-05T12:10:30Z is too short for one evaluate tick \(every 1 min\)/],
  ])('backtest with %s says so and exits 1 instead of printing an empty result', (_what, args, message) => {
    const r = cli(['backtest', '--rules', rules, '--json', ...args()]);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^bedrock-watch backtest: .*${message.source}`));
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.code).toBe(1);
  });

  it('an unexpected failure prints one line (the stack only with BEDROCK_WATCH_DEBUG=1)', () => {
    // A closed loopback port stands in for an unreachable AWS endpoint.
    const aws = { AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', AWS_REGION: 'us-east-1', AWS_MAX_ATTEMPTS: '1' };
    const r = cli(['baseline', 'bootstrap', '--table', 'bw-test', '--rules', rules], aws);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^bedrock-watch baseline: .*ECONNREFUSED.* \(set BEDROCK_WATCH_DEBUG=1 for the stack trace\)\n$/);
    const debug = cli(['baseline', 'bootstrap', '--table', 'bw-test', '--rules', rules], { ...aws, BEDROCK_WATCH_DEBUG: '1' });
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(STACK);
  });

  it('validate --metrics warns (exit 0) about a models.include pattern that matches no model, listing the models seen', () => {
    const r = cli(['validate', rules, '--metrics', metrics]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${rules}: OK (1 rule, 1 receiver)\n`);
    expect(r.stderr).toBe(`${rules}:11:37: warning: rules[0].models.include[1] "anthropic.claude-*" matches no model in ${metrics}; models seen: ${MODEL}\n`);
  });
});
