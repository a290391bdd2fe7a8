import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'bedrock-watch.js');

/** The real CLI, as a user runs it. */
function cli(args: string[], cwd = ROOT) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const GOOD = `settings:
  publication_delay: 2m
receivers:
  - name: oncall
    type: sns
routes:
  critical: [oncall]
rules:
  - name: server-errors
    kind: ratio
    numerator: InvocationServerErrors
    denominator: Invocations
    tiers:
      critical: { above: 5%, for: 5m }
    next_check: Check the AWS Health Dashboard.
  - name: latency
    kind: threshold
    metric: InvocationLatency
    stat: p95
    tiers:
      warning: { above: 5s }
    next_check: Look at output tokens per request.
`;

const BAD = `receivers:
  - name: oncall
    type: sns
rules:
  - name: Server_Errors
    kind: ratio
    numerator: InvocationServerErrors
    denominator: Invocations
    tiers:
      critical: { above: 5%, for: 5m }
    next_check: Check the AWS Health Dashboard.
  - name: latency
    kind: threshold
    metric: InvocationLatency
    stat: p95
    tiers:
      warning: { above: fast }
    next_check: Look at output tokens per request.
`;

describe('bedrock-watch validate', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bw-validate-'));
    writeFileSync(join(dir, 'good.yml'), GOOD);
    writeFileSync(join(dir, 'bad.yml'), BAD);
    writeFileSync(join(dir, 'rules.yml'), GOOD);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints OK with the rule and receiver counts and exits 0 for a good file', () => {
    const r = cli(['validate', join(dir, 'good.yml')]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe(`${join(dir, 'good.yml')}: OK (2 rules, 1 receiver)\n`);
  });

  it('reads rules.yml in the current directory by default', () => {
    const r = cli(['validate'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('rules.yml: OK (2 rules, 1 receiver)\n');
  });

  it("accepts the repository's own rules.yml, warning about its example ack ids and that its runbook links stay relative until runbook_base_url is set", () => {
    const r = cli(['validate']);
    const lines = r.stderr.trimEnd().split('\n');
    // Each example id at its place: file, line and column of the id, and the field.
    const shipped = readFileSync(join(ROOT, 'rules.yml'), 'utf8').split('\n');
    const at = (id: string) => {
      const line = shipped.findIndex((l) => l.includes(`[${id}]`));
      return `rules.yml:${line + 1}:${shipped[line].indexOf(id) + 1}: warning:`;
    };
    expect(lines.slice(0, 3)).toEqual([
      expect.stringMatching(new RegExp(`^${at('T0EXAMPLE')} ack\\.slack_teams\\[0\\] "T0EXAMPLE" is an example id: replace it with your Slack workspace's team id`)),
      expect.stringMatching(new RegExp(`^${at('A0EXAMPLE')} ack\\.slack_apps\\[0\\] "A0EXAMPLE" is an example id: replace it with your Slack app's id`)),
      expect.stringMatching(new RegExp(`^${at('PEXAMPL')} ack\\.pagerduty_services\\[0\\] "PEXAMPL" is an example id: replace it with the ids \\(P…`)),
    ]);
    expect(lines[3]).toMatch(/^rules\.yml:\d+:\d+: warning: \d+ rules' runbook links are relative \(docs\/runbooks\.md#bedrock-throttles, …\) and settings\.runbook_base_url is not set/);
    expect(lines).toHaveLength(4);
    expect(r.stdout).toMatch(/^rules\.yml: OK \(\d+ rules?, \d+ receivers?\)\n/);
    expect(r.code).toBe(0);
  });

  it("warns about README's example ack ids too, and not about real ones", () => {
    const ack = (teams: string, apps: string, channels: string, services: string) =>
      `ack:\n  slack_signing_secret: { env: S }\n  slack_teams: [${teams}]\n  slack_apps: [${apps}]\n  slack_channels: [${channels}]\n  pagerduty_webhook_secret: { env: P }\n  pagerduty_services: [${services}]\n`;
    writeFileSync(join(dir, 'readme-ids.yml'), ack('T0REAL01, T0123ABCD', 'A0123ABCD', 'C0123ABCD', 'P0123AB') + GOOD);
    const r = cli(['validate', join(dir, 'readme-ids.yml')]);
    expect(r.code).toBe(0);
    expect(r.stderr.trimEnd().split('\n').map((l) => l.replace(/^.*readme-ids\.yml:/, ''))).toEqual([
      expect.stringMatching(/^3:27: warning: ack\.slack_teams\[1\] "T0123ABCD" is an example id/),
      expect.stringMatching(/^4:16: warning: ack\.slack_apps\[0\] "A0123ABCD" is an example id/),
      expect.stringMatching(/^5:20: warning: ack\.slack_channels\[0\] "C0123ABCD" is an example id/),
      expect.stringMatching(/^7:24: warning: ack\.pagerduty_services\[0\] "P0123AB" is an example id/),
    ]);
    writeFileSync(join(dir, 'real-ids.yml'), ack('T0REAL01', 'A0REAL01', 'C0REAL01', 'PREAL01') + GOOD);
    expect(cli(['validate', join(dir, 'real-ids.yml')])).toMatchObject({ code: 0, stderr: '' });
  });

  it('lists the SSM parameters the file reads, each with its place, so they can be created before deploying', () => {
    const r = cli(['validate']);
    const lines = r.stdout.split('\n');
    expect(lines[1]).toBe('SSM parameters it reads (create each as a SecureString before deploying; test-notify checks them):');
    expect(lines).toContainEqual(expect.stringMatching(/^  \/bedrock-watch\/pagerduty-routing-key +receivers\[0\]\.routing_key \(pagerduty-oncall\)$/));
    expect(lines).toContainEqual(expect.stringMatching(/^  \/bedrock-watch\/slack-signing-secret +ack\.slack_signing_secret$/));
    expect(lines.filter((l) => l.startsWith('  /'))).toHaveLength(7);
  });

  it('prints each problem as file:line:col: path message on stderr and exits 1 for a bad file', () => {
    const file = join(dir, 'bad.yml');
    const r = cli(['validate', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:5:11: rules\\[0\\]\\.name must be lower-case`));
    expect(lines[1]).toMatch(/:17:\d+: rules\[1\]\.tiers\.warning\.above /);
  });

  it('exits 1 with a located message when the file does not exist', () => {
    const r = cli(['validate', join(dir, 'missing.yml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/missing\.yml:1:1: cannot read the rules file/);
  });

  it.each([
    ['an unknown command', ['frobnicate'], /unknown command "frobnicate"/],
    ['an unknown flag', ['validate', '--strict'], /Unknown option '--strict'/],
    ['too many arguments', ['validate', 'a.yml', 'b.yml'], /unexpected argument "b\.yml"/],
    ['no command', [], /usage: bedrock-watch <command>/],
  ])('prints usage on stderr and exits 2 for %s', (_name, args, message) => {
    const r = cli(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/bedrock-watch /);
  });

  it('prints a command’s help on stdout and exits 0', () => {
    const r = cli(['validate', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^bedrock-watch validate \[FILE\]/);
  });

  it('hides only the AWS SDK Node-version warning', () => {
    const r = cli(['validate']);
    expect(r.stderr).not.toMatch(/NodeVersionSupportWarning/);
  });
});
