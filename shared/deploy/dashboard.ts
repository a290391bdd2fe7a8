/**
 * The CloudWatch dashboard serverless.yml creates (through scripts/dashboard.js): the monitored
 * models from AWS/Bedrock, every model found by SEARCH so new models appear without a deploy,
 * and bedrock-watch's own health from its EMF metrics (shared/run/emf-metrics.ts) and Lambda's.
 * Estimated cost is metric math over token counts with the list prices of shared/pricing.
 */
import { baseModelId } from '../pricing/model-id';
import { METRICS_NAMESPACE } from '../core/self-metrics';

export interface DashboardOptions {
  region: string;
  stage: string;
  /** POWERTOOLS_SERVICE_NAME: the `service` dimension of the EMF metrics. */
  service: string;
  /** Lambda function names by short name (evaluate, baseline, …). */
  functions: Record<string, string>;
  failedQueueName: string;
  /** ModelIds (as CloudWatch names them) priced in the cost widget, with USD per 1,000 tokens. */
  priced: { modelId: string; input: number; output: number }[];
  /** Seconds per datapoint. */
  period?: number;
}

type Metric = (string | Record<string, unknown>)[];
interface Widget {
  type: 'metric' | 'text';
  x: number;
  y: number;
  width: number;
  height: number;
  properties: Record<string, unknown>;
}

const search = (metric: string, stat: string, period: number) => `SEARCH('{AWS/Bedrock,ModelId} MetricName="${metric}"', '${stat}', ${period})`;

/** The models of `modelIds` that have a list price (by their base id: inference profiles price as their model). */
export function pricedModels(modelIds: readonly string[], prices: Record<string, { input: number; output: number }>): DashboardOptions['priced'] {
  return modelIds.flatMap((modelId) => {
    const p = prices[baseModelId(modelId)];
    return p ? [{ modelId, input: p.input, output: p.output }] : [];
  });
}

export function dashboardBody(o: DashboardOptions): string {
  const period = o.period ?? 300;
  const widgets: Widget[] = [];
  let y = 0;
  const row = (height: number, ...ws: Omit<Widget, 'x' | 'y' | 'height'>[]) => {
    let x = 0;
    for (const w of ws) {
      widgets.push({ ...w, x, y, height });
      x += w.width;
    }
    y += height;
  };
  const graph = (title: string, metrics: Metric[], extra: Record<string, unknown> = {}, width = 8): Omit<Widget, 'x' | 'y' | 'height'> => ({
    type: 'metric',
    width,
    properties: { title, region: o.region, view: 'timeSeries', stacked: false, period, metrics, ...extra },
  });
  const expr = (expression: string, id: string, label: string, visible = true): Metric => [{ expression, id, label, ...(visible ? {} : { visible: false }) }];
  const own = (name: string, stat: string, label = name): Metric => [METRICS_NAMESPACE, name, 'service', o.service, 'Stage', o.stage, { stat, label }];
  const text = (markdown: string): Omit<Widget, 'x' | 'y' | 'height'> => ({ type: 'text', width: 24, properties: { markdown } });

  row(1, text(`## Models (AWS/Bedrock, ${o.region}): every model with traffic`));
  row(
    6,
    graph('Invocations per model', [expr(search('Invocations', 'Sum', period), 'inv', '')]),
    graph('Error and throttle rates, all models (%)', [
      expr(`SUM(${search('Invocations', 'Sum', period)})`, 'inv', 'invocations', false),
      expr(`SUM(${search('InvocationServerErrors', 'Sum', period)})`, 'srv', 'server errors', false),
      expr(`SUM(${search('InvocationClientErrors', 'Sum', period)})`, 'cli', 'client errors', false),
      expr(`SUM(${search('InvocationThrottles', 'Sum', period)})`, 'thr', 'throttles', false),
      // Invocations does not count throttled requests: throttle rate is over both.
      expr('100 * srv / inv', 'srvRate', 'server error rate'),
      expr('100 * cli / inv', 'cliRate', 'client error rate'),
      expr('100 * thr / (inv + thr)', 'thrRate', 'throttle rate'),
    ], { yAxis: { left: { min: 0, label: '%' } } }),
    graph('Throttles per model', [expr(search('InvocationThrottles', 'Sum', period), 'thr', '')]),
  );
  const cost: Metric[] = [];
  o.priced.forEach((m, i) => {
    cost.push(['AWS/Bedrock', 'InputTokenCount', 'ModelId', m.modelId, { stat: 'Sum', id: `in${i}`, visible: false }]);
    cost.push(['AWS/Bedrock', 'OutputTokenCount', 'ModelId', m.modelId, { stat: 'Sum', id: `out${i}`, visible: false }]);
    cost.push(expr(`(FILL(in${i}, 0) * ${m.input} + FILL(out${i}, 0) * ${m.output}) / 1000`, `cost${i}`, m.modelId));
  });
  if (o.priced.length) cost.push(expr(`SUM([${o.priced.map((_, i) => `cost${i}`).join(', ')}])`, 'total', 'all priced models'));
  row(
    6,
    graph('Latency p95 per model (ms)', [expr(search('InvocationLatency', 'p95', period), 'p95', '')]),
    graph('Tokens per model', [expr(search('InputTokenCount', 'Sum', period), 'tin', 'input'), expr(search('OutputTokenCount', 'Sum', period), 'tout', 'output')]),
    // A graph needs at least one metric: with no priced model, say how to get one.
    o.priced.length
      ? graph(`Estimated cost per ${period / 60} min (USD, list prices)`, cost, { yAxis: { left: { min: 0, label: 'USD' } } })
      : { type: 'text', width: 8, properties: { markdown: '### Estimated cost\nNo listed model has a list price: set the `dashboardModels` parameter to ModelIds found in shared/pricing/prices.json (inference profiles price as their model).' } },
  );

  row(1, text(`## bedrock-watch ${o.stage}: its own health (alarms notify the stack's SNS topic)`));
  row(
    6,
    graph('Evaluate ticks', [own('Heartbeat', 'Sum', 'successful ticks'), own('TickErrors', 'Sum', 'failed ticks'), own('RuleErrors', 'Sum', 'rule errors')]),
    graph('Tick duration (ms)', [
      ['AWS/Lambda', 'Duration', 'FunctionName', o.functions.evaluate, { stat: 'Average', label: 'average' }],
      ['AWS/Lambda', 'Duration', 'FunctionName', o.functions.evaluate, { stat: 'Maximum', label: 'maximum' }],
    ]),
    graph('Notifications', [own('NotificationsSent', 'Sum', 'sent'), own('NotificationsFailed', 'Sum', 'failed (retried)'), own('NotificationsDropped', 'Sum', 'dropped'), own('AckFailures', 'Sum', 'failed acknowledgements')]),
  );
  const lambda = (metric: string, stat: string): Metric[] => Object.entries(o.functions).map(([short, name]) => ['AWS/Lambda', metric, 'FunctionName', name, { stat, label: short }]);
  row(
    6,
    graph('Oldest unsent notification (s)', [own('OldestUnsentAgeSeconds', 'Maximum', 'age')], {}, 6),
    graph('Function errors', lambda('Errors', 'Sum'), {}, 6),
    graph('Function throttles', lambda('Throttles', 'Sum'), {}, 6),
    graph('Failed invocations waiting', [['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', o.failedQueueName, { stat: 'Maximum', label: 'messages' }]], {}, 6),
  );
  return JSON.stringify({ start: '-PT12H', periodOverride: 'inherit', widgets });
}
