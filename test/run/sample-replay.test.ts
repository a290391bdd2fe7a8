/**
 * The shipped rules.yml over the whole 9-day sample trace (memory store): every injected error
 * incident is caught at its severity, quickly, and the quiet first week and the blip page nobody.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { replay, type ReplayResult } from '../../shared/local/replay-run';
import type { Episode } from '../../shared/local/episodes';
import { loadRulesFile } from '../../shared/rules/load';
import { loadMetricTrace } from '../../shared/sources/trace';
import { INCIDENT_SIGNAL, sampleFile, type Incident } from '../support/trace';

const MIN = 60_000;
// Error rules judge a 5–10 minute window that must hold for 5–10 minutes, seen 2 minutes late.
const DETECT_WITHIN_MIN = 20;
const incidents = JSON.parse(readFileSync(sampleFile('sample-incidents.json'), 'utf8')) as Incident[];
const SIGNAL = INCIDENT_SIGNAL;

let result: ReplayResult;

beforeAll(async () => {
  const config = loadRulesFile(join(__dirname, '..', '..', 'rules.yml'));
  const metrics = loadMetricTrace(sampleFile('sample-metrics.jsonl.gz'));
  result = await replay({ config, metrics, store: 'memory' });
}, 180_000);

/** What the incident's model fired for its signal, from its start until it ended. */
function detection(incident: Incident): { severity: string; minutesAfterStart: number } | null {
  const start = Date.parse(incident.start);
  const end = start + incident.minutes * MIN;
  const hit = result.episodes.find(
    (e: Episode) => e.labels.ModelId === incident.modelId && e.signal === SIGNAL[incident.kind] && Date.parse(e.startsAt) >= start && Date.parse(e.startsAt) <= end,
  );
  return hit ? { severity: hit.severity, minutesAfterStart: (Date.parse(hit.startsAt) - start) / MIN } : null;
}

const describeIncident = (i: Incident) => `${i.kind} on ${i.modelId} at ${i.start}`;

describe('the sample trace replayed with the shipped rules', () => {
  it('replays all nine days', () => {
    expect(result.ticks).toBeGreaterThan(9 * 24 * 60 - 10);
    expect(result.models).toHaveLength(3);
  });

  it.each(incidents.filter((i) => ['throttle_storm', 'server_errors', 'client_errors'].includes(i.kind)).map((i) => [describeIncident(i), i] as const))(
    `%s fires at its severity within ${DETECT_WITHIN_MIN} minutes`,
    (_name, incident) => {
      const got = detection(incident);
      expect(got?.severity).toBe(incident.severity);
      expect(got?.minutesAfterStart).toBeLessThanOrEqual(DETECT_WITHIN_MIN);
    },
  );

  it(`the latency spike on ${incidents.find((i) => i.kind === 'latency_spike')?.modelId} fires critical within ${DETECT_WITHIN_MIN} minutes (needs learned baselines)`, () => {
    const incident = incidents.find((i) => i.kind === 'latency_spike')!;
    const got = detection(incident);
    expect(got?.severity).toBe(incident.severity);
    expect(got?.minutesAfterStart).toBeLessThanOrEqual(DETECT_WITHIN_MIN);
  });

  it('the outage (no datapoints at all) fires critical availability within 10 minutes', () => {
    const incident = incidents.find((i) => i.kind === 'outage')!;
    const got = detection(incident);
    expect(got?.severity).toBe('critical');
    expect(got?.minutesAfterStart).toBeLessThanOrEqual(10);
  });

  it('the cost runaway fires critical within three hours, from the baseline learned on the days before', () => {
    const incident = incidents.find((i) => i.kind === 'cost_runaway')!;
    const got = detection(incident);
    expect(got?.severity).toBe('critical');
    expect(got?.minutesAfterStart).toBeLessThanOrEqual(180);
  });

  it('every alert on the incident days belongs to an injected incident', () => {
    const unexpected = result.episodes.filter(
      (e) =>
        !incidents.some(
          (i) => i.severity !== 'none' && i.modelId === e.labels.ModelId && Date.parse(e.startsAt) >= Date.parse(i.start) && Date.parse(e.startsAt) <= Date.parse(i.start) + (i.minutes + 30) * MIN,
        ),
    );
    expect(unexpected.map((e) => `${e.startsAt} ${e.rule} ${e.labels.ModelId}`)).toEqual([]);
  });

  it('sends one daily digest per day to the info receivers, with spend per model', () => {
    const days = new Set(result.digests.map((d) => d.digest.day));
    expect(days.size).toBe(8);
    const oct6 = result.digests.find((d) => d.digest.day === '2026-10-05' && d.receiver === 'sns-alerts');
    expect(oct6?.digest.models.map((m) => m.model).sort()).toEqual([...result.models].sort());
    expect(oct6?.digest.alerts.map((a) => a.rule)).toEqual(expect.arrayContaining(['bedrock-throttles', 'bedrock-server-errors']));
  });

  it('the one-minute blip fires nothing', () => {
    const blip = incidents.find((i) => i.kind === 'blip')!;
    const start = Date.parse(blip.start);
    const near = result.episodes.filter((e) => Date.parse(e.startsAt) >= start && Date.parse(e.startsAt) <= start + 30 * MIN);
    expect(near).toEqual([]);
    expect(result.captured.filter((c) => c.notification.alert.labels.ModelId === blip.modelId && Math.abs(Date.parse(c.notification.at) - start) <= 30 * MIN)).toEqual([]);
  });

  it('fires nothing and notifies nobody in the first seven days (2026-09-28 to 2026-10-04)', () => {
    const quietUntil = Date.parse('2026-10-05T00:00:00.000Z');
    const early = result.episodes.filter((e) => Date.parse(e.startsAt) < quietUntil).map((e) => `${e.startsAt} ${e.rule} ${e.severity} ${e.labels.ModelId ?? JSON.stringify(e.labels)}: ${e.text}`);
    expect(early).toEqual([]);
    expect(result.captured.filter((c) => Date.parse(c.notification.at) < quietUntil)).toEqual([]);
  });
});
