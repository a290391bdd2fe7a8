/** Recorded invocation-log traces (FORMAT.md): one ModelInvocationLog record per line, gzip or plain. */
import { aggregateMessages, type Aggregate } from '../logs/aggregate';
import { traceLines, TraceError } from '../sources/trace';
import { MINUTE } from '../core/time';

export interface LogTrace {
  /** Raw lines with their record timestamps, by minute: what CloudWatch Logs would deliver. */
  byMinute: Map<number, { timestamp: number; message: string }[]>;
  /** The same lines through the ingest aggregation. */
  aggregate: Aggregate;
  from: number;
  to: number;
}

export function loadLogTrace(file: string): LogTrace {
  const lines = [...traceLines(file)].filter((l) => l.trim());
  const byMinute = new Map<number, { timestamp: number; message: string }[]>();
  for (const message of lines) {
    let t = NaN;
    try {
      t = Date.parse((JSON.parse(message) as { timestamp?: string }).timestamp ?? '');
    } catch {
      // a malformed line is counted by the aggregation, like the ingest function does
    }
    const minute = Number.isFinite(t) ? Math.floor(t / MINUTE) * MINUTE : -1;
    byMinute.set(minute, [...(byMinute.get(minute) ?? []), { timestamp: Number.isFinite(t) ? t : 0, message }]);
  }
  const aggregate = aggregateMessages(lines);
  if (aggregate.records === 0) {
    // Most likely the wrong file: a metric trace given as --logs has timestamps but no invocation records.
    const metricLike = lines.some((l) => /"metric"\s*:/.test(l) && /"stat"\s*:/.test(l));
    throw new TraceError(
      `${file}: no invocation-log records (schemaType ModelInvocationLog) among ${lines.length} lines${metricLike ? '; it looks like a metric trace: pass it as --metrics' : ''}`,
    );
  }
  const minutes = [...byMinute.keys()].filter((m) => m >= 0);
  if (!minutes.length) throw new TraceError(`${file}: no invocation-log records with a timestamp`);
  return { byMinute, aggregate, from: Math.min(...minutes), to: Math.max(...minutes) + MINUTE };
}
