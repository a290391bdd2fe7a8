/**
 * One evaluate tick: read → decide → persist → deliver. Each step is idempotent, so a tick
 * re-run with the same `now` (EventBridge delivers at least once) records and sends nothing twice,
 * and anything unsent is retried by the next tick.
 */
import { evaluate, type EvaluateInput, type EvaluateOutput, type ObservationListener, type RuleError } from '../engine/evaluate';
import { targetOfLabels } from '../core/target';
import { accountTarget, completeCounts, countProbes, countReads, countTargetsToRead, nextBusy, planFetch, type RuleGroups } from '../engine/cadence';
import type { Frame, HeldCounts, SeriesKey } from '../core/series';
import { placeKey, placeOfTarget } from '../core/target';
import { lookbackMinutes, needsLogs } from '../engine/needs';
import { unmatchedIncludes } from '../engine/select';
import { mergeLogSeries, type LogSource } from '../sources/logs';
import type { Baselines } from '../engine/types';
import type { AlertState, Spend, Transition } from '../core/alert';
import type { Config } from '../rules/schema';
import { escalate, routePolicies } from '../route/escalate';
import { route, type Muted } from '../route/route';
import type { RouteEnv } from '../route/labels';
import { compileRoute, type RouteNode } from '../route/tree';
import type { SilenceStore } from '../state/silences';
import { MINUTE } from '../core/time';
import { type MetricSource } from '../sources/types';
import { ConcurrentTickError, type StateStore } from '../state/types';
import type { DropNotice } from '../notify/types';
import { deliverOutbox, outboxItems, type NotifierLookup } from './deliver-outbox';
import type { RunMetrics } from './metrics';

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
  /** Counters and gauges about the run itself (EMF on Lambda): rule errors, deliveries, the oldest unsent item; none when absent. */
  metrics?: RunMetrics;
  /** In-tick delivery retries (the simulated clock passes a no-op sleep). */
  sleep?: (ms: number) => Promise<void>;
  /** Every judgement the engine makes (local replays: explain, the report's charts). */
  onObservation?: ObservationListener;
  /** Milliseconds the invocation may still spend delivering (see timeLeftOf); unbounded if absent. */
  timeLeft?: () => number;
  /** Where a notification given up on is announced (the stack's SNS topic). */
  dropNotice?: DropNotice;
  /** Active silences (`bedrock-watch silence add`); none when absent. */
  silences?: SilenceStore;
  /** Account and region the stack runs in, named in every message. */
  env?: RouteEnv;
}

/**
 * Kept back from the Lambda's remaining time for what follows delivery (recording the outcome,
 * the report), so a slow receiver is abandoned and retried next tick instead of timing the Lambda out.
 */
export const DELIVERY_SAFETY_MARGIN_MS = 5_000;

export const timeLeftOf = (context: { getRemainingTimeInMillis(): number }, marginMs = DELIVERY_SAFETY_MARGIN_MS) => () =>
  context.getRemainingTimeInMillis() - marginMs;

export interface TickReport {
  now: string;
  evaluated: { from: string; to: string; minutes: number } | null;
  transitions: Transition[];
  decided: number;
  delivered: number;
  failed: number;
  /** Rule × model evaluations that threw this tick (the other rules were evaluated); published as RuleErrors. */
  dropped: number;
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
  const plan = planFetch({
    rules: config.rules,
    states: state.alerts,
    lastMinute: state.cursor.lastMinute,
    slowMinute: state.cursor.slowMinute,
    latest,
    oldest,
    detailEvery: s.detail_every,
    schedule: s.schedule,
    minute: MINUTE,
  });
  const first = plan.fastFrom;
  const report: TickReport = { now: new Date(now).toISOString(), evaluated: null, transitions: [], decided: 0, delivered: 0, failed: 0, dropped: 0, ruleErrors: 0, failedRules: [], muted: [] };

  let pending = state.cursor.pending;
  if (first <= latest) {
    const minutesFrom = (m0: number) => {
      const list = [];
      for (let m = m0; m <= latest; m += MINUTE) list.push({ minute: m, at: now });
      return list;
    };
    const minutes = minutesFrom(first);
    const slowMinutes = plan.slowFrom === null ? [] : minutesFrom(plan.slowFrom);
    const baselines = await deps.baselines(now);
    const knownModels = [...new Set([...Object.values(state.alerts).flatMap((a) => targetOfLabels(a.labels) ?? []), ...baselines.models(), ...state.logModels].filter(Boolean))].sort();
    const from = Math.min(first, plan.slowFrom ?? first) - lookbackMinutes(config.rules) * MINUTE;
    const window = { from, to: latest + MINUTE, period: MINUTE };
    const slowTick = plan.slowFrom !== null;
    // Error counts: one account-wide metric each proves them zero for every model, or says which
    // places must read them per model; minutes held from earlier reads are not requested again.
    const countKeys = [...plan.fastSentinel, ...(slowTick ? plan.sentinel : [])];
    const mainKeys = [...plan.always, ...(slowTick ? plan.slow : [])];
    const frame = await deps.source.fetch({ ...window, keys: mainKeys, knownModels });
    // The places read: the source's list, else those the series are keyed by (a replayed trace with region and account fields).
    const seen = [...new Set(Object.keys(frame.models).map(placeOfTarget))];
    const places = frame.places?.all ?? (seen.length ? seen : [placeKey(undefined, undefined)]);
    // An account-wide read pays only where it stands for two models or more.
    const shared = places.filter((p) => Object.keys(frame.models).filter((t) => placeOfTarget(t) === p).length >= 2);
    let account: Frame | undefined;
    if (deps.source.fetchAccount) {
      for (const [keys, where] of byKeys(countProbes(countKeys, shared, state.cursor.busy, latest))) {
        const part = await deps.source.fetchAccount({ ...window, keys, places: where });
        account = account ? { ...account, models: { ...account.models, ...part.models } } : part;
      }
    }
    const reads = countReads(countKeys, account, state.cursor.held, places);
    // Models whose count the account-wide bound cannot bring to a tier are not read (countTargetsToRead);
    // a run recording observations (explain, the report) reads them all, to show the real counts.
    const some = account && !deps.onObservation ? countsPerModel(config, state.alerts, frame, account, state.cursor.held, reads, Math.min(first, plan.slowFrom ?? first), latest) : new Map<string, Set<string>>();
    const full = new Map([...reads].map(([place, keys]) => [place, keys.filter((k) => !some.has(`${place}\u0000${k}`))] as const).filter(([, keys]) => keys.length));
    const requests = [
      ...byKeys(full).map(([keys, where]) => ({ ...window, keys, knownModels, places: where })),
      ...[...some].filter(([, targets]) => targets.size).map(([id, targets]) => {
        const [place, key] = id.split('\u0000');
        return { ...window, keys: [key], places: [place], models: [...targets] };
      }),
    ];
    for (const part of await Promise.all(requests.map((req) => deps.source.fetch(req)))) mergeFrame(frame, mainKeys, part);
    // Counts only slow rules read are not judged this tick: what is held of them waits for the next slow read.
    const kept = Object.fromEntries(Object.entries(state.cursor.held ?? {}).filter(([k]) => !countKeys.includes(k)));
    const completed = account ? completeCounts(frame, countKeys, account, state.cursor.held, full, places, some) : {};
    const held = { ...kept, ...completed };
    // A count is busy (its account-wide read skipped for a while) only where every model had to be read anyway.
    const busy = nextBusy(state.cursor.busy, full, account, completed, latest);
    for (const [place, error] of Object.entries(frame.places?.failed ?? {})) {
      deps.log.warn('cannot read the metrics of a region or account; its models are judged next tick', { place, error });
    }
    // Log counts only on ticks that judge a rule reading them (completion and caller rules are usually slow).
    const judged = slowMinutes.length ? config.rules : plan.groups.fast;
    if (deps.logs && (needsLogs(judged) || (needsLogs(config.rules) && judged.some((r) => r.kind === 'composite')))) {
      const models = [...new Set([...Object.keys(frame.models), ...knownModels])];
      const lag = Math.max(0, Math.round((s.log_delay - s.publication_delay) / MINUTE));
      const end = frame.from + (frame.length - lag) * MINUTE;
      mergeLogSeries(frame, await deps.logs.buckets(models, frame.from - lag * MINUTE, end), lag);
    }
    warnUnmatchedIncludes(config, [...new Set([...Object.keys(frame.models), ...knownModels])].sort(), deps.log);
    const base = { frame, baselines, knownModels, onObservation: deps.onObservation };
    // Same minutes for both groups: one pass, as if there were no groups. Otherwise the fast rules are
    // judged up to `latest`, and the slow ones (with the day's spend) only on the ticks that read them.
    const result =
      slowMinutes.length === minutes.length
        ? evaluate({ ...base, config, states: state.alerts, minutes, spend: state.cursor.spend })
        : evaluateGroups(config, plan.groups, base, state.alerts, minutes, slowMinutes, state.cursor.spend);
    // Silences mute firing alerts and the resolves of silenced ones (route.ts, escalate.ts): with none firing and no group open, nothing to read them for.
    const openGroups = Object.keys(state.cursor.groups ?? {}).length + Object.keys(state.cursor.escalations ?? {}).length > 0;
    const firing = openGroups || Object.values(result.states).some((a) => a.status === 'firing') || result.transitions.some((t) => t.kind === 'firing');
    const silences = deps.silences && firing ? await deps.silences.current(now) : [];
    const routed = route({ config, tree: treeOf(config), states: result.states, transitions: result.transitions, groups: state.cursor.groups ?? {}, silences, env: deps.env, now });
    const escalated = escalate({
      policies: config.escalation,
      policyFor: routePolicies(config, treeOf(config), deps.env),
      rules: config.rules,
      states: result.states,
      transitions: result.transitions,
      groups: state.cursor.escalations ?? {},
      groupAcks: state.groupAcks ?? {},
      env: deps.env,
      runbookBase: config.settings.runbook_base_url,
      silences,
      now,
    });
    // A resolve both the route and the policy send to one receiver has one id: keep one.
    const decided = [...new Map([...routed.notifications, ...escalated.notifications].map((n) => [n.id, n])).values()];
    const outbox = outboxItems(decided, now);
    const slowMinute = slowMinutes.length ? latest : state.cursor.slowMinute ?? state.cursor.lastMinute;
    try {
      // Decide, then deliver: the outbox holds every notification before any HTTP call.
      await store.putOutbox(outbox);
      const touched = new Set([...result.changed, ...routed.touched]);
      pending = [...new Set([...state.cursor.pending, ...outbox.map((o) => o.id)])];
      const next = { ...state.cursor, lastMinute: latest, slowMinute, spend: result.spend, pending, journal: [], groups: routed.groups, escalations: escalated.groups, held, busy };
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
    // Written only when a rule failed: a custom metric written every tick costs $0.30 a month, and no alarm reads this one.
    if (report.ruleErrors) deps.metrics?.count('RuleErrors', report.ruleErrors);
    for (const f of result.ruleErrors) deps.log.error('rule failed; the other rules were evaluated', { ...f });
    report.muted = routed.muted;
    for (const m of routed.muted) deps.log.info('notification held back', { kind: m.kind, reason: m.reason, rule: m.rule, labels: m.labels, receiver: m.receiver });
    for (const t of result.transitions) {
      deps.log.info(`alert ${t.kind}`, { rule: t.state.rule, labels: t.state.labels, tier: t.state.tier ?? t.state.maxTier, text: t.state.text });
    }
  }

  const d = await deliverOutbox(store, deps.notifiers, pending, now, { log: deps.log, sleep: deps.sleep, metrics: deps.metrics, timeLeft: deps.timeLeft, dropNotice: deps.dropNotice });
  return { ...report, ...d };
}

/**
 * For each place and count the tick would read per model: the targets that must be read
 * (engine/cadence countTargetsToRead), keyed `${place}\u0000${key}`; a count every target of its
 * place needs is left out (read as before, with its place).
 */
function countsPerModel(
  config: Config,
  states: Record<string, AlertState>,
  frame: Frame,
  account: Frame,
  held: HeldCounts | undefined,
  reads: Map<string, SeriesKey[]>,
  first: number,
  last: number,
): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const [place, keys] of reads) {
    const all = Object.keys(frame.models).filter((t) => placeOfTarget(t) === place).length;
    for (const key of keys) {
      if (!account.models[accountTarget(place)]?.[key]) continue;
      const need = countTargetsToRead({ rules: config.rules, states, frame, account, held, key, place, first, last });
      if (need.length < all) out.set(`${place}\u0000${key}`, new Set(need));
    }
  }
  return out;
}

/** Places grouped by the error counts they must read per model: one fetch per group. */
function byKeys(reads: Map<string, SeriesKey[]>): [SeriesKey[], string[]][] {
  const groups = new Map<string, [SeriesKey[], string[]]>();
  for (const [place, keys] of reads) {
    const id = keys.join(',');
    if (!groups.has(id)) groups.set(id, [keys, []]);
    groups.get(id)![1].push(place);
  }
  return [...groups.values()];
}

/** Adds a second read's series (and the places it could not read) to the tick's frame. */
function mergeFrame(frame: Frame, keys: SeriesKey[], part: Frame): void {
  for (const [target, byKey] of Object.entries(part.models)) {
    frame.models[target] ??= Object.fromEntries(keys.map((k) => [k, new Array<number | null>(frame.length).fill(null)]));
    Object.assign(frame.models[target], byKey);
  }
  if (part.places && frame.places) Object.assign(frame.places.failed, part.places.failed);
}

/** The fast rules over `minutes`, then the slow ones over `slowMinutes` (possibly none) on the states the first pass left. */
function evaluateGroups(
  config: Config,
  groups: RuleGroups,
  base: Pick<EvaluateInput, 'frame' | 'baselines' | 'knownModels' | 'onObservation'>,
  states: Record<string, AlertState>,
  minutes: EvaluateInput['minutes'],
  slowMinutes: EvaluateInput['minutes'],
  spend: Spend,
): EvaluateOutput {
  const fast = evaluate({ ...base, config: { ...config, rules: groups.fast }, states, minutes, spend });
  if (!slowMinutes.length) return { ...fast, spend };
  const slow = evaluate({ ...base, config: { ...config, rules: groups.slow }, states: fast.states, minutes: slowMinutes, spend });
  return {
    states: slow.states,
    changed: [...new Set([...fast.changed, ...slow.changed])],
    transitions: [...fast.transitions, ...slow.transitions],
    spend: slow.spend,
    ruleErrors: [...fast.ruleErrors, ...slow.ruleErrors],
  };
}
