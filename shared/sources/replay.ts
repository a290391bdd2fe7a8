/**
 * A MetricSource over a recorded trace, on a simulated clock: it shows only datapoints that
 * CloudWatch would already have published at `now()` (a minute is published `delay` after it
 * closes), so a backtest cannot see the future.
 */
import type { MetricTrace } from './trace';
import { MINUTE } from '../core/time';
import { parseSeriesKey, type Frame, type SeriesKey } from '../core/series';
import { type FetchRequest, type MetricSource } from './types';
import { COUNT_METRICS } from '../rules/metrics';
import { mean, median } from '../core/stats';

export class ReplaySource implements MetricSource {
  readonly stats = { calls: 0, metrics: 0 };

  constructor(
    private readonly trace: MetricTrace,
    private readonly clock: { now(): number; delayMs: number },
  ) {}

  async fetch(req: FetchRequest): Promise<Frame> {
    this.stats.calls++;
    const visibleTo = Math.floor((this.clock.now() - this.clock.delayMs) / MINUTE) * MINUTE; // minutes closing by then
    const length = Math.max(0, Math.round((req.to - req.from) / req.period));
    const frame: Frame = { from: req.from, length, period: req.period, models: {} };
    for (const [model, byKey] of Object.entries(this.trace.series)) {
      const out: Record<SeriesKey, (number | null)[]> = {};
      let any = false;
      for (const key of req.keys) {
        const src = byKey[key];
        const values: (number | null)[] = new Array(length).fill(null);
        if (src && req.period === MINUTE) {
          // Minute data is the trace itself: copy the visible slots.
          const offset = (req.from - this.trace.from) / MINUTE;
          const visible = Math.min(length, (visibleTo - req.from) / MINUTE);
          for (let i = 0; i < visible; i++) {
            const v = src[offset + i];
            if (v !== undefined && v !== null) {
              values[i] = v;
              any = true;
            }
          }
        } else if (src) {
          for (let i = 0; i < length; i++) {
            const start = req.from + i * req.period;
            values[i] = this.slot(src, key, start, Math.min(start + req.period, visibleTo));
            if (values[i] !== null) any = true;
          }
        }
        out[key] = values;
      }
      if (any) {
        frame.models[model] = out;
        this.stats.metrics += req.keys.length;
      }
    }
    for (const m of req.knownModels ?? []) frame.models[m] ??= Object.fromEntries(req.keys.map((k) => [k, new Array(length).fill(null)]));
    return frame;
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
