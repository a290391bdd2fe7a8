/**
 * The metrics port on Lambda: CloudWatch Embedded Metric Format through Powertools, one EMF
 * document per invocation (flushed by Powertools' `logMetrics` middleware, also when the
 * handler throws). serverless.yml's alarms and dashboard read these names in this namespace,
 * with these dimensions only (service and Stage: low cardinality, so an alarm can name the
 * exact metric and each costs one custom metric, not one per model or rule).
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { MiddlewareObj } from '@middy/core';
import { METRIC_NAMES, METRICS_NAMESPACE } from '../core/self-metrics';
import type { RunMetrics } from './metrics';

export { METRIC_NAMES, METRICS_NAMESPACE };

const UNITS = { Count: MetricUnit.Count, Seconds: MetricUnit.Seconds, Milliseconds: MetricUnit.Milliseconds } as const;

export class EmfMetrics implements RunMetrics {
  readonly powertools: Metrics;
  /** Counts are summed here and written once at flush: one value per name per invocation, however many items were counted. */
  private readonly counts = new Map<string, number>();

  constructor(opts: { stage?: string; service?: string } = {}) {
    this.powertools = new Metrics({
      namespace: METRICS_NAMESPACE,
      serviceName: opts.service ?? process.env.POWERTOOLS_SERVICE_NAME ?? 'bedrock-watch',
      defaultDimensions: { Stage: opts.stage ?? process.env.STAGE ?? 'local' },
    });
  }

  count(name: string, value = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + value);
  }

  gauge(name: string, value: number, unit: 'Count' | 'Seconds' | 'Milliseconds' = 'Count'): void {
    this.powertools.addMetric(name, UNITS[unit], value);
  }

  /** Middy middleware: writes this invocation's metrics to stdout as EMF after the handler returns or throws. */
  flushing(): MiddlewareObj {
    const flush = logMetrics(this.powertools);
    const drain = () => {
      for (const [name, value] of this.counts) this.powertools.addMetric(name, MetricUnit.Count, value);
      this.counts.clear();
    };
    return {
      before: flush.before,
      after: (request) => {
        drain();
        return flush.after?.(request);
      },
      onError: (request) => {
        drain();
        return flush.onError?.(request);
      },
    };
  }
}
