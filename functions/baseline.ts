/** Hourly: learn the hours not learned yet (14 days of CloudWatch history on a first run) and publish expectations. Wiring only. */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { awsBaselineStore, awsConfig, awsLogSource, awsMetricSource, awsStateStore } from '../shared/run/aws-deps';
import { tickTime } from '../shared/run/event';
import { runBaselineUpdate, type LearnDeps, type LearnReport } from '../shared/run/learn';
import { logger } from '../shared/run/logger';

export function createBaselineHandler(deps: () => LearnDeps, log = logger) {
  return middy(async (event: unknown): Promise<LearnReport> => {
    const report = await runBaselineUpdate(deps(), tickTime(event));
    log.info('baselines updated', { ...report });
    return report;
  }).use(injectLambdaContext(log));
}

export const handler = createBaselineHandler(() => ({ config: awsConfig(), source: awsMetricSource(), baselines: awsBaselineStore(), state: awsStateStore(), logs: awsLogSource() }));
