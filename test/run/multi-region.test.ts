/**
 * One deployment, several places: the same model in us-east-1 and us-west-2 of one account and
 * in eu-central-1 of a second account, read from one trace with region/account fields. Only the
 * place that misbehaves alerts, its alert says where, and a healthy twin never hides an outage.
 */
import { join } from 'node:path';
import { backtestJson } from '../../shared/cli/main';
import { generateWorkload, type Injected, type ModelProfile } from '../../shared/local/generate';
import { replay, type ReplayResult } from '../../shared/local/replay-run';
import { loadRulesFile } from '../../shared/rules/load';
import { parseMetricTrace, type MetricTrace } from '../../shared/sources/trace';

const MODEL = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
const A = '111111111111';
const B = '222222222222';
const profile: ModelProfile = { id: MODEL, peakPerMinute: 30, nightShare: 0.2, weekendShare: 0.5, growthPerDay: 0.01, p95: 4000, inputTokens: 1500, outputTokens: 400 };
const START = '2026-11-02T00:00:00Z';
const at = (day: number, hour: number) => new Date(Date.parse(START) + day * 86_400_000 + hour * 3_600_000).toISOString();
const storm: Injected = { kind: 'throttle_storm', modelId: MODEL, start: at(8, 14), minutes: 20, severity: 'critical', magnitude: 0.3 };
const outage: Injected = { kind: 'outage', modelId: MODEL, start: at(8, 11), minutes: 30, severity: 'critical', magnitude: 0 };

const PLACES = [
  { region: 'us-east-1', account: A, incidents: [] as Injected[], seed: 11 },
  { region: 'us-west-2', account: A, incidents: [storm], seed: 12 },
  { region: 'eu-central-1', account: B, incidents: [outage], seed: 13 },
];

/** The trace as `record` would write it: FORMAT.md lines with region and account before the namespace. */
function traceText(): string {
  const lines: string[] = [];
  for (const p of PLACES) {
    const w = generateWorkload({ start: START, days: 9, seed: p.seed, models: [profile], incidents: p.incidents });
    for (const [key, values] of Object.entries(w.trace.series[MODEL])) {
      const [metric, stat] = [key.slice(0, key.lastIndexOf(':')), key.slice(key.lastIndexOf(':') + 1)];
      values.forEach((v, i) => {
        if (v === null) return;
        const timestamp = new Date(w.trace.from + i * 60_000).toISOString();
        lines.push(JSON.stringify({ timestamp, region: p.region, account: p.account, namespace: 'AWS/Bedrock', metric, dimensions: { ModelId: MODEL }, stat, period: 60, value: v }));
      });
    }
  }
  return lines.join('\n');
}

let trace: MetricTrace;
let result: ReplayResult;

beforeAll(async () => {
  trace = parseMetricTrace(traceText(), 'multi.jsonl');
  result = await replay({ config: loadRulesFile(join(__dirname, '..', '..', 'rules.yml')), metrics: trace, store: 'memory' });
}, 180_000);

const visible = () => result.episodes.filter((e) => !e.suppressedBy);
const near = (e: { startsAt: string }, i: Injected) => Date.parse(e.startsAt) >= Date.parse(i.start) && Date.parse(e.startsAt) <= Date.parse(i.start) + (i.minutes + 30) * 60_000;

describe('several regions and accounts in one trace', () => {
  it('keeps the same model in three places as three series', () => {
    expect(Object.keys(trace.series).sort()).toEqual([`eu-central-1|${B}|${MODEL}`, `us-east-1|${A}|${MODEL}`, `us-west-2|${A}|${MODEL}`]);
  });

  it('a throttle storm in us-west-2 pages for us-west-2 only, and says where', () => {
    const hits = visible().filter((e) => e.signal === 'throttles');
    expect(hits.map((e) => e.labels)).toEqual([{ ModelId: MODEL, Region: 'us-west-2', AccountId: A }]);
    expect(near(hits[0], storm)).toBe(true);
    expect(hits[0].severity).toBe('critical');
    const sent = result.captured.filter((c) => c.notification.alert.rule === hits[0].rule && c.notification.action === 'trigger');
    expect(sent.length).toBeGreaterThan(0);
    expect(sent[0].notification.alert.summary).toContain('us-west-2');
    expect(sent[0].notification.alert.summary).toContain(A);
  });

  it('an outage in eu-central-1 of the second account is caught while its twins stay healthy', () => {
    const down = visible().filter((e) => e.signal === 'availability');
    expect(down.map((e) => e.labels)).toEqual([{ ModelId: MODEL, Region: 'eu-central-1', AccountId: B }]);
    expect(near(down[0], outage)).toBe(true);
  });

  it('nothing fires for the healthy place', () => {
    expect(visible().filter((e) => e.labels.Region === 'us-east-1').map((e) => `${e.rule} ${e.startsAt}`)).toEqual([]);
  });

  it('backtest --json carries Region and AccountId labels', () => {
    const json = backtestJson(result);
    expect(json.alerts.every((a: { labels: Record<string, string> }) => a.labels.Region && a.labels.AccountId)).toBe(true);
  });
});

describe('a trace of one place', () => {
  it('with region and account fields keys series by the bare ModelId, exactly as without them', () => {
    const line = (extra: object) => JSON.stringify({ timestamp: '2026-11-02T00:00:00.000Z', ...extra, namespace: 'AWS/Bedrock', metric: 'Invocations', dimensions: { ModelId: MODEL }, stat: 'Sum', period: 60, value: 3 });
    expect(Object.keys(parseMetricTrace(line({ region: 'us-east-1', account: A })).series)).toEqual([MODEL]);
    expect(Object.keys(parseMetricTrace(line({})).series)).toEqual([MODEL]);
  });

  it('rejects an account that is not 12 digits, naming the line', () => {
    const bad = JSON.stringify({ timestamp: '2026-11-02T00:00:00.000Z', region: 'us-east-1', account: '12', namespace: 'AWS/Bedrock', metric: 'Invocations', dimensions: { ModelId: MODEL }, stat: 'Sum', value: 3 });
    expect(() => parseMetricTrace(bad, 'x.jsonl')).toThrow('x.jsonl:1: region must be a string and account 12 digits');
  });
});
