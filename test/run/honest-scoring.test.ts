/**
 * The demo's scoring is honest: with the completion rule deleted, the log incidents (truncation,
 * filtering) are missed, even though throttle and server-error alerts fire on the same models while
 * they run (FORMAT.md: an alert counts only on the incident's signal and at its severity).
 */
import { join } from 'node:path';
import { loadIncidents, score } from '../../shared/cli/incidents';
import { loadLogTrace } from '../../shared/local/log-trace';
import { replay } from '../../shared/local/replay-run';
import { loadRulesFile } from '../../shared/rules/load';
import { loadMetricTrace } from '../../shared/sources/trace';
import { sampleFile } from '../support/trace';

describe('scoring the sample with the completion rule deleted', () => {
  it('no longer counts the truncation and filtering incidents as detected by alerts on other signals', async () => {
    const full = loadRulesFile(join(__dirname, '..', '..', 'rules.yml'));
    const config = { ...full, rules: full.rules.filter((r) => r.kind !== 'completion') };
    const incidents = [...loadIncidents(sampleFile('sample-incidents.json')), ...loadIncidents(sampleFile('sample-invocations-incidents.json'))];
    // The day of both log incidents, which also holds the throttle storm and the server errors on the same models.
    const from = Date.parse('2026-10-05T08:00:00Z');
    const to = Date.parse('2026-10-05T19:00:00Z');
    const result = await replay({ config, metrics: loadMetricTrace(sampleFile('sample-metrics.jsonl.gz')), logs: loadLogTrace(sampleFile('sample-invocations.jsonl.gz')), from, to, store: 'memory' });
    const s = score(result.episodes, incidents.filter((i) => Date.parse(i.start) < to));
    const verdict = Object.fromEntries(s.incidents.map((r) => [r.incident.kind, r.detected]));
    expect(verdict).toEqual({ throttle_storm: true, server_errors: true, truncation: false, filtering: false });
    // The throttle and server-error alerts overlap the log incidents on the same models, yet detect only their own.
    const onLogModels = result.episodes.filter((e) => ['throttles', 'server_errors'].includes(e.signal));
    expect(onLogModels.length).toBeGreaterThanOrEqual(2);
    expect(s.unexpected).toEqual([]);
  }, 120_000);
});
