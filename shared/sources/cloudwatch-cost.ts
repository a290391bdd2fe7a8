/**
 * Cost in USD of GetMetricData calls: CloudWatch bills $0.01 per 1,000 metrics requested
 * (standard pricing, us-east-1). Count each MetricStat query once per call, and a SEARCH
 * expression as the number of metrics (time series) it returned, not as one query —
 * `CloudWatchSource.stats.metrics` counts exactly that.
 */
export function getMetricDataCost({ metricsRequested }: { metricsRequested: number }): number {
  return (Math.max(0, metricsRequested) * 0.01) / 1000;
}
