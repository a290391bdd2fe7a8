/**
 * What Lambda hands a handler, for running the real handlers locally (replay, tests). The region
 * and account are the bundled sample's (its invocation logs name us-east-1 and 123456789012), so
 * local messages name a place the way deployed ones do.
 */
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '123456789012';
import type { Context } from 'aws-lambda';

export const scheduledEvent = (time: number | string) => ({
  version: '0',
  id: 'local-event',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: LOCAL_ACCOUNT,
  time: typeof time === 'number' ? new Date(time).toISOString() : time,
  region: LOCAL_REGION,
  resources: [`arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:rule/bedrock-watch-local`],
  detail: {},
});

export function lambdaContext(functionName = 'bedrock-watch-local'): Context {
  return {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: `req-${Math.random().toString(16).slice(2)}`,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => 60_000,
    done() {},
    fail() {},
    succeed() {},
  };
}
