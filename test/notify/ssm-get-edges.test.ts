/**
 * shared/notify/ssm-get.ts beyond the common case, against a loopback SSM that checks what SSM checks
 * (POST, the SigV4 signature over the method, path and signed headers): the cache's age and keys, the
 * replies that are not a value, a missing region, a refused, cut-off or silent connection, and the
 * default endpoint (the request intercepted, never sent).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import https from 'node:https';
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { clearCaches, getParameter } from '../../shared/notify/ssm-get';
import { resolveSecret } from '../../shared/notify/secrets';

const WHERE = 'receiver "pd" routing_key';
type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

let server: Server;
let port: number;
let handler: Handler;
const seen: { name: string; decrypt: boolean }[] = [];
const values: Record<string, string> = { '/a': 'value-a', '/b': 'value-b' };

/** SSM's own check: the signature the request carries is the one its method, path, signed headers and body give. */
async function signatureMatches(req: IncomingMessage, body: string): Promise<boolean> {
  const auth = String(req.headers.authorization ?? '');
  const signedNames = /SignedHeaders=([^,]+)/.exec(auth)?.[1].split(';') ?? [];
  const headers = Object.fromEntries(signedNames.map((h) => [h, String(req.headers[h] ?? '')]));
  const date = String(req.headers['x-amz-date'] ?? '');
  const signingDate = new Date(`${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`);
  const signer = new SignatureV4({ service: 'ssm', region: 'us-east-1', sha256: Sha256, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const expected = await signer.sign({ method: req.method ?? '', protocol: 'http:', hostname: '127.0.0.1', port, path: req.url ?? '', headers, body }, { signingDate });
  return expected.headers.authorization === auth;
}

/** GetParameter as SSM answers it, from `values`. */
const ssm: Handler = (req, body, res) => {
  void (async () => {
    const reply = (status: number, json: unknown) => res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(json));
    if (req.method !== 'POST') return reply(400, { __type: 'UnknownOperationException' });
    if (!(await signatureMatches(req, body))) return reply(400, { __type: 'InvalidSignatureException', message: 'The request signature we calculated does not match the signature you provided.' });
    const { Name, WithDecryption } = JSON.parse(body) as { Name: string; WithDecryption: boolean };
    seen.push({ name: Name, decrypt: WithDecryption });
    if (values[Name] === undefined) return reply(400, { __type: 'ParameterNotFound' });
    return reply(200, { Parameter: { Name, Type: 'SecureString', Value: values[Name] } });
  })();
};

const ENV = ['AWS_ENDPOINT_URL_SSM', 'AWS_ENDPOINT_URL', 'AWS_REGION', 'AWS_DEFAULT_REGION'] as const;
const saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => handler(req, body, res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  seen.length = 0;
  handler = ssm;
  clearCaches();
  process.env.AWS_ENDPOINT_URL_SSM = `http://127.0.0.1:${port}/`;
});
afterEach(() => {
  jest.restoreAllMocks();
  for (const k of ENV) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

const failure = async (name = '/a') => ((await resolveSecret({ ssm: name }, WHERE, { getParameter }).catch((e: unknown) => e)) as Error);

describe('what the loopback SSM checks', () => {
  it('a POST signed over what is sent, also through an endpoint with a path (a proxy)', async () => {
    expect(await getParameter('/a', { decrypt: true })).toBe('value-a');
    process.env.AWS_ENDPOINT_URL_SSM = `http://127.0.0.1:${port}/ssm-proxy/`;
    clearCaches();
    expect(await getParameter('/b', { decrypt: true })).toBe('value-b');
    expect(seen).toEqual([
      { name: '/a', decrypt: true },
      { name: '/b', decrypt: true },
    ]);
  });
});

describe('the cache', () => {
  it('each parameter, with or without decryption, is cached on its own', async () => {
    expect(await getParameter('/a', { decrypt: true, maxAge: 300 })).toBe('value-a');
    expect(await getParameter('/b', { decrypt: true, maxAge: 300 })).toBe('value-b');
    expect(await getParameter('/a', { decrypt: false, maxAge: 300 })).toBe('value-a');
    expect(await getParameter('/a', { decrypt: true, maxAge: 300 })).toBe('value-a');
    expect(seen).toEqual([
      { name: '/a', decrypt: true },
      { name: '/b', decrypt: true },
      { name: '/a', decrypt: false },
    ]);
  });

  it('a value is kept maxAge seconds (5 without one) and read again from then on', async () => {
    let now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    await getParameter('/a', { decrypt: true, maxAge: 300 });
    now += 299_999;
    await getParameter('/a', { decrypt: true, maxAge: 300 });
    expect(seen).toHaveLength(1);
    now += 1;
    await getParameter('/a', { decrypt: true, maxAge: 300 });
    expect(seen).toHaveLength(2);

    await getParameter('/b');
    now += 4_999;
    await getParameter('/b');
    expect(seen).toHaveLength(3);
    now += 1;
    await getParameter('/b');
    expect(seen).toHaveLength(4);
  });
});

describe('replies that are not a value', () => {
  it('a 200 without a parameter is no value: the secret is empty', async () => {
    handler = (_req, _body, res) => res.writeHead(200).end('');
    expect((await failure()).message).toBe(`${WHERE}: SSM parameter /a is empty`);
  });

  it('a redirect or a proxy’s error page: named by its status, which the error carries as the SDK’s do', async () => {
    for (const status of [300, 502]) {
      handler = (_req, _body, res) => res.writeHead(status, { 'content-type': 'text/html' }).end('<html>not SSM</html>');
      const err = await failure();
      expect(err.message).toBe(`${WHERE}: SSM parameter /a could not be read (HTTP${status}: HTTP ${status})`);
      expect((err.cause as { $metadata?: unknown }).$metadata).toEqual({ httpStatusCode: status });
    }
  });
});

describe('no answer', () => {
  it('no region: said so, nothing sent', async () => {
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    expect((await failure()).message).toBe(`${WHERE}: SSM parameter /a could not be read (ConfigError: AWS_REGION is not set)`);
    expect(seen).toEqual([]);
  });

  it('a refused connection fails at once', async () => {
    process.env.AWS_ENDPOINT_URL_SSM = 'http://127.0.0.1:9/';
    // (Under jest, Node's own errors come from another realm and are described by String(); in Lambda by name and message.)
    expect((await failure()).message).toMatch(new RegExp(`^${WHERE}: SSM parameter /a could not be read \\(Error: (Error: )?connect ECONNREFUSED 127\\.0\\.0\\.1:9\\)$`));
  });

  it('a reply cut off before its end fails instead of waiting for the rest', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('{"Parameter":');
      setTimeout(() => res.socket?.destroy(), 20);
    };
    expect((await failure()).message).toMatch(/^receiver "pd" routing_key: SSM parameter \/a could not be read \(Error: (Error: )?aborted\)$/);
  });

  it('the default endpoint is the region’s SSM over HTTPS (intercepted here, never sent)', async () => {
    delete process.env.AWS_ENDPOINT_URL_SSM;
    delete process.env.AWS_ENDPOINT_URL;
    process.env.AWS_REGION = 'eu-west-1';
    const urls: string[] = [];
    jest.spyOn(https, 'request').mockImplementation(((url: URL) => {
      urls.push(url.href);
      const req = Object.assign(new EventEmitter(), {
        end: () => process.nextTick(() => req.emit('error', new Error('offline'))),
        destroy: () => undefined,
      });
      return req;
    }) as never);
    expect((await failure()).message).toBe(`${WHERE}: SSM parameter /a could not be read (Error: offline)`);
    expect(urls).toEqual(['https://ssm.eu-west-1.amazonaws.com/']);
  });

  it('an SSM that never answers is given up after 5 s', async () => {
    handler = () => undefined;
    const started = Date.now();
    expect((await failure()).message).toBe(`${WHERE}: SSM parameter /a could not be read (TimeoutError: SSM GetParameter: no answer within 5000 ms)`);
    expect(Date.now() - started).toBeLessThan(8_000);
  }, 15_000);
});
