/** Scheduled tick: read metrics → evaluate rules → record alert state → notify. Wiring only. */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import { envFromRuntime } from '../shared/route/labels';
import { awsDeps } from '../shared/run/aws-deps';
import { BadEventError, tickTime } from '../shared/run/event';
import { logger } from '../shared/run/logger';
import { runTick, type TickDeps, type TickReport } from '../shared/run/tick';

export function createEvaluateHandler(deps: () => Omit<TickDeps, 'log'>, log = logger) {
  return middy(async (event: unknown, context: Context): Promise<TickReport> => {
    let now: number;
    try {
      now = tickTime(event);
    } catch (e) {
      if (e instanceof BadEventError) log.error(`rejected the event: ${e.message}`);
      throw e;
    }
    // Messages name the account and region the stack runs in (the function ARN carries the account).
    const report = await runTick({ env: envFromRuntime(process.env.AWS_REGION, context?.invokedFunctionArn), ...deps(), log }, now);
    log.info('tick', { now: report.now, evaluated: report.evaluated, transitions: report.transitions.length, decided: report.decided, delivered: report.delivered, failed: report.failed });
    return report;
  }).use(injectLambdaContext(log));
}

export const handler = createEvaluateHandler(awsDeps);
