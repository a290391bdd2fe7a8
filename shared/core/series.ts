/**
 * What a metric source gives the engine: per-minute CloudWatch datapoints of AWS/Bedrock,
 * per model, with "no datapoint" kept distinct from 0 (Bedrock publishes nothing for a
 * minute without invocations).
 */

/** A CloudWatch metric and statistic, written `Metric:Stat`, e.g. `InvocationLatency:p95`. */
export type SeriesKey = string;

const keys = new Map<string, Map<string, SeriesKey>>();

/** `Metric:Stat`; the same string object every time (rules ask for their keys every minute of every model). */
export function seriesKey(metric: string, stat: string): SeriesKey {
  let byStat = keys.get(metric);
  if (!byStat) {
    if (keys.size > 10_000) keys.clear();
    keys.set(metric, (byStat = new Map()));
  }
  let key = byStat.get(stat);
  if (key === undefined) byStat.set(stat, (key = `${metric}:${stat}`));
  return key;
}

export function parseSeriesKey(key: SeriesKey): { metric: string; stat: string } {
  const i = key.lastIndexOf(':');
  return { metric: key.slice(0, i), stat: key.slice(i + 1) };
}

/** The pseudo-model an account-wide frame (MetricSource.fetchAccount) keeps its series under. */
export const ACCOUNT = '*';

/**
 * Per-model error counts of earlier reads, kept only for minutes whose account-wide sum was not
 * zero (engine/cadence.ts): key → account pseudo-target → data minute (ms) → that sum and every
 * target's published value (a target absent had no datapoint).
 */
export type HeldCounts = Record<SeriesKey, Record<string, Record<string, { total: number; values: Record<string, number> }>>>;

/** Dense per-minute values: index i is minute `from + i*period`; `null` means no datapoint. */
export type Series = (number | null)[];

export interface Frame {
  /** First timestamp (ms since epoch, aligned to `period`). */
  from: number;
  /** Number of slots in every series. */
  length: number;
  /** Period of one slot in ms (60_000 for minute data, 3_600_000 for hourly). */
  period: number;
  /** target key (shared/core/target: the ModelId, or region, account and ModelId) → seriesKey → values. A model absent here had no datapoint at all. */
  models: Record<string, Record<SeriesKey, Series>>;
  /**
   * When several regions or accounts are read: every place asked (`region|account`), and those whose
   * read failed this time with the error. Targets of a failed place are absent from `models` and must
   * be judged as unknown, not as silent.
   */
  places?: { all: string[]; failed: Record<string, string> };
}

export function emptyFrame(from: number, to: number, period: number): Frame {
  return { from, length: Math.max(0, Math.round((to - from) / period)), period, models: {} };
}

/** What is held of one count at one account-wide target: data minute (ms, as a string) → its sum and the targets' values. */
export type HeldMinutes = HeldCounts[SeriesKey][string];
export type HeldMinute = HeldMinutes[string];

const minuteKeys = new Map<number, string>();

/** `String(ms)`, the key a held minute is stored under; the same string object every time (every tick holds the window's minutes again). */
export function minuteKey(ms: number): string {
  let key = minuteKeys.get(ms);
  if (key === undefined) {
    if (minuteKeys.size > 10_000) minuteKeys.clear();
    minuteKeys.set(ms, (key = String(ms)));
  }
  return key;
}

/**
 * Every held minute with its key as a number and whether the key is written as String(that
 * number) (only those can be found by a lookup of a formatted minute). Worked out once for an
 * object that cannot change (frozen), not per lookup.
 */
type Indexed = [minute: number, at: HeldMinute, canonical: boolean][];
const indexes = new WeakMap<HeldMinutes, Indexed>();

export function heldEntries(held: HeldMinutes): readonly Indexed[number][] {
  let index = indexes.get(held);
  if (index) return index;
  index = [];
  for (const m of Object.keys(held)) {
    const n = Number(m);
    index.push([n, held[m], String(n) === m]);
  }
  if (Object.isFrozen(held)) indexes.set(held, index);
  return index;
}

/**
 * An empty plain object that V8 keeps as a hash table from the start (deleting a property that was
 * not the last one added does that; keys still enumerate in insertion order). Each tick holds the
 * window's minutes in new objects under keys no object had before: added one by one to `{}`, every
 * key would make a new hidden class, several times slower.
 */
function hashObject<T>(): Record<string, T> {
  const o: Record<string, unknown> = { a: 0, b: 0 };
  delete o.a;
  delete o.b;
  return o as Record<string, T>;
}

/**
 * Held minutes frozen (each minute, its values and the map), their index kept: what
 * engine/cadence.ts completeCounts holds for the next tick, which looks them up by slot without
 * parsing the keys again.
 */
export function holdMinutes(minutes: [number, HeldMinute][]): HeldMinutes {
  const out = hashObject<HeldMinute>();
  const index: Indexed = [];
  for (const [n, at] of minutes) {
    // (a minute held again as it was is frozen already)
    if (!Object.isFrozen(at)) Object.freeze(Object.freeze(at).values);
    out[minuteKey(n)] = at;
    index.push([n, at, true]);
  }
  Object.freeze(out);
  indexes.set(out, index);
  return out;
}

/**
 * Held minutes by slot of a grid of `length` slots from `from`: index i is what
 * `held[String(from + i * period)]` gives (undefined: nothing held then). A pass over what is
 * held, so a scan of a window looks each minute up by its index instead of formatting its
 * timestamp and hashing the string, once per minute and model.
 */
export function heldBySlot(held: HeldMinutes | undefined, from: number, length: number, period: number): (HeldMinute | undefined)[] {
  const out = new Array<HeldMinute | undefined>(length).fill(undefined);
  if (!held) return out;
  for (const [n, at, canonical] of heldEntries(held)) {
    const i = (n - from) / period;
    if (canonical && Number.isInteger(i) && i >= 0 && i < length) out[i] = at;
  }
  return out;
}
