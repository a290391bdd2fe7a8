/**
 * `@aws-sdk/client-sts` for the Lambda bundles: STSClient and AssumeRoleCommand (all the bundles
 * call: sources/cloudwatch-places.ts assumes member accounts' roles) over the query client
 * (shared/aws/query.ts), the same `send` surface and output, errors named as the SDK names them.
 * scripts/esbuild-plugins.js swaps it in for the SDK package in the bundles only;
 * test/aws/query-clients.test.ts holds the two to the same requests, answers and errors.
 */
import { defined, QueryClient, QueryCommand, queryParams, xmlElement, xmlText, type QueryClientConfig, type QueryParams } from './query';

export interface AssumeRoleCommandInput {
  RoleArn: string | undefined;
  RoleSessionName: string | undefined;
  PolicyArns?: { arn?: string }[];
  Policy?: string;
  DurationSeconds?: number;
  Tags?: { Key: string | undefined; Value: string | undefined }[];
  TransitiveTagKeys?: string[];
  ExternalId?: string;
  SerialNumber?: string;
  TokenCode?: string;
  SourceIdentity?: string;
}

export interface Credentials {
  AccessKeyId: string | undefined;
  SecretAccessKey: string | undefined;
  SessionToken: string | undefined;
  Expiration: Date | undefined;
}

export interface AssumeRoleCommandOutput {
  Credentials?: Credentials;
  AssumedRoleUser?: { AssumedRoleId: string | undefined; Arn: string | undefined };
  PackedPolicySize?: number;
  SourceIdentity?: string;
}

export type STSClientConfig = QueryClientConfig;

// The model's awsQueryError codes → error names (the SDK's STS schema).
const ERRORS: Record<string, string> = {
  ExpiredTokenException: 'ExpiredTokenException',
  ExpiredTradeInTokenException: 'ExpiredTradeInTokenException',
  IDPCommunicationError: 'IDPCommunicationErrorException',
  IDPRejectedClaim: 'IDPRejectedClaimException',
  InsufficientSessionLifetime: 'InsufficientSessionLifetimeException',
  InvalidAuthorizationMessageException: 'InvalidAuthorizationMessageException',
  InvalidContextAssertion: 'InvalidContextAssertionException',
  InvalidIdentityToken: 'InvalidIdentityTokenException',
  InvalidSubjectCredentials: 'InvalidSubjectCredentialsException',
  JWTPayloadSizeExceededException: 'JWTPayloadSizeExceededException',
  MalformedPolicyDocument: 'MalformedPolicyDocumentException',
  OutboundWebIdentityFederationDisabledException: 'OutboundWebIdentityFederationDisabledException',
  PackedPolicyTooLarge: 'PackedPolicyTooLargeException',
  RegionDisabledException: 'RegionDisabledException',
  SessionDurationEscalationException: 'SessionDurationEscalationException',
};

const STS = { name: 'sts', env: 'STS', version: '2011-06-15', errors: ERRORS };

export class STSClient extends QueryClient {
  constructor(config: STSClientConfig = {}) {
    super(STS, config);
  }
}

export class AssumeRoleCommand extends QueryCommand<AssumeRoleCommandInput, AssumeRoleCommandOutput> {
  readonly action = 'AssumeRole';

  params(): QueryParams {
    const i = this.input;
    const { out, put } = queryParams();
    const list = <T>(key: string, items: T[] | undefined, write: (at: string, item: T) => void) => {
      if (!items) return;
      if (!items.length) return put(key, ''); // the SDK writes an empty list as an empty value
      items.filter((x) => x != null).forEach((item, n) => write(`${key}.member.${n + 1}`, item));
    };
    // The SDK's member order.
    put('RoleArn', i.RoleArn);
    put('RoleSessionName', i.RoleSessionName);
    list('PolicyArns', i.PolicyArns, (at, p) => put(`${at}.arn`, p.arn));
    put('Policy', i.Policy);
    put('DurationSeconds', i.DurationSeconds);
    list('Tags', i.Tags, (at, t) => {
      put(`${at}.Key`, t.Key);
      put(`${at}.Value`, t.Value);
    });
    list('TransitiveTagKeys', i.TransitiveTagKeys, (at, k) => put(at, k));
    put('ExternalId', i.ExternalId);
    put('SerialNumber', i.SerialNumber);
    put('TokenCode', i.TokenCode);
    put('SourceIdentity', i.SourceIdentity);
    return out;
  }

  output(xml: string): AssumeRoleCommandOutput {
    const result = xmlElement(xml, 'AssumeRoleResult') ?? xml;
    const creds = xmlElement(result, 'Credentials');
    const user = xmlElement(result, 'AssumedRoleUser');
    const expiration = xmlText(creds, 'Expiration');
    const size = xmlText(result, 'PackedPolicySize');
    return defined({
      Credentials:
        creds === undefined
          ? undefined
          : defined({ AccessKeyId: xmlText(creds, 'AccessKeyId'), SecretAccessKey: xmlText(creds, 'SecretAccessKey'), SessionToken: xmlText(creds, 'SessionToken'), Expiration: expiration === undefined ? undefined : new Date(expiration) }),
      AssumedRoleUser: user === undefined ? undefined : defined({ AssumedRoleId: xmlText(user, 'AssumedRoleId'), Arn: xmlText(user, 'Arn') }),
      PackedPolicySize: size === undefined ? undefined : Number(size),
      SourceIdentity: xmlText(result, 'SourceIdentity'),
    });
  }
}
