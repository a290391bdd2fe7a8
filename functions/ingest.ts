/**
 * CloudWatch Logs subscription on the Bedrock invocation-log group → minute buckets in
 * DynamoDB. Wiring only: the work is shared/logs/ingest.ts.
 */
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { CloudWatchLogsEvent } from 'aws-lambda';
import { ingestBatch, type IngestSummary } from '../shared/logs/ingest';
import { tableFromEnv, type Table } from '../shared/dynamo/table';

export interface IngestDeps {
  table: () => Table;
  logger: Logger;
  now?: () => number;
}

export function makeHandler({ table, logger, now = Date.now }: IngestDeps) {
  let t: Table | undefined;
  return middy(async (event: CloudWatchLogsEvent): Promise<IngestSummary> => {
    t ??= table();
    const summary = await ingestBatch(t, event, now());
    // Counts only: a record can hold prompt text, so none of it is ever logged.
    if (summary.malformed > 0) {
      logger.warn('skipped malformed invocation-log records', { malformed: summary.malformed, byCode: summary.malformedByCode });
    }
    logger.info('ingested invocation logs', { ...summary });
    return summary;
  }).use(injectLambdaContext(logger, { logEvent: false }));
}

export const handler = makeHandler({ table: () => tableFromEnv(), logger: new Logger() });
