/**
 * Recorded metric traces (FORMAT.md): one GetMetricData datapoint per JSON line, gzip or plain.
 * Loaded once into dense per-minute arrays per model and series.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { MINUTE } from '../core/time';
import { seriesKey, type SeriesKey } from '../core/series';
import { modelIdOf, targetKey } from '../core/target';

export interface MetricTrace {
  /** First minute (ms) in the trace. */
  from: number;
  /** One past the last minute (ms). */
  to: number;
  namespace: string;
  /**
   * target key → seriesKey → dense per-minute values (index = (t - from) / MINUTE), null = no datapoint.
   * The key is the bare ModelId when the trace covers one region of one account, else region, account
   * and ModelId (shared/core/target): the same model in two places is two series, never one.
   */
  series: Record<string, Record<SeriesKey, (number | null)[]>>;
  /** Lines skipped (other period, no ModelId dimension), for the report. */
  skipped: number;
}

export class TraceError extends Error {}

/**
 * The lines of a trace file, gzip or plain, decoded one at a time: weeks of datapoints for many
 * models run to gigabytes of text, more than one JavaScript string can hold.
 */
export function* traceLines(file: string): Generator<string> {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw new TraceError(`cannot read trace ${file}: ${(e as Error).message}`);
  }
  // gzip magic number, whatever the file is called.
  if (buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf, { maxOutputLength: 2 ** 32 - 1 });
    } catch (e) {
      throw new TraceError(`cannot decompress trace ${file}: ${(e as Error).message}`);
    }
  }
  let start = 0;
  while (start < buf.length) {
    let end = buf.indexOf(0x0a, start);
    if (end === -1) end = buf.length;
    yield buf.toString('utf8', start, end);
    start = end + 1;
  }
}


export const parseMetricTrace = (text: string, file = 'trace'): MetricTrace => parseMetricLines(text.split('\n'), file);

export function parseMetricLines(lines: Iterable<string>, file = 'trace'): MetricTrace {
  // Columns per model and series (plain number arrays: weeks of many models stay compact).
  const columns = new Map<string, Map<SeriesKey, { t: number[]; v: number[] }>>();
  let count = 0;
  let skipped = 0;
  let namespace = 'AWS/Bedrock';
  let lineNo = 0;
  let min = Infinity;
  let max = -Infinity;
  const places = new Set<string>();
  for (const line of lines) {
    lineNo++;
    if (!line.trim()) continue;
    let r: {
      timestamp?: unknown;
      region?: unknown;
      account?: unknown;
      metric?: unknown;
      stat?: unknown;
      value?: unknown;
      period?: unknown;
      namespace?: unknown;
      dimensions?: { ModelId?: unknown };
    };
    try {
      r = JSON.parse(line);
    } catch {
      throw new TraceError(`${file}:${lineNo}: not valid JSON`);
    }
    const t = typeof r.timestamp === 'string' ? Date.parse(r.timestamp) : NaN;
    if (!Number.isFinite(t) || typeof r.metric !== 'string' || typeof r.stat !== 'string' || typeof r.value !== 'number') {
      // An invocation-log trace given as --metrics: say which option it belongs to.
      const hint = (r as { schemaType?: unknown }).schemaType === 'ModelInvocationLog' ? '; it looks like an invocation-log trace: pass it as --logs' : '';
      throw new TraceError(`${file}:${lineNo}: needs timestamp (ISO), metric, stat and a numeric value${hint}`);
    }
    const model = r.dimensions?.ModelId;
    if (typeof model !== 'string' || (r.period !== undefined && r.period !== 60)) {
      skipped++;
      continue;
    }
    if ((r.region !== undefined && typeof r.region !== 'string') || (r.account !== undefined && !(typeof r.account === 'string' && /^\d{12}$/.test(r.account)))) {
      throw new TraceError(`${file}:${lineNo}: region must be a string and account 12 digits`);
    }
    if (typeof r.namespace === 'string') namespace = r.namespace;
    const minute = Math.floor(t / MINUTE) * MINUTE;
    const place = `${r.region ?? ''}|${r.account ?? ''}`;
    places.add(place);
    const target = targetKey({ modelId: model, region: r.region as string | undefined, account: r.account as string | undefined });
    const byKey = columns.get(target) ?? new Map<SeriesKey, { t: number[]; v: number[] }>();
    columns.set(target, byKey);
    const key = seriesKey(r.metric, r.stat);
    const col = byKey.get(key) ?? { t: [], v: [] };
    byKey.set(key, col);
    col.t.push(minute);
    col.v.push(r.value);
    count++;
    if (minute < min) min = minute;
    if (minute > max) max = minute;
  }
  if (!count) throw new TraceError(`${file}: no per-minute datapoints with a ModelId dimension`);
  const length = (max - min) / MINUTE + 1;
  const series: MetricTrace['series'] = {};
  // One place only (with or without region/account fields): key by the bare ModelId, as a single-region deployment does.
  const keyOf = places.size > 1 ? (k: string) => k : (k: string) => modelIdOf(k);
  for (const [target, byKey] of columns) {
    const model = keyOf(target);
    series[model] = {};
    for (const [key, col] of byKey) {
      const arr: (number | null)[] = new Array(length).fill(null);
      for (let i = 0; i < col.t.length; i++) arr[(col.t[i] - min) / MINUTE] = col.v[i];
      series[model][key] = arr;
    }
  }
  return { from: min, to: max + MINUTE, namespace, series, skipped };
}

export const loadMetricTrace = (file: string): MetricTrace => parseMetricLines(traceLines(file), file);
