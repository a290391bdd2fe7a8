/**
 * The real adapters, built once per Lambda container: rules from the packaged rules.yml,
 * CloudWatch, DynamoDB, SNS and receivers whose secrets come from SSM. The notifiers themselves
 * re-read their secrets every SECRET_MAX_AGE_S (see NotifierSet).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NotifierSet } from '../notify/receivers';
import { createSnsClient, SnsDropNotice } from '../notify/sns';
import { loadRulesFile } from '../rules/load';
import type { Config } from '../rules/schema';
import { metricSourceFor } from '../sources/cloudwatch-places';
import { DynamoStateStore } from '../state/dynamo-store';
import { TableLogSource } from '../sources/logs';
import { tableFromEnv, type Table } from '../dynamo/table';
import type { TickDeps } from './tick';
import { storedBaselines } from './baselines-provider';
import { DynamoBaselineStore, type BaselineStore } from '../state/baselines';

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
  const sns = createSnsClient();
  // The stack's own topic (serverless.yml sets ALERT_TOPIC_ARN): where a dropped notification is announced.
  const fallbackTopic = process.env.ALERT_TOPIC_ARN;
  cached = {
    baselineStore,
    config,
    table,
    source: metricSourceFor(config.settings, { region: process.env.AWS_REGION, account: process.env.BEDROCK_WATCH_ACCOUNT_ID }),
    store: new DynamoStateStore(table),
    baselines: storedBaselines(baselineStore),
    notifiers: new NotifierSet(config.receivers, { sns, ackButtons: !!config.ack.slack_signing_secret }),
    dropNotice: fallbackTopic ? new SnsDropNotice({ topicArn: fallbackTopic, client: sns }) : undefined,
    logs: new TableLogSource(table),
  };
  return cached;
}
