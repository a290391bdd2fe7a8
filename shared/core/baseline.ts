/** Learned baselines as stored and read: hourly histories and the compact expectations a tick reads. */
/** none: no history; low: thin history (never pages); ok. */
export type Confidence = 'none' | 'low' | 'ok';

export interface History {
  /** Hour (ms) of values[0]. */
  start: number;
  values: (number | null)[];
  /** Legacy (hours once left out of learning): ignored, dropped on the next write. */
  excluded?: number[];
}

export interface SeriesExpectation {
  /** Expected value per hour for [start, start + 72h). */
  values: (number | null)[];
  confidence: Confidence;
  /** Per hour, how its value was formed: w (same hour of past weeks), d (past days of the same kind), m (any past day: a first weekend), - (none). */
  basis?: string;
  /** Robust spread of hourly log-ratios (volume series), for "deviations" rules. */
  spread: number | null;
  hours: number;
}

export interface WeekOverWeek {
  current: number;
  previous: number;
  /** Requests in the smaller of the two windows: the evidence behind the comparison. */
  requests: number;
  /** tokens_per_request: the direction (input or output tokens) that changed most. */
  direction?: 'input' | 'output';
}

export interface ModelExpectations {
  model: string;
  /** One past the newest learned hour. */
  asOf: number;
  /** First hour of every `values` array (asOf − 24 h). */
  start: number;
  series: Record<string, SeriesExpectation>;
  wow: { tokens_per_request?: WeekOverWeek; tokens?: WeekOverWeek; latency_p95?: WeekOverWeek };
  cost: { monthStart: number; monthToDate: number | null; forecast: number | null; dailyExpected: number | null };
}

export type ModelHistories = Record<string, History>;
