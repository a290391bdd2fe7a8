/** Daily: yesterday's spend against baseline and budgets, the alerts of the day, the top callers → info-tier receivers. Wiring only. */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { awsBaselineStore, awsConfig, awsLogSource, awsNotifiers, awsStateStore } from '../shared/run/aws-deps';
import { runDigest, type DigestDeps, type DigestReport } from '../shared/run/digest';
import { tickTime } from '../shared/run/event';
import { logger } from '../shared/run/logger';

export function createDigestHandler(deps: () => Omit<DigestDeps, 'log'>, log = logger) {
  return middy(async (event: unknown): Promise<DigestReport> => {
    const report = await runDigest({ ...deps(), log }, tickTime(event));
    log.info('digest', { day: report.day, sent: report.sent, failed: report.failed, skipped: report.skipped });
    // Failing the invocation makes Lambda retry it; the receivers that already have the digest are skipped then.
    if (report.failed.length) throw new Error(`digest for ${report.day} not delivered to ${report.failed.join(', ')}; the retry sends it to them only`);
    return report;
  }).use(injectLambdaContext(log));
}

export const handler = createDigestHandler(() => ({ config: awsConfig(), baselines: awsBaselineStore(), state: awsStateStore(), notifiers: awsNotifiers(), logs: awsLogSource() }));
