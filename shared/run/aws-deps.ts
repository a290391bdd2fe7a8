/**
 * The real adapters, built once per Lambda container: the rules compiled into the bundle (packaged-rules.ts),
 * CloudWatch, DynamoDB, SNS and receivers whose secrets come from SSM. Each piece is built on
 * first use and each function asks only for the pieces it uses, so a bundle holds (and its
 * IAM role grants) only the AWS calls its function can make: the baseline function has no
 * notifier code, the digest function no CloudWatch client. The notifiers re-read their secrets
 * every SECRET_MAX_AGE_S (see NotifierSet).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SNSClient } from '@aws-sdk/client-sns';
import { NotifierSet } from '../notify/receivers';
import { createSnsClient, SnsDropNotice } from '../notify/sns';
import { packagedRules } from './packaged-rules';
import type { Config } from '../rules/schema';
import { metricSourceFor } from '../sources/cloudwatch-places';
import type { MetricSource } from '../sources/types';
import { DynamoStateStore } from '../state/dynamo-store';
import { TableLogSource } from '../sources/logs';
import { tableFromEnv, type Table } from '../dynamo/table';
import type { TickDeps } from './tick';
import { storedBaselines } from './baselines-provider';
import { DynamoBaselineStore, type BaselineStore } from '../state/baselines';
import { DynamoSilenceStore } from '../state/silences';
import { tableStreamKeys } from '../state/stream-secret';

export interface AwsDeps extends Omit<TickDeps, 'log'> {
  table: Table;
  store: DynamoStateStore;
  baselineStore: BaselineStore;
}

let config: Config | undefined;
let table: Table | undefined;
let store: DynamoStateStore | undefined;
let baselineStore: BaselineStore | undefined;
let source: MetricSource | undefined;
let notifiers: NotifierSet | undefined;
let sns: SNSClient | undefined;
let logs: TableLogSource | undefined;
let silences: DynamoSilenceStore | undefined;

// Compiled into the bundle at package time (packaged-rules.ts); the SSM prefix is checked there and by `validate`.
export const awsConfig = (): Config => (config ??= packagedRules());
export const awsTable = (): Table => (table ??= tableFromEnv(new DynamoDBClient({})));
export const awsStateStore = (): DynamoStateStore => (store ??= new DynamoStateStore(awsTable()));
export const awsBaselineStore = (): BaselineStore => (baselineStore ??= new DynamoBaselineStore(awsTable()));
export const awsMetricSource = (): MetricSource =>
  (source ??= metricSourceFor(awsConfig().settings, { region: process.env.AWS_REGION, account: process.env.BEDROCK_WATCH_ACCOUNT_ID }));
const awsSns = (): SNSClient => (sns ??= createSnsClient());
// Keys signed with the deployment's secret (made by the first tick that needs it, kept in the table).
export const awsNotifiers = (): NotifierSet =>
  (notifiers ??= new NotifierSet(awsConfig().receivers, {
    sns: awsSns(),
    ackButtons: !!awsConfig().ack.slack_signing_secret,
    streamKeys: tableStreamKeys(awsTable(), { create: true }),
  }));
/** Where a dropped notification is announced: the stack's own topic (serverless.yml sets ALERT_TOPIC_ARN). */
export const awsDropNotice = (): SnsDropNotice | undefined => {
  const topicArn = process.env.ALERT_TOPIC_ARN;
  return topicArn ? new SnsDropNotice({ topicArn, client: awsSns() }) : undefined;
};
export const awsLogSource = (): TableLogSource => (logs ??= new TableLogSource(awsTable()));
export const awsSilences = (): DynamoSilenceStore => (silences ??= new DynamoSilenceStore(awsTable()));

/** Everything the evaluate tick uses. */
export function awsDeps(): AwsDeps {
  const d = { config: awsConfig(), table: awsTable(), store: awsStateStore(), baselineStore: awsBaselineStore() };
  return {
    ...d,
    source: awsMetricSource(),
    baselines: storedBaselines(d.baselineStore),
    notifiers: awsNotifiers(),
    dropNotice: awsDropNotice(),
    logs: awsLogSource(),
    silences: awsSilences(),
  };
}
