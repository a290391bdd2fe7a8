/**
 * The self-monitoring signal for notifications that wait: the evaluate handler's OldestUnsentAgeSeconds
 * gauge (shared/run/deliver-outbox.ts) as the OldestUnsentAgeAlarm of resources/self-monitoring.yml
 * reads it (its statistic, period, threshold — the maxUnsentAge parameter of serverless.yml — and
 * missing data as not breaching), driven through the real evaluate handler on dynalite with the real
 * Slack notifier posting to a local receiver that fails, and DynamoDB leaving the outbox item unread.
 *
 * One handler, one store for the whole run: a warm Lambda container, as awsDeps caches them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { createEvaluateHandler } from '../../functions/evaluate';
import { MINUTE } from '../../shared/core/time';
import { NO_BASELINES } from '../../shared/engine/types';
import { NotifierSet } from '../../shared/notify/receivers';
import { RecordingMetrics } from '../../shared/run/metrics';
import { parseRules } from '../../shared/rules/load';
import { ReplaySource } from '../../shared/sources/replay';
import { DynamoStateStore } from '../../shared/state/dynamo-store';
import { useDynamo } from '../support/dynamo';
import { injectDynamoFaults } from '../support/dynamo-faults';
import { freshTable } from '../support/evaluate-harness';
import { runs } from '../support/frame';
import { lambdaContext, scheduledEvent, silentLogger } from '../support/lambda';
import { startSlackReceiver, type LocalReceiver } from '../support/receivers';
import { traceOf } from '../support/trace';

const ROOT = join(__dirname, '..', '..');
const T0 = Date.parse('2026-10-05T15:00:00.000Z');
const MODEL = 'amazon.nova-lite-v1:0';
const METRIC = 'OldestUnsentAgeSeconds';
const db = useDynamo();
/** The tick that decides the page: errors from minute 5, 3 minutes to qualify, published 2 minutes late. */
const DECIDED = 13;

/** The alarm as deployed: its properties, with the threshold parameter resolved from serverless.yml's defaults. */
function deployedAlarm() {
  const resources = parse(readFileSync(join(ROOT, 'resources', 'self-monitoring.yml'), 'utf8'), { logLevel: 'silent' });
  const params = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8'), { logLevel: 'silent' }).params.default;
  const p = resources.Resources.OldestUnsentAgeAlarm.Properties;
  const threshold = typeof p.Threshold === 'string' ? Number(params[/^\$\{param:(\w+)\}$/.exec(p.Threshold)![1]]) : Number(p.Threshold);
  return { ...p, Threshold: threshold } as { MetricName: string; Statistic: string; Period: number; EvaluationPeriods: number; DatapointsToAlarm: number; Threshold: number; ComparisonOperator: string; TreatMissingData: string };
}

type Datapoint = { t: number; v: number };

/** CloudWatch's reading of the datapoints, one state per period (the alarm's 1-of-1 evaluation): ALARM or OK. */
function alarmStates(points: Datapoint[], alarm: ReturnType<typeof deployedAlarm>, from: number, to: number): { start: number; max: number | null; state: 'ALARM' | 'OK' }[] {
  const period = alarm.Period * 1000;
  const out: { start: number; max: number | null; state: 'ALARM' | 'OK' }[] = [];
  for (let start = Math.floor(from / period) * period; start < to; start += period) {
    const inPeriod = points.filter((p) => p.t >= start && p.t < start + period).map((p) => p.v);
    // Maximum over the period; no datapoint is missing data, which this alarm treats as not breaching.
    const max = inPeriod.length ? Math.max(...inPeriod) : null;
    out.push({ start, max, state: max !== null && max > alarm.Threshold ? 'ALARM' : 'OK' });
  }
  return out;
}

const trace = traceOf(T0, { [MODEL]: { 'Invocations:Sum': runs([100, 120]), 'InvocationServerErrors:Sum': [...runs([0, 5]), ...runs([30, 100]), ...runs([0, 15])] } });

let slack: LocalReceiver;
beforeEach(async () => {
  slack = await startSlackReceiver();
  process.env.BW_TEST_SLACK = slack.url;
});
afterEach(async () => {
  delete process.env.BW_TEST_SLACK;
  await slack.close();
});

/** The real handler, its store on dynalite, Slack posting to the local receiver; one tick a minute. */
async function world() {
  const config = parseRules(`
settings: { publication_delay: 2m }
receivers: [{ name: slack-team, type: slack, webhook_url: { env: BW_TEST_SLACK } }]
routes: { critical: [slack-team] }
rules:
  - { name: server-errors, kind: ratio, numerator: InvocationServerErrors, denominator: Invocations, next_check: look, tiers: { critical: { above: 5%, for: 3m } } }
`);
  let now = T0;
  const table = await freshTable(db().client);
  const store = new DynamoStateStore(table, { clock: () => now + 5_000, sleep: async () => {} });
  const notifiers = new NotifierSet(config.receivers, {});
  const source = new ReplaySource(trace, { now: () => now, delayMs: 2 * MINUTE });
  const metrics = new RecordingMetrics();
  const handler = createEvaluateHandler(() => ({ config, source, store, notifiers, baselines: async () => NO_BASELINES, sleep: async () => {}, metrics }), silentLogger());
  const points: Datapoint[] = [];
  const decidedAt: number[] = [];
  return {
    points,
    decidedAt,
    faults: injectDynamoFaults(db().client),
    /** The scheduled invocation of minute m; the age it gauged (if any) is a datapoint at its time. */
    async tick(m: number) {
      now = T0 + m * MINUTE;
      const mark = metrics.gauges.length;
      const report = await handler(scheduledEvent(now), lambdaContext('evaluate'));
      if (report.decided) decidedAt.push(m);
      for (const g of metrics.gauges.slice(mark)) if (g.name === METRIC) points.push({ t: now, v: g.value });
      return report;
    },
  };
}

const triggers = () => (slack.accepted as { text?: string }[]).length;

describe('the oldest-unsent-age alarm (resources/self-monitoring.yml) on what the evaluate handler gauges', () => {
  const alarm = deployedAlarm();

  it('is the alarm the handler feeds: the gauged metric, its maximum over 5 minutes, above maxUnsentAge (900 s), missing data not breaching', () => {
    expect(alarm).toMatchObject({ MetricName: METRIC, Statistic: 'Maximum', Period: 300, EvaluationPeriods: 1, DatapointsToAlarm: 1, Threshold: 900, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching' });
  });

  it('fault: a receiver down for less than the threshold: the age is gauged while the page waits, and the alarm never fires', async () => {
    const w = await world();
    slack.down(503);
    const RECOVER = DECIDED + 14; // the page waited 14 minutes: 840 s, under the 900
    for (let m = 0; m <= 45; m++) {
      if (m === RECOVER) slack.down(null);
      await w.tick(m);
    }
    expect(w.decidedAt[0]).toBe(DECIDED);
    // Every tick while Slack refused it gauged the page's age, from its decision; nothing once it went out.
    expect(w.points.map((p) => p.v)).toEqual(Array.from({ length: RECOVER - DECIDED }, (_, i) => i * 60));
    expect(triggers()).toBe(1);
    expect(alarmStates(w.points, alarm, T0, T0 + 46 * MINUTE).filter((s) => s.state === 'ALARM')).toEqual([]);
  }, 60_000);

  it('fault: a receiver down past the threshold: the alarm fires once the page waited more than 15 minutes, and clears in the period after it was delivered', async () => {
    const w = await world();
    slack.down(503);
    const RECOVER = DECIDED + 25;
    for (let m = 0; m <= 55; m++) {
      if (m === RECOVER) slack.down(null);
      await w.tick(m);
    }
    expect(w.decidedAt[0]).toBe(DECIDED);
    const decidedTime = T0 + DECIDED * MINUTE;
    const states = alarmStates(w.points, alarm, T0, T0 + 56 * MINUTE);
    const firing = states.filter((s) => s.state === 'ALARM');
    expect(firing.length).toBeGreaterThan(0);
    // Not before the page had waited past the threshold…
    const firstAlarm = firing[0];
    expect(firstAlarm.start + alarm.Period * 1000).toBeGreaterThan(decidedTime + alarm.Threshold * 1000);
    expect(firstAlarm.max).toBeGreaterThan(alarm.Threshold);
    expect(states.filter((s) => s.start + alarm.Period * 1000 <= decidedTime + alarm.Threshold * 1000).every((s) => s.state === 'OK')).toBe(true);
    // …and in every period from then until Slack answered again.
    const recovered = T0 + RECOVER * MINUTE;
    expect(states.filter((s) => s.start >= firstAlarm.start && s.start + alarm.Period * 1000 <= recovered).every((s) => s.state === 'ALARM')).toBe(true);
    // Slack answered again: that tick delivered the page (once), no age is gauged after it, and
    // the alarm is OK from the next period on.
    expect(triggers()).toBe(1);
    expect(w.points.filter((p) => p.t >= recovered)).toEqual([]);
    expect(states.filter((s) => s.start >= recovered).every((s) => s.state === 'OK')).toBe(true);
    expect(states.at(-1)!.state).toBe('OK');
  }, 60_000);

  it('fault: DynamoDB leaves the page unread for 20 minutes (17.1): the age counts from its first miss, fires the alarm, and clears once it is read and sent', async () => {
    const w = await world();
    const UNREAD_FROM = DECIDED + 2;
    const READ_AGAIN = UNREAD_FROM + 20;
    for (let m = 0; m <= 55; m++) {
      // Every BatchGetItem of the outbox leaves every key unprocessed (all the store's rounds) in these minutes.
      w.faults.clear();
      if (m >= UNREAD_FROM && m < READ_AGAIN) w.faults.unprocessed(() => true, 1_000);
      slack.down(m >= DECIDED - 1 && m < UNREAD_FROM ? 503 : null); // the page waits for Slack first, so it is pending when DynamoDB stops reading it
      await w.tick(m);
    }
    w.faults.remove();
    expect(w.decidedAt[0]).toBe(DECIDED);
    expect(triggers()).toBe(1);
    const states = alarmStates(w.points, alarm, T0, T0 + 56 * MINUTE);
    const firing = states.filter((s) => s.state === 'ALARM');
    expect(firing.length).toBeGreaterThan(0);
    // Unread, it is not reported as waiting 0 s: the gauge keeps growing through the outage.
    const during = w.points.filter((p) => p.t >= T0 + UNREAD_FROM * MINUTE && p.t < T0 + READ_AGAIN * MINUTE).map((p) => p.v);
    expect(during).toHaveLength(READ_AGAIN - UNREAD_FROM);
    for (let i = 1; i < during.length; i++) expect(during[i]).toBe(during[i - 1] + 60);
    expect(Math.max(...during)).toBeGreaterThan(alarm.Threshold);
    const readAgain = T0 + READ_AGAIN * MINUTE;
    expect(w.points.filter((p) => p.t >= readAgain)).toEqual([]);
    expect(states.filter((s) => s.start >= readAgain).every((s) => s.state === 'OK')).toBe(true);
  }, 60_000);
});
