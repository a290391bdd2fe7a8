/** The memory store (used for long backtests) must decide exactly what the DynamoDB store decides. */
import { join } from 'node:path';
import { replay, type ReplayResult } from '../../shared/local/replay-run';
import { loadRulesFile } from '../../shared/rules/load';
import { loadMetricTrace } from '../../shared/sources/trace';
import { sampleFile } from '../support/trace';

// Six hours of the sample holding the throttle storm (10:15) and the start of the server-error burst (15:40).
const FROM = Date.parse('2026-10-05T10:00:00.000Z');
const TO = Date.parse('2026-10-05T16:00:00.000Z');

describe('memory and DynamoDB state stores on the same replay', () => {
  let memory: ReplayResult;
  let dynamo: ReplayResult;

  beforeAll(async () => {
    const config = loadRulesFile(join(__dirname, '..', '..', 'rules.yml'));
    const metrics = loadMetricTrace(sampleFile('sample-metrics.jsonl.gz'));
    memory = await replay({ config, metrics, from: FROM, to: TO, store: 'memory' });
    dynamo = await replay({ config, metrics, from: FROM, to: TO, store: 'dynalite' });
  }, 180_000);

  it('ran the same ticks over the six hours', () => {
    expect(memory.ticks).toBe(360);
    expect(dynamo.ticks).toBe(memory.ticks);
  });

  it('found episodes to compare', () => {
    expect(memory.episodes.map((e) => e.rule)).toEqual(expect.arrayContaining(['bedrock-throttles', 'bedrock-server-errors']));
  });

  it('gives identical episodes', () => {
    expect(dynamo.episodes).toEqual(memory.episodes);
  });

  it('sends identical notifications, at the same times, with the same ids', () => {
    // Within one tick the delivery order may differ (it does not matter across receivers; see catch-up.test.ts for one receiver).
    const view = (r: ReplayResult) =>
      r.captured
        .map((c) => ({ id: c.notification.id, receiver: c.receiver, action: c.notification.action, at: c.notification.at, tier: c.notification.alert.tier }))
        .sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id));
    expect(view(dynamo)).toEqual(view(memory));
    expect(memory.captured.length).toBeGreaterThan(0);
  });

  it('decides identical transitions', () => {
    const view = (r: ReplayResult) => r.transitions.map((t) => `${new Date(t.at).toISOString()} ${t.kind} ${t.state.rule} ${t.state.labels.ModelId} ${t.state.tier ?? t.fromTier}`);
    expect(view(dynamo)).toEqual(view(memory));
  });
});
