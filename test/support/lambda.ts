/** What Lambda hands a scheduled evaluate invocation. */
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';

export const scheduledEvent = (time: number | string) => ({
  version: '0',
  id: 'test-event',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: typeof time === 'number' ? new Date(time).toISOString() : time,
  region: 'us-east-1',
  resources: ['arn:aws:events:us-east-1:123456789012:rule/bedrock-watch-test-evaluate'],
  detail: {},
});

export function lambdaContext(): Context {
  return {
    functionName: 'bedrock-watch-test-evaluate',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bedrock-watch-test-evaluate',
    memoryLimitInMB: '256',
    awsRequestId: `req-${Math.random().toString(16).slice(2)}`,
    logGroupName: '/aws/lambda/bedrock-watch-test-evaluate',
    logStreamName: 'test',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => 60_000,
    done() {},
    fail() {},
    succeed() {},
  };
}

export const silentLogger = () => new Logger({ serviceName: 'bedrock-watch-test', logLevel: 'SILENT' });
