/** Scheduled tick: read metrics → evaluate rules → record alert state → notify. Wiring only. */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import { envFromRuntime } from '../shared/route/labels';
import { awsDeps } from '../shared/run/aws-deps';
import { EmfMetrics } from '../shared/run/emf-metrics';
import { BadEventError, tickTime } from '../shared/run/event';
import { logger } from '../shared/run/logger';
import { NO_METRICS, type RunMetrics } from '../shared/run/metrics';
import { tickHealth } from '../shared/run/tick-health';
import { runTick, timeLeftOf, type TickDeps, type TickReport } from '../shared/run/tick';

export function createEvaluateHandler(deps: () => Omit<TickDeps, 'log'>, log = logger, metrics: RunMetrics | EmfMetrics = NO_METRICS) {
  const handler = middy(async (event: unknown, context: Context): Promise<TickReport> => {
    let now: number;
    try {
      now = tickTime(event);
    } catch (e) {
      if (e instanceof BadEventError) log.error(`rejected the event: ${e.message}`);
      throw e;
    }
    // Messages name the account and region the stack runs in (the function ARN carries the account).
    const report = await runTick({ timeLeft: timeLeftOf(context), metrics, env: envFromRuntime(process.env.AWS_REGION, context?.invokedFunctionArn), ...deps(), log }, now);
    log.info('tick', { now: report.now, evaluated: report.evaluated, transitions: report.transitions.length, decided: report.decided, delivered: report.delivered, failed: report.failed, dropped: report.dropped });
    return report;
  }).use(injectLambdaContext(log));
  // EMF is written last (after the heartbeat is counted), once per invocation, also when the tick throws.
  if (metrics instanceof EmfMetrics) handler.use(metrics.flushing());
  return handler.use(tickHealth(metrics));
}

export const handler = createEvaluateHandler(awsDeps, logger, new EmfMetrics());
