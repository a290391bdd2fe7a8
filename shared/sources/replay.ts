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

  /** The visible datapoints of every model with any in the window. */
  private read(req: Omit<FetchRequest, 'knownModels'>): Frame {
    const visibleTo = Math.floor((this.clock.now() - this.clock.delayMs) / MINUTE) * MINUTE; // minutes closing by then
    const length = Math.max(0, Math.round((req.to - req.from) / req.period));
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
          const offset = (req.from - this.trace.from) / MINUTE;
          const visible = Math.min(length, (visibleTo - req.from) / MINUTE);
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
            for (let i = 0; i < visible; i++) {
              const v = src[offset + i];
              if (v !== undefined && v !== null) {
                values[i] = v;
                any = true;
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
    const perModel = this.read(req);
    for (const key of req.keys) {
      const { metric, stat } = parseSeriesKey(key);
      if (stat !== 'Sum' || !COUNT_METRICS.has(metric)) throw new Error(`ReplaySource: no account-wide replay of ${key} (counting metrics' Sum only)`);
    }
    // One account-wide series per place of the trace (a trace with region and account fields keys its models by place).
    const models: Frame['models'] = {};
    const seen = new Set(Object.keys(this.trace.series).map(placeOfTarget));
    const places = [...(seen.size ? seen : [placeKey(undefined, undefined)])].filter((p) => !req.places || req.places.includes(p));
    for (const place of places) {
      const { region, account } = parseTarget(`${place}|${ACCOUNT}`);
      const out: Record<SeriesKey, (number | null)[]> = {};
      for (const key of req.keys) {
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
    return { from: perModel.from, length: perModel.length, period: perModel.period, models };
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
