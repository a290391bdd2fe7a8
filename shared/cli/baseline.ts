/**
 * `bedrock-watch baseline bootstrap`: learn the baselines of a deployed stack from the account's
 * CloudWatch history now (the last 14 days, hourly), instead of waiting for the hourly function.
 * The same learning run the `baseline` function does, with the caller's AWS credentials.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { loadRulesFile } from '../rules/load';
import { runBaselineUpdate, type LearnReport } from '../run/learn';
import { CloudWatchSource, createCloudWatchClient } from '../sources/cloudwatch';
import { TableLogSource } from '../sources/logs';
import { DynamoBaselineStore } from '../state/baselines';
import { DynamoStateStore } from '../state/dynamo-store';
import { docClient } from '../dynamo/table';

export interface BootstrapOptions {
  rulesFile: string;
  /** The stack's table (`sls info` prints it; default: TABLE_NAME). */
  table?: string;
  region?: string;
  now?: number;
  cloudwatch?: CloudWatchClient;
  dynamo?: DynamoDBClient;
}

export async function bootstrapBaselines(o: BootstrapOptions): Promise<LearnReport> {
  const config = loadRulesFile(o.rulesFile);
  const name = o.table ?? process.env.TABLE_NAME;
  if (!name) throw new Error('baseline bootstrap: name the stack\'s DynamoDB table with --table (it is in the stack outputs: npx sls info --verbose)');
  const table = { doc: docClient(o.dynamo ?? new DynamoDBClient({ region: o.region })), name };
  return runBaselineUpdate(
    {
      config,
      source: new CloudWatchSource({ client: o.cloudwatch ?? createCloudWatchClient({ region: o.region }) }),
      baselines: new DynamoBaselineStore(table),
      state: new DynamoStateStore(table),
      logs: new TableLogSource(table),
    },
    o.now ?? Date.now(),
  );
}
