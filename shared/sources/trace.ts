/**
 * Recorded metric traces (FORMAT.md): one GetMetricData datapoint per JSON line, gzip or plain.
 * Loaded once into dense per-minute arrays per model and series.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { MINUTE, seriesKey, type SeriesKey } from './types';

export interface MetricTrace {
  /** First minute (ms) in the trace. */
  from: number;
  /** One past the last minute (ms). */
  to: number;
  namespace: string;
  /** modelId → seriesKey → dense per-minute values (index = (t - from) / MINUTE), null = no datapoint. */
  series: Record<string, Record<SeriesKey, (number | null)[]>>;
  /** Lines skipped (other period, no ModelId dimension), for the report. */
  skipped: number;
}

export class TraceError extends Error {}

export function readTraceText(file: string): string {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw new TraceError(`cannot read trace ${file}: ${(e as Error).message}`);
  }
  // gzip magic number, whatever the file is called.
  return buf[0] === 0x1f && buf[1] === 0x8b ? gunzipSync(buf).toString('utf8') : buf.toString('utf8');
}

interface Point {
  t: number;
  model: string;
  key: SeriesKey;
  value: number;
}

export function parseMetricTrace(text: string, file = 'trace'): MetricTrace {
  const points: Point[] = [];
  let skipped = 0;
  let namespace = 'AWS/Bedrock';
  let lineNo = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const line of text.split('\n')) {
    lineNo++;
    if (!line.trim()) continue;
    let r: { timestamp?: unknown; metric?: unknown; stat?: unknown; value?: unknown; period?: unknown; namespace?: unknown; dimensions?: { ModelId?: unknown } };
    try {
      r = JSON.parse(line);
    } catch {
      throw new TraceError(`${file}:${lineNo}: not valid JSON`);
    }
    const t = typeof r.timestamp === 'string' ? Date.parse(r.timestamp) : NaN;
    if (!Number.isFinite(t) || typeof r.metric !== 'string' || typeof r.stat !== 'string' || typeof r.value !== 'number') {
      throw new TraceError(`${file}:${lineNo}: needs timestamp (ISO), metric, stat and a numeric value`);
    }
    const model = r.dimensions?.ModelId;
    if (typeof model !== 'string' || (r.period !== undefined && r.period !== 60)) {
      skipped++;
      continue;
    }
    if (typeof r.namespace === 'string') namespace = r.namespace;
    const minute = Math.floor(t / MINUTE) * MINUTE;
    points.push({ t: minute, model, key: seriesKey(r.metric, r.stat), value: r.value });
    if (minute < min) min = minute;
    if (minute > max) max = minute;
  }
  if (!points.length) throw new TraceError(`${file}: no per-minute datapoints with a ModelId dimension`);
  const length = (max - min) / MINUTE + 1;
  const series: MetricTrace['series'] = {};
  for (const p of points) {
    const byKey = (series[p.model] ??= {});
    const arr = (byKey[p.key] ??= new Array(length).fill(null));
    arr[(p.t - min) / MINUTE] = p.value;
  }
  return { from: min, to: max + MINUTE, namespace, series, skipped };
}

export const loadMetricTrace = (file: string): MetricTrace => parseMetricTrace(readTraceText(file), file);
