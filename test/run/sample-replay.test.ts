/**
 * The shipped rules.yml over the whole 9-day sample trace (memory store): every injected error
 * incident is caught at its severity, quickly, and the quiet first week and the blip page nobody.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { backtestJson } from '../../shared/cli/main';
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

  it('escalates every unacknowledged critical group by the default policy, step by step on time, once per group, as backtest --json shows', () => {
    const config = loadRulesFile(join(__dirname, '..', '..', 'rules.yml'));
    const steps = config.escalation['default-critical'].steps;
    const stepOf = new Map(steps.flatMap((st, i) => st.receivers.map((r) => [r, i] as const)));
    // One stream per escalation group (its key: PagerDuty's dedup_key), whatever alerts it lists.
    const streams = new Map<string, { at: number; action: string; receiver: string; alerts: number }[]>();
    for (const c of result.captured) {
      if (!stepOf.has(c.receiver)) continue;
      const n = c.notification;
      streams.set(n.key, [...(streams.get(n.key) ?? []), { at: Date.parse(n.at), action: n.action, receiver: c.receiver, alerts: n.alerts.length }]);
    }
    expect(streams.size).toBeGreaterThan(0);
    let escalated = 0;
    let resolved = 0;
    for (const [key, sent] of streams) {
      // (Reminders of groups firing for hours are checked in test/route/escalate*.test.ts.)
      const sends = sent.filter((n) => n.action === 'trigger' || n.action === 'escalate').sort((a, b) => a.at - b.at);
      const resolves = sent.filter((n) => n.action === 'resolve');
      expect([key, sends[0]]).toEqual([key, expect.objectContaining({ receiver: 'slack-oncall', action: 'trigger' })]);
      // Step 0 waits the route's group_wait (30 s: the next one-minute tick); the later steps count from
      // when the group formed, a tick before: each goes out once, in order, its delay after that.
      const formed = sends[0].at - MIN;
      expect([key, sends.map((n) => [n.receiver, n.action, (n.at - formed) / MIN])]).toEqual([
        key,
        steps.slice(0, sends.length).map((st, i) => [st.receivers[0], i === 0 ? 'trigger' : 'escalate', Math.max(st.after / MIN, 1)]),
      ]);
      escalated += sends.length - 1;
      // The resolve (once the whole group has resolved within the trace) reaches everyone the policy reached, once, after the last step.
      if (resolves.length) {
        resolved++;
        expect([key, resolves.map((n) => n.receiver).sort()]).toEqual([key, sends.map((n) => n.receiver).sort()]);
        for (const r of resolves) expect(r.at).toBeGreaterThan(sends.at(-1)!.at);
      }
    }
    expect(escalated).toBeGreaterThan(0);
    expect(resolved).toBeGreaterThan(0);
    const json = backtestJson(result).notifications;
    expect(json.filter((n) => n.action === 'escalate' && n.receiver === 'pagerduty-oncall')).toHaveLength([...streams.values()].filter((s) => s.some((n) => n.receiver === 'pagerduty-oncall' && n.action === 'escalate')).length);
  });
});
