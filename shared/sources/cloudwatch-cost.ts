/**
 * Cost in USD of GetMetricData calls: CloudWatch bills per metric requested (shared/pricing/aws-prices.json:
 * $0.01 per 1,000 in us-east-1). Count each MetricStat query once per call, and a SEARCH
 * expression as the number of metrics (time series) it returned, not as one query —
 * `CloudWatchSource.stats.metrics` counts exactly that.
 */
import prices from '../pricing/aws-prices.json';

export function getMetricDataCost({ metricsRequested }: { metricsRequested: number }): number {
  return Math.max(0, metricsRequested) * prices.cloudwatch.getMetricDataPerMetric;
}
