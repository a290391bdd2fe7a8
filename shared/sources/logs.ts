/**
 * Invocation-log counts as per-minute series (`Log:finished`, `Log:truncated`, …) that join the
 * metric frame, so completion rules read them like any metric. Minutes without log records
 * stay null: missing is not zero.
 */
import { type Bucket, OUTCOMES, type Outcome } from '../core/logs';
import type { CallerSpend } from '../core/digest';
import { readBuckets } from './log-buckets';
import type { Table } from '../dynamo/table';
import { MINUTE } from '../core/time';
import { type Frame } from '../core/series';

import { callerKey, logKey } from '../core/log-keys';

export { CALLER_PREFIX, callerKey, logKey } from '../core/log-keys';
export const LOG_KEYS = [...OUTCOMES.map(logKey), logKey('requests')];

export interface LogSource {
  /** Buckets of [from, to) for these models, as CloudWatch Logs had delivered them by `now`. */
  buckets(models: string[], from: number, to: number): Promise<Bucket[]>;
}

/** Usage per model and caller over [from, to), from the minute buckets (for the digest and the report). */
export async function callerUsage(source: LogSource, models: string[], from: number, to: number): Promise<CallerSpend[]> {
  const sums = new Map<string, CallerSpend>();
  for (const b of await source.buckets(models, from, to)) {
    for (const [caller, u] of Object.entries(b.callers)) {
      const key = `${b.modelId}\n${caller}`;
      const s = sums.get(key) ?? { modelId: b.modelId, caller, requests: 0, inputTokens: 0, outputTokens: 0 };
      s.requests += u.requests;
      s.inputTokens += u.inputTokens;
      s.outputTokens += u.outputTokens;
      sums.set(key, s);
    }
  }
  return [...sums.values()];
}

/**
 * Adds the log series to a minute frame, in place, `lagMinutes` late: the value at slot i is the
 * bucket of minute i − lag, so rules judging the newest minute read log minutes that have surely
 * been delivered (batches arrive later than metrics). Needs buckets from frame.from − lag.
 */
export function mergeLogSeries(frame: Frame, buckets: Bucket[], lagMinutes = 0): Frame {
  for (const b of buckets) {
    const i = Math.round((b.minute - frame.from) / MINUTE) + lagMinutes;
    if (i < 0 || i >= frame.length) continue;
    const m = (frame.models[b.modelId] ??= {});
    for (const o of [...OUTCOMES, 'requests'] as const) {
      const key = logKey(o);
      const s = (m[key] ??= new Array(frame.length).fill(null));
      s[i] = (s[i] ?? 0) + b[o];
    }
    for (const [caller, u] of Object.entries(b.callers)) {
      const s = (m[callerKey(caller)] ??= new Array(frame.length).fill(null));
      s[i] = (s[i] ?? 0) + u.inputTokens + u.outputTokens;
    }
  }
  return frame;
}

/**
 * The minute buckets the ingest function wrote to the table. A warm Lambda keeps buckets older
 * than `settleMs` (the subscription delivers within seconds) and re-reads only the newest
 * minutes each tick, instead of the whole window.
 */
export class TableLogSource implements LogSource {
  private readonly cache = new Map<string, { until: number; buckets: Bucket[] }>();

  constructor(
    private readonly table: Table,
    private readonly settleMs = 10 * MINUTE,
  ) {}

  async buckets(models: string[], from: number, to: number): Promise<Bucket[]> {
    const perModel = await Promise.all(models.map((model) => this.modelBuckets(model, from, to)));
    return perModel.flat();
  }

  private async modelBuckets(model: string, from: number, to: number): Promise<Bucket[]> {
    const out: Bucket[] = [];
    {
      const c = this.cache.get(model);
      const usable = c && c.until > from && c.until <= to ? c : undefined;
      const readFrom = usable ? usable.until : from;
      const fresh = await readBuckets(this.table, [model], readFrom, to);
      const settled = to - this.settleMs;
      const kept = [...(usable?.buckets ?? []), ...fresh.filter((b) => b.minute < settled)].filter((b) => b.minute >= from);
      this.cache.set(model, { until: Math.max(readFrom, settled), buckets: kept });
      out.push(...kept, ...fresh.filter((b) => b.minute >= settled));
    }
    return out;
  }
}

/** Buckets of a recorded log trace on a simulated clock: a minute shows once it is `delayMs` old. */
export class ReplayLogSource implements LogSource {
  private readonly byModel = new Map<string, Bucket[]>();

  constructor(
    buckets: Bucket[],
    private readonly clock: { now(): number; delayMs: number },
  ) {
    for (const b of buckets) this.byModel.set(b.modelId, [...(this.byModel.get(b.modelId) ?? []), b]);
  }

  get models(): string[] {
    return [...this.byModel.keys()];
  }

  async buckets(models: string[], from: number, to: number): Promise<Bucket[]> {
    const visible = Math.min(to, Math.floor((this.clock.now() - this.clock.delayMs) / MINUTE) * MINUTE);
    const wanted = new Set([...models, ...this.byModel.keys()]);
    return [...wanted].flatMap((m) => (this.byModel.get(m) ?? []).filter((b) => b.minute >= from && b.minute + MINUTE <= visible));
  }
}
