/**
 * What one evaluate tick (shared/run/tick.ts runTick) asks the metric source for, on the memory
 * store and a replayed trace: the per-model series every tick, the slow rules' series only on the
 * ticks that judge them, the error counts account-wide first and per model only where that read
 * shows errors (for the models that could reach a tier, or every model of the place), counts held
 * from earlier ticks not read again, the read window (lookback and max_catch_up), and the models
 * the tick knows of without data (alerts, baselines, invocation logs).
 */
import { placeKey, targetKey } from '../../shared/core/target';
import { MINUTE } from '../../shared/core/time';
import { NO_BASELINES, type Baselines } from '../../shared/engine/types';
import { CaptureNotifiers } from '../../shared/local/capture';
import type { MetricTrace } from '../../shared/sources/trace';
import { parseRules } from '../../shared/rules/load';
import { runTick, type TickDeps } from '../../shared/run/tick';
import { ReplaySource } from '../../shared/sources/replay';
import type { FetchRequest } from '../../shared/sources/types';
import { MemoryStateStore } from '../../shared/state/memory-store';
import { runs } from '../support/frame';
import { traceOf } from '../support/trace';

const MODEL = 'amazon.nova-lite-v1:0';
const OTHER = 'amazon.nova-pro-v1:0';
/** One model in each of three other regions: a place with one model reads its counts per model, never account-wide. */
const WEST = targetKey({ modelId: 'amazon.nova-micro-v1:0', region: 'us-west-2' });
const EUROPE = targetKey({ modelId: 'amazon.nova-micro-v1:0', region: 'eu-west-1' });
const ASIA = targetKey({ modelId: 'amazon.nova-micro-v1:0', region: 'ap-south-1' });
const HERE = placeKey(undefined, undefined);
const W = placeKey('us-west-2', undefined);
const EU = placeKey('eu-west-1', undefined);
const AP = placeKey('ap-south-1', undefined);
/** The three one-model places, read together. */
const SINGLES = `${W},${EU},${AP}`;
const T0 = Date.parse('2026-10-05T15:00:00.000Z');
const at = (m: number) => T0 + m * MINUTE;

const SE = 'InvocationServerErrors:Sum';
const TH = 'InvocationThrottles:Sum';

/**
 * detail_every 5m (the default): server-errors (for 1m) is judged every tick, latency-p95 and
 * throttles (for 10m) every five minutes. Both ratios read an error count the account-wide sum
 * can prove zero; throttles is read only by a slow rule.
 */
const RULES = `
receivers:
  - { name: sns-alerts, type: sns }
routes:
  critical: [sns-alerts]
rules:
  - name: server-errors
    kind: ratio
    numerator: InvocationServerErrors
    denominator: Invocations
    window: 5m
    tiers:
      critical: { above: 5%, for: 1m }
    next_check: Check the AWS Health Dashboard.
  - name: latency-p95
    kind: threshold
    metric: InvocationLatency
    stat: p95
    tiers:
      critical: { above: 10s, for: 10m }
    next_check: Look at output tokens per request.
  - name: throttles
    kind: ratio
    numerator: InvocationThrottles
    denominator: Invocations
    window: 5m
    tiers:
      critical: { above: 5%, for: 10m }
    next_check: Ask for a quota increase.
`;

const quiet = { 'Invocations:Sum': runs([100, 60]), [SE]: runs([0, 60]), [TH]: runs([0, 60]), 'InvocationLatency:p95': runs([800, 60]) };
/**
 * MODEL (100 requests a minute): 10 server errors in data minute 10 and 15 throttles in minute 7,
 * each enough for a one-minute run above 5% of its requests, never for the 5-minute window; 3
 * server errors in minute 12, too few for either model (under 5% of 100 requests).
 * OTHER (1000 requests a minute): 100 server errors in minute 15 — 10% of MODEL's requests, so
 * both models of the place could reach the tier that minute. The one-model places: none.
 */
const trace = traceOf(T0, {
  [MODEL]: { ...quiet, [SE]: [...runs([0, 10]), ...runs([10, 1]), ...runs([0, 1]), ...runs([3, 1]), ...runs([0, 47])], [TH]: [...runs([0, 7]), ...runs([15, 1]), ...runs([0, 52])] },
  [OTHER]: { ...quiet, 'Invocations:Sum': runs([1000, 60]), [SE]: [...runs([0, 15]), ...runs([100, 1]), ...runs([0, 44])] },
  [WEST]: quiet,
  [EUROPE]: quiet,
  [ASIA]: quiet,
});

/** A request in short: `main|account|counts from..to keys @places models=… known=…`, minutes relative to T0. */
function show(kind: string, r: Partial<FetchRequest> & Pick<FetchRequest, 'from' | 'to' | 'keys'>): string {
  const parts = [kind, `${(r.from - T0) / MINUTE}..${(r.to - T0) / MINUTE}`, r.keys.join(',')];
  if (r.places) parts.push(`@${r.places.join(',')}`);
  if (r.models) parts.push(`models=${r.models.join(',')}`);
  if (r.knownModels) parts.push(`known=${r.knownModels.join(',')}`);
  return parts.join(' ');
}

function setup(opts: { rules?: string; replayed?: MetricTrace; extra?: Partial<TickDeps> } = {}) {
  const config = parseRules(opts.rules ?? RULES);
  let now = 0;
  const source = new ReplaySource(opts.replayed ?? trace, { now: () => now, delayMs: config.settings.publication_delay });
  const requests: string[] = [];
  const fetch = source.fetch.bind(source);
  const fetchAccount = source.fetchAccount.bind(source);
  // The first request of a tick is the per-model read of its series; the others read error counts.
  source.fetch = async (r) => (requests.push(show(requests.length ? 'counts' : 'main', r)), fetch(r));
  source.fetchAccount = async (r) => (requests.push(show('account', r)), fetchAccount(r));
  const store = new MemoryStateStore();
  const warnings: string[] = [];
  const log = { info() {}, warn: (msg: string, x: Record<string, unknown> = {}) => void warnings.push(`${msg} ${JSON.stringify(x)}`), error() {} };
  const deps: TickDeps = { config, source, store, notifiers: new CaptureNotifiers(config.receivers), baselines: async () => NO_BASELINES, log, sleep: async () => {}, ...opts.extra };
  /** Runs the tick at data-clock minute `m` and returns what it requested. */
  const tick = async (m: number) => {
    now = at(m);
    requests.length = 0;
    const report = await runTick(deps, now);
    return { report, requests: [...requests] };
  };
  return { config, store, source, deps, tick, warnings };
}

describe('the metrics a tick reads', () => {
  it('reads the slow series only when the slow rules are judged, error counts account-wide first and per model only where they are not zero, and held counts never twice', async () => {
    const h = setup();
    const ticks: Record<number, string[]> = {};
    for (let m = 3; m <= 18; m++) ticks[m] = (await h.tick(m)).requests;

    // The first tick judges both groups (the throttles too) at the newest minute (0), with an hour of lookback.
    // The place with two models proves its counts zero with one account-wide read; the places with
    // one model each read theirs per model, together (the same counts).
    expect(ticks[3]).toEqual([
      'main -60..1 Invocations:Sum,InvocationLatency:p95 known=',
      `account -60..1 ${SE},${TH} @${HERE}`,
      `counts -60..1 ${SE},${TH} @${SINGLES} known=`,
    ]);
    // A fast tick: no latency (slow), no throttles (read by a slow rule only); the window starts an hour before the minute judged.
    expect(ticks[4]).toEqual(['main -59..2 Invocations:Sum known=', `account -59..2 ${SE} @${HERE}`, `counts -59..2 ${SE} @${SINGLES} known=`]);
    expect(ticks[7]).toEqual(['main -56..5 Invocations:Sum known=', `account -56..5 ${SE} @${HERE}`, `counts -56..5 ${SE} @${SINGLES} known=`]);
    // The slow rules' next tick (detail_every): they judge minutes 1-5, the fast ones minute 5 only,
    // so the window starts an hour before minute 1.
    expect(ticks[8]).toEqual([
      'main -59..6 Invocations:Sum,InvocationLatency:p95 known=',
      `account -59..6 ${SE},${TH} @${HERE}`,
      `counts -59..6 ${SE},${TH} @${SINGLES} known=`,
    ]);
    // Minute 10 published (slow tick, minutes 6-10): MODEL's server errors and throttles are not zero
    // account-wide. Only MODEL's count could reach 5% of its requests (OTHER has ten times as many),
    // so only MODEL's are read: throttles too, though minute 7 is before the fast rules' minute, as
    // the slow rules judge it.
    expect(ticks[13]).toEqual([
      'main -54..11 Invocations:Sum,InvocationLatency:p95 known=',
      `account -54..11 ${SE},${TH} @${HERE}`,
      `counts -54..11 ${SE},${TH} @${SINGLES} known=`,
      `counts -54..11 ${SE} @${HERE} models=${MODEL}`,
      `counts -54..11 ${TH} @${HERE} models=${MODEL}`,
    ]);
    // What was read is held: the next ticks do not read those minutes again, the throttles of
    // minute 7 held through the fast ticks that do not read them. Minute 12 (tick 15): 3 server
    // errors account-wide, too few for any model to reach 5%: no model's count is read.
    for (const m of [14, 15, 16, 17]) expect(ticks[m]).toEqual([`main ${m - 63}..${m - 2} Invocations:Sum known=`, `account ${m - 63}..${m - 2} ${SE} @${HERE}`, `counts ${m - 63}..${m - 2} ${SE} @${SINGLES} known=`]);
    // Minute 15: 100 server errors account-wide, 10% of MODEL's requests as well as OTHER's: every
    // model of the place is read, as one read of the place.
    expect(ticks[18]).toEqual([
      'main -49..16 Invocations:Sum,InvocationLatency:p95 known=',
      `account -49..16 ${SE},${TH} @${HERE}`,
      `counts -49..16 ${SE} @${HERE} known=`,
      `counts -49..16 ${SE},${TH} @${SINGLES} known=`,
    ]);
    const state = await h.store.load();
    expect(state.cursor.held?.[TH]?.['*']).toEqual({ [String(at(7))]: { total: 15, values: { [MODEL]: 15 } } });
    // (OTHER's count of minute 10, zero, read with the place at tick 18.)
    expect(state.cursor.held?.[SE]?.['*']).toEqual({
      [String(at(10))]: { total: 10, values: { [MODEL]: 10, [OTHER]: 0 } },
      [String(at(12))]: { total: 3, values: { [MODEL]: 3, [OTHER]: 0 } },
      [String(at(15))]: { total: 100, values: { [MODEL]: 0, [OTHER]: 100 } } });
  });

  it('a run recording every judgement (explain, the report) reads the counts of every model of the place', async () => {
    const h = setup({ extra: { onObservation: () => {} } });
    let requests: string[] = [];
    for (let m = 3; m <= 13; m++) requests = (await h.tick(m)).requests;
    expect(requests).toEqual([
      'main -54..11 Invocations:Sum,InvocationLatency:p95 known=',
      `account -54..11 ${SE},${TH} @${HERE}`,
      `counts -54..11 ${SE},${TH} @${HERE},${SINGLES} known=`,
    ]);
  });

  it('a source without account-wide reads reads every count per model, every place at once', async () => {
    const h = setup();
    (h.source as { fetchAccount?: unknown }).fetchAccount = undefined;
    await h.tick(3);
    const { requests } = await h.tick(4);
    expect(requests).toEqual(['main -59..2 Invocations:Sum known=', `counts -59..2 ${SE} @${HERE},${SINGLES} known=`]);
  });
});

describe('how far back a tick reads and judges', () => {
  const RATIO = `
receivers:
  - { name: sns-alerts, type: sns }
routes:
  critical: [sns-alerts]
settings: { detail_every: 1m, max_catch_up: 20m }
rules:
  - name: server-errors
    kind: ratio
    numerator: InvocationServerErrors
    denominator: Invocations
    window: 5m
    tiers:
      critical: { above: 5%, for: 5m }
    next_check: Check the AWS Health Dashboard.
`;
  it('after missed ticks, judges at most max_catch_up of the past, with the lookback before it', async () => {
    const h = setup({ rules: RATIO });
    const first = await h.tick(3);
    expect(first.report.evaluated).toEqual({ from: new Date(at(0)).toISOString(), to: new Date(at(0)).toISOString(), minutes: 1 });
    // 40 minutes missed: the next tick judges the last 20 (minutes 20-39), not all 40.
    const late = await h.tick(42);
    expect(late.report.evaluated).toEqual({ from: new Date(at(20)).toISOString(), to: new Date(at(39)).toISOString(), minutes: 20 });
    // The window: the rules' hour of lookback before minute 20, to the end of minute 39.
    expect(late.requests[0]).toBe(`main -40..40 ${SE},Invocations:Sum known=`);
  });
});

describe('models known without data', () => {
  it('are the models of stored alerts, of the baselines and of the invocation logs, each once, sorted, and the reads of the tick ask for them', async () => {
    const rules = `
receivers:
  - { name: sns-alerts, type: sns }
routes:
  critical: [sns-alerts]
settings: { detail_every: 1m }
rules:
  - name: server-errors
    kind: ratio
    numerator: InvocationServerErrors
    denominator: Invocations
    window: 5m
    tiers:
      critical: { above: 5%, for: 1m }
    next_check: Check the AWS Health Dashboard.
`;
    // MODEL: 30% server errors in minutes 10-14 (it fires), then nothing at all: it stopped publishing.
    const replayed = traceOf(T0, {
      [MODEL]: { 'Invocations:Sum': runs([100, 15]), [SE]: [...runs([0, 10]), ...runs([30, 5])] },
      [OTHER]: { 'Invocations:Sum': runs([100, 60]), [SE]: runs([0, 60]) },
    });
    const baselines: Baselines = { ...NO_BASELINES, models: () => ['zeta.model-v1:0', 'alpha.model-v1:0'] };
    const h = setup({ rules, replayed, extra: { baselines: async () => baselines } });
    const load = h.store.load.bind(h.store);
    h.store.load = async () => ({ ...(await load()), logModels: ['log.model-v1:0', 'zeta.model-v1:0'] });
    const before = await h.tick(5);
    expect(before.requests).toEqual([`main -58..3 ${SE},Invocations:Sum known=alpha.model-v1:0,log.model-v1:0,zeta.model-v1:0`]);
    let fired = false;
    for (let m = 6; m <= 20; m++) {
      const { report } = await h.tick(m);
      if (report.transitions.some((t) => t.kind === 'firing' && t.state.labels.ModelId === MODEL)) fired = true;
    }
    expect(fired).toBe(true);
    // MODEL's alert names it: known from its stored alert, though it has published nothing since minute 14.
    const after = await h.tick(21);
    expect(after.requests).toEqual([`main -42..19 ${SE},Invocations:Sum known=alpha.model-v1:0,amazon.nova-lite-v1:0,log.model-v1:0,zeta.model-v1:0`]);
  });
});

describe('a place whose error counts could not be read', () => {
  it('is named in a warning with the error, though the first read of the tick could read it', async () => {
    const h = setup();
    const fetch = h.source.fetch.bind(h.source);
    const all = [HERE, W, EU, AP];
    // The per-model series read fine everywhere; the count read of the one-model places fails in us-west-2.
    h.source.fetch = async (r: FetchRequest) => {
      const f = await fetch(r);
      const failed: Record<string, string> = r.places?.includes(W) ? { [W]: 'ThrottlingException: rate exceeded' } : {};
      return { ...f, places: { all, failed } };
    };
    const { report } = await h.tick(5);
    expect(report.evaluated).not.toBeNull();
    expect(h.warnings).toEqual([`cannot read the metrics of a region or account; its models are judged next tick ${JSON.stringify({ place: W, error: 'ThrottlingException: rate exceeded' })}`]);
  });
});

describe('held counts', () => {
  it('are forgotten once their minutes are older than the read window', async () => {
    const h = setup();
    const heldMinutes = async () => {
      const held = (await h.store.load()).cursor.held ?? {};
      return Object.fromEntries(Object.entries(held).map(([k, byPlace]) => [k, Object.keys(byPlace['*'] ?? {}).map((n) => (Number(n) - T0) / MINUTE)]));
    };
    for (let m = 3; m <= 18; m++) await h.tick(m);
    expect(await heldMinutes()).toEqual({ [SE]: [10, 12, 15], [TH]: [7] });
    // An hour missed: tick 79 judges minutes 17-76 (max_catch_up), both groups, reading from minute -43.
    await h.tick(79);
    expect(await heldMinutes()).toEqual({ [SE]: [10, 12, 15], [TH]: [7] });
    // Tick 80 (fast, minute 77) reads from minute 17: the server errors are forgotten; the throttles,
    // read by the slow rules only, wait for their next read.
    await h.tick(80);
    expect(await heldMinutes()).toEqual({ [TH]: [7] });
    // Tick 84 (slow, minutes 77-81) reads from minute 17: nothing left to hold.
    await h.tick(84);
    expect(await heldMinutes()).toEqual({});
  });
});

describe('alerts that name no model', () => {
  it('add no model to the ones known (a region that could not be read)', async () => {
    const rules = `${RULES}  - name: metrics-readable
    kind: source_health
    tiers:
      warning: { for: 0m }
    next_check: Check the role's CloudWatch permissions in that region.
`;
    const h = setup({ rules });
    const fetch = h.source.fetch.bind(h.source);
    let failing = true;
    h.source.fetch = async (r: FetchRequest) => {
      const f = await fetch(r);
      return { ...f, places: { all: [HERE, W, EU, AP], failed: failing ? { [W]: 'AccessDeniedException: not authorized' } : {} } };
    };
    await h.tick(3);
    await h.tick(4);
    const alerts = Object.values((await h.store.load()).alerts);
    expect(alerts.map((a) => [a.rule, a.labels, a.status])).toEqual([['metrics-readable', { source: 'cloudwatch', Region: 'us-west-2' }, 'firing']]);
    failing = false;
    const { requests } = await h.tick(5);
    expect(requests[0]).toBe('main -58..3 Invocations:Sum known=');
  });
});

describe('a count busy in one place and not in another', () => {
  // detail_every 5m (the default): both ratios are fast (for 1m), so both counts are read account-wide every tick.
  const rules = `
receivers:
  - { name: sns-alerts, type: sns }
routes:
  critical: [sns-alerts]
rules:
  - name: server-errors
    kind: ratio
    numerator: InvocationServerErrors
    denominator: Invocations
    window: 5m
    tiers:
      critical: { above: 5%, for: 1m }
    next_check: Check the AWS Health Dashboard.
  - name: throttles
    kind: ratio
    numerator: InvocationThrottles
    denominator: [Invocations, InvocationThrottles]
    window: 5m
    tiers:
      critical: { above: 5%, for: 1m }
    next_check: Ask for a quota increase.
`;
  it('reads each place\'s counts account-wide, and per model only where its own account-wide read is not zero', async () => {
    // Here: ten models with 20% server errors every minute, too dense to hold (11 values a minute over
    // the hour read, above MAX_HELD_VALUES), no throttles. us-west-2: two models, no errors at all.
    const busy = Array.from({ length: 10 }, (_, i) => `amazon.titan-text-${i}-v1:0`);
    const west = ['amazon.nova-micro-v1:0', 'amazon.nova-lite-v1:0'].map((modelId) => targetKey({ modelId, region: 'us-west-2' }));
    const replayed = traceOf(T0, {
      ...Object.fromEntries(busy.map((m) => [m, { 'Invocations:Sum': runs([100, 90]), [SE]: runs([20, 90]), [TH]: runs([0, 90]) }])),
      ...Object.fromEntries(west.map((m) => [m, { 'Invocations:Sum': runs([100, 90]), [SE]: runs([0, 90]), [TH]: runs([0, 90]) }])),
    });
    const h = setup({ rules, replayed });
    const first = await h.tick(64);
    // Every model here errs and could reach the tier: the place's server errors are read per model, and found too dense to hold.
    expect(first.requests).toEqual([
      'main 1..62 Invocations:Sum known=',
      `account 1..62 ${SE},${TH} @${HERE},${W}`,
      `counts 1..62 ${SE} @${HERE} known=`,
    ]);
    expect((await h.store.load()).cursor.held?.[SE]).toBeUndefined();
    // (Their alerts, pending now, name the models: known to the next reads.)
    // Next tick: here, the server errors are busy (read per model without the account-wide read that
    // would prove nothing); the throttles are still read account-wide here, both counts in us-west-2.
    // Two account-wide reads: each place's zeros spare it its per-model read.
    const next = await h.tick(65);
    expect(next.requests).toEqual([
      `main 2..63 Invocations:Sum known=${busy.join(',')}`,
      `account 2..63 ${TH} @${HERE}`,
      `account 2..63 ${SE},${TH} @${W}`,
      `counts 2..63 ${SE} @${HERE} known=${busy.join(',')}`,
    ]);
    // What each place reads is judged: the models here fire on their server errors, those of us-west-2 on nothing.
    const reports = [first.report, next.report];
    for (let m = 66; m <= 72; m++) reports.push((await h.tick(m)).report);
    const fired = reports.flatMap((r) => r.transitions.map((t) => `${t.kind} ${t.state.rule} ${t.state.labels.ModelId}`));
    expect(fired.sort()).toEqual(busy.map((m) => `firing server-errors ${m}`).sort());
    expect(reports.every((r) => r.ruleErrors === 0)).toBe(true);
  });
});

describe('a model every request of which is throttled', () => {
  // detail_every 5m (the default): the throttles are read account-wide or per model only after the read of the series.
  const rules = `
receivers:
  - { name: sns-alerts, type: sns }
routes:
  critical: [sns-alerts]
rules:
  - name: throttles
    kind: ratio
    numerator: InvocationThrottles
    denominator: [Invocations, InvocationThrottles]
    window: 5m
    tiers:
      critical: { above: 10%, for: 1m }
    next_check: Ask for a quota increase.
`;
  it('has no Invocations datapoint (throttled requests are not invocations), yet its throttles are read and it fires', async () => {
    const replayed = traceOf(T0, { [MODEL]: { [TH]: runs([50, 90]) } });
    const h = setup({ rules, replayed });
    const ticks = [];
    for (let m = 3; m <= 8; m++) ticks.push(await h.tick(m));
    // The first read finds no model at all; the throttles of the place are read per model and find it.
    expect(ticks[0].requests).toEqual(['main -60..1 Invocations:Sum known=', `counts -60..1 ${TH} @${HERE} known=`]);
    const fired = ticks.flatMap((t) => t.report.transitions).map((t) => [t.kind, t.state.rule, t.state.labels.ModelId]);
    expect(fired).toEqual([['firing', 'throttles', MODEL]]);
    expect(ticks.every((t) => t.report.ruleErrors === 0)).toBe(true);
  });
});
