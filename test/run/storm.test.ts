/**
 * A regional event: four models throttled together, replayed through the real evaluate handler
 * with the shipped rules.yml. Each receiver gets one message per tier listing the four (and one
 * resolve), where the per-tier short form sends four of each.
 */
import { join } from 'node:path';
import { generateWorkload } from '../../shared/local/generate';
import { replay } from '../../shared/local/replay-run';
import { backtestJson } from '../../shared/cli/main';
import { loadRulesFile } from '../../shared/rules/load';

const MODELS = ['amazon.nova-lite-v1:0', 'amazon.nova-pro-v1:0', 'anthropic.claude-3-5-haiku-20241022-v1:0', 'meta.llama3-1-70b-instruct-v1:0'];
const START = '2026-11-03T14:00:00Z';

const storm = generateWorkload({
  start: '2026-11-03T00:00:00Z',
  days: 1,
  seed: 7,
  models: MODELS.map((id) => ({ id, peakPerMinute: 120, nightShare: 0.4, weekendShare: 1, growthPerDay: 0, p95: 2000, inputTokens: 1000, outputTokens: 300 })),
  incidents: MODELS.map((modelId) => ({ kind: 'throttle_storm' as const, modelId, start: START, minutes: 30, severity: 'critical' as const, magnitude: 0.3 })),
});

const window = (json: ReturnType<typeof backtestJson>) =>
  json.notifications.filter((n) => Date.parse(n.at) >= Date.parse(START) && Date.parse(n.at) <= Date.parse(START) + 3 * 3_600_000);

describe('a four-model throttling storm', () => {
  it('opens one message per receiver and tier listing the four, then updates it as they recover', async () => {
    const config = loadRulesFile(join(__dirname, '..', '..', 'rules.yml'));
    const result = await replay({ config, metrics: storm.trace, from: Date.parse('2026-11-03T13:00:00Z'), to: Date.parse('2026-11-03T17:00:00Z'), store: 'memory' });
    const fired = result.episodes.filter((e) => e.rule === 'bedrock-throttles' && !e.suppressedBy);
    expect(new Set(fired.map((e) => e.labels.ModelId))).toEqual(new Set(MODELS));
    // Per receiver and tier: one message opening the incident with all four, updates as models recover
    // (at most every group_interval), and a last resolve, all on one stream. A storm warns on its second
    // published minute and pages on its third (evidence.ts), so each receiver has a warning stream and,
    // a tick later, a critical one: two streams, never one per model.
    const inWindow = (at: string) => Date.parse(at) >= Date.parse(START) && Date.parse(at) <= Date.parse(START) + 3 * 3_600_000;
    // The shipped critical route pages through the escalation policy (8B), whose steps go per alert:
    // slack-alerts and sns-alerts are the route's own, grouped receivers.
    for (const receiver of ['slack-alerts', 'sns-alerts']) {
      const mine = result.captured.filter((c) => c.receiver === receiver && inWindow(c.notification.at)).map((c) => c.notification);
      const streams = [...new Set(mine.map((n) => n.key))];
      expect(streams.length).toBeLessThanOrEqual(2);
      const opened = streams.map((key) => Date.parse(mine.find((n) => n.key === key)!.at));
      expect(Math.max(...opened) - Math.min(...opened)).toBeLessThanOrEqual(60_000);
      for (const key of streams) {
        const stream = mine.filter((n) => n.key === key);
        expect(stream[0]).toMatchObject({ action: 'trigger' });
        expect(stream[0].alerts).toHaveLength(4);
        expect(stream.at(-1)?.action).toBe('resolve');
        expect(stream.filter((n) => n.action === 'trigger' && n.alerts.length < 4)).toEqual([]); // nobody is paged per model
        expect(stream.length).toBeLessThanOrEqual(4);
        for (let i = 1; i < stream.length; i++) expect(Date.parse(stream[i].at) - Date.parse(stream[i - 1].at)).toBeGreaterThanOrEqual(5 * 60_000); // group_interval
      }
    }
    // PagerDuty is the policy's second step: one incident per model (escalation is per alert, not per group).
    const pd = result.captured.filter((c) => c.receiver === 'pagerduty-oncall').map((c) => (c.payload as { dedup_key: string; event_action: string }));
    expect(pd.filter((p) => p.event_action === 'trigger').length).toBeLessThanOrEqual(MODELS.length);
    for (const key of new Set(pd.map((p) => p.dedup_key))) expect(pd.filter((p) => p.dedup_key === key).at(-1)?.event_action).toBe('resolve');
  }, 120_000);

  it('was four pages per receiver with the per-tier short form (the issue’s measurement)', async () => {
    const config = loadRulesFile(join(__dirname, '..', '..', 'rules.yml'));
    const short = { ...config, route: undefined, routes: { critical: ['pagerduty-oncall', 'slack-alerts', 'sns-alerts'], warning: ['slack-alerts'], info: [], repeat_interval: 4 * 3_600_000 } };
    const result = await replay({ config: short, metrics: storm.trace, from: Date.parse('2026-11-03T13:00:00Z'), to: Date.parse('2026-11-03T17:00:00Z'), store: 'memory' });
    const triggers = window(backtestJson(result)).filter((n) => n.action === 'trigger');
    expect(triggers.filter((n) => n.receiver === 'pagerduty-oncall')).toHaveLength(4);
    expect(triggers.every((n) => n.alerts === 1)).toBe(true);
  }, 120_000);
});
