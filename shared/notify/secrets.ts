import { getParameter } from '@aws-lambda-powertools/parameters/ssm';

/** Where a secret lives, as written in the rules file. Never the secret itself. */
export type SecretRef = { ssm: string } | { env: string };

type GetOptions = { decrypt: true; maxAge: number; forceFetch?: boolean };

export interface SecretDeps {
  getParameter?: (name: string, options: GetOptions) => Promise<string | undefined>;
  env?: Record<string, string | undefined>;
  /** Skip the cache: the receiver rejected the cached value (see NotifierSet.refresh). */
  forceFetch?: boolean;
}

/**
 * Seconds a decrypted SSM value stays in the warm Lambda's cache — and so how long a notifier built
 * from it is kept (NotifierSet): a rotated secret is picked up within this time without a redeploy.
 */
export const SECRET_MAX_AGE_S = 300;

const SSM_REASONS: Record<string, string> = {
  ParameterNotFound: 'not found',
  ParameterVersionNotFound: 'version not found',
  AccessDeniedException: "access denied (check the function's ssm:GetParameter permission)",
  AccessDenied: "access denied (check the function's ssm:GetParameter permission)",
  InvalidKeyId: 'cannot be decrypted: invalid KMS key',
  KMSAccessDeniedException: 'cannot be decrypted: access denied to its KMS key (check kms:Decrypt)',
};

/** Resolve a secret reference; `where` names the config field in errors, e.g. `receiver "pagerduty-oncall" routing_key`. */
export async function resolveSecret(ref: SecretRef, where: string, deps: SecretDeps = {}): Promise<string> {
  if (ref && 'ssm' in ref && typeof ref.ssm === 'string') {
    const name = ref.ssm;
    const get = deps.getParameter ?? ((n: string, o: GetOptions) => getParameter(n, o));
    let value: string | undefined;
    try {
      value = await get(name, { decrypt: true, maxAge: SECRET_MAX_AGE_S, ...(deps.forceFetch ? { forceFetch: true } : {}) });
    } catch (e) {
      throw new Error(`${where}: SSM parameter ${name} ${ssmReason(e)}`, { cause: e });
    }
    if (!value?.trim()) throw new Error(`${where}: SSM parameter ${name} is empty`);
    return value.trim();
  }
  if (ref && 'env' in ref && typeof ref.env === 'string') {
    const value = (deps.env ?? process.env)[ref.env];
    if (value === undefined) throw new Error(`${where}: environment variable ${ref.env} is not set`);
    if (!value.trim()) throw new Error(`${where}: environment variable ${ref.env} is empty`);
    return value.trim();
  }
  throw new Error(`${where}: a secret must be given as { ssm: "/parameter/name" } or { env: "VARIABLE" }`);
}

/** Powertools wraps SDK errors in GetParameterError; the SDK error (with its name) is the cause. */
function ssmReason(e: unknown): string {
  for (let err: unknown = e; err instanceof Error; err = err.cause) {
    const reason = SSM_REASONS[err.name];
    if (reason) return reason;
    if (err.name === 'ParameterNotFoundError') return 'not found';
  }
  const root = rootCause(e);
  return `could not be read (${root.name}: ${root.message})`;
}

function rootCause(e: unknown): Error {
  let err = e instanceof Error ? e : new Error(String(e));
  while (err.cause instanceof Error) err = err.cause;
  return err;
}
