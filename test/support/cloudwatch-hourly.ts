/**
 * A paginated GetMetricData fake for the baseline function's SEARCH queries: hourly, and at one
 * minute for percentiles (learned as the median of an hour's minute values; every minute of an hour
 * holds the hour's value here):
 * every series comes back in chunks of `perPage` datapoints, `PartialData` with a NextToken until
 * the last chunk, the way CloudWatch pages long ranges. Values come from a function of model,
 * series key and hour, so a test can describe weeks of history without listing points.
 */
import type { GetMetricDataCommandInput, GetMetricDataCommandOutput, MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { MODEL_ID_LABEL } from '../../shared/sources/cloudwatch';
import { page } from './cloudwatch-emulator';

const HOUR = 3_600_000;
const SEARCH = /^SEARCH\('\{AWS\/Bedrock,ModelId\} MetricName="([^"]+)"', '([^']+)', (\d+)\)$/;

export type HourlyValue = (model: string, key: string, hour: number) => number | null;

export function hourlyCloudWatch(models: string[], value: HourlyValue, perPage = 100) {
  return (input: GetMetricDataCommandInput): GetMetricDataCommandOutput => {
    const start = input.StartTime!.getTime();
    const end = input.EndTime!.getTime();
    const pageNo = input.NextToken ? Number(/^page-(\d+)$/.exec(input.NextToken)?.[1]) : 0;
    if (!Number.isInteger(pageNo)) throw new Error(`fake: unexpected NextToken ${input.NextToken}`);
    let more = false;
    const results: MetricDataResult[] = [];
    for (const q of input.MetricDataQueries ?? []) {
      const m = SEARCH.exec(q.Expression ?? '');
      if (!m) throw new Error(`fake: unexpected query ${JSON.stringify(q)}`);
      const percentile = /^p\d/.test(m[2]);
      const step = percentile ? 60_000 : HOUR;
      if (m[3] !== String(step / 1000)) throw new Error(`fake: learning must ask for a ${step / 1000} s period for ${m[2]}, got ${m[3]}`);
      if (q.Label !== MODEL_ID_LABEL) throw new Error(`fake: search without the ModelId dynamic label: ${q.Label}`);
      const key = `${m[1]}:${m[2]}`;
      for (const model of models) {
        const points: [number, number][] = [];
        for (let t = Math.ceil(start / step) * step; t < end; t += step) {
          const v = value(model, key, Math.floor(t / HOUR) * HOUR);
          if (v !== null) points.push([t, v]);
        }
        if (!points.length) continue;
        const chunk = points.slice(pageNo * perPage, (pageNo + 1) * perPage);
        const last = (pageNo + 1) * perPage >= points.length;
        if (!last) more = true;
        if (!chunk.length) continue;
        results.push({ Id: q.Id, Label: model, StatusCode: last ? 'Complete' : 'PartialData', Timestamps: chunk.map(([t]) => new Date(t)), Values: chunk.map(([, v]) => v) });
      }
    }
    return page(results, more ? `page-${pageNo + 1}` : undefined);
  };
}
