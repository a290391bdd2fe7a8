/**
 * One evaluate tick (shared/run/tick.ts runTick) on the memory store and a replayed trace, minute by
 * minute: what each tick says it judged and sent, what it logs, what a tick that lost the race to
 * another one does, a tick with nothing new to judge, silences read only while something fires, a
 * region that could not be read, and the time left for delivery.
 */
import type { GroupAck } from '../../shared/core/group';
import type { Silence } from '../../shared/core/silence';
import { placeKey } from '../../shared/core/target';
import { MINUTE } from '../../shared/core/time';
import { NO_BASELINES, type Baselines } from '../../shared/engine/types';
import { CaptureNotifiers } from '../../shared/local/capture';
import { RecordingMetrics } from '../../shared/run/metrics';
import { parseRules } from '../../shared/rules/load';
import { DELIVERY_SAFETY_MARGIN_MS, latestVisibleMinute, runTick, timeLeftOf, type TickDeps, type TickReport } from '../../shared/run/tick';
import { ReplaySource } from '../../shared/sources/replay';
import type { FetchRequest } from '../../shared/sources/types';
import { MemoryStateStore } from '../../shared/state/memory-store';
import { ConcurrentTickError } from '../../shared/state/types';
import { runs } from '../support/frame';
import { traceOf } from '../support/trace';

const MODEL = 'amazon.nova-lite-v1:0';
const OTHER = 'amazon.nova-pro-v1:0';
const T0 = Date.parse('2026-10-05T15:00:00.000Z');
const at = (m: number) => T0 + m * MINUTE;
const iso = (t: number) => new Date(t).toISOString();

const RULES = `
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
      critical: { above: 5%, for: 5m }
    next_check: Check the AWS Health Dashboard.
`;

/** Both models: 100 requests a minute; MODEL has 30% server errors in data minutes 10-19. */
const trace = traceOf(T0, {
  [MODEL]: { 'Invocations:Sum': runs([100, 60]), 'InvocationServerErrors:Sum': [...runs([0, 10]), ...runs([30, 10]), ...runs([0, 40])], 'InvocationLatency:p95': runs([800, 60]) },
  [OTHER]: { 'Invocations:Sum': runs([100, 60]), 'InvocationServerErrors:Sum': runs([0, 60]), 'InvocationLatency:p95': runs([800, 60]) },
});

type Line = { level: string; msg: string; extra: Record<string, unknown> };

function setup(extra: Partial<TickDeps> = {}, rules = RULES, replayed = trace) {
  const config = parseRules(rules);
  let now = 0;
  const source = new ReplaySource(replayed, { now: () => now, delayMs: config.settings.publication_delay });
  const store = new MemoryStateStore();
  const notifiers = new CaptureNotifiers(config.receivers);
  const lines: Line[] = [];
  const logAt = (level: string) => (msg: string, x: Record<string, unknown> = {}) => void lines.push({ level, msg, extra: x });
  const deps: TickDeps = { config, source, store, notifiers, baselines: async () => NO_BASELINES, log: { info: logAt('info'), warn: logAt('warn'), error: logAt('error') }, sleep: async () => {}, ...extra };
  const tick = (t: number) => {
    now = t;
    return runTick(deps, t);
  };
  const sent = () => notifiers.sent.map((c) => `${c.notification.action} ${c.notification.alert.labels.ModelId}`);
  return { config, store, notifiers, lines, deps, tick, sent, now: () => now };
}

describe('latestVisibleMinute and timeLeftOf', () => {
  it('the newest minute published: the last whole minute before now minus the delay', () => {
    expect(latestVisibleMinute(at(10) + 30_000, 2 * MINUTE)).toBe(at(7));
    expect(latestVisibleMinute(at(10), 2 * MINUTE)).toBe(at(7));
    expect(latestVisibleMinute(at(10) - 1, 2 * MINUTE)).toBe(at(6));
    expect(latestVisibleMinute(at(10), 0)).toBe(at(9));
  });

  it('the time left for delivery keeps a margin back from what the invocation has left', () => {
    let left = 60_000;
    const context = { getRemainingTimeInMillis: () => left };
    expect(DELIVERY_SAFETY_MARGIN_MS).toBe(5_000);
    const timeLeft = timeLeftOf(context);
    expect(timeLeft()).toBe(55_000);
    left = 7_000;
    expect(timeLeft()).toBe(2_000);
    expect(timeLeftOf(context, 1_000)()).toBe(6_000);
  });
});

describe('a tick minute by minute', () => {
  it('judges the minutes published since the last tick, fires and resolves once, each sent once, and says so in its report and log', async () => {
    const h = setup();
    const reports: TickReport[] = [];
    for (let t = at(3); t <= at(45); t += MINUTE) reports.push(await h.tick(t));

    // The first tick starts at the oldest minute the catch-up allows; every later one judges the one new minute.
    expect(reports[0].now).toBe(iso(at(3)));
    expect(reports[0].evaluated?.to).toBe(iso(latestVisibleMinute(at(3), 2 * MINUTE)));
    for (const [i, r] of reports.entries()) {
      if (i === 0) continue;
      const latest = latestVisibleMinute(at(3 + i), 2 * MINUTE);
      expect(r.evaluated).toEqual({ from: iso(latest), to: iso(latest), minutes: 1 });
    }

    const firing = reports.findIndex((r) => r.transitions.some((t) => t.kind === 'firing'));
    const resolved = reports.findIndex((r) => r.transitions.some((t) => t.kind === 'resolved'));
    expect(firing).toBeGreaterThan(0);
    expect(resolved).toBeGreaterThan(firing);
    expect(reports.map((r) => r.transitions.length).reduce((a, b) => a + b)).toBe(2);
    expect(reports[firing]).toMatchObject({ decided: 1, delivered: 1, failed: 0, dropped: 0, ruleErrors: 0, failedRules: [], muted: [] });
    expect(reports[resolved]).toMatchObject({ decided: 1, delivered: 1, failed: 0 });
    expect(reports.filter((_, i) => i !== firing && i !== resolved).every((r) => r.decided === 0 && r.delivered === 0)).toBe(true);
    expect(h.sent()).toEqual([`trigger ${MODEL}`, `resolve ${MODEL}`]);

    // Each transition is logged once, with the rule, labels, tier (the highest reached once resolved) and text.
    const alerts = h.lines.filter((l) => l.msg.startsWith('alert '));
    expect(alerts.map((l) => [l.level, l.msg])).toEqual([
      ['info', 'alert firing'],
      ['info', 'alert resolved'],
    ]);
    expect(alerts[0].extra).toEqual({ rule: 'server-errors', labels: { ModelId: MODEL }, tier: 'critical', text: reports[firing].transitions[0].state.text });
    expect(alerts[1].extra).toMatchObject({ rule: 'server-errors', labels: { ModelId: MODEL }, tier: 'critical' });
    expect(typeof alerts[0].extra.text).toBe('string');
    expect(h.lines.filter((l) => l.level !== 'info')).toEqual([]);

    // The store holds what the tick decided: the alert's state and the cursor up to the last minute judged.
    const state = await h.store.load();
    expect(state.cursor.lastMinute).toBe(latestVisibleMinute(at(45), 2 * MINUTE));
    expect(state.cursor.pending).toEqual([]);
    expect(Object.values(state.alerts).map((a) => [a.labels.ModelId, a.status])).toEqual([[MODEL, 'inactive']]);
  });

  it('a tick run again at the same time (EventBridge delivers at least once) judges nothing and sends nothing twice', async () => {
    const h = setup();
    for (let t = at(3); t <= at(25); t += MINUTE) await h.tick(t);
    const before = h.sent();
    expect(before).toEqual([`trigger ${MODEL}`]);
    const again = await h.tick(at(25));
    expect(again).toEqual({ now: iso(at(25)), evaluated: null, transitions: [], decided: 0, delivered: 0, failed: 0, dropped: 0, ruleErrors: 0, failedRules: [], muted: [] });
    expect(h.sent()).toEqual(before);
  });

  it('a tick that decided but had no time left sends nothing; the next one sends what it decided', async () => {
    let left = 1_000_000;
    const h = setup({ timeLeft: () => left });
    let firing: TickReport | undefined;
    for (let t = at(3); !firing && t <= at(40); t += MINUTE) {
      if (t >= at(18)) left = 0;
      const r = await h.tick(t);
      if (r.transitions.length) firing = r;
    }
    expect(firing).toMatchObject({ decided: 1, delivered: 0 });
    expect(h.sent()).toEqual([]);
    left = 1_000_000;
    const next = await h.tick(Date.parse(firing!.now) + MINUTE);
    expect(next.delivered).toBe(1);
    expect(h.sent()).toEqual([`trigger ${MODEL}`]);
  });
});

describe('a tick that loses the race to another one', () => {
  it('stops, says so in its report and a warning, and sends nothing; the next tick judges the minutes again', async () => {
    const h = setup();
    for (let t = at(3); t <= at(10); t += MINUTE) await h.tick(t);
    const lost = new ConcurrentTickError('the cursor');
    jest.spyOn(h.store, 'commit').mockImplementationOnce(async () => {
      throw lost;
    });
    const r = await h.tick(at(11));
    expect(r).toEqual({ now: iso(at(11)), evaluated: null, transitions: [], decided: 0, delivered: 0, failed: 0, dropped: 0, ruleErrors: 0, failedRules: [], muted: [], skipped: lost.message });
    expect(h.lines.filter((l) => l.level === 'warn')).toEqual([{ level: 'warn', msg: lost.message, extra: {} }]);
    expect((await h.store.load()).cursor.lastMinute).toBe(latestVisibleMinute(at(10), 2 * MINUTE));
    const next = await h.tick(at(12));
    expect(next.evaluated?.minutes).toBe(2);
  });

  it('any other store failure fails the tick', async () => {
    const h = setup();
    jest.spyOn(h.store, 'commit').mockRejectedValueOnce(new Error('ProvisionedThroughputExceededException'));
    await expect(h.tick(at(5))).rejects.toThrow('ProvisionedThroughputExceededException');
    jest.spyOn(h.store, 'putOutbox').mockRejectedValueOnce(new Error('outbox write failed'));
    await expect(h.tick(at(5))).rejects.toThrow('outbox write failed');
  });
});

describe('rule failures', () => {
  it('are counted (RuleErrors, only when there are some) and logged, the other rules still judged', async () => {
    const metrics = new RecordingMetrics();
    let broken = false;
    const baselines: Baselines = { ...NO_BASELINES, expect: (m) => (broken && m === OTHER ? (() => { throw new RangeError('corrupt baseline item'); })() : null) };
    const rules = `${RULES}  - name: latency-p95
    kind: threshold
    metric: InvocationLatency
    stat: p95
    tiers:
      critical: { above: 10s, for: 5m }
    next_check: Look at output tokens per request.
`;
    const h = setup({ metrics, baselines: async () => baselines }, rules);
    await h.tick(at(5));
    expect(metrics.counts.RuleErrors).toBeUndefined();
    broken = true;
    const r = await h.tick(at(6));
    expect(r.ruleErrors).toBe(1);
    expect(r.failedRules).toEqual([{ rule: 'latency-p95', model: OTHER, minutes: 1, message: 'RangeError: corrupt baseline item' }]);
    expect(metrics.counts.RuleErrors).toBe(1);
    expect(h.lines.filter((l) => l.level === 'error')).toEqual([
      { level: 'error', msg: 'rule failed; the other rules were evaluated', extra: { rule: 'latency-p95', model: OTHER, minutes: 1, message: 'RangeError: corrupt baseline item' } },
    ]);
  });

  it('are reported and logged without a metrics port too', async () => {
    const baselines: Baselines = { ...NO_BASELINES, expect: (m) => (m === OTHER ? (() => { throw new RangeError('corrupt baseline item'); })() : null) };
    const h = setup({ baselines: async () => baselines }, `${RULES}  - name: latency-p95
    kind: threshold
    metric: InvocationLatency
    stat: p95
    tiers:
      critical: { above: 10s, for: 5m }
    next_check: Look at output tokens per request.
`);
    const r = await h.tick(at(5));
    expect(r.failedRules).toEqual([{ rule: 'latency-p95', model: OTHER, minutes: 1, message: 'RangeError: corrupt baseline item' }]);
    expect(h.lines.filter((l) => l.level === 'error')).toHaveLength(1);
  });
});

describe('silences', () => {
  it('are read only while something fires or a group is open, and hold back the messages they match, said in the report and log', async () => {
    const reads: number[] = [];
    const silence: Silence = { id: 's1', matchers: [`ModelId="${MODEL}"`], author: 'ana', comment: 'maintenance', startsAt: at(0), endsAt: at(120), createdAt: at(0) };
    const h = setup({ silences: { current: async (now) => (reads.push(now), [silence]) } });
    const reports: TickReport[] = [];
    for (let t = at(3); t <= at(25); t += MINUTE) reports.push(await h.tick(t));
    const firing = reports.findIndex((r) => r.transitions.some((t) => t.kind === 'firing'));
    expect(firing).toBeGreaterThan(0);
    // Nothing firing before: no read; from the firing tick on, every tick reads them.
    expect(reads[0]).toBe(at(3 + firing));
    expect(h.sent()).toEqual([]);
    expect(reports[firing].muted).toMatchObject([{ kind: 'silenced', rule: 'server-errors', labels: { ModelId: MODEL } }]);
    const held = h.lines.filter((l) => l.msg === 'notification held back');
    expect(held).toHaveLength(1);
    expect(held[0].extra).toEqual({ kind: 'silenced', reason: reports[firing].muted[0].reason, rule: 'server-errors', labels: { ModelId: MODEL }, receiver: undefined });
  });
});

describe('silences on the resolve of an alert sent nowhere', () => {
  it('are not read: nothing fires at the end of the tick and no group is open', async () => {
    // A warning tier no route sends anywhere (only critical is routed): the alert fires and resolves,
    // no message and no group; the silences are read on its firing tick, not on its resolve.
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
      warning: { above: 5%, for: 5m }
    next_check: Check the AWS Health Dashboard.
`;
    const reads: number[] = [];
    const h = setup({ silences: { current: async (now) => (reads.push(now), []) } }, rules);
    const reports: TickReport[] = [];
    for (let t = at(3); t <= at(45); t += MINUTE) reports.push(await h.tick(t));
    const firing = reports.findIndex((r) => r.transitions.some((t) => t.kind === 'firing'));
    const resolved = reports.findIndex((r) => r.transitions.some((t) => t.kind === 'resolved'));
    expect(firing).toBeGreaterThan(0);
    expect(resolved).toBeGreaterThan(firing);
    expect(reports[resolved].transitions.map((t) => t.kind)).toEqual(['resolved']);
    expect(h.sent()).toEqual([]);
    expect((await h.store.load()).cursor.groups ?? {}).toEqual({});
    // Read while it fires; not on the tick of its resolve, nor after.
    expect(reads).toContain(at(3 + firing));
    expect(reads.every((t) => t < at(3 + resolved))).toBe(true);
  });
});

describe('a region or account that could not be read', () => {
  it('is named in a warning with the error, and the tick goes on', async () => {
    const west = placeKey('us-west-2', undefined);
    const failed = { [west]: 'AccessDeniedException: not authorized' };
    const h = setup();
    const fetch = h.deps.source.fetch.bind(h.deps.source);
    h.deps.source.fetch = async (req: FetchRequest) => {
      const f = await fetch(req);
      return { ...f, places: { all: [placeKey('us-east-1', undefined), west], failed: { ...failed } } };
    };
    const r = await h.tick(at(5));
    expect(r.evaluated).not.toBeNull();
    expect(h.lines.filter((l) => l.level === 'warn')).toEqual([
      { level: 'warn', msg: 'cannot read the metrics of a region or account; its models are judged next tick', extra: { place: west, error: 'AccessDeniedException: not authorized' } },
    ]);
  });
});

describe('invocation-log counts', () => {
  it('are read only when a rule judged reads them, up to the minute the log delay has delivered', async () => {
    const calls: { models: string[]; from: number; to: number }[] = [];
    const logs = { buckets: async (models: string[], from: number, to: number) => (calls.push({ models, from, to }), []) };
    await setup({ logs }).tick(at(5));
    expect(calls).toEqual([]);
    const completion = `${RULES}  - name: completion-rate
    kind: completion
    window: 15m
    min_requests: 50
    tiers:
      critical: { below: 80%, for: 15m }
    next_check: See the breakdown.
`;
    const h = setup({ logs }, completion);
    await h.tick(at(5));
    const r = await h.tick(at(6));
    expect(r.evaluated?.minutes).toBe(1);
    expect(calls).toHaveLength(2);
    // log_delay 5m, publication_delay 2m: the logs lag the metrics by three minutes.
    const latest = latestVisibleMinute(at(6), 2 * MINUTE);
    expect(calls[1].to).toBe(latest + MINUTE - 3 * MINUTE);
    // The read window starts the rules' lookback (completion-rate's window six times: 90 minutes) before
    // the minute judged; the log counts read start those three minutes earlier, to be shifted onto it.
    expect(calls[1].from).toBe(latest - 90 * MINUTE - 3 * MINUTE);
    expect([...calls[1].models].sort()).toEqual([MODEL, OTHER]);
  });
});

describe('slow rules (read every detail_every)', () => {
  it('are judged on the ticks that read them, the fast ones every tick: each fires and resolves once', async () => {
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
  - name: latency-p95
    kind: threshold
    metric: InvocationLatency
    stat: p95
    tiers:
      critical: { above: 10s, for: 10m }
    next_check: Look at output tokens per request.
`;
    // MODEL: server errors in minutes 10-19; OTHER: 20 s latency in minutes 10-29.
    const slowTrace = traceOf(T0, {
      [MODEL]: { 'Invocations:Sum': runs([100, 60]), 'InvocationServerErrors:Sum': [...runs([0, 10]), ...runs([30, 10]), ...runs([0, 40])], 'InvocationLatency:p95': runs([800, 60]) },
      [OTHER]: { 'Invocations:Sum': runs([100, 60]), 'InvocationServerErrors:Sum': runs([0, 60]), 'InvocationLatency:p95': [...runs([800, 10]), ...runs([20_000, 20]), ...runs([800, 30])] },
    });
    const h = setup({}, rules, slowTrace);
    const reports: TickReport[] = [];
    for (let t = at(3); t <= at(55); t += MINUTE) reports.push(await h.tick(t));
    const kinds = reports.flatMap((r) => r.transitions.map((t) => `${t.kind} ${t.state.rule} ${t.state.labels.ModelId}`));
    expect([...kinds].sort()).toEqual([`firing latency-p95 ${OTHER}`, `firing server-errors ${MODEL}`, `resolved latency-p95 ${OTHER}`, `resolved server-errors ${MODEL}`]);
    expect(kinds.indexOf(`firing latency-p95 ${OTHER}`)).toBeLessThan(kinds.indexOf(`resolved latency-p95 ${OTHER}`));
    expect(kinds.indexOf(`firing server-errors ${MODEL}`)).toBeLessThan(kinds.indexOf(`resolved server-errors ${MODEL}`));
    expect(h.sent().sort()).toEqual([`resolve ${MODEL}`, `resolve ${OTHER}`, `trigger ${MODEL}`, `trigger ${OTHER}`]);
    // Every tick judges one new minute of the fast rules; the slow ones wait for the ticks that read them.
    expect(reports.slice(1).every((r) => r.evaluated?.minutes === 1)).toBe(true);
    const state = await h.store.load();
    expect(state.cursor.lastMinute).toBe(latestVisibleMinute(at(55), 2 * MINUTE));
    expect(state.cursor.slowMinute).toBeLessThanOrEqual(state.cursor.lastMinute!);
    expect(state.cursor.slowMinute).toBeGreaterThan(state.cursor.lastMinute! - 5 * MINUTE);
  });
});

describe('a fast composite rule that reads a slow rule', () => {
  it('is judged with that rule every tick: fires when both its conditions breach and resolves with them', async () => {
    // detail_every 5m: latency-p95 (for 10m) could wait for the slow reads on its own; both (for 1m) is judged
    // every tick and reads it, so latency-p95 is judged every tick too (groupRules).
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
  - name: latency-p95
    kind: threshold
    metric: InvocationLatency
    stat: p95
    tiers:
      critical: { above: 10s, for: 10m }
    next_check: Look at output tokens per request.
  - { name: both, kind: composite, all: [{ rule: server-errors }, { rule: latency-p95 }], next_check: Both at once., tiers: { critical: { for: 1m } } }
`;
    // MODEL: 30% server errors and 20 s latency from minute 10 to minute 40.
    const slowTrace = traceOf(T0, {
      [MODEL]: {
        'Invocations:Sum': runs([100, 100]),
        'InvocationServerErrors:Sum': [...runs([0, 10]), ...runs([30, 30]), ...runs([0, 60])],
        'InvocationLatency:p95': [...runs([800, 10]), ...runs([20_000, 30]), ...runs([800, 60])],
      },
    });
    const h = setup({}, rules, slowTrace);
    const fired: string[] = [];
    for (let t = at(3); t <= at(35); t += MINUTE) for (const x of (await h.tick(t)).transitions) fired.push(`${x.kind} ${x.state.rule} ${(x.minute - T0) / MINUTE}`);
    // The composite fires before latency-p95 does: it reads latency-p95's observation of the minute, not its alert.
    expect(fired).toEqual(['firing server-errors 13', 'firing both 19', 'firing latency-p95 28']);
    expect(h.sent()).toEqual([`trigger ${MODEL}`, `trigger ${MODEL}`, `trigger ${MODEL}`]);
    // And it resolves with them: the rules a rule judged every tick reads are judged every tick too, so no
    // tick judges the composite without latency-p95's observation of the minute (which kept it firing).
    const resolved: string[] = [];
    for (let t = at(36); t <= at(95); t += MINUTE) for (const x of (await h.tick(t)).transitions) resolved.push(`${x.kind} ${x.state.rule}`);
    expect(resolved.sort()).toEqual(['resolved both', 'resolved latency-p95', 'resolved server-errors']);
  });
});

describe('invocation-log counts on the ticks that judge their rules', () => {
  // detail_every 5m: server-errors (for 1m) is judged every tick, completion-rate (for 15m) every five minutes.
  const rules = (extra = '') => `
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
  - name: completion-rate
    kind: completion
    window: 15m
    min_requests: 50
    tiers:
      critical: { below: 80%, for: 15m }
    next_check: See the breakdown.
${extra}`;
  const ticksReading = async (yaml: string) => {
    const reads: number[] = [];
    const h = setup({ logs: { buckets: async () => (reads.push(h.now()), []) } }, yaml);
    for (let t = at(3); t <= at(13); t += MINUTE) await h.tick(t);
    return reads.map((t) => (t - T0) / MINUTE);
  };

  it('are read on the slow ticks only when only slow rules read them', async () => {
    // The slow rules' ticks: the first (3), then every five minutes.
    expect(await ticksReading(rules())).toEqual([3, 8, 13]);
  });

  it('are read every tick when a fast composite rule reads a rule that reads them', async () => {
    const both = `  - { name: both, kind: composite, all: [{ rule: server-errors }, { rule: completion-rate }], next_check: Both at once., tiers: { critical: { for: 1m } } }\n`;
    expect(await ticksReading(rules(both))).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
  });
});

describe('silences while nothing fires at the end of the tick', () => {
  it('hold back an alert that fires and resolves within one catch-up tick', async () => {
    const silence: Silence = { id: 's1', matchers: [`ModelId="${MODEL}"`], author: 'ana', comment: 'maintenance', startsAt: at(0), endsAt: at(120), createdAt: at(0) };
    const quiet = setup({ silences: { current: async () => [silence] } });
    const loud = setup();
    for (const h of [quiet, loud]) {
      await h.tick(at(3));
      // 37 minutes missed: the errors of minutes 10-19 fire and resolve within this one tick.
      const r = await h.tick(at(40));
      expect(r.transitions.map((t) => t.kind)).toEqual(['firing', 'resolved']);
      expect((await h.store.load()).alerts).not.toEqual({});
    }
    expect(loud.sent()).toEqual([`trigger ${MODEL}`, `resolve ${MODEL}`]);
    expect(quiet.sent()).toEqual([]);
  });
});

describe('a silence added after the trigger', () => {
  it('holds back the resolve, the silences read while only the alert\'s group is open', async () => {
    const reads: number[] = [];
    let silences: Silence[] = [];
    const h = setup({ silences: { current: async (now) => (reads.push(now), silences) } });
    let t = at(3);
    for (; !h.notifiers.sent.length; t += MINUTE) await h.tick(t);
    expect(h.sent()).toEqual([`trigger ${MODEL}`]);
    silences = [{ id: 's1', matchers: [`ModelId="${MODEL}"`], author: 'ana', comment: 'known incident', startsAt: t, endsAt: at(120), createdAt: t }];
    let resolvedAt = 0;
    for (; t <= at(45); t += MINUTE) if ((await h.tick(t)).transitions.some((x) => x.kind === 'resolved')) resolvedAt = t;
    expect(resolvedAt).toBeGreaterThan(0);
    expect(reads).toContain(resolvedAt);
    expect(h.sent()).toEqual([`trigger ${MODEL}`]);
  });
});

describe('escalation', () => {
  const ESCALATING = `
receivers:
  - { name: sns-oncall, type: sns }
  - { name: sns-exec, type: sns }
routes:
  critical: []
  escalation: { critical: oncall }
escalation:
  oncall:
    steps:
      - { after: 0m, receivers: [sns-oncall] }
      - { after: 3m, receivers: [sns-exec] }
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
  const timeline = (h: ReturnType<typeof setup>) => h.notifiers.sent.map((c) => `${(Date.parse(c.notification.at) - T0) / MINUTE} ${c.notification.action} ${c.receiver}`);

  it('goes on step by step across ticks, and the resolve reaches every step told', async () => {
    const h = setup({}, ESCALATING);
    for (let t = at(3); t <= at(45); t += MINUTE) await h.tick(t);
    const fired = Date.parse(h.notifiers.sent[0].notification.at);
    const m = (fired - T0) / MINUTE;
    expect(timeline(h)).toEqual([`${m} trigger sns-oncall`, `${m + 3} escalate sns-exec`, expect.stringMatching(/ resolve sns-oncall$/), expect.stringMatching(/ resolve sns-exec$/)]);
  });

  it('stops at a group acknowledged (Slack, PagerDuty, the CLI)', async () => {
    const h = setup({}, ESCALATING);
    const load = h.store.load.bind(h.store);
    let acks: Record<string, GroupAck> = {};
    h.store.load = async () => ({ ...(await load()), groupAcks: acks });
    let t = at(3);
    for (; !h.notifiers.sent.length; t += MINUTE) await h.tick(t);
    const [group] = Object.values((await h.store.load()).cursor.escalations ?? {});
    acks = { [group.key]: { key: group.key, ackedBy: 'ana', ackedAt: t, via: 'cli' } };
    for (; t <= at(35); t += MINUTE) await h.tick(t);
    expect(timeline(h).filter((l) => l.includes('escalate'))).toEqual([]);
  });

  it('a silence from after the trigger holds back the resolve, read while only the escalation group is open', async () => {
    const reads: number[] = [];
    let silences: Silence[] = [];
    const h = setup({ silences: { current: async (now) => (reads.push(now), silences) } }, ESCALATING);
    let t = at(3);
    for (; !h.notifiers.sent.length; t += MINUTE) await h.tick(t);
    silences = [{ id: 's1', matchers: [`ModelId="${MODEL}"`], author: 'ana', comment: 'known incident', startsAt: t, endsAt: at(120), createdAt: t }];
    let resolvedAt = 0;
    for (; t <= at(45); t += MINUTE) if ((await h.tick(t)).transitions.some((x) => x.kind === 'resolved')) resolvedAt = t;
    expect(resolvedAt).toBeGreaterThan(0);
    expect(reads).toContain(resolvedAt);
    expect(timeline(h).filter((l) => l.includes('resolve'))).toEqual([]);
  });
});

describe('models.include patterns that match no model seen', () => {
  const rules = `
receivers:
  - { name: sns-alerts, type: sns }
routes:
  critical: [sns-alerts]
settings: { detail_every: 1m }
rules:
  - name: latency-p95
    kind: threshold
    metric: InvocationLatency
    stat: p95
    models: { include: ['amazon.nova-lite*', 'mistral.*'] }
    tiers:
      critical: { above: 10s, for: 5m }
    next_check: Look at output tokens per request.
`;
  it('are said again exactly when the answer changes, with the models seen, sorted', async () => {
    // The trace has OTHER only; the baselines know another model each tick.
    let known = [MODEL];
    const baselines: Baselines = { ...NO_BASELINES, models: () => known };
    const only = traceOf(T0, { [OTHER]: { 'Invocations:Sum': runs([100, 60]), 'InvocationLatency:p95': runs([800, 60]) } });
    const h = setup({ baselines: async () => baselines }, rules, only);
    const warned = () => h.lines.filter((l) => l.level === 'warn').map((l) => [l.msg, l.extra.modelsSeen]);
    await h.tick(at(5));
    await h.tick(at(6));
    expect(warned()).toEqual([['models.include pattern "mistral.*" of rule latency-p95 matches no model seen', [MODEL, OTHER]]]);
    known = ['mistral.mistral-large-2402-v1:0'];
    await h.tick(at(7));
    await h.tick(at(8));
    expect(warned()).toEqual([
      ['models.include pattern "mistral.*" of rule latency-p95 matches no model seen', [MODEL, OTHER]],
      ['models.include pattern "amazon.nova-lite*" of rule latency-p95 matches no model seen', [OTHER, 'mistral.mistral-large-2402-v1:0']],
    ]);
  });
});

describe('models.include patterns whose texts run together', () => {
  it('are each said when the unmatched ones change, though rule:pattern texts joined without a break would read alike', async () => {
    // Exact model ids: first the third one is seen (x and y match nothing), then x and y (the third matches nothing).
    // Said as "a:x" "a:y" and as "a:xa:y": one text if nothing kept them apart.
    const x = 'amazon.nova-lite-v1:0';
    const y = 'amazon.nova-pro-v1:0';
    const xy = `${x}a:${y}`;
    const rules = `
receivers:
  - { name: sns-alerts, type: sns }
routes:
  critical: [sns-alerts]
settings: { detail_every: 1m }
rules:
  - name: a
    kind: threshold
    metric: InvocationLatency
    stat: p95
    models: { include: ['${x}', '${y}', '${xy}'] }
    tiers:
      critical: { above: 10s, for: 5m }
    next_check: Look at output tokens per request.
`;
    let known = [xy];
    const baselines: Baselines = { ...NO_BASELINES, models: () => known };
    const none = traceOf(T0, {});
    const h = setup({ baselines: async () => baselines }, rules, none);
    const warned = () => h.lines.filter((l) => l.level === 'warn').map((l) => l.msg);
    await h.tick(at(5));
    expect(warned()).toEqual([`models.include pattern "${x}" of rule a matches no model seen`, `models.include pattern "${y}" of rule a matches no model seen`]);
    known = [x, y];
    await h.tick(at(6));
    expect(warned().slice(2)).toEqual([`models.include pattern "${xy}" of rule a matches no model seen`]);
  });
});

describe('slow rules judged over several minutes at once', () => {
  // detail_every 5m: output tokens wait for the slow read (every five minutes), server errors do not.
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
  - name: output-tokens
    kind: threshold
    metric: OutputTokenCount
    stat: Sum
    window: 1m
    evidence: window
    tiers:
      critical: { above: 100000, for: 1m }
    next_check: Look at who sends the long prompts.
`;
  // OTHER: 200k output tokens a minute in minutes 7-19.
  const tokens = traceOf(T0, {
    [MODEL]: { 'Invocations:Sum': runs([100, 60]), 'InvocationServerErrors:Sum': runs([0, 60]), 'OutputTokenCount:Sum': runs([1000, 60]) },
    [OTHER]: { 'Invocations:Sum': runs([100, 60]), 'InvocationServerErrors:Sum': runs([0, 60]), 'OutputTokenCount:Sum': [...runs([1000, 7]), ...runs([200_000, 13]), ...runs([1000, 40])] },
  });

  it('report and send what they decide on the tick that reads them', async () => {
    const h = setup({}, rules, tokens);
    const reports: TickReport[] = [];
    for (let t = at(3); t <= at(13); t += MINUTE) reports.push(await h.tick(t));
    // Tick 13 judges minute 10 for the fast rules and minutes 6-10 for the slow ones: pending on minute 7, firing on 8.
    expect(reports.slice(0, -1).every((r) => r.transitions.length === 0)).toBe(true);
    const last = reports[reports.length - 1];
    expect(last.evaluated?.minutes).toBe(1);
    expect(last.transitions.map((t) => [t.kind, t.state.rule, t.state.labels.ModelId, (t.minute - T0) / MINUTE])).toEqual([['firing', 'output-tokens', OTHER, 8]]);
    expect(h.sent()).toEqual([`trigger ${OTHER}`]);
  });

  it('report their failures on the tick that reads them', async () => {
    const baselines: Baselines = { ...NO_BASELINES, expect: () => { throw new RangeError('corrupt baseline item'); } };
    const h = setup({ baselines: async () => baselines }, rules, tokens);
    for (let t = at(3); t < at(8); t += MINUTE) await h.tick(t);
    const r = await h.tick(at(8));
    expect(r.evaluated?.minutes).toBe(1);
    expect(r.failedRules.map((f) => [f.rule, f.model, f.minutes])).toEqual([['output-tokens', MODEL, 5], ['output-tokens', OTHER, 5]]);
  });
});
