/**
 * Three weeks of a generated workload unlike the sample: a 1.5 request/minute model, a busy
 * model growing 3 % a day, a slow long-output model (p95 near 10 s), weekends at 30–60 %.
 * Every injected incident is caught at its severity; nothing else pages, ever.
 */
import { join } from 'node:path';
import { generateWorkload, threeWeekWorkload, type Injected } from '../../shared/local/generate';
import { replay, type ReplayResult } from '../../shared/local/replay-run';
import { loadRulesFile } from '../../shared/rules/load';
import { INCIDENT_SIGNAL } from '../support/trace';

const MIN = 60_000;
const SIGNAL = INCIDENT_SIGNAL;
const workload = threeWeekWorkload();
let result: ReplayResult;

beforeAll(async () => {
  result = await replay({ config: loadRulesFile(join(__dirname, '..', '..', 'rules.yml')), metrics: workload.trace, store: 'memory' });
}, 180_000);

const RANK: Record<string, number> = { info: 1, warning: 2, critical: 3 };
const visible = () => result.episodes.filter((e) => !e.suppressedBy);
const matches = (i: Injected, startsAt: string, model: string | undefined, slackMin = 30) =>
  model === i.modelId && Date.parse(startsAt) >= Date.parse(i.start) && Date.parse(startsAt) <= Date.parse(i.start) + (i.minutes + slackMin) * MIN;

describe('a generated three-week workload with growth, weekends and quiet nights', () => {
  // At least its severity (FORMAT.md): the 30% client errors are above the shipped 25% critical limit, and
  // evidence accumulated over the incident now gets there even at 1.5 requests a minute.
  it.each(workload.incidents.filter((i) => i.severity !== 'none').map((i) => [`${i.kind} on ${i.modelId}`, i] as const))('%s fires at least at its severity', (_n, incident) => {
    const hit = visible().find((e) => e.signal === SIGNAL[incident.kind] && matches(incident, e.startsAt, e.labels.ModelId));
    expect(RANK[hit?.severity ?? '']).toBeGreaterThanOrEqual(RANK[incident.severity]);
  });

  it('pages nobody outside the injected incidents over 21 days (no weekend, night or growth false alarm)', () => {
    const stray = visible().filter((e) => !workload.incidents.some((i) => i.severity !== 'none' && matches(i, e.startsAt, e.labels.ModelId)));
    expect(stray.map((e) => `${e.startsAt} ${e.rule} ${e.labels.ModelId}: ${e.text}`)).toEqual([]);
  });

  it('the blip on the busy model fires nothing', () => {
    const blip = workload.incidents.find((i) => i.kind === 'blip')!;
    expect(result.episodes.filter((e) => matches(blip, e.startsAt, e.labels.ModelId, 20))).toEqual([]);
  });

  it('a latency spike mutes the first-token alert it causes (inhibition), and nobody is told of the muted one', () => {
    const ttft = result.episodes.filter((e) => e.rule === 'bedrock-time-to-first-token');
    expect(ttft.every((e) => e.suppressedBy)).toBe(true);
    expect(result.captured.filter((c) => c.notification.alert.rule === 'bedrock-time-to-first-token')).toEqual([]);
  });

  it('the tiny model is judged on a widened window, not on a handful of requests', () => {
    const micro = visible().find((e) => e.labels.ModelId === 'amazon.nova-micro-v1:0');
    expect(micro?.text).toMatch(/in (\d+) min/);
    expect(Number(/in (\d+) min/.exec(micro?.text ?? '')?.[1])).toBeGreaterThan(10);
  });
});

describe('a workload that stops every weekend and a model at a few requests an hour', () => {
  it('two weeks without incidents page nobody: the first weekend is not judged by weekdays, and the second is learned', async () => {
    const quiet = generateWorkload({
      start: '2026-11-02T00:00:00Z',
      days: 14,
      seed: 3,
      incidents: [],
      models: [
        { id: 'anthropic.claude-sonnet-4-20250514-v1:0', peakPerMinute: 40, nightShare: 0, weekendShare: 0, growthPerDay: 0.01, p95: 6000, inputTokens: 3000, outputTokens: 900 },
        { id: 'amazon.nova-micro-v1:0', peakPerMinute: 0.3, nightShare: 0.1, weekendShare: 0.2, growthPerDay: 0, p95: 1500, inputTokens: 500, outputTokens: 300 },
      ],
    });
    const r = await replay({ config: loadRulesFile(join(__dirname, '..', '..', 'rules.yml')), metrics: quiet.trace, store: 'memory' });
    expect(r.episodes.map((e) => `${e.startsAt} ${e.rule} ${e.labels.ModelId}: ${e.text}`)).toEqual([]);
  }, 120_000);
});
