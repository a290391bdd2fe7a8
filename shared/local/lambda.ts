/** What Lambda hands a handler, for running the real handlers locally (replay, tests). */
import type { Context } from 'aws-lambda';

export const scheduledEvent = (time: number | string) => ({
  version: '0',
  id: 'local-event',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '000000000000',
  time: typeof time === 'number' ? new Date(time).toISOString() : time,
  region: 'local',
  resources: ['arn:aws:events:local:000000000000:rule/bedrock-watch-local'],
  detail: {},
});

export function lambdaContext(functionName = 'bedrock-watch-local'): Context {
  return {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
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
