/** What Lambda hands a scheduled evaluate invocation: the local run's own event and context. */
import { Logger } from '@aws-lambda-powertools/logger';

export { lambdaContext, scheduledEvent } from '../../shared/local/lambda';

export const silentLogger = () => new Logger({ serviceName: 'bedrock-watch-test', logLevel: 'SILENT' });
