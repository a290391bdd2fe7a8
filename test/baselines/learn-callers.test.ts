/**
 * Learning each caller's normal token use (caller_spend rules) in the hourly baseline update
 * (shared/run/learn.ts): from the invocation-log buckets of the last two days, per model and caller,
 * starting with the caller's first call, bounded to the heaviest MAX_CALLERS callers of a model;
 * the logs are not read at all when no rule needs them.
 */
import { CALLER_PREFIX, callerKey } from '../../shared/core/log-keys';
import { emptyBucket, type Bucket } from '../../shared/core/logs';
import type { Frame } from '../../shared/core/series';
import { BOOTSTRAP_DAYS, fetchHours, MAX_CALLERS, runBaselineUpdate, type LearnDeps } from '../../shared/run/learn';
import type { LogSource } from '../../shared/sources/logs';
import type { FetchRequest, MetricSource } from '../../shared/sources/types';
import { MemoryBaselineStore } from '../../shared/state/baselines';
import { DAY, HOUR } from '../support/baseline-fixtures';
import { configOf } from '../support/frame';

const MODEL = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
const LOG_ONLY = 'amazon.nova-lite-v1:0'; // seen in the invocation logs only (no CloudWatch datapoint)
const NOW = Date.parse('2026-10-19T10:05:00Z');
const AS_OF = Date.parse('2026-10-19T10:00:00Z');
const role = (n: string) => `arn:aws:iam::123456789012:role/${n}`;

const callerRule = { name: 'caller-spend', kind: 'caller_spend', next_check: "Ask the role's owner.", tiers: { warning: { above: 3, for: '15m' } } };
const absentRule = { name: 'model-unavailable', kind: 'absent', next_check: 'IAM, SCP.', tiers: { critical: { for: '0m' } } };

/** CloudWatch: MODEL answers 10 requests an hour, every hour asked. */
function source(): MetricSource & { asked: FetchRequest[] } {
  const asked: FetchRequest[] = [];
  return {
    asked,
    async fetch(req) {
      asked.push(req);
      const length = Math.round((req.to - req.from) / req.period);
      const frame: Frame = { from: req.from, length, period: req.period, models: { [MODEL]: Object.fromEntries(req.keys.map((k) => [k, Array(length).fill(10)])) } };
      return frame;
    },
  };
}

/** Minute buckets: `calls` of [model, caller, minute, input tokens, output tokens]. */
function logs(calls: [string, string, number, number, number][]): LogSource & { asked: [string[], number, number][] } {
  const asked: [string[], number, number][] = [];
  return {
    asked,
    async buckets(models, from, to) {
      asked.push([[...models].sort(), from, to]);
      const out: Bucket[] = [];
      for (const [model, caller, minute, input, output] of calls) {
        if (!models.includes(model) || minute < from || minute >= to) continue;
        const b = emptyBucket(model, minute);
        b.callers[caller] = { requests: 1, inputTokens: input, outputTokens: output };
        out.push(b);
      }
      return out;
    },
  };
}

const state = (logModels: string[] = []): LearnDeps['state'] => ({
  listAlerts: async () => [],
  load: async () => ({ logModels }) as unknown as Awaited<ReturnType<LearnDeps['state']['load']>>,
});

describe('caller baselines', () => {
  it('learns a caller from its first call in the last two days: the hour sums input and output tokens of its minutes, idle hours are 0', async () => {
    const first = AS_OF - 5 * HOUR; // 05:00
    const calls: [string, string, number, number, number][] = [
      [MODEL, role('batch'), first + 10 * 60_000, 1_000, 100],
      [MODEL, role('batch'), first + 50 * 60_000, 2_000, 200],
      // 06:00 idle
      [MODEL, role('batch'), first + 2 * HOUR, 500, 50],
      [MODEL, role('batch'), AS_OF + 60_000, 9_999, 999], // after the learned range: not asked for
    ];
    const baselines = new MemoryBaselineStore();
    const l = logs(calls);
    const report = await runBaselineUpdate({ config: configOf([callerRule]), source: source(), baselines, state: state(), logs: l }, NOW);
    expect(report.models).toBe(1);
    // Logs asked for the last two days only (the metrics bootstrap 14), up to the learned hour.
    expect(l.asked).toEqual([[[MODEL], AS_OF - 2 * DAY, AS_OF]]);
    const h = (await baselines.loadHistories())[MODEL].histories[callerKey(role('batch'))];
    expect(h).toEqual({ start: first, values: [3_300, 0, 550, 0, 0] });
  });

  it('a model seen only in the invocation logs (in the cursor) is asked for and learned too', async () => {
    const baselines = new MemoryBaselineStore();
    const l = logs([[LOG_ONLY, role('chat'), AS_OF - HOUR, 100, 10]]);
    const report = await runBaselineUpdate({ config: configOf([callerRule]), source: source(), baselines, state: state([LOG_ONLY]), logs: l }, NOW);
    expect(l.asked[0][0]).toEqual([LOG_ONLY, MODEL].sort());
    expect(report.bootstrapped.sort()).toEqual([LOG_ONLY, MODEL].sort());
    expect(report.models).toBe(2);
    expect((await baselines.loadHistories())[LOG_ONLY].histories).toEqual({ [callerKey(role('chat'))]: { start: AS_OF - HOUR, values: [110] } });
    expect((await baselines.loadExpectations()).map((e) => e.model).sort()).toEqual([LOG_ONLY, MODEL].sort());
  });

  it('the next run learns only the new hour of each caller', async () => {
    const baselines = new MemoryBaselineStore();
    const calls: [string, string, number, number, number][] = [
      [MODEL, role('batch'), AS_OF - 2 * HOUR, 1_000, 0],
      [MODEL, role('batch'), AS_OF + 30 * 60_000, 4_000, 0],
    ];
    await runBaselineUpdate({ config: configOf([callerRule]), source: source(), baselines, state: state(), logs: logs(calls) }, NOW);
    const l = logs(calls.map(([m, c, t]) => [m, c, t, 7_000, 0])); // what the logs say now about the old hours is not learned again
    const report = await runBaselineUpdate({ config: configOf([callerRule]), source: source(), baselines, state: state(), logs: l }, NOW + HOUR);
    expect(l.asked).toEqual([[[MODEL], AS_OF, AS_OF + HOUR]]);
    expect(report.hoursLearned).toBe(3); // the three volume series; callers are not counted
    expect((await baselines.loadHistories())[MODEL].histories[callerKey(role('batch'))]).toEqual({ start: AS_OF - 2 * HOUR, values: [1_000, 0, 7_000] });
  });

  it('hours a caller made no calls in, between hourly runs, are learned as 0 (as in a bootstrap), not as unknown', async () => {
    const baselines = new MemoryBaselineStore();
    const calls: [string, string, number, number, number][] = [
      [MODEL, role('batch'), AS_OF - HOUR, 1_000, 0], // 09:00
      [MODEL, role('batch'), AS_OF + 3 * HOUR, 2_000, 0], // 13:00
    ];
    // Hourly runs: the 11:05 and 12:05 ones find no call of it in their hour.
    for (let k = 0; k <= 4; k++) await runBaselineUpdate({ config: configOf([callerRule]), source: source(), baselines, state: state(), logs: logs(calls) }, NOW + k * HOUR);
    expect((await baselines.loadHistories())[MODEL].histories[callerKey(role('batch'))]).toEqual({ start: AS_OF - HOUR, values: [1_000, 0, 0, 0, 2_000] });
  });

  it('an idle stretch older than the logs the runs read (the baseline function down for days) stays unknown', async () => {
    const baselines = new MemoryBaselineStore();
    const later = AS_OF + 3 * DAY;
    const calls: [string, string, number, number, number][] = [
      [MODEL, role('batch'), AS_OF - HOUR, 1_000, 0],
      [MODEL, role('batch'), later - HOUR, 2_000, 0],
    ];
    await runBaselineUpdate({ config: configOf([callerRule]), source: source(), baselines, state: state(), logs: logs(calls) }, NOW);
    await runBaselineUpdate({ config: configOf([callerRule]), source: source(), baselines, state: state(), logs: logs(calls) }, later + 5 * 60_000);
    const h = (await baselines.loadHistories())[MODEL].histories[callerKey(role('batch'))];
    const at = (t: number) => h.values[(t - h.start) / HOUR];
    expect([at(AS_OF - HOUR), at(AS_OF + DAY - HOUR), at(later - 2 * DAY), at(later - 2 * HOUR), at(later - HOUR)]).toEqual([1_000, null, 0, 0, 2_000]);
  });

  it('hours a caller has learned are not learned again when another model is behind (the run fetches from its hour)', async () => {
    const baselines = new MemoryBaselineStore();
    const calls: [string, string, number, number, number][] = [[MODEL, role('batch'), AS_OF - HOUR, 1_000, 0]];
    await runBaselineUpdate({ config: configOf([callerRule]), source: source(), baselines, state: state(), logs: logs(calls) }, NOW);
    // Another model whose histories end three hours back: the next run fetches from there.
    const behind = { start: AS_OF - 5 * HOUR, values: [1, 1] };
    await baselines.saveHistories('behind-model', { histories: { 'Invocations:Sum': behind, 'InputTokenCount:Sum': behind, 'OutputTokenCount:Sum': behind }, version: 0 });
    const l = logs(calls.map(([m, c, t]) => [m, c, t, 7_000, 0]));
    await runBaselineUpdate({ config: configOf([callerRule]), source: source(), baselines, state: state(), logs: l }, NOW + HOUR);
    expect(l.asked[0].slice(1)).toEqual([AS_OF - 3 * HOUR, AS_OF + HOUR]);
    expect((await baselines.loadHistories())[MODEL].histories[callerKey(role('batch'))]).toEqual({ start: AS_OF - HOUR, values: [1_000, 0] });
  });

  it(`keeps the ${MAX_CALLERS} heaviest callers of a model, by their tokens of the last week`, async () => {
    const baselines = new MemoryBaselineStore();
    const n = MAX_CALLERS + 3;
    // Caller i uses 100·(i+1) tokens in one hour: the three lightest (0, 1, 2) go.
    const calls = Array.from({ length: n }, (_, i): [string, string, number, number, number] => [MODEL, role(`c${String(i).padStart(2, '0')}`), AS_OF - HOUR, 100 * (i + 1), 0]);
    await runBaselineUpdate({ config: configOf([callerRule]), source: source(), baselines, state: state(), logs: logs(calls) }, NOW);
    const kept = Object.keys((await baselines.loadHistories())[MODEL].histories).filter((k) => k.startsWith(CALLER_PREFIX)).sort();
    expect(kept).toEqual(Array.from({ length: MAX_CALLERS }, (_, i) => callerKey(role(`c${String(i + 3).padStart(2, '0')}`))));
  });

  it('no caller_spend rule: the logs and the cursor are not read', async () => {
    const baselines = new MemoryBaselineStore();
    const l = logs([[MODEL, role('batch'), AS_OF - HOUR, 1_000, 0]]);
    const st: LearnDeps['state'] = {
      listAlerts: async () => [],
      load: async () => {
        throw new Error('not needed');
      },
    };
    await runBaselineUpdate({ config: configOf([absentRule]), source: source(), baselines, state: st, logs: l }, NOW);
    expect(l.asked).toEqual([]);
    expect(Object.keys((await baselines.loadHistories())[MODEL].histories).filter((k) => k.startsWith(CALLER_PREFIX))).toEqual([]);
  });
});

describe('the hours fetched', () => {
  it('a first run fetches the 14 bootstrap days hourly, up to the last published hour', async () => {
    const s = source();
    await runBaselineUpdate({ config: configOf([absentRule]), source: s, baselines: new MemoryBaselineStore(), state: state() }, NOW);
    expect(s.asked).toEqual([{ keys: ['InputTokenCount:Sum', 'Invocations:Sum', 'OutputTokenCount:Sum'], from: AS_OF - BOOTSTRAP_DAYS * DAY, to: AS_OF, period: HOUR, knownModels: [] }]);
  });

  it('a later run resumes from the model furthest behind, naming the models known', async () => {
    const baselines = new MemoryBaselineStore();
    await runBaselineUpdate({ config: configOf([absentRule]), source: source(), baselines, state: state() }, NOW);
    const s = source();
    const report = await runBaselineUpdate({ config: configOf([absentRule]), source: s, baselines, state: state() }, NOW + 3 * HOUR);
    expect(s.asked.map((r) => [r.from, r.to, r.knownModels])).toEqual([[AS_OF, AS_OF + 3 * HOUR, [MODEL]]]);
    expect(report).toEqual({ asOf: new Date(AS_OF + 3 * HOUR).toISOString(), models: 1, hoursLearned: 9, bootstrapped: [] });
  });
});

describe('what is learned of each hour', () => {
  const LATENCY = 'InvocationLatency:Maximum';
  const latencyRule = { name: 'latency-max', kind: 'threshold', metric: 'InvocationLatency', stat: 'Maximum', next_check: 'Check.', tiers: { critical: { above: '10s', baseline_ratio: 2 } } };

  /** CloudWatch answering `value(model, key, hour)` (undefined: no datapoint); records each request. */
  function sourceOf(value: (model: string, key: string, hour: number) => number | null | undefined, models: string[]): MetricSource & { asked: FetchRequest[] } {
    const asked: FetchRequest[] = [];
    return {
      asked,
      async fetch(req) {
        asked.push(req);
        const length = Math.round((req.to - req.from) / req.period);
        const frame: Frame = { from: req.from, length, period: req.period, models: {} };
        for (const model of models) {
          const series = Object.fromEntries(req.keys.map((k) => [k, Array.from({ length }, (_, i) => value(model, k, req.from + i * req.period) ?? null)]));
          frame.models[model] = series;
        }
        return frame;
      },
    };
  }

  it("a model's history starts with its first hour of traffic (zeros before it are not traffic); an idle hour after is 0 for a count and unknown for a latency", async () => {
    const first = AS_OF - 3 * HOUR;
    const idle = AS_OF - 2 * HOUR;
    const s = sourceOf((_m, k, hour) => {
      if (hour < first) return 0; // CloudWatch can report explicit zeros
      if (hour === idle) return null;
      return k === LATENCY ? 800 : 10;
    }, [MODEL]);
    const baselines = new MemoryBaselineStore();
    const report = await runBaselineUpdate({ config: configOf([latencyRule]), source: s, baselines, state: state() }, NOW);
    const h = (await baselines.loadHistories())[MODEL].histories;
    expect(h['Invocations:Sum']).toEqual({ start: first, values: [10, 0, 10] });
    expect(h[LATENCY]).toEqual({ start: first, values: [800, null, 800] });
    expect(report).toMatchObject({ models: 1, hoursLearned: 4 * 3, bootstrapped: [MODEL] });
  });

  it('a model without any traffic in the hours fetched is neither saved nor counted', async () => {
    const s = sourceOf(() => 0, [MODEL]);
    const baselines = new MemoryBaselineStore();
    const report = await runBaselineUpdate({ config: configOf([absentRule]), source: s, baselines, state: state() }, NOW);
    expect(report).toMatchObject({ models: 0, hoursLearned: 0 });
    expect(await baselines.loadHistories()).toEqual({});
    expect(await baselines.loadExpectations()).toEqual([]);
  });

  it('a series a new rule needs is bootstrapped (14 days) while the others resume where they were', async () => {
    const s1 = sourceOf((_m, k) => (k === LATENCY ? 800 : 10), [MODEL]);
    const baselines = new MemoryBaselineStore();
    await runBaselineUpdate({ config: configOf([absentRule]), source: s1, baselines, state: state() }, NOW);
    const s2 = sourceOf((_m, k) => (k === LATENCY ? 800 : 10), [MODEL]);
    const report = await runBaselineUpdate({ config: configOf([absentRule, latencyRule]), source: s2, baselines, state: state() }, NOW + HOUR);
    expect(s2.asked.map((r) => [r.from, r.to])).toEqual([[AS_OF + HOUR - BOOTSTRAP_DAYS * DAY, AS_OF + HOUR]]);
    // The volume series learn their one new hour, the new one its 14 days.
    expect(report.hoursLearned).toBe(3 + BOOTSTRAP_DAYS * 24);
    const h = (await baselines.loadHistories())[MODEL].histories;
    expect(h[LATENCY].start).toBe(AS_OF + HOUR - BOOTSTRAP_DAYS * DAY);
    expect(h['Invocations:Sum'].values).toHaveLength(BOOTSTRAP_DAYS * 24 + 1);
  });
});

describe('fetchHours: hourly series, and percentiles as the median of their minute values', () => {
  const P95 = 'InvocationLatency:p95';
  const FROM = AS_OF - 2 * HOUR;

  /** Hourly: MODEL only; minutes: `minutes` per model (p95 series), from `minuteFrom`. */
  function split(minutes: Record<string, Record<string, (number | null)[]>>, minuteFrom = FROM): MetricSource & { asked: FetchRequest[] } {
    const asked: FetchRequest[] = [];
    return {
      asked,
      async fetch(req) {
        asked.push(req);
        if (req.period === HOUR) return { from: req.from, length: Math.round((req.to - req.from) / HOUR), period: HOUR, models: { [MODEL]: Object.fromEntries(req.keys.map((k) => [k, [5, 6]])) } };
        return { from: minuteFrom, length: Math.round((req.to - minuteFrom) / 60_000), period: 60_000, models: minutes };
      },
    };
  }
  const minutesOf = (perHour: ((m: number) => number | null)[]) => perHour.flatMap((f) => Array.from({ length: 60 }, (_, m) => f(m)));

  it('each hour is the median of its own 60 minutes, nulls left out; the hourly series are fetched as well', async () => {
    const s = split({ [MODEL]: { [P95]: minutesOf([(m) => m + 1, (m) => (m % 2 ? null : 1_000 + m)]) } });
    const frame = await fetchHours(s, ['Invocations:Sum', P95], FROM, AS_OF, []);
    expect(s.asked.map((r) => [r.keys, r.period])).toEqual([
      [['Invocations:Sum'], HOUR],
      [[P95], 60_000],
    ]);
    expect(frame.models[MODEL]['Invocations:Sum']).toEqual([5, 6]);
    expect(frame.models[MODEL][P95]).toEqual([30.5, 1_029]);
  });

  it('minutes fetched from before the first hour are not counted in it', async () => {
    // The minute frame starts an hour early: its first 60 minutes belong to no learned hour.
    const s = split({ [MODEL]: { [P95]: minutesOf([() => 9_999, () => 10, () => 20]) } }, FROM - HOUR);
    expect((await fetchHours(s, ['Invocations:Sum', P95], FROM, AS_OF, [])).models[MODEL][P95]).toEqual([10, 20]);
  });

  it('a model with minute data only gets its percentile series; a model without that series in the minutes gets none', async () => {
    const s = split({ 'other-model': { [P95]: minutesOf([() => 7, () => 8]) }, [MODEL]: {} });
    const frame = await fetchHours(s, ['Invocations:Sum', P95], FROM, AS_OF, []);
    expect(frame.models['other-model']).toEqual({ [P95]: [7, 8] });
    expect(frame.models[MODEL]).toEqual({ 'Invocations:Sum': [5, 6] });
  });
});

describe('the hour learned up to', () => {
  it('is the last hour CloudWatch has published: at 10:01, with a 2-minute publication delay, 09:00', async () => {
    const s = source();
    const report = await runBaselineUpdate({ config: configOf([absentRule], { settings: { publication_delay: '2m' } }), source: s, baselines: new MemoryBaselineStore(), state: state() }, AS_OF + 60_000);
    expect(report.asOf).toBe(new Date(AS_OF - HOUR).toISOString());
    expect(s.asked[0].to).toBe(AS_OF - HOUR);
  });

  it('a model answering only some series learns those, and unknown or 0 for the rest', async () => {
    const partial: MetricSource = {
      async fetch(req) {
        const length = Math.round((req.to - req.from) / req.period);
        return { from: req.from, length, period: req.period, models: { [MODEL]: { 'Invocations:Sum': Array(length).fill(4) } } };
      },
    };
    const baselines = new MemoryBaselineStore();
    await runBaselineUpdate({ config: configOf([absentRule]), source: partial, baselines, state: state() }, NOW);
    const h = (await baselines.loadHistories())[MODEL].histories;
    expect(h['Invocations:Sum'].values.slice(-2)).toEqual([4, 4]);
    expect(h['InputTokenCount:Sum'].values.slice(-2)).toEqual([0, 0]);
  });
});
