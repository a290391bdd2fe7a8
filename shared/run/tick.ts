/**
 * One evaluate tick: read → decide → persist → deliver. Each step is idempotent, so a tick
 * re-run with the same `now` (EventBridge delivers at least once) records and sends nothing twice,
 * and anything unsent is retried by the next tick.
 */
import { evaluate, type RuleError } from '../engine/evaluate';
import { targetOfLabels } from '../core/target';
import { lookbackMinutes, needsLogs, seriesNeeded } from '../engine/needs';
import { unmatchedIncludes } from '../engine/select';
import { mergeLogSeries, type LogSource } from '../sources/logs';
import type { Baselines } from '../engine/types';
import type { Transition } from '../core/alert';
import type { Config } from '../rules/schema';
import { route, type Muted } from '../route/route';
import type { RouteEnv } from '../route/labels';
import { compileRoute, type RouteNode } from '../route/tree';
import type { SilenceStore } from '../state/silences';
import { MINUTE } from '../core/time';
import { type MetricSource } from '../sources/types';
import { ConcurrentTickError, type OutboxItem, type StateStore } from '../state/types';
import { deliverOutbox, type NotifierLookup } from './deliver-outbox';

/** The slice of a logger the run needs (Powertools' Logger fits; so does a silent one). */
export interface Log {
  info(msg: string, ...extra: Record<string, unknown>[]): void;
  warn(msg: string, ...extra: Record<string, unknown>[]): void;
  error(msg: string, ...extra: Record<string, unknown>[]): void;
}

export interface TickDeps {
  config: Config;
  source: MetricSource;
  store: StateStore;
  baselines: (now: number) => Promise<Baselines>;
  notifiers: NotifierLookup;
  /** Invocation-log counts, for completion rules. */
  logs?: LogSource;
  log: Log;
  /** In-tick delivery retries (the simulated clock passes a no-op sleep). */
  sleep?: (ms: number) => Promise<void>;
  /** Active silences (`bedrock-watch silence add`); none when absent. */
  silences?: SilenceStore;
  /** Account and region the stack runs in, named in every message. */
  env?: RouteEnv;
}

export interface TickReport {
  now: string;
  evaluated: { from: string; to: string; minutes: number } | null;
  transitions: Transition[];
  decided: number;
  delivered: number;
  failed: number;
  /** Rule × model evaluations that threw this tick (the other rules were evaluated); published as RuleErrors. */
  ruleErrors: number;
  failedRules: RuleError[];
  skipped?: string;
  /** Messages held back this tick (silences, inhibition, mute windows), with the reason. */
  muted: Muted[];
}

/** What was last said per rules config, so a warm Lambda warns when the answer changes, not every minute. */
const includeWarnings = new WeakMap<Config, string>();

/** A models.include glob that matches no model seen: most likely a typo, and the rule watches nothing. */
function warnUnmatchedIncludes(config: Config, models: string[], log: Log): void {
  const unmatched = unmatchedIncludes(config.rules, models);
  const said = unmatched.map((u) => `${u.rule}:${u.pattern}`).join('\n');
  if (includeWarnings.get(config) === said) return;
  includeWarnings.set(config, said);
  for (const u of unmatched) log.warn(`models.include pattern "${u.pattern}" of rule ${u.rule} matches no model seen`, { rule: u.rule, pattern: u.pattern, modelsSeen: models });
}
const trees = new WeakMap<Config, RouteNode>();
/** The route tree of a config, compiled once per loaded config (the handler keeps its config warm). */
const treeOf = (config: Config): RouteNode => {
  let t = trees.get(config);
  if (!t) trees.set(config, (t = compileRoute(config)));
  return t;
};

/** The newest data minute CloudWatch has published at `now`. */
export const latestVisibleMinute = (now: number, delayMs: number): number => Math.floor((now - delayMs) / MINUTE) * MINUTE - MINUTE;

export async function runTick(deps: TickDeps, now: number): Promise<TickReport> {
  const { config, store } = deps;
  const s = config.settings;
  const state = await store.load();
  const latest = latestVisibleMinute(now, s.publication_delay);
  const oldest = latest - s.max_catch_up + MINUTE;
  const first = Math.max(state.cursor.lastMinute !== null ? state.cursor.lastMinute + MINUTE : latest, oldest);
  const report: TickReport = { now: new Date(now).toISOString(), evaluated: null, transitions: [], decided: 0, delivered: 0, failed: 0, ruleErrors: 0, failedRules: [], muted: [] };

  let pending = state.cursor.pending;
  if (first <= latest) {
    const minutes = [];
    for (let m = first; m <= latest; m += MINUTE) minutes.push({ minute: m, at: now });
    const baselines = await deps.baselines(now);
    const knownModels = [...new Set([...Object.values(state.alerts).flatMap((a) => targetOfLabels(a.labels) ?? []), ...baselines.models(), ...state.logModels].filter(Boolean))].sort();
    const frame = await deps.source.fetch({
      keys: seriesNeeded(config.rules),
      from: first - lookbackMinutes(config.rules) * MINUTE,
      to: latest + MINUTE,
      period: MINUTE,
      knownModels,
    });
    for (const [place, error] of Object.entries(frame.places?.failed ?? {})) {
      deps.log.warn('cannot read the metrics of a region or account; its models are judged next tick', { place, error });
    }
    if (deps.logs && needsLogs(config.rules)) {
      const models = [...new Set([...Object.keys(frame.models), ...knownModels])];
      const lag = Math.max(0, Math.round((s.log_delay - s.publication_delay) / MINUTE));
      const end = frame.from + (frame.length - lag) * MINUTE;
      mergeLogSeries(frame, await deps.logs.buckets(models, frame.from - lag * MINUTE, end), lag);
    }
    warnUnmatchedIncludes(config, [...new Set([...Object.keys(frame.models), ...knownModels])].sort(), deps.log);
    const result = evaluate({ config, frame, states: state.alerts, baselines, minutes, knownModels, spend: state.cursor.spend });
    const silences = deps.silences ? await deps.silences.current(now) : [];
    const routed = route({ config, tree: treeOf(config), states: result.states, transitions: result.transitions, groups: state.cursor.groups ?? {}, silences, env: deps.env, now });
    const outbox: OutboxItem[] = routed.notifications.map((n, i) => ({
      id: n.id,
      seq: now * 1000 + i,
      notification: n,
      status: 'pending',
      attempts: 0,
      createdAt: now,
      nextAttemptAt: now,
      leaseUntil: null,
      sentAt: null,
      lastError: null,
    }));
    try {
      // Decide, then deliver: the outbox holds every notification before any HTTP call.
      await store.putOutbox(outbox);
      const touched = new Set([...result.changed, ...routed.touched]);
      pending = [...new Set([...state.cursor.pending, ...outbox.map((o) => o.id)])];
      const next = { ...state.cursor, lastMinute: latest, spend: result.spend, pending, journal: [], groups: routed.groups };
      await store.commit(state.cursor, next, [...touched].map((fp) => result.states[fp]));
    } catch (e) {
      if (e instanceof ConcurrentTickError) {
        deps.log.warn(e.message);
        return { ...report, skipped: e.message };
      }
      throw e;
    }
    report.evaluated = { from: new Date(first).toISOString(), to: new Date(latest).toISOString(), minutes: minutes.length };
    report.transitions = result.transitions;
    report.decided = outbox.length;
    report.ruleErrors = result.ruleErrors.length;
    report.failedRules = result.ruleErrors;
    for (const f of result.ruleErrors) deps.log.error('rule failed; the other rules were evaluated', { ...f });
    report.muted = routed.muted;
    for (const m of routed.muted) deps.log.info('notification held back', { kind: m.kind, reason: m.reason, rule: m.rule, labels: m.labels, receiver: m.receiver });
    for (const t of result.transitions) {
      deps.log.info(`alert ${t.kind}`, { rule: t.state.rule, labels: t.state.labels, tier: t.state.tier ?? t.state.maxTier, text: t.state.text });
    }
  }

  const d = await deliverOutbox(store, deps.notifiers, pending, now, deps.log, deps.sleep);
  report.delivered = d.delivered;
  report.failed = d.failed;
  return report;
}
