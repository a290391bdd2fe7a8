/**
 * Which per-model series a tick must request, and which rules it can judge, when GetMetricData
 * is billed per metric requested (not per datapoint): the fetch plan that keeps detection delays.
 *
 * A rule whose every tier must hold for at least `detail_every - schedule` is "slow": its series
 * are read every `detail_every` (one request covers every minute since the last read, one metric
 * per series and model however many minutes), and every tick while one of its alerts is on the
 * move (pending, escalating, clearing). The state machine walks data minutes in order either way,
 * so a breach starting at minute m is judged at most `detail_every - schedule` later, before its
 * `for` can complete: the alert fires on the same tick as if everything were read every minute.
 * Other rules (silence, `for: 0m` tiers) are "fast": their series are read every tick.
 *
 * Error counts of the slow rules are first read account-wide (one metric each, no ModelId
 * dimension). A count is never negative, so an account-wide sum of 0 over the window proves every
 * model's count 0 (or unpublished) there: the per-model series is then known without requesting it.
 *
 * Pure: no clock, no I/O.
 */
import type { Rule } from '../rules/schema';
import { tierRank, type Tier } from '../core/alert';
import { seriesNeeded } from './needs';
import type { AlertState } from '../core/alert';
import { ACCOUNT, type Frame, type SeriesKey } from '../core/series';

/** Error counts a one-metric account-wide read can prove to be zero for every model. */
export const SENTINEL_SERIES: ReadonlySet<SeriesKey> = new Set(['InvocationThrottles:Sum', 'InvocationServerErrors:Sum', 'InvocationClientErrors:Sum']);

export interface RuleGroups {
  /** Judged every tick. */
  fast: Rule[];
  /** Judged when their series are read (every detail_every, or every tick while on the move). */
  slow: Rule[];
}

/** The shortest `for` of a rule's tiers (0 when a tier has none). */
function shortestFor(r: Rule): number {
  const tiers = Object.values(r.tiers as Record<string, { for?: number } | undefined>).filter(Boolean);
  return tiers.length ? Math.min(...tiers.map((t) => t?.for ?? 0)) : 0;
}

/** A rule and the rules a composite reads (recursively). */
function withPeers(r: Rule, byName: Map<string, Rule>, seen = new Set<string>()): Rule[] {
  if (seen.has(r.name)) return [];
  seen.add(r.name);
  if (r.kind !== 'composite') return [r];
  return [r, ...r.all.flatMap((c) => (byName.has(c.rule) ? withPeers(byName.get(c.rule) as Rule, byName, seen) : []))];
}

/** Splits the rules by how soon they must be judged; detailEvery ≤ schedule makes every rule fast. */
export function groupRules(rules: Rule[], detailEvery: number, schedule: number): RuleGroups {
  const fast: Rule[] = [];
  const slow: Rule[] = [];
  const byName = new Map(rules.map((r) => [r.name, r]));
  for (const r of rules) {
    // Running spend accumulates tokens minute by minute in the pass that judges cost and budget rules.
    const spendRule = r.kind === 'cost' || r.kind === 'budget';
    const canWait = detailEvery > schedule && (spendRule || withPeers(r, byName).every((p) => shortestFor(p) >= detailEvery - schedule));
    (canWait ? slow : fast).push(r);
  }
  return { fast, slow };
}

/** A state whose next minutes decide something: pending, a higher tier's `for` running, or clearing. */
export function inMotion(s: AlertState): boolean {
  if (s.status === 'pending') return true;
  if (s.status !== 'firing') return false;
  if (s.clearSince !== null) return true;
  return (Object.keys(s.runs) as Tier[]).some((t) => tierRank(t) > tierRank(s.tier));
}

export interface PlanInput {
  rules: Rule[];
  /** Current alert states (stored ones). */
  states: Record<string, AlertState>;
  /** Last data minute judged for the fast rules / the slow rules (null: never). */
  lastMinute: number | null;
  slowMinute: number | null;
  /** The newest published minute, and the oldest a tick may still judge (max_catch_up). */
  latest: number;
  oldest: number;
  detailEvery: number;
  /** The evaluate schedule (settings.schedule). */
  schedule: number;
  minute: number;
}

export interface FetchPlan {
  /** First data minute to judge for the fast rules (> latest: nothing to judge). */
  fastFrom: number;
  /** First data minute to judge for the slow rules, or null when they wait for a later tick. */
  slowFrom: number | null;
  /** Per-model series read every tick. */
  always: SeriesKey[];
  /** Per-model error counts read when the slow rules are judged and the account-wide read is not all zero. */
  sentinel: SeriesKey[];
  /** Other per-model series read when the slow rules are judged. */
  slow: SeriesKey[];
  groups: RuleGroups;
}

/** The grouping and series of a rules list, worked out once per list and cadence (the same every tick). */
const grouped = new WeakMap<Rule[], Map<string, { groups: RuleGroups; fastKeys: SeriesKey[]; slowKeys: SeriesKey[] }>>();

function groupsOf(rules: Rule[], detailEvery: number, schedule: number) {
  let byCadence = grouped.get(rules);
  if (!byCadence) grouped.set(rules, (byCadence = new Map()));
  const key = `${detailEvery}|${schedule}`;
  let g = byCadence.get(key);
  if (!g) {
    const groups = groupRules(rules, detailEvery, schedule);
    const byName = new Map(rules.map((r) => [r.name, r]));
    const fastKeys = seriesNeeded(groups.fast.flatMap((r) => withPeers(r, byName)));
    g = { groups, fastKeys, slowKeys: seriesNeeded(rules).filter((k) => !fastKeys.includes(k)) };
    byCadence.set(key, g);
  }
  return g;
}

export function planFetch(input: PlanInput): FetchPlan {
  const { rules, latest, oldest, detailEvery, minute } = input;
  const { groups, fastKeys, slowKeys } = groupsOf(rules, detailEvery, minute * Math.max(1, Math.round(input.schedule / minute)));
  const fastFrom = Math.max(input.lastMinute !== null ? input.lastMinute + minute : latest, oldest);
  const slowLast = input.slowMinute ?? input.lastMinute;
  const slowStart = Math.max(slowLast !== null ? slowLast + minute : latest, oldest);
  const slowNames = new Set(groups.slow.map((r) => r.name));
  const moving = Object.values(input.states).some((s) => slowNames.has(s.rule) && inMotion(s));
  const due =
    groups.slow.length > 0 &&
    slowStart <= latest &&
    (slowLast === null || latest - slowLast >= detailEvery || slowStart === oldest || moving);
  return {
    fastFrom,
    slowFrom: groups.slow.length === 0 ? null : due ? slowStart : null,
    always: fastKeys,
    sentinel: slowKeys.filter((k) => SENTINEL_SERIES.has(k)),
    slow: slowKeys.filter((k) => !SENTINEL_SERIES.has(k)),
    groups,
  };
}

/** Whether the account-wide frame shows any event of `key` at all (a non-zero datapoint). */
export function accountHas(account: Frame | undefined, key: SeriesKey): boolean {
  const s = account?.models[ACCOUNT]?.[key];
  return !!s && s.some((v) => v !== null && v !== 0);
}

/**
 * Fills a per-model count the account-wide read proved to be zero: 0 in every minute the model
 * has requests (as Bedrock publishes it), no datapoint otherwise.
 */
export function fillZeros(frame: Frame, key: SeriesKey): void {
  for (const byKey of Object.values(frame.models)) {
    const inv = byKey['Invocations:Sum'];
    byKey[key] = inv ? inv.map((v) => (v === null ? null : 0)) : new Array<number | null>(frame.length).fill(null);
  }
}
