/**
 * The real adapters, built once per Lambda container: rules from the packaged rules.yml,
 * CloudWatch, DynamoDB, SNS and receivers whose secrets come from SSM.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { NotifierSet } from '../notify/receivers';
import { loadRulesFile } from '../rules/load';
import type { Config } from '../rules/schema';
import { metricSourceFor } from '../sources/cloudwatch-places';
import { DynamoStateStore } from '../state/dynamo-store';
import { TableLogSource } from '../sources/logs';
import { tableFromEnv, type Table } from '../dynamo/table';
import type { TickDeps } from './tick';
import { storedBaselines } from './baselines-provider';
import { DynamoBaselineStore, type BaselineStore } from '../state/baselines';
import { DynamoSilenceStore } from '../state/silences';

export interface AwsDeps extends Omit<TickDeps, 'log'> {
  table: Table;
  store: DynamoStateStore;
  baselineStore: BaselineStore;
}

let cached: AwsDeps | undefined;

export function awsDeps(): AwsDeps {
  if (cached) return cached;
  // The SSM prefix is checked when the stack says which one its role grants (SSM_PREFIX); `validate`
  // and `npm run package` check against the shipped one before anything is deployed.
  const config: Config = loadRulesFile(process.env.RULES_FILE ?? 'rules.yml', { ssmPrefix: process.env.SSM_PREFIX || false });
  const table = tableFromEnv(new DynamoDBClient({}));
  const baselineStore = new DynamoBaselineStore(table);
  cached = {
    baselineStore,
    config,
    table,
    source: metricSourceFor(config.settings, { region: process.env.AWS_REGION, account: process.env.BEDROCK_WATCH_ACCOUNT_ID }),
    store: new DynamoStateStore(table),
    baselines: storedBaselines(baselineStore),
    notifiers: new NotifierSet(config.receivers, { sns: new SNSClient({}) }),
    logs: new TableLogSource(table),
    silences: new DynamoSilenceStore(table),
  };
  return cached;
}
