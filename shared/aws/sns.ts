/**
 * `@aws-sdk/client-sns` for the Lambda bundles: SNSClient and PublishCommand over the query client
 * (shared/aws/query.ts), the same `send(new PublishCommand(input), { abortSignal })` surface and
 * output, errors named as the SDK names them. scripts/esbuild-plugins.js swaps it in for the SDK
 * package in the bundles only; test/aws/query-clients.test.ts holds the two to the same requests,
 * answers and errors.
 */
import { defined, QueryClient, QueryCommand, queryParams, xmlText, type QueryClientConfig, type QueryParams } from './query';

export interface MessageAttributeValue {
  DataType: string | undefined;
  StringValue?: string;
  BinaryValue?: Uint8Array | string;
}

export interface PublishCommandInput {
  TopicArn?: string;
  TargetArn?: string;
  PhoneNumber?: string;
  Message: string | undefined;
  Subject?: string;
  MessageStructure?: string;
  MessageAttributes?: Record<string, MessageAttributeValue>;
  MessageDeduplicationId?: string;
  MessageGroupId?: string;
}

export interface PublishCommandOutput {
  MessageId?: string;
  SequenceNumber?: string;
}

export type SNSClientConfig = QueryClientConfig;

// The model's awsQueryError codes → error names (the SDK's SNS schema).
const ERRORS: Record<string, string> = Object.fromEntries(
  (
    'AuthorizationError BatchEntryIdsNotDistinct BatchRequestTooLong ConcurrentAccess EmptyBatchRequest EndpointDisabled FilterPolicyLimitExceeded ' +
    'InternalError InvalidBatchEntryId InvalidParameter InvalidSecurity InvalidState KMSAccessDenied KMSDisabled KMSInvalidState KMSNotFound ' +
    'KMSThrottling NotFound OptedOut PlatformApplicationDisabled ReplayLimitExceeded ResourceNotFound StaleTag SubscriptionLimitExceeded ' +
    'TagLimitExceeded TagPolicy Throttled TooManyEntriesInBatchRequest TopicLimitExceeded UserError'
  )
    .split(' ')
    .map((code) => [code, `${code}Exception`] as [string, string])
    .concat([
      ['ParameterValueInvalid', 'InvalidParameterValueException'],
      ['KMSOptInRequired', 'KMSOptInRequired'],
      ['ValidationException', 'ValidationException'],
      ['VerificationException', 'VerificationException'],
    ]),
);

const SNS = { name: 'sns', env: 'SNS', version: '2010-03-31', errors: ERRORS, serverErrors: ['InternalErrorException'] };

export class SNSClient extends QueryClient {
  constructor(config: SNSClientConfig = {}) {
    super(SNS, config);
  }
}

export class PublishCommand extends QueryCommand<PublishCommandInput, PublishCommandOutput> {
  readonly action = 'Publish';

  params(): QueryParams {
    const i = this.input;
    const { out, put } = queryParams();
    // The SDK's member order.
    put('Message', i.Message);
    put('TopicArn', i.TopicArn);
    put('TargetArn', i.TargetArn);
    put('PhoneNumber', i.PhoneNumber);
    put('Subject', i.Subject);
    put('MessageStructure', i.MessageStructure);
    if (i.MessageAttributes) {
      let n = 1;
      for (const [name, v] of Object.entries(i.MessageAttributes)) {
        if (v == null) continue;
        const at = `MessageAttributes.entry.${n++}`;
        put(`${at}.Name`, name);
        put(`${at}.Value.DataType`, v.DataType);
        put(`${at}.Value.StringValue`, v.StringValue);
        if (v.BinaryValue != null) put(`${at}.Value.BinaryValue`, Buffer.from(v.BinaryValue as Uint8Array).toString('base64'));
      }
    }
    put('MessageDeduplicationId', i.MessageDeduplicationId);
    put('MessageGroupId', i.MessageGroupId);
    return out;
  }

  output(xml: string): PublishCommandOutput {
    return defined({ MessageId: xmlText(xml, 'MessageId'), SequenceNumber: xmlText(xml, 'SequenceNumber') });
  }
}
