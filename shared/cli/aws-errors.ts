/** An AWS SDK failure as one line the user can act on (the call, the region, what to check). */
import { backoffMs } from '../notify/deliver';
import { CommandError } from './command';

const HINTS: Record<string, string> = {
  CredentialsProviderError: 'no AWS credentials found: set AWS_PROFILE (or run `aws sso login`) and try again',
  ExpiredTokenException: 'the AWS session has expired: log in again (aws sso login)',
  ExpiredToken: 'the AWS session has expired: log in again (aws sso login)',
  UnrecognizedClientException: 'the AWS credentials are not valid for this account',
  InvalidClientTokenId: 'the AWS credentials are not valid for this account',
};

export function awsError(call: string, e: unknown, permission?: string): CommandError {
  const error = e instanceof Error ? e : new Error(String(e));
  const root = error.cause instanceof Error ? error.cause : error;
  const hint = HINTS[root.name];
  if (hint) return new CommandError(`${call}: ${hint}`);
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
