/**
 * Which per-model series a tick must request, and which rules it can judge, when GetMetricData
 * is billed per metric requested (not per datapoint): the fetch plan that keeps detection delays.
 *
 * Rules are split by how soon they must be judged. A rule is "slow" when it measures something
 * that can wait `detail_every` (token volumes and spend: waitsByMeasure),
 * or when every tier must hold for at least `detail_every - schedule` anyway. Slow rules' series
 * are read every `detail_every` (one request covers every minute since the last read, one metric
 * per series and model however many minutes), and every tick while one of their alerts is on the
 * move (pending, escalating, clearing). The state machine walks data minutes in order either way,
 * so a slow rule judges the same minutes the same way; one slow by its `for` fires on the same
 * tick, one slow by what it measures at most `detail_every - schedule` later. Counts, latency and
 * availability ("fast" rules) are judged every tick.
 *
 * Error counts are read account-wide first (one metric each, no ModelId dimension), every tick
 * for the fast rules: a count is never negative, so an account-wide sum of 0 in a minute proves
 * every model's count 0 (or unpublished) there. Per-model counts are requested only when a minute
 * of the window has a non-zero account-wide sum that the per-model values held from an earlier
 * read (Cursor.held, checked against the same sum) do not already explain: minutes already held
 * are never requested again, and minutes proven zero are filled as zeros, so the frame the engine
 * judges is the one reading every series per model would give.
 *
 * Pure: no clock, no I/O.
 */
import type { RatioRule, Rule } from '../rules/schema';
import { tierRank, type Tier } from '../core/alert';
import { seriesNeeded } from './needs';
import type { AlertState } from '../core/alert';
import { ACCOUNT, heldBySlot, heldEntries, holdMinutes, type Frame, type HeldMinute, type HeldMinutes, type HeldCounts, type Series, type SeriesKey } from '../core/series';
import { parseTarget, placeOfTarget, targetKey, targetOfLabels } from '../core/target';

/** Error counts a one-metric account-wide read can prove to be zero for every model. */
export const SENTINEL_SERIES: ReadonlySet<SeriesKey> = new Set(['InvocationThrottles:Sum', 'InvocationServerErrors:Sum', 'InvocationClientErrors:Sum']);

/** Token volumes: what spend is made of, judged as well a few minutes late. */
const TOKEN_METRICS: ReadonlySet<string> = new Set(['InputTokenCount', 'OutputTokenCount']);

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

/**
 * Whether a rule can wait for `detail_every` by what it measures: token volumes and spend.
 * Counts (requests, errors, throttles), latency and availability cannot. Rules that read no
 * per-minute series (week over week, invocation-log rules) cost nothing to judge every tick and
 * are grouped by their `for` alone.
 */
export function waitsByMeasure(r: Rule): boolean {
  switch (r.kind) {
    case 'cost':
    case 'budget':
      return true;
    case 'baseline':
      return r.series === 'cost' || r.series === 'tokens' || TOKEN_METRICS.has(r.series);
    case 'threshold':
      return TOKEN_METRICS.has(r.metric);
    default:
      return false;
  }
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
  const byName = new Map(rules.map((r) => [r.name, r]));
  // Running spend accumulates tokens minute by minute in the pass that judges cost and budget rules,
  // so those always wait for the tokens.
  const waits = new Map(rules.map((r) => [r.name, detailEvery > schedule && withPeers(r, byName).every((p) => waitsByMeasure(p) || shortestFor(p) >= detailEvery - schedule)]));
  // A composite reads its rules' observations of the minute it judges, in the same pass: every rule a
  // rule judged every tick reads is judged every tick too (else, on a tick whose slow pass judges
  // other minutes, the composite could not read it, and its alert would keep its state).
  for (const r of rules) if (!waits.get(r.name)) for (const p of withPeers(r, byName)) waits.set(p.name, false);
  return { fast: rules.filter((r) => !waits.get(r.name)), slow: rules.filter((r) => waits.get(r.name)) };
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
  /** Per-model series read every tick (the fast rules' series but their error counts). */
  always: SeriesKey[];
  /** Error counts of the fast rules: read account-wide every tick, per model only where that read is not zero (countReads). */
  fastSentinel: SeriesKey[];
  /** Error counts only slow rules read: the same, when the slow rules are judged. */
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
    // Invocations is read every tick whatever the rules: it says which models exist and stay silent.
    const fastKeys: SeriesKey[] = groups.fast.length ? seriesNeeded(groups.fast.flatMap((r) => withPeers(r, byName))) : ['Invocations:Sum'];
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
  // detail_every at the schedule reads everything per model every tick: the reference design.
  const tiered = detailEvery > minute * Math.max(1, Math.round(input.schedule / minute));
  const sentinel = (k: SeriesKey) => tiered && SENTINEL_SERIES.has(k);
  return {
    fastFrom,
    slowFrom: groups.slow.length === 0 ? null : due ? slowStart : null,
    always: fastKeys.filter((k) => !sentinel(k)),
    fastSentinel: fastKeys.filter(sentinel),
    sentinel: slowKeys.filter((k) => SENTINEL_SERIES.has(k)),
    slow: slowKeys.filter((k) => !SENTINEL_SERIES.has(k)),
    groups,
  };
}

/** The account-wide pseudo-target of a place (`*` for a deployment watching one place). */
export function accountTarget(place: string): string {
  // Asked several times a tick per place and count: worked out once per place.
  let acct = accountTargets.get(place);
  if (acct === undefined) {
    if (accountTargets.size > 10_000) accountTargets.clear();
    const { region, account } = parseTarget(`${place}|${ACCOUNT}`);
    accountTargets.set(place, (acct = targetKey({ modelId: ACCOUNT, region, account })));
  }
  return acct;
}
const accountTargets = new Map<string, string>();

/** Whether the account-wide frame shows any event of `key` at all (a non-zero datapoint). */
export function accountHas(account: Frame | undefined, key: SeriesKey, place = placeOfTarget(ACCOUNT)): boolean {
  const s = account?.models[accountTarget(place)]?.[key];
  return !!s && s.some((v) => v !== null && v !== 0);
}

export type { HeldCounts };

/**
 * At most this many minutes and values are held (a few KB of the cursor item), sparsest counts
 * first: an account with errors every minute reads them per model every tick anyway.
 */
export const MAX_HELD_VALUES = 600;

/**
 * Which error counts must be read per model, per place: those with a minute whose account-wide
 * sum is not zero and not explained by what is held (a place with no account-wide series at all,
 * e.g. a source without account-wide reads: every key).
 */
export function countReads(keys: SeriesKey[], account: Frame | undefined, held: HeldCounts | undefined, places: string[]): Map<string, SeriesKey[]> {
  const out = new Map<string, SeriesKey[]>();
  for (const place of places) {
    const acct = accountTarget(place);
    const series = account?.models[acct];
    const need = keys.filter((key) => {
      const s = series?.[key];
      if (!s || !account) return true;
      const h = held?.[key]?.[acct];
      let slots: ReturnType<typeof heldBySlot> | undefined;
      for (let i = 0; i < s.length; i++) {
        const v = s[i];
        // (undefined: a hole, which Array.prototype.some skipped)
        if (v === null || v === 0 || v === undefined) continue;
        slots ??= heldBySlot(h, account.from, s.length, account.period);
        if (slots[i]?.total !== v) return true;
      }
      return false;
    });
    if (need.length) out.set(place, need);
  }
  return out;
}

/**
 * Completes the error counts the tick did not read per model (`read`: place → keys read), from the
 * account-wide frame: a minute whose sum is 0 or unpublished is 0 for every model with requests
 * then and no datapoint otherwise (as Bedrock publishes it); a non-zero minute is what was held.
 * Returns what to hold for the next tick (every non-zero minute of the window, from the frame).
 */
export function completeCounts(
  frame: Frame,
  keys: SeriesKey[],
  account: Frame,
  held: HeldCounts | undefined,
  read: Map<string, SeriesKey[]>,
  places: string[],
  /** Counts read for some targets only (`${place}\u0000${key}` → those targets, countTargetsToRead): the others are completed. */
  readSome?: Map<string, Set<string>>,
): HeldCounts {
  const next: HeldCounts = {};
  // (the minutes of each, built into the held object only when it is kept)
  const candidates: { key: SeriesKey; acct: string; keep: [number, HeldMinute][]; count: number; same: HeldMinutes | undefined }[] = [];
  const offset = Math.round((account.from - frame.from) / frame.period);
  // Every tick runs this over every model and minute of the window: each target's place is worked
  // out once per call, held minutes are looked up by slot (heldBySlot), and a minute's key is
  // formatted only for a minute that is kept.
  const placeCache = new Map<string, string>();
  const placeOf = (t: string) => {
    let p = placeCache.get(t);
    if (p === undefined) placeCache.set(t, (p = placeOfTarget(t)));
    return p;
  };
  const length = frame.length;
  // The account-wide sums on the frame's slots (null: none published then, or outside the account frame).
  const sumsAt = new Array<number | null>(length);
  for (const place of places) {
    const acct = accountTarget(place);
    const series = account.models[acct];
    if (!series) continue;
    for (const key of keys) {
      const sums = series[key];
      if (!sums) continue;
      for (let i = 0; i < length; i++) sumsAt[i] = sums[i - offset] ?? null;
      // What was held of this count by slot (the same lookup serves completing it and holding it again).
      let slots: (HeldMinute | undefined)[] | undefined;
      if (!read.get(place)?.includes(key)) {
        const h = held?.[key]?.[acct] ?? {};
        // Targets the held minutes name, even those with no other datapoint in this window.
        for (const [n, at] of heldEntries(h)) {
          const i = (n - frame.from) / frame.period;
          if (i >= 0 && i < length) for (const t of Object.keys(at.values)) frame.models[t] ??= nullSeries(frame);
        }
        slots = heldBySlot(h, frame.from, length, frame.period);
        const some = readSome?.get(`${place}\u0000${key}`);
        for (const target of Object.keys(frame.models)) {
          if (target === acct || placeOf(target) !== place || some?.has(target)) continue;
          const byKey = frame.models[target];
          const inv = byKey['Invocations:Sum'];
          const values = new Array<number | null>(length);
          for (let i = 0; i < length; i++) {
            const sum = sumsAt[i];
            if (sum === null || sum === 0) {
              const n = inv?.[i];
              values[i] = n === null || n === undefined ? null : 0;
            } else values[i] = slots[i]?.values[target] ?? null;
          }
          byKey[key] = values;
        }
      }
      const kept: [number, HeldMinute][] = [];
      let count = 0;
      const mine: (number | null)[][] = [];
      const names: string[] = [];
      for (const target of Object.keys(frame.models)) {
        if (target === acct || placeOf(target) !== place) continue;
        names.push(target);
        mine.push(frame.models[target][key]);
      }
      // A minute held last tick with the same sum and values is held again as it is (frozen already):
      // the window moves one minute a tick, so most minutes are.
      const before = slots ?? heldBySlot(held?.[key]?.[acct], frame.from, length, frame.period);
      for (let i = 0; i < length; i++) {
        const sum = sumsAt[i];
        if (sum === null || sum === 0) continue;
        let n = 0;
        for (let j = 0; j < mine.length; j++) {
          const v = mine[j]?.[i];
          if (v !== null && v !== undefined) n++;
        }
        count += 1 + n;
        const was = before[i];
        if (was && was.total === sum && Object.isFrozen(was) && Object.isFrozen(was.values) && sameValues(was.values, names, mine, i)) {
          kept.push([frame.from + i * frame.period, was]);
          continue;
        }
        const values: Record<string, number> = {};
        for (let j = 0; j < mine.length; j++) {
          const v = mine[j]?.[i];
          if (v !== null && v !== undefined) values[names[j]] = v;
        }
        kept.push([frame.from + i * frame.period, { total: sum, values }]);
      }
      if (count) candidates.push({ key, acct, keep: kept, count, same: sameHeld(held?.[key]?.[acct], kept) });
    }
  }
  // The sparsest counts first: holding pays off where errors are rare, not where every minute brings new ones.
  let total = 0;
  for (const c of candidates.sort((a, b) => a.count - b.count)) {
    if (total + c.count > MAX_HELD_VALUES) break;
    total += c.count;
    // The same minutes as held last tick, each held again as it was: that frozen object itself (most ticks, where errors are sparse).
    (next[c.key] ??= {})[c.acct] = c.same ?? holdMinutes(c.keep);
  }
  return next;
}

/**
 * The held minutes `before` when `kept` is exactly them (the same minutes in the same order, each
 * the same frozen object): what holdMinutes(kept) would build, already built and frozen.
 */
function sameHeld(before: HeldMinutes | undefined, kept: [number, HeldMinute][]): HeldMinutes | undefined {
  if (!before || !Object.isFrozen(before)) return undefined;
  const index = heldEntries(before);
  if (index.length !== kept.length) return undefined;
  for (let j = 0; j < kept.length; j++) {
    const [n, at, canonical] = index[j];
    if (!canonical || n !== kept[j][0] || at !== kept[j][1]) return undefined;
  }
  return before;
}

/**
 * Whether held values are the ones slot `i` of the targets' series would hold: the same targets
 * with a datapoint, in the same order, with the same values.
 */
function sameValues(values: Record<string, number>, names: string[], series: (number | null)[][], i: number): boolean {
  let j = 0;
  for (const name in values) {
    while (j < series.length && (series[j]?.[i] === null || series[j]?.[i] === undefined)) j++;
    if (j === series.length || names[j] !== name || series[j][i] !== values[name]) return false;
    j++;
  }
  for (; j < series.length; j++) if (series[j]?.[i] !== null && series[j]?.[i] !== undefined) return false;
  return true;
}

/** A count whose errors were too dense to hold is read per model directly this long before the account-wide read is tried again. */
export const BUSY_FOR = 10 * 60_000;

const busyKey = (key: SeriesKey, place: string) => `${key}@${accountTarget(place)}`;

/** The counts to read account-wide, per place: all but those found busy (errors in every window) until `busy` says otherwise. */
export function countProbes(keys: SeriesKey[], places: string[], busy: Record<string, number> | undefined, latest: number): Map<string, SeriesKey[]> {
  const out = new Map<string, SeriesKey[]>();
  for (const place of places) {
    const probe = keys.filter((k) => !((busy?.[busyKey(k, place)] ?? -Infinity) > latest));
    if (probe.length) out.set(place, probe);
  }
  return out;
}

/**
 * The counts busy from now on: read account-wide this tick, still needed per model, and too dense
 * to hold (errors somewhere in every window): the account-wide read would prove nothing next tick
 * either, so it is skipped for BUSY_FOR. Entries that have not expired are kept.
 */
export function nextBusy(busy: Record<string, number> | undefined, reads: Map<string, SeriesKey[]>, account: Frame | undefined, held: HeldCounts, latest: number): Record<string, number> {
  const out = Object.fromEntries(Object.entries(busy ?? {}).filter(([, until]) => until > latest));
  for (const [place, keys] of reads) {
    const acct = accountTarget(place);
    for (const k of keys) if (account?.models[acct]?.[k] && !held[k]?.[acct]) out[busyKey(k, place)] = latest + BUSY_FOR;
  }
  return out;
}

/** An empty entry for a target first seen in held counts: every series of the frame, no datapoint. */
function nullSeries(frame: Frame): Record<SeriesKey, (number | null)[]> {
  const keys = new Set(Object.values(frame.models).flatMap((m) => Object.keys(m)));
  return Object.fromEntries([...keys].map((k) => [k, new Array<number | null>(frame.length).fill(null)]));
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

/**
 * The rules a per-model error count feeds, when an upper bound on it bounds them: ratio rules
 * whose numerator holds the count (a denominator may hold it too, as throttles do: the rate
 * k / (n + k) still grows with k), reading no other error count, with no composite reading them.
 * Null when some rule reads the count another way (a threshold, a baseline, a composite, a
 * denominator alone): a lower count could move those, so the count is read per model.
 */
export function boundedBy(rules: Rule[], key: SeriesKey): RatioRule[] | null {
  // The same for a loaded rule list every tick: worked out once per list and count.
  let byKey = bounded.get(rules);
  if (!byKey) bounded.set(rules, (byKey = new Map()));
  let b = byKey.get(key);
  if (b === undefined) byKey.set(key, (b = boundedByOf(rules, key)));
  return b;
}
const bounded = new WeakMap<Rule[], Map<SeriesKey, RatioRule[] | null>>();

function boundedByOf(rules: Rule[], key: SeriesKey): RatioRule[] | null {
  const out: RatioRule[] = [];
  const readers = new Set<string>();
  for (const r of rules) {
    if (!seriesNeeded([r]).includes(key)) continue;
    readers.add(r.name);
    if (r.kind !== 'ratio') return null;
    const all = [...r.numerator, ...r.denominator].map((m) => `${m}:Sum`);
    if (!r.numerator.some((m) => `${m}:Sum` === key)) return null;
    if (all.some((k) => k !== key && SENTINEL_SERIES.has(k))) return null;
    if (Object.values(r.tiers).some((t) => t && typeof t.above !== 'number')) return null;
    out.push(r);
  }
  if (rules.some((r) => r.kind === 'composite' && r.all.some((c) => readers.has(c.rule)))) return null;
  return out;
}

/**
 * The targets of a place whose per-model count `key` must be read this tick; the others cannot
 * move any rule reading it toward a tier whatever their counts are, and are left unread.
 *
 * A model's count in a minute is at most the account-wide sum (counts are never negative), less
 * what other models are held to have had in that minute. A ratio tier needs, over a run of minutes
 * ending at the judged minute, more events than its limit × requests and at least `min_events`
 * events (kinds/ratio.ts: sequential and window evidence alike). When the bound gives no run ending
 * at a judged minute both, for the lowest tier of every rule reading the count, and none of those
 * rules has an alert of the model pending or firing, the model's real count — anything from 0 to
 * the bound — leaves it where it is: inactive, no transition. Runs are taken back to the frame's
 * start (longer than any evidence span or adaptive window), so the check does not depend on them.
 */
export function countTargetsToRead(input: {
  rules: Rule[];
  states: Record<string, AlertState>;
  frame: Frame;
  account: Frame;
  held: HeldCounts | undefined;
  key: SeriesKey;
  place: string;
  /** First and last data minute any rule judges this tick. */
  first: number;
  last: number;
}): string[] {
  const { frame, account, key, place } = input;
  const acct = accountTarget(place);
  const targets = Object.keys(frame.models).filter((t) => t !== acct && placeOfTarget(t) === place);
  const rules = boundedBy(input.rules, key);
  const sums = account.models[acct]?.[key];
  if (!rules || !sums) return targets;
  const moving = new Set<string>();
  const names = new Set(rules.map((r) => r.name));
  for (const s of Object.values(input.states)) {
    if (!names.has(s.rule) || s.status === 'inactive') continue;
    const t = targetOfLabels(s.labels);
    if (t) moving.add(t);
  }
  const offset = Math.round((account.from - frame.from) / frame.period);
  const length = frame.length;
  const slots = heldBySlot(input.held?.[key]?.[acct], frame.from, length, frame.period);
  const firstIdx = Math.max(0, Math.round((input.first - frame.from) / frame.period));
  const lastIdx = Math.min(length - 1, Math.round((input.last - frame.from) / frame.period));
  // What does not depend on the target, worked out once per call: the account-wide sum on each
  // slot, what the held values leave of it, and each rule's lowest limit and series.
  const sumAt = new Array<number | null>(length);
  const restAt = new Array<number>(length).fill(0);
  for (let i = 0; i < length; i++) {
    const sum = sums[i - offset] ?? null;
    sumAt[i] = sum;
    const at = slots[i];
    if (sum !== null && sum > 0 && at && at.total === sum) restAt[i] = Math.max(0, sum - Object.values(at.values).reduce((a, b) => a + b, 0));
  }
  const checks = rules.map((r) => ({
    limit: Math.min(...Object.values(r.tiers).flatMap((t) => (t ? [t.above as number] : []))),
    num: r.numerator.map((m) => `${m}:Sum`),
    den: r.denominator.map((m) => `${m}:Sum`),
    minEvents: Math.max(1, r.min_events),
  }));
  const need: string[] = [];
  const bound = new Array<number>(length).fill(0);
  const events = new Array<number>(Math.max(0, lastIdx + 1)).fill(0);
  const requests = new Array<number>(Math.max(0, lastIdx + 1)).fill(0);
  for (const target of targets) {
    if (moving.has(target)) {
      need.push(target);
      continue;
    }
    for (let i = 0; i < length; i++) {
      const sum = sumAt[i];
      if (sum === null || sum <= 0) {
        bound[i] = 0;
        continue;
      }
      const at = slots[i];
      if (at && at.total === sum) bound[i] = target in at.values ? at.values[target] : restAt[i];
      else bound[i] = sum;
    }
    const byKey = frame.models[target];
    // The count read is its bound; a series the target lacks counts 0.
    const seriesOf = (k: string): Series | number[] | undefined => (k === key ? bound : byKey[k]);
    let could = false;
    for (const { limit, num, den, minEvents } of checks) {
      if (firstIdx > lastIdx) break;
      // Each minute's events and requests, summed over the rule's series in the order the scan sums them.
      const numSeries = num.map(seriesOf);
      const denSeries = den.map(seriesOf);
      for (let s = 0; s <= lastIdx; s++) {
        let e = 0;
        for (let j = 0; j < numSeries.length; j++) e += numSeries[j]?.[s] ?? 0;
        let q = 0;
        for (let j = 0; j < denSeries.length; j++) q += denSeries[j]?.[s] ?? 0;
        events[s] = e;
        requests[s] = q;
      }
      for (let t = firstIdx; t <= lastIdx && !could; t++) {
        let total = 0;
        let excess = 0;
        for (let s = t; s >= 0; s--) {
          const e = events[s];
          total += e;
          excess += e - limit * requests[s];
          if (excess > 0 && total >= minEvents) {
            could = true;
            break;
          }
        }
      }
      if (could) break;
    }
    if (could) need.push(target);
  }
  return need;
}
