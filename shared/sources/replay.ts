/**
 * A MetricSource over a recorded trace, on a simulated clock: it shows only datapoints that
 * CloudWatch would already have published at `now()` (a minute is published `delay` after it
 * closes), so a backtest cannot see the future.
 */
import type { MetricTrace } from './trace';
import { MINUTE } from '../core/time';
import { ACCOUNT, parseSeriesKey, type Frame, type SeriesKey } from '../core/series';
import { parseTarget, placeKey, placeOfTarget, targetKey } from '../core/target';
import { type FetchRequest, type MetricSource } from './types';
import { COUNT_METRICS } from '../rules/metrics';
import { mean, median } from '../core/stats';

export class ReplaySource implements MetricSource {
  /** Calls and billed metrics (the replay attributes them to the handler that asked). */
  readonly stats = { calls: 0, metrics: 0 };

  constructor(
    private readonly trace: MetricTrace,
    private readonly clock: { now(): number; delayMs: number },
  ) {}

  async fetch(req: FetchRequest): Promise<Frame> {
    this.stats.calls++;
    const frame = this.read(req);
    // Billed as a SEARCH is: one metric per series that has data in the window; named models as MetricStat queries are, one each.
    this.count(req.period, (req.models ? req.models.length : Object.keys(frame.models).length) * req.keys.length);
    for (const m of req.knownModels ?? []) if (this.asked(req, m)) frame.models[m] ??= Object.fromEntries(req.keys.map((k) => [k, new Array(frame.length).fill(null)]));
    return frame;
  }

  private count(period: number, metrics: number): void {
    this.stats.metrics += metrics;
  }

  /** Whether a request covers this target's place (all places when it names none). */
  private asked(req: Pick<FetchRequest, 'places' | 'models'>, target: string): boolean {
    return (!req.places || req.places.includes(placeOfTarget(target))) && (!req.models || req.models.includes(target));
  }

  /**
   * A request's slots: how many, the minute publishing has reached by now (minutes closing by then),
   * and for minute data the trace index of its first slot and how many of its slots are published.
   */
  private span(req: Pick<FetchRequest, 'from' | 'to' | 'period'>): { visibleTo: number; length: number; offset: number; visible: number } {
    const visibleTo = Math.floor((this.clock.now() - this.clock.delayMs) / MINUTE) * MINUTE;
    const length = Math.max(0, Math.round((req.to - req.from) / req.period));
    return { visibleTo, length, offset: (req.from - this.trace.from) / MINUTE, visible: Math.min(length, (visibleTo - req.from) / MINUTE) };
  }

  /** The visible datapoints of every model with any in the window. */
  private read(req: Omit<FetchRequest, 'knownModels'>): Frame {
    const { visibleTo, length, offset, visible } = this.span(req);
    const frame: Frame = { from: req.from, length, period: req.period, models: {} };
    for (const [model, byKey] of Object.entries(this.trace.series)) {
      if (!this.asked(req, model)) continue;
      const out: Record<SeriesKey, (number | null)[]> = {};
      let any = false;
      for (const key of req.keys) {
        const src = byKey[key];
        let values: (number | null)[];
        if (src && req.period === MINUTE) {
          // Minute data is the trace itself: copy the visible slots (one slice where the trace covers them).
          if (offset >= 0 && visible > 0 && Number.isInteger(offset) && Number.isInteger(visible) && offset + visible <= src.length) {
            values = src.slice(offset, offset + visible);
            for (let i = 0; i < visible; i++) {
              if (values[i] === undefined) values[i] = null;
              else if (values[i] !== null) any = true;
            }
            values.length = length;
            values.fill(null, visible);
          } else {
            values = new Array(length).fill(null);
            // Only the slots the trace holds: an index before its start is a slow property lookup
            // (a window reaching back past the trace's first minute, on every early tick).
            if (Number.isInteger(offset)) {
              const end = Math.min(visible, src.length - offset);
              for (let i = Math.max(0, -offset); i < end; i++) {
                const v = src[offset + i];
                if (v !== undefined && v !== null) {
                  values[i] = v;
                  any = true;
                }
              }
            }
          }
        } else if (src) {
          values = new Array(length).fill(null);
          for (let i = 0; i < length; i++) {
            const start = req.from + i * req.period;
            values[i] = this.slot(src, key, start, Math.min(start + req.period, visibleTo));
            if (values[i] !== null) any = true;
          }
        } else values = new Array(length).fill(null);
        out[key] = values;
      }
      if (any) frame.models[model] = out;
    }
    return frame;
  }

  /**
   * Account-wide series as CloudWatch publishes them without the ModelId dimension: the sum of
   * every model's counts (counting metrics only; other statistics do not add up across models).
   */
  async fetchAccount(req: Omit<FetchRequest, 'knownModels'>): Promise<Frame> {
    this.stats.calls++;
    for (const key of req.keys) {
      const { metric, stat } = parseSeriesKey(key);
      if (stat !== 'Sum' || !COUNT_METRICS.has(metric)) throw new Error(`ReplaySource: no account-wide replay of ${key} (counting metrics' Sum only)`);
    }
    const { length, offset, visible } = this.span(req);
    // Minute data: each place's sums worked out once per trace, sliced as a per-model read is (the same sums, added in the same order).
    const sliced = req.period === MINUTE && Number.isInteger(offset) && Number.isInteger(visible);
    const perModel = sliced ? undefined : this.read(req);
    // One account-wide series per place of the trace (a trace with region and account fields keys its models by place).
    const models: Frame['models'] = {};
    const seen = this.models().places;
    const places = (seen.length ? seen : [placeKey(undefined, undefined)]).filter((p) => !req.places || req.places.includes(p));
    for (const place of places) {
      const { region, account } = parseTarget(`${place}|${ACCOUNT}`);
      const out: Record<SeriesKey, (number | null)[]> = {};
      for (const key of req.keys) {
        if (!perModel) {
          const sums = this.placeSums(place, key);
          const total: (number | null)[] = new Array(length).fill(null);
          for (let i = Math.max(0, -offset); i < visible && offset + i < sums.length; i++) total[i] = sums[offset + i];
          out[key] = total;
          continue;
        }
        const total: (number | null)[] = new Array(perModel.length).fill(null);
        for (const [target, byKey] of Object.entries(perModel.models)) {
          if (placeOfTarget(target) !== place) continue;
          const s = byKey[key];
          for (let i = 0; i < perModel.length; i++) if (s[i] !== null) total[i] = (total[i] ?? 0) + (s[i] as number);
        }
        out[key] = total;
      }
      models[targetKey({ modelId: ACCOUNT, region, account })] = out;
      this.count(req.period, req.keys.length);
    }
    return { from: req.from, length, period: req.period, models };
  }

  /** The trace's models and their places, in the trace's order (worked out again if its models change). */
  private modelList: { models: string[]; places: string[]; placeOf: string[] } | undefined;
  private models(): { models: string[]; places: string[]; placeOf: string[] } {
    const models = Object.keys(this.trace.series);
    const cached = this.modelList;
    if (cached && cached.models.length === models.length && cached.models.every((m, i) => m === models[i])) return cached;
    const placeOf = models.map(placeOfTarget);
    return (this.modelList = { models, places: [...new Set(placeOf)], placeOf });
  }

  /**
   * A place's per-minute sum of `key` over the whole trace (null: no model has a datapoint then),
   * each minute added model by model in the trace's order, as fetchAccount adds a per-model read.
   * Kept while the place's models and their series are the same arrays of the same lengths.
   */
  private readonly sums = new Map<string, { models: string[]; byModel: ((number | null)[] | undefined)[]; lengths: number[]; sums: (number | null)[] }>();
  private placeSums(place: string, key: SeriesKey): (number | null)[] {
    const { models, placeOf } = this.models();
    const id = `${place}\u0000${key}`;
    const cached = this.sums.get(id);
    if (cached && cached.models === models) {
      let same = true;
      for (let m = 0; m < models.length && same; m++) {
        if (placeOf[m] !== place) continue;
        const src = this.trace.series[models[m]][key];
        same = src === cached.byModel[m] && (src?.length ?? 0) === cached.lengths[m];
      }
      if (same) return cached.sums;
    }
    const byModel = models.map((m, j) => (placeOf[j] === place ? this.trace.series[m][key] : undefined));
    const sums: (number | null)[] = new Array(Math.max(0, ...byModel.map((s) => s?.length ?? 0))).fill(null);
    for (const src of byModel) {
      if (!src) continue;
      for (let i = 0; i < src.length; i++) {
        const v = src[i];
        if (v !== null && v !== undefined) sums[i] = (sums[i] ?? 0) + v;
      }
    }
    this.sums.set(id, { models, byModel, lengths: byModel.map((s) => s?.length ?? 0), sums });
    return sums;
  }

  /** One slot's value: the minute itself, or an hour rolled up the way CloudWatch would (sum / mean / median of percentiles). */
  private slot(src: (number | null)[], key: SeriesKey, start: number, end: number): number | null {
    const vals: number[] = [];
    for (let t = start; t + MINUTE <= end; t += MINUTE) {
      const i = (t - this.trace.from) / MINUTE;
      const v = i >= 0 && i < src.length ? src[i] : null;
      if (v !== null) vals.push(v);
    }
    if (!vals.length) return null;
    if (vals.length === 1) return vals[0];
    const { metric, stat } = parseSeriesKey(key);
    if (stat === 'Sum' || stat === 'SampleCount' || COUNT_METRICS.has(metric)) return vals.reduce((a, b) => a + b, 0);
    if (stat === 'Maximum') return Math.max(...vals);
    if (stat === 'Minimum') return Math.min(...vals);
    if (stat === 'Average') return mean(vals);
    return median(vals); // percentiles cannot be combined exactly; the median of minute percentiles is a fair hourly figure
  }
}
