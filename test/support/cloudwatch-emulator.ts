/** A GetMetricData emulator for aws-sdk-client-mock: CloudWatch has no local emulator. */
import type { GetMetricDataCommandInput, GetMetricDataCommandOutput, MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { MODEL_ID_LABEL } from '../../shared/sources/cloudwatch';
import type { MetricTrace } from '../../shared/sources/trace';
import { MINUTE } from '../../shared/core/time';

export interface Point {
  model: string;
  key: string;
  t: number;
  v: number;
}

export const page = (results: MetricDataResult[], NextToken?: string): GetMetricDataCommandOutput => ({
  $metadata: { httpStatusCode: 200, requestId: 'req-1', attempts: 1, totalRetryDelay: 0 },
  MetricDataResults: results,
  Messages: [],
  ...(NextToken ? { NextToken } : {}),
});

/** Every datapoint of an in-memory trace (minute period). */
export function pointsOf(trace: MetricTrace): Point[] {
  const out: Point[] = [];
  for (const [model, byKey] of Object.entries(trace.series))
    for (const [key, values] of Object.entries(byKey)) values.forEach((v, i) => v !== null && out.push({ model, key, t: trace.from + i * MINUTE, v }));
  return out;
}

/**
 * A small GetMetricData emulator over a list of datapoints: answers SEARCH expressions
 * (one result per model that has the metric, labelled through the dynamic label, Id shared
 * with the query) and MetricStat queries, within [StartTime, EndTime), ascending.
 */
export function emulate(points: Point[]) {
  return (input: GetMetricDataCommandInput): GetMetricDataCommandOutput => {
    const start = input.StartTime!.getTime();
    const end = input.EndTime!.getTime();
    const results: MetricDataResult[] = [];
    const series = (model: string, key: string) => {
      const ps = points.filter((p) => p.model === model && p.key === key && p.t >= start && p.t < end).sort((a, b) => a.t - b.t);
      return { Timestamps: ps.map((p) => new Date(p.t)), Values: ps.map((p) => p.v) };
    };
    // Without the ModelId dimension CloudWatch answers across all models: counts add up (Sum only here).
    const accountWide = (key: string) => {
      if (!key.endsWith(':Sum')) throw new Error(`emulator: no account-wide ${key}`);
      const sums = new Map<number, number>();
      for (const p of points) if (p.key === key && p.t >= start && p.t < end) sums.set(p.t, (sums.get(p.t) ?? 0) + p.v);
      const ts = [...sums.keys()].sort((a, b) => a - b);
      return { Timestamps: ts.map((t) => new Date(t)), Values: ts.map((t) => sums.get(t) as number) };
    };
    for (const q of input.MetricDataQueries ?? []) {
      if (q.Expression) {
        const m = /^SEARCH\('\{AWS\/Bedrock,ModelId\} MetricName="([^"]+)"', '([^']+)', (\d+)\)$/.exec(q.Expression);
        if (!m) throw new Error(`emulator: unexpected expression ${q.Expression}`);
        const key = `${m[1]}:${m[2]}`;
        const models = [...new Set(points.filter((p) => p.key === key).map((p) => p.model))].sort();
        for (const model of models) {
          results.push({ Id: q.Id, Label: q.Label === MODEL_ID_LABEL ? model : q.Label, StatusCode: 'Complete', Messages: [], ...series(model, key) });
        }
      } else {
        const ms = q.MetricStat!;
        const model = ms.Metric!.Dimensions?.find((d) => d.Name === 'ModelId')?.Value;
        const key = `${ms.Metric!.MetricName}:${ms.Stat}`;
        results.push({ Id: q.Id, Label: ms.Metric!.MetricName, StatusCode: 'Complete', Messages: [], ...(model ? series(model, key) : accountWide(key)) });
      }
    }
    return page(results);
  };
}

