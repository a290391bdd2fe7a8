import { clearCaches } from '@aws-lambda-powertools/parameters';
import { GetParameterCommand, ParameterNotFound, SSMClient, SSMServiceException } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { resolveSecret } from '../../shared/notify/secrets';

const WHERE = 'receiver "pagerduty-oncall" routing_key';
const PARAM = '/bedrock-watch/pd-key';
const SECRET = 'R0UT1NGKEYSECRET0123456789abcdef';

describe('resolveSecret from SSM', () => {
  const ssm = mockClient(SSMClient);
  beforeEach(() => {
    ssm.reset();
    clearCaches();
  });

  const found = () => ssm.on(GetParameterCommand, { Name: PARAM }).resolves({ Parameter: { Name: PARAM, Type: 'SecureString', Value: SECRET } });

  it('reads the SecureString with decryption', async () => {
    found();
    await expect(resolveSecret({ ssm: PARAM }, WHERE)).resolves.toBe(SECRET);
    expect(ssm.commandCalls(GetParameterCommand)[0].args[0].input).toEqual({ Name: PARAM, WithDecryption: true });
  });

  it('caches the value, so a warm Lambda asks SSM once', async () => {
    found();
    await resolveSecret({ ssm: PARAM }, WHERE);
    await resolveSecret({ ssm: PARAM }, WHERE);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
  });

  it('names the receiver field and the parameter when the parameter does not exist', async () => {
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: '', $metadata: { httpStatusCode: 400 } }));
    await expect(resolveSecret({ ssm: PARAM }, WHERE)).rejects.toThrow(
      'receiver "pagerduty-oncall" routing_key: SSM parameter /bedrock-watch/pd-key not found',
    );
  });

  it('says access was denied, and points at the permission to check', async () => {
    const denied = new SSMServiceException({
      name: 'AccessDeniedException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
      message: 'User: arn:aws:sts::123456789012:assumed-role/fn is not authorized to perform: ssm:GetParameter',
    });
    ssm.on(GetParameterCommand).rejects(denied);
    await expect(resolveSecret({ ssm: PARAM }, WHERE)).rejects.toThrow(
      `${WHERE}: SSM parameter ${PARAM} access denied (check the function's ssm:GetParameter permission)`,
    );
  });

  it('reports other failures with the SDK error name', async () => {
    ssm.on(GetParameterCommand).rejects(new SSMServiceException({ name: 'InternalServerError', $fault: 'server', $metadata: {}, message: 'oops' }));
    await expect(resolveSecret({ ssm: PARAM }, WHERE)).rejects.toThrow(`${WHERE}: SSM parameter ${PARAM} could not be read (InternalServerError: oops)`);
  });

  it('refuses a blank parameter value', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Name: PARAM, Value: '   ' } });
    await expect(resolveSecret({ ssm: PARAM }, WHERE)).rejects.toThrow(`${WHERE}: SSM parameter ${PARAM} is empty`);
  });

  it('asks Powertools for a decrypted value cached for 300 s', async () => {
    const getParameter = jest.fn(async () => SECRET);
    await expect(resolveSecret({ ssm: PARAM }, WHERE, { getParameter })).resolves.toBe(SECRET);
    expect(getParameter).toHaveBeenCalledWith(PARAM, { decrypt: true, maxAge: 300 });
  });
});

describe('resolveSecret from the environment', () => {
  const ref = { env: 'PD_ROUTING_KEY' };

  it('reads the variable', async () => {
    await expect(resolveSecret(ref, WHERE, { env: { PD_ROUTING_KEY: SECRET } })).resolves.toBe(SECRET);
  });

  it('reads process.env by default', async () => {
    process.env.BW_TEST_SECRET = SECRET;
    try {
      await expect(resolveSecret({ env: 'BW_TEST_SECRET' }, WHERE)).resolves.toBe(SECRET);
    } finally {
      delete process.env.BW_TEST_SECRET;
    }
  });

  it('names the receiver field and the variable when it is unset or empty', async () => {
    await expect(resolveSecret(ref, WHERE, { env: {} })).rejects.toThrow(`${WHERE}: environment variable PD_ROUTING_KEY is not set`);
    await expect(resolveSecret(ref, WHERE, { env: { PD_ROUTING_KEY: '' } })).rejects.toThrow(`${WHERE}: environment variable PD_ROUTING_KEY is empty`);
  });

  it('rejects a reference that is neither ssm nor env', async () => {
    await expect(resolveSecret({ vault: 'x' } as never, WHERE)).rejects.toThrow(`${WHERE}: a secret must be given as { ssm: "/parameter/name" } or { env: "VARIABLE" }`);
  });
});
