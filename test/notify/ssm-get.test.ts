/**
 * The bundles' SSM reader (shared/notify/ssm-get.ts, swapped in for Powertools by
 * scripts/esbuild-plugins.js) against a loopback SSM speaking the JSON 1.1 protocol: a signed
 * GetParameter, the same cache and the same error names as the SDK client, so resolveSecret says
 * the same thing in the Lambda as in the tests of the source.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { clearCaches, getParameter } from '../../shared/notify/ssm-get';
import { resolveSecret } from '../../shared/notify/secrets';

const PARAM = '/bedrock-watch/pd-key';
const SECRET = 'R0UT1NGKEYSECRET0123456789abcdef';
const WHERE = 'receiver "pagerduty-oncall" routing_key';

let server: Server;
const seen: { headers: IncomingHttpHeaders; body: { Name: string; WithDecryption: boolean } }[] = [];
let answer: (name: string) => { status: number; body: unknown } = () => ({ status: 200, body: { Parameter: { Name: PARAM, Type: 'SecureString', Value: SECRET } } });

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const parsed = JSON.parse(body) as { Name: string; WithDecryption: boolean };
      seen.push({ headers: req.headers, body: parsed });
      const a = answer(parsed.Name);
      res.writeHead(a.status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(a.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  process.env.AWS_ENDPOINT_URL_SSM = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  delete process.env.AWS_ENDPOINT_URL_SSM;
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  seen.length = 0;
  clearCaches();
});

const resolve = (deps: { forceFetch?: boolean } = {}) => resolveSecret({ ssm: PARAM }, WHERE, { getParameter, ...deps });

describe('SSM GetParameter without the SSM client', () => {
  it('sends one SigV4-signed GetParameter with decryption and returns the value', async () => {
    await expect(resolve()).resolves.toBe(SECRET);
    expect(seen).toHaveLength(1);
    const { headers, body } = seen[0];
    expect(body).toEqual({ Name: PARAM, WithDecryption: true });
    expect(headers['x-amz-target']).toBe('AmazonSSM.GetParameter');
    expect(headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=test\/\d{8}\/us-east-1\/ssm\/aws4_request, SignedHeaders=[^,]*host[^,]*x-amz-target[^,]*, Signature=[0-9a-f]{64}$/);
    expect(headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
  });

  it('caches for maxAge, and asks again when forced (a rotated secret)', async () => {
    await resolve();
    await resolve();
    expect(seen).toHaveLength(1);
    await resolve({ forceFetch: true });
    expect(seen).toHaveLength(2);
  });

  it.each([
    ['ParameterNotFound', 400, `${WHERE}: SSM parameter ${PARAM} not found`],
    ['com.amazonaws.ssm#AccessDeniedException', 400, `${WHERE}: SSM parameter ${PARAM} access denied (check the function's ssm:GetParameter permission)`],
    ['KMSAccessDeniedException', 400, `${WHERE}: SSM parameter ${PARAM} cannot be decrypted: access denied to its KMS key (check kms:Decrypt)`],
    ['InternalServerError', 500, `${WHERE}: SSM parameter ${PARAM} could not be read (InternalServerError: oops)`],
  ])('names the failure %s as the SDK client would', async (type, status, message) => {
    answer = () => ({ status, body: { __type: type, message: 'oops' } });
    try {
      await expect(resolve()).rejects.toThrow(message);
    } finally {
      answer = () => ({ status: 200, body: { Parameter: { Name: PARAM, Type: 'SecureString', Value: SECRET } } });
    }
  });
});
