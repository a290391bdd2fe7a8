/** Hand-built Frames and rule configs for engine tests: minutes are slot indexes from T0. */
import { evaluate, observe } from '../../shared/engine/evaluate';
import { fingerprint } from '../../shared/engine/fingerprint';
import { NO_BASELINES, type Baselines, type KindContext, type Observation } from '../../shared/engine/types';
import { type AlertState, type Transition } from '../../shared/core/alert';
import { Config, type Rule } from '../../shared/rules/schema';
import { MINUTE } from '../../shared/core/time';
import { type Frame, type Series } from '../../shared/core/series';

/** Data minute 0 of every hand-built frame. */
export const T0 = Date.parse('2026-10-05T12:00:00.000Z');
/** The data minute (ms) of slot `i`. */
export const minute = (i: number): number => T0 + i * MINUTE;
/** The slot of a data minute (ms). */
export const slot = (ms: number): number => (ms - T0) / MINUTE;

/** `[value, count]` runs concatenated: runs([100, 3], [null, 2]) = [100, 100, 100, null, null]. */
export const runs = (...parts: [number | null, number][]): Series => parts.flatMap(([v, n]) => new Array<number | null>(n).fill(v));

/** A Frame from per-model series keyed `Metric:Stat`; shorter series are padded with "no datapoint". */
export function frameOf(models: Record<string, Record<string, Series>>, from = T0): Frame {
  const length = Math.max(0, ...Object.values(models).flatMap((m) => Object.values(m).map((s) => s.length)));
  const out: Frame['models'] = {};
  for (const [model, byKey] of Object.entries(models)) {
    out[model] = {};
    for (const [key, s] of Object.entries(byKey)) out[model][key] = [...s, ...new Array<null>(length - s.length).fill(null)];
  }
  return { from, length, period: MINUTE, models: out };
}

/** Requests and errors per minute of one model, for a server-error ratio rule. */
export const errorTraffic = (requests: Series, errors: Series): Record<string, Series> => ({
  'Invocations:Sum': requests,
  'InvocationServerErrors:Sum': errors,
});

type RuleInput = Record<string, unknown>;

/** A server-error ratio rule (rules.yml spelling, so units go through the real schema); override any field. */
export const serverErrorRule = (over: RuleInput = {}): RuleInput => ({
  name: 'server-errors',
  kind: 'ratio',
  numerator: 'InvocationServerErrors',
  denominator: 'Invocations',
  next_check: 'Check the AWS Health Dashboard.',
  window: '1m',
  min_requests: 20,
  keep_firing_for: '3m',
  // These helpers pin the window rule and its `for`; test/engine/evidence.test.ts pins the sequential default.
  evidence: 'window',
  tiers: { critical: { above: '5%', for: '5m' } },
  ...over,
});

/** A p95 latency threshold rule; override any field. */
export const latencyRule = (over: RuleInput = {}): RuleInput => ({
  name: 'latency-p95',
  kind: 'threshold',
  metric: 'InvocationLatency',
  stat: 'p95',
  next_check: 'Look at OutputTokenCount per request.',
  window: '5m',
  min_requests: 10,
  evidence: 'window',
  tiers: { critical: { above: '10s', for: '1m' } },
  ...over,
});

/** A typed Config through the real schema (defaults and unit parsing included). */
export const configOf = (rules: RuleInput[], rest: RuleInput = {}): Config => Config.parse({ ...rest, rules });

/** Baselines that expect the same value for every model, series and hour; records what was asked. */
export function fixedBaselines(value: number, confidence: 'none' | 'low' | 'ok' = 'ok') {
  const asked: { model: string; series: string; hour: number }[] = [];
  const baselines: Baselines = {
    ...NO_BASELINES,
    expect(model, series, hour) {
      asked.push({ model, series, hour });
      return { value, confidence, hours: confidence === 'ok' ? 24 * 14 : 6 };
    },
  };
  return { baselines, asked };
}

/**
 * One rule's observation of one model at frame slot `index`. Ratio and threshold rules read only
 * the frame and the baselines, so the rest of the context is left neutral.
 */
export function observeAt(rule: Rule, frame: Frame, model: string, index: number, baselines: Baselines = NO_BASELINES): Observation {
  const ctx = { frame, index, minute: frame.from + index * frame.period, baselines, spend: {}, tz: 'UTC', peer: () => null };
  return observe(rule, model, ctx as unknown as KindContext);
}

export interface MinuteByMinute {
  transitions: Transition[];
  /** Stored states after each evaluated slot. */
  after: Map<number, Record<string, AlertState>>;
  states: Record<string, AlertState>;
}

/**
 * Evaluates slots `from..to` one evaluate() call per minute, threading the states through as
 * ticks do; each minute is decided `delay` minutes after it starts.
 */
export function evaluateMinutes(
  config: Config,
  frame: Frame,
  opts: { from?: number; to?: number; states?: Record<string, AlertState>; baselines?: Baselines; delay?: number } = {},
): MinuteByMinute {
  const { from = 0, to = frame.length - 1, baselines = NO_BASELINES, delay = 3 } = opts;
  let states = opts.states ?? {};
  const transitions: Transition[] = [];
  const after = new Map<number, Record<string, AlertState>>();
  for (let i = from; i <= to; i++) {
    const out = evaluate({ config, frame, states, baselines, minutes: [{ minute: minute(i), at: minute(i + delay) }] });
    states = out.states;
    transitions.push(...out.transitions);
    after.set(i, structuredClone(states));
  }
  return { transitions, after, states };
}

export const fp = (rule: string, model: string): string => fingerprint(rule, { ModelId: model });

/** Transitions as `kind tier @slot` lines, easy to compare and to read in a failure. */
export const timeline = (ts: Transition[]): string[] =>
  ts.map((t) => `${t.kind} ${t.kind === 'resolved' ? t.fromTier : t.state.tier} ${t.state.labels.ModelId} @${slot(t.minute)}`);
