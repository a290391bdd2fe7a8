/**
 * The invocation-log data path end to end: the sample log trace replayed (memory store), the
 * same through the real ingest handler into dynalite, and spend by caller against each caller's
 * own learned normal.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { emptyBucket, type Bucket } from '../../shared/core/logs';
import { loadLogTrace, type LogTrace } from '../../shared/local/log-trace';
import { replay, type ReplayResult } from '../../shared/local/replay-run';
import { loadRulesFile, parseRules } from '../../shared/rules/load';
import { DAY, HOUR, MINUTE } from '../../shared/core/time';
import { sampleFile, type Incident } from '../support/trace';

const rulesFile = join(__dirname, '..', '..', 'rules.yml');
const incidents = JSON.parse(readFileSync(sampleFile('sample-invocations-incidents.json'), 'utf8')) as Incident[];
const logs = loadLogTrace(sampleFile('sample-invocations.jsonl.gz'));

describe('the sample invocation logs replayed with the shipped rules', () => {
  let result: ReplayResult;
  beforeAll(async () => {
    result = await replay({ config: loadRulesFile(rulesFile), logs, store: 'memory' });
  }, 120_000);

  it.each(incidents.map((i) => [`${i.kind} on ${i.modelId}`, i] as const))('%s fires a completion alert at its severity during the incident', (_n, i) => {
    const start = Date.parse(i.start);
    const hit = result.episodes.find((e) => e.signal === 'completion' && e.labels.ModelId === i.modelId && Date.parse(e.startsAt) >= start && Date.parse(e.startsAt) <= start + i.minutes * MINUTE);
    expect(hit?.severity).toBe(i.severity);
  });

  it('fires nothing else', () => {
    expect(result.episodes).toHaveLength(incidents.length);
  });

  it('says how many answers were cut and how many filtered', () => {
    const truncation = result.episodes.find((e) => e.labels.ModelId === incidents.find((i) => i.kind === 'truncation')?.modelId);
    expect(truncation?.text).toMatch(/\d+ cut at max tokens/);
    const filtering = result.episodes.find((e) => e.labels.ModelId === incidents.find((i) => i.kind === 'filtering')?.modelId);
    expect(filtering?.text).toMatch(/[1-9]\d* filtered or refused/);
  });
});

describe('the same logs through the real ingest handler and dynalite', () => {
  it('detects the truncation regression as the memory replay does', async () => {
    const from = Date.parse('2026-10-05T09:00:00Z');
    const to = Date.parse('2026-10-05T11:40:00Z');
    const config = loadRulesFile(rulesFile);
    const [viaTable, inMemory] = [await replay({ config, logs, from, to, store: 'dynalite' }), await replay({ config, logs, from, to, store: 'memory' })];
    const brief = (r: ReplayResult) => r.episodes.map((e) => [e.rule, e.labels.ModelId, e.severity, e.startsAt]);
    expect(brief(viaTable)).toEqual(brief(inMemory));
    expect(viaTable.episodes.map((e) => e.labels.ModelId)).toContain(incidents.find((i) => i.kind === 'truncation')?.modelId);
  }, 180_000);
});

describe('spend by caller', () => {
  const MODEL = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
  const start = Date.parse('2026-11-02T00:00:00Z');
  const surgeFrom = start + 3 * DAY + 10 * HOUR;
  const surgeTo = surgeFrom + 3 * HOUR;

  /** Four days of buckets: two roles with steady use, the second tripling for three hours on day four. */
  function callerLogs(): LogTrace {
    const buckets: Bucket[] = [];
    for (let t = start; t < start + 4 * DAY; t += MINUTE) {
      const b = emptyBucket(MODEL, t);
      const surge = t >= surgeFrom && t < surgeTo ? 3.5 : 1;
      b.callers = {
        'arn:aws:iam::123456789012:role/chat-api': { requests: 10, inputTokens: 15_000, outputTokens: 5_000 },
        'arn:aws:iam::123456789012:role/batch-summarizer': { requests: 4 * surge, inputTokens: 8_000 * surge, outputTokens: 2_000 * surge },
      };
      b.finished = b.requests = 10 + 4 * surge;
      buckets.push(b);
    }
    return { byMinute: new Map(), aggregate: { buckets, records: 0, malformed: 0, malformedByCode: {}, problems: [] }, from: start, to: start + 4 * DAY };
  }

  it("fires for the role far above its own normal, and only for it, labelled with the caller", async () => {
    const config = parseRules(
      `
receivers: [{ name: sns, type: sns }]
routes: { warning: [sns] }
rules:
  - name: caller-spend
    kind: caller_spend
    window: 1h
    next_check: ask the role's owner
    tiers:
      warning: { above: 3, for: 15m }
`,
      'caller.yml',
    );
    const result = await replay({ config, logs: callerLogs(), store: 'memory' });
    expect(result.episodes.map((e) => e.labels)).toEqual([{ ModelId: MODEL, caller: 'arn:aws:iam::123456789012:role/batch-summarizer' }]);
    const e = result.episodes[0];
    expect(Date.parse(e.startsAt)).toBeGreaterThan(surgeFrom);
    expect(Date.parse(e.startsAt)).toBeLessThan(surgeTo);
    expect(e.text).toMatch(/batch-summarizer used .* tokens in 60 min/);
  }, 120_000);
});
