/**
 * Issue 18: a storm told as one conversation. Four models fail together for 30 minutes (warning,
 * then critical, then back to warning before recovering), replayed with the shipped rules.yml
 * through the real `bedrock-watch backtest` (its own process). Every receiver hears one trigger, at
 * most one escalation when the tier rises, and one resolve; the fall back to warning sends no new
 * trigger. The same holds for an older file that still groups by [rule, severity]: severity moves
 * within an episode, so it never splits a group.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'bedrock-watch.js');
const FROM = Date.parse('2026-10-05T12:00:00Z');
const MODELS = ['amazon.nova-lite-v1:0', 'amazon.nova-pro-v1:0', 'meta.llama3-70b-instruct-v1:0', 'mistral.mistral-large-2402-v1:0'];

/** 1,000 requests a minute per model; server errors 3% (minutes 60–62), 10% (63–74), 3% (75–89): 30 minutes. */
function stormTrace(): string {
  const lines: string[] = [];
  for (let m = 0; m < 200; m++) {
    const t = FROM + m * 60_000;
    const errors = m >= 60 && m < 63 ? 30 : m >= 63 && m < 75 ? 100 : m >= 75 && m < 90 ? 30 : 0;
    for (const model of MODELS) {
      const point = (metric: string, value: number) => JSON.stringify({ timestamp: new Date(t).toISOString(), namespace: 'AWS/Bedrock', metric, dimensions: { ModelId: model }, stat: 'Sum', period: 60, value });
      lines.push(point('Invocations', 1000), point('InvocationServerErrors', errors));
    }
  }
  return `${lines.join('\n')}\n`;
}

type Sent = { receiver: string; action: string; at: string; alerts: number };

describe('a four-model storm with the shipped rules.yml is one conversation per receiver', () => {
  let dir: string;
  let trace: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bw-storm-'));
    trace = join(dir, 'storm-metrics.jsonl');
    writeFileSync(trace, stormTrace());
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const replay = (rules: string) => {
    const r = spawnSync(process.execPath, [BIN, 'backtest', '--metrics', trace, '--rules', rules, '--json'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    return JSON.parse(r.stdout) as { alerts: { rule: string }[]; notifications: Sent[] };
  };
  /** receiver → its actions in order. */
  const perReceiver = (ns: Sent[]) => {
    const out: Record<string, string[]> = {};
    for (const n of ns) (out[n.receiver] ??= []).push(n.action);
    return out;
  };
  const EXPECTED = {
    'slack-alerts': ['trigger', 'escalate', 'update', 'resolve'],
    'sns-alerts': ['trigger', 'escalate', 'update', 'resolve'],
    'slack-oncall': ['trigger', 'resolve'],
    'pagerduty-oncall': ['escalate', 'resolve'], // the policy's 15-minute step (the tier falls before its 30-minute one)
  };

  it.each([
    ['the shipped rules.yml', (text: string) => text],
    ['an older rules.yml grouping by [rule, severity]', (text: string) => text.replace(/^ {2}group_by: \[rule\]/m, '  group_by: [rule, severity]')],
  ])('%s: one trigger, one escalation as the tier rises, one update as it falls, one resolve, each listing the four models', (_name, edit) => {
    const shipped = readFileSync(join(ROOT, 'rules.yml'), 'utf8');
    const rules = join(dir, 'rules.yml');
    writeFileSync(rules, edit(shipped));
    if (_name.startsWith('an older')) expect(edit(shipped)).not.toBe(shipped);
    const { alerts, notifications } = replay(rules);
    expect(alerts.map((a) => a.rule)).toEqual(Array(4).fill('bedrock-server-errors'));
    expect(perReceiver(notifications)).toEqual(EXPECTED);
    expect(notifications.every((n) => n.alerts === 4)).toBe(true);
  }, 120_000);
});
