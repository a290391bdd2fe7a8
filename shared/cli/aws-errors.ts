/** An AWS SDK failure as one line the user can act on (the call, the region, what to check). */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { backoffMs } from '../notify/deliver';
import { CommandError } from './command';

const HINTS: Record<string, string> = {
  ExpiredTokenException: 'the AWS session has expired: log in again (aws sso login)',
  ExpiredToken: 'the AWS session has expired: log in again (aws sso login)',
  UnrecognizedClientException: 'the AWS credentials are not valid for this account',
  InvalidClientTokenId: 'the AWS credentials are not valid for this account',
};

/** What the failure is about, so the message can name it (the table a DynamoDB call used). */
export interface AwsContext {
  table?: string;
  env?: NodeJS.ProcessEnv;
}

/** Profile names defined in the AWS config and credentials files (`[profile x]`, `[x]`). */
export function awsProfiles(env: NodeJS.ProcessEnv = process.env): Set<string> {
  const home = env.HOME ?? homedir();
  const files = [
    { file: env.AWS_CONFIG_FILE || join(home, '.aws', 'config'), config: true },
    { file: env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials'), config: false },
  ];
  const names = new Set<string>();
  for (const { file, config } of files) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const m of text.matchAll(/^\s*\[\s*([^\]]+?)\s*\]/gm)) {
      const section = m[1];
      if (!config) names.add(section);
      else if (section === 'default') names.add('default');
      else if (section.startsWith('profile ')) names.add(section.slice(8).trim());
    }
  }
  return names;
}

/**
 * The cause of an AWS failure as one sentence naming what to set, for the causes a user meets
 * first: no region, a profile that does not exist, no credentials, a table that is not there.
 * Undefined for anything else.
 */
export function awsCause(e: unknown, ctx: AwsContext = {}): string | undefined {
  const env = ctx.env ?? process.env;
  for (let c: unknown = e; c instanceof Error; c = c.cause) {
    if (/^Region is missing/.test(c.message)) return 'no AWS region: pass --region REGION or set AWS_REGION (or give your AWS profile a region)';
    if (c.name === 'CredentialsProviderError' || /Could not load credentials/.test(c.message)) {
      const profile = env.AWS_PROFILE || env.AWS_DEFAULT_PROFILE;
      if (profile && !awsProfiles(env).has(profile)) {
        return `AWS profile "${profile}" (AWS_PROFILE) not found in ${env.AWS_CONFIG_FILE || '~/.aws/config'} or ${env.AWS_SHARED_CREDENTIALS_FILE || '~/.aws/credentials'}: check the name (aws configure list-profiles) or create it (aws configure sso --profile ${profile})`;
      }
      if (profile) return `AWS profile "${profile}" gives no usable credentials: log in (aws sso login --profile ${profile}) or check its keys`;
      return 'no AWS credentials: set AWS_PROFILE to a profile of ~/.aws/config (aws configure list-profiles), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY';
    }
    if (c.name === 'ResourceNotFoundException' && ctx.table) {
      return `DynamoDB table "${ctx.table}" not found in this account and region: check --table (the stack output StateTableName, e.g. bedrock-watch-prod) and --region`;
    }
    const hint = HINTS[c.name];
    if (hint) return hint;
  }
  return undefined;
}

export function awsError(call: string, e: unknown, permission?: string, ctx: AwsContext = {}): CommandError {
  const error = e instanceof Error ? e : new Error(String(e));
  const root = error.cause instanceof Error ? error.cause : error;
  const cause = awsCause(error, ctx);
  if (cause) return new CommandError(`${call}: ${cause}`);
  const denied = /AccessDenied|not authorized/i.test(`${root.name} ${error.message}`);
  // The sources already say which call failed and on what (a plain Error around the SDK's).
  if (root !== error && error.name === 'Error') return new CommandError(`${error.message.split('\n')[0]}${denied && permission ? ` (needs ${permission})` : ''}`);
  const name = error.name && error.name !== 'Error' ? `${error.name}: ` : '';
  const message = (error.message || '(no message)').split('\n')[0];
  return new CommandError(`${call}: ${name}${message}${denied && permission ? ` (needs ${permission})` : ''}`);
}

/** Throttling and transient server errors, worth another try after a pause. */
export function retryable(e: unknown): boolean {
  // Our own wrappers keep the SDK error as the cause.
  for (let c = e; c instanceof Error; c = c.cause) if (c !== e && retryable(c)) return true;
  const error = e as { name?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  if (error?.$retryable) return true;
  if (/Throttl|TooManyRequests|RequestLimitExceeded|LimitExceeded|ServiceUnavailable|InternalFailure|InternalError/.test(error?.name ?? '')) return true;
  const status = error?.$metadata?.httpStatusCode ?? 0;
  return status === 429 || status >= 500;
}

/**
 * Calls `fn`, retrying throttles with full-jitter exponential backoff (the SDK retries too, but a
 * long recording meets sustained throttling that outlasts its few attempts).
 */
export async function withBackoff<T>(
  fn: () => Promise<T>,
  opts: { attempts?: number; baseMs?: number; maxMs?: number; sleep?: (ms: number) => Promise<void>; onRetry?: (attempt: number, e: unknown) => void } = {},
): Promise<T> {
  const { attempts = 8, baseMs = 500, maxMs = 20_000, sleep = (ms) => new Promise((r) => setTimeout(r, ms)) } = opts;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (!retryable(e) || attempt >= attempts) throw e;
      opts.onRetry?.(attempt, e);
      await sleep(backoffMs(attempt, baseMs, maxMs));
    }
  }
}
