/**
 * CloudWatch Logs subscription on the Bedrock invocation-log group → minute buckets in
 * DynamoDB. Wiring only: the work is shared/logs/ingest.ts.
 */
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { CloudWatchLogsEvent } from 'aws-lambda';
import { AwsLogsDecodeError } from '../shared/logs/awslogs';
import { ingestBatch, type IngestSummary, type LogOrigin } from '../shared/logs/ingest';
import { tableFromEnv, type Table } from '../shared/dynamo/table';
import { packagedRules } from '../shared/run/packaged-rules';
import { watchedPlaceKeys } from '../shared/rules/places';

export interface IngestDeps {
  table: () => Table;
  logger: Logger;
  now?: () => number;
  /** The places the deployment reads, so records of several regions and accounts stay apart (default: one place). */
  origin?: () => LogOrigin;
}

export function makeHandler({ table, logger, now = Date.now, origin = () => ({ places: [] }) }: IngestDeps) {
  let t: Table | undefined;
  let o: LogOrigin | undefined;
  return middy(async (event: CloudWatchLogsEvent): Promise<IngestSummary> => {
    t ??= table();
    o ??= origin();
    let summary: IngestSummary;
    try {
      summary = await ingestBatch(t, event, now(), o);
    } catch (e) {
      // Nothing in it can be read: fail the invocation (Lambda retries it, then its failure destination keeps it).
      if (e instanceof AwsLogsDecodeError) logger.error(`rejected the subscription event: ${e.message}`);
      throw e;
    }
    // One line per kind of problem; ids and counts only: a record can hold prompt text, so none of it is ever logged.
    for (const p of summary.problems) {
      logger.warn(`skipped ${p.count} ${p.code === 'bad_event' ? 'log event' : 'invocation-log record'}${p.count === 1 ? '' : 's'}: ${p.problem}`, { code: p.code, count: p.count, examples: p.examples });
    }
    logger.info('ingested invocation logs', { ...summary });
    return summary;
  }).use(injectLambdaContext(logger, { logEvent: false }));
}

export const handler = makeHandler({
  table: () => tableFromEnv(),
  logger: new Logger(),
  origin: () => {
    const here = { region: process.env.AWS_REGION, account: process.env.BEDROCK_WATCH_ACCOUNT_ID };
    return { places: watchedPlaceKeys(packagedRules().settings, here), region: here.region };
  },
});
