import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../shared/cli/main';

const MODEL = 'amazon.nova-lite-v1:0';
const FROM = Date.parse('2026-10-05T12:00:00Z');
const BURST_START = FROM + 90 * 60_000;
const BURST_END = BURST_START + 20 * 60_000;

/** Three hours of one model at 100 requests a minute, 25% server errors for 20 minutes. */
function trace(): string {
  const lines: string[] = [];
  for (let m = 0; m < 180; m++) {
    const t = FROM + m * 60_000;
    const errors = t >= BURST_START && t < BURST_END ? 25 : 0;
    const point = (metric: string, value: number) =>
      JSON.stringify({ timestamp: new Date(t).toISOString(), namespace: 'AWS/Bedrock', metric, dimensions: { ModelId: MODEL }, stat: 'Sum', period: 60, value });
    lines.push(point('Invocations', 100), point('InvocationServerErrors', errors));
  }
  return `${lines.join('\n')}\n`;
}

// detail_every 1m: every minute is read each tick, so a pending tier is seen on the minute it holds.
const rules = (critical: string) => `settings:
  detail_every: 1m
receivers:
  - name: oncall
    type: sns
routes:
  critical: [oncall]
  warning: [oncall]
rules:
  - name: errors
    kind: ratio
    numerator: InvocationServerErrors
    denominator: Invocations
    window: 5m
    tiers:
      warning: { above: 1%, for: 10m }
      critical: { above: ${critical}, for: 5m }
    next_check: Check the AWS Health Dashboard.
`;

let dir: string;
let stdout: string;
let stderr: string;
let metrics: string;
let rulesFile: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bw-explain-'));
  metrics = join(dir, 'm.jsonl');
  writeFileSync(metrics, trace());
  rulesFile = join(dir, 'rules.yml');
  writeFileSync(rulesFile, rules('5%'));
  writeFileSync(join(dir, 'strict.yml'), rules('50%'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(() => {
  stdout = '';
  stderr = '';
  jest.spyOn(process.stdout, 'write').mockImplementation((s) => ((stdout += String(s)), true));
  jest.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += String(s)), true));
});
afterEach(() => jest.restoreAllMocks());

describe('explain', () => {
  it('says why an alert fired: the value in the notification’s words, each tier against its limit and its for, what was sent', async () => {
    expect(await main(['explain', 'errors', '--metrics', metrics, '--rules', rulesFile])).toBe(0);
    const [head, ...lines] = stdout.split('\n');
    // Burst at 13:30: critical decides on its third published minute (13:35) and holds 5 more.
    expect(head).toMatch(/^errors on amazon\.nova-lite-v1:0 at 2026-10-05T13:(3\d|40):00Z \(when it first fired\) — alert [0-9a-f]{24}$/);
    expect(lines).toContain('  status: FIRING critical since ' + head.slice(head.indexOf(' at ') + 4, head.indexOf(' (')));
    // The engine's own observation text, as in the notification.
    expect(stdout).toMatch(/ {2}saw \(data minute 13:\d\d\): 25% \(\d+ of \d+ requests in 5 min; critical above 5\.0%\)/);
    // Critical fired first: warning had not held its 10 minutes yet.
    expect(stdout).toMatch(/ {4}warning {2}above 1\.0% for 10 min: holds since 13:3\d \(\d min of 10 min needed\)\n/);
    expect(stdout).toMatch(/ {4}critical above 5\.0% for 5 min: holds since 13:3\d \(\d+ min of 5 min needed\) → met/);
    // In the rules reference's words, not the engine's field names.
    expect(stdout).toMatch(/evidence: the rate is at least [\d.]+% with 95% confidence \(Wilson lower bound\), warning: evidence from the last \d+ min/);
    expect(stdout).not.toMatch(/rate_lower_bound|_evidence_minutes/);
    expect(stdout).toMatch(/sent:\n {4}2026-10-05T13:\d\d:00Z trigger → oncall: /);
    // The rule's noise forecast on this trace, up to the explained time: the burst's page, over a page a year.
    expect(stdout).toMatch(/Noise forecast: .*\n.*\n +errors +amazon\.nova-lite-v1:0 +0 \(0\) +[\d.]+ \(1\) +1 a month, 1 a year +OVER BUDGET/);
  }, 60_000);

  it('says why it did not fire at another time, and when a tier holds but not yet for long enough', async () => {
    expect(await main(['explain', 'errors', '--metrics', metrics, '--rules', rulesFile, '--at', '2026-10-05T13:00:00Z'])).toBe(0);
    expect(stdout).toContain('status: not firing');
    expect(stdout).toMatch(/saw \(data minute 12:5\d\): 0\.00% \(0 of \d+ requests in 5 min; warning above 1\.0%\)/);
    expect(stdout).toMatch(/warning {2}above 1\.0% for 10 min: does not hold/);
    expect(stdout).toContain('sent: nothing for this alert so far');
    stdout = '';
    expect(await main(['explain', 'errors', '--metrics', metrics, '--rules', rulesFile, '--at', '2026-10-05T13:36:00Z'])).toBe(0);
    expect(stdout).toContain('status: PENDING: a tier holds but not yet for long enough');
    expect(stdout).toMatch(/critical above 5\.0% for 5 min: holds since 13:3\d \([1-4] min of 5 min needed\)\n/);
  }, 60_000);

  it('refuses an unknown rule in one line with exit 2', async () => {
    expect(await main(['explain', 'nope', '--metrics', metrics, '--rules', rulesFile])).toBe(2);
    expect(stderr.split('\n')[0]).toBe('bedrock-watch explain: no rule named "nope" (rules: errors)');
  });
});

describe('backtest --compare', () => {
  it('shows per rule the alerts a rules change would remove or add', async () => {
    expect(await main(['backtest', '--metrics', metrics, '--rules', rulesFile, '--compare', join(dir, 'strict.yml')])).toBe(0);
    const diff = stdout.slice(stdout.indexOf('Changing'));
    expect(diff).toMatch(new RegExp(`^Changing ${rulesFile.replace(/[/.]/g, '\\$&')} → .*strict\\.yml: 1 of 1 rules alert differently\\n`));
    expect(diff).toMatch(/ {2}errors: 1 → 1 alerts\n {4}- critical amazon\.nova-lite-v1:0 {2}2026-10-05T13:(3\d|40):00Z \(\d+ min\) {2}25%.*\n {4}\+ warning {2}amazon\.nova-lite-v1:0/);
  }, 60_000);
});

describe('the CLI', () => {
  it('prints its version and a --help for every command', async () => {
    expect(await main(['--version'])).toBe(0);
    expect(stdout).toMatch(/^bedrock-watch \d+\.\d+\.\d+\n$/);
    const commands = [...(await (async () => (stdout = '', await main(['--help']), stdout))()).matchAll(/^ {2}([a-z-]+) /gm)].map((m) => m[1]);
    expect(commands).toEqual(expect.arrayContaining(['init', 'record', 'test-notify', 'explain', 'backtest', 'validate', 'demo']));
    for (const c of commands) {
      stdout = '';
      expect(await main([c, '--help'])).toBe(0);
      expect(stdout).toMatch(new RegExp(`^bedrock-watch ${c}\\b`));
    }
  });

  it('answers a bad flag with one line on stderr and exit 2', async () => {
    expect(await main(['record', '--days', '99', '--out', join(dir, 'x.jsonl')])).toBe(2);
    expect(stderr.split('\n')[0]).toBe('bedrock-watch record: --days must be a whole number from 1 to 15, not "99"');
  });
});
