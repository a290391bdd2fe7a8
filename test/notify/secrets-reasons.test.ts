/**
 * shared/notify/secrets.ts with an injected getParameter: every SSM failure named for the operator,
 * the cache bypass on refresh, and values trimmed.
 */
import { resolveSecret, SECRET_MAX_AGE_S } from '../../shared/notify/secrets';

const WHERE = 'receiver "pd" routing_key';
const named = (name: string, message = 'm', cause?: unknown) => Object.assign(new Error(message, cause === undefined ? undefined : { cause }), { name });
const failing = (e: unknown) => async () => Promise.reject(e);

describe('resolveSecret: SSM', () => {
  it('a refresh bypasses the cache; values are trimmed', async () => {
    const calls: unknown[] = [];
    const getParameter = async (n: string, o: unknown) => (calls.push([n, o]), '  s3cret \n');
    expect(await resolveSecret({ ssm: '/p' }, WHERE, { getParameter, forceFetch: true })).toBe('s3cret');
    expect(await resolveSecret({ ssm: '/p' }, WHERE, { getParameter, forceFetch: false })).toBe('s3cret');
    expect(calls).toEqual([
      ['/p', { decrypt: true, maxAge: SECRET_MAX_AGE_S, forceFetch: true }],
      ['/p', { decrypt: true, maxAge: SECRET_MAX_AGE_S }],
    ]);
    expect(SECRET_MAX_AGE_S).toBe(300);
  });

  it('no value or only spaces: empty', async () => {
    for (const v of [undefined, '', '   ']) await expect(resolveSecret({ ssm: '/p' }, WHERE, { getParameter: async () => v })).rejects.toThrow(`${WHERE}: SSM parameter /p is empty`);
  });

  it('each SSM error type named, found through the wrapping errors; the SDK error kept as cause', async () => {
    const cases: [unknown, string][] = [
      [named('ParameterNotFound'), 'not found'],
      [named('ParameterVersionNotFound'), 'version not found'],
      [named('AccessDenied'), "access denied (check the function's ssm:GetParameter permission)"],
      [named('AccessDeniedException'), "access denied (check the function's ssm:GetParameter permission)"],
      [named('InvalidKeyId'), 'cannot be decrypted: invalid KMS key'],
      [named('KMSAccessDeniedException'), 'cannot be decrypted: access denied to its KMS key (check kms:Decrypt)'],
      // Powertools' own not-found error, and an SDK error two wrappers down.
      [named('ParameterNotFoundError'), 'not found'],
      [named('GetParameterError', 'outer', named('Wrapper', 'mid', named('InvalidKeyId'))), 'cannot be decrypted: invalid KMS key'],
      // Unknown: the root cause's name and message.
      [named('GetParameterError', 'outer', named('Wrapper', 'mid', named('Throttled', 'rate exceeded'))), 'could not be read (Throttled: rate exceeded)'],
      [named('Odd', 'just this'), 'could not be read (Odd: just this)'],
      ['a string', 'could not be read (Error: a string)'],
      [named('GetParameterError', 'outer', 'a string cause'), 'could not be read (GetParameterError: outer)'],
    ];
    for (const [error, reason] of cases) {
      const err = (await resolveSecret({ ssm: '/p' }, WHERE, { getParameter: failing(error) }).catch((e: unknown) => e)) as Error;
      expect([reason, err.message]).toEqual([reason, `${WHERE}: SSM parameter /p ${reason}`]);
      expect(err.cause).toBe(error);
    }
  });
});

describe('resolveSecret: environment and bad references', () => {
  it('values trimmed; only spaces is empty', async () => {
    expect(await resolveSecret({ env: 'K' }, WHERE, { env: { K: ' v ' } })).toBe('v');
    await expect(resolveSecret({ env: 'K' }, WHERE, { env: { K: '  ' } })).rejects.toThrow(`${WHERE}: environment variable K is empty`);
  });

  it('a reference whose name is not a string, or no reference: refused, naming the field', async () => {
    const msg = `${WHERE}: a secret must be given as { ssm: "/parameter/name" } or { env: "VARIABLE" }`;
    for (const ref of [{ ssm: 5 }, { env: null }, null, undefined]) await expect(resolveSecret(ref as never, WHERE, { env: {}, getParameter: async () => 'x' })).rejects.toThrow(msg);
  });
});
