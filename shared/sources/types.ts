/** What a metric source gives the engine: a Frame (shared/core/series) for the requested series and minutes. */
import type { Frame, SeriesKey } from '../core/series';

export interface FetchRequest {
  /** The metric/statistic pairs the rules use; a source asks for nothing else. */
  keys: SeriesKey[];
  /** Inclusive start, ms, aligned to period. */
  from: number;
  /** Exclusive end, ms, aligned to period. */
  to: number;
  /** 60_000 or 3_600_000. */
  period: number;
  /** Models known from state or baselines, fetched even when discovery no longer lists them. */
  knownModels?: string[];
  /** Only these places (shared/core/target placeKey) of a source reading several; all when absent. */
  places?: string[];
  /**
   * Only these targets (error counts some models need and others provably do not: engine/cadence
   * countTargetsToRead): one MetricStat query per target and key, no search, no other model in the frame.
   */
  models?: string[];
}

export interface MetricSource {
  fetch(req: FetchRequest): Promise<Frame>;
  /**
   * The same window account-wide (no ModelId dimension: one metric per key), under the model
   * `*` of each place (engine/cadence accountTarget). Optional: without it, or for a place it
   * has no series of, error counts are read per model.
   */
  fetchAccount?(req: Omit<FetchRequest, 'knownModels'>): Promise<Frame>;
}
