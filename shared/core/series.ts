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
