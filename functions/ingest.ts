/**
 * CloudWatch Logs subscription on the Bedrock invocation-log group → minute buckets in
 * DynamoDB. Wiring only: the work is shared/logs/ingest.ts.
 */
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { CloudWatchLogsEvent, KinesisStreamEvent } from 'aws-lambda';
import { AwsLogsDecodeError } from '../shared/logs/awslogs';
import { ingestBatch, ingestKinesis, isKinesisEvent, sumSummaries, type IngestSummary, type KinesisIngestResult, type LogOrigin } from '../shared/logs/ingest';
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

/** What an invocation returns: the summary of what was stored, and for a Kinesis batch the records to retry. */
export type IngestResult = IngestSummary & Partial<Pick<KinesisIngestResult, 'batchItemFailures' | 'rejected'>>;

function report(logger: Logger, summary: IngestSummary): void {
  // One line per kind of problem; ids and counts only: a record can hold prompt text, so none of it is ever logged.
  for (const p of summary.problems) {
    logger.warn(`skipped ${p.count} ${p.code === 'bad_event' ? 'log event' : 'invocation-log record'}${p.count === 1 ? '' : 's'}: ${p.problem}`, { code: p.code, count: p.count, examples: p.examples });
  }
  logger.info('ingested invocation logs', { ...summary });
}

export function makeHandler({ table, logger, now = Date.now, origin = () => ({ places: [] }) }: IngestDeps) {
  let t: Table | undefined;
  let o: LogOrigin | undefined;
  return middy(async (event: CloudWatchLogsEvent | KinesisStreamEvent): Promise<IngestResult> => {
    t ??= table();
    o ??= origin();
    // Other regions' and accounts' logs arrive through a Kinesis stream (a CloudWatch Logs destination).
    if (isKinesisEvent(event)) {
      const result = await ingestKinesis(t, event, now(), o);
      for (const r of result.rejected) logger.error(`rejected Kinesis record ${r.sequenceNumber}: ${r.problem}`);
      for (const s of result.summaries) report(logger, s);
      if (result.batchItemFailures.length) logger.error(`could not store ${result.batchItemFailures.length} of ${event.Records.length} Kinesis records: they are retried`, { first: result.batchItemFailures[0]!.itemIdentifier });
      return { ...sumSummaries(result.summaries), batchItemFailures: result.batchItemFailures, rejected: result.rejected };
    }
    let summary: IngestSummary;
    try {
      summary = await ingestBatch(t, event, now(), o);
    } catch (e) {
      // Nothing in it can be read: fail the invocation (Lambda retries it, then its failure destination keeps it).
      if (e instanceof AwsLogsDecodeError) logger.error(`rejected the subscription event: ${e.message}`);
      throw e;
    }
    report(logger, summary);
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
