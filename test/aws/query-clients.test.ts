/**
 * The bundles' SNS and STS clients (shared/aws/{query,sns,sts}.ts, swapped in for
 * @aws-sdk/client-sns and client-sts by scripts/esbuild-plugins.js) against the real SDK clients:
 * both send to one loopback server that checks each request's SigV4 signature on its own
 * (node:crypto, not the signer they share) and answers from a script. The same calls must make
 * the same form bodies, the same outputs, and the same errors and retries (names, faults,
 * statuses, attempts, waits), so the code that calls them (notify/sns.ts, sources/cloudwatch-places.ts)
 * behaves the same in the Lambda as in the tests of the source.
 *
 * Both clients are built as production builds them (no endpoint or credentials in the config):
 * region, endpoint (AWS_ENDPOINT_URL_SNS / _STS) and credentials (the default chain: the
 * environment, with a session token as in Lambda) come from the environment.
 */
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as sdkSns from '@aws-sdk/client-sns';
import * as sdkSts from '@aws-sdk/client-sts';
import * as mineSns from '../../shared/aws/sns';
import * as mineSts from '../../shared/aws/sts';
import { SnsNotifier, SNS_TIMEOUTS } from '../../shared/notify/sns';
import type { DeliveryError } from '../../shared/notify/types';
import { assumedRole } from '../../shared/sources/cloudwatch-places';
import { sampleNotification } from '../support/notification';

const KEY = 'ASIAQUERYCLIENTTEST';
const SECRET = 'query-client-secret/With+Odd=Chars';
const TOKEN = 'session-token-from-lambda';
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:bedrock-watch-alerts';
const ROLE = 'arn:aws:iam::210987654321:role/bedrock-watch-read';

// ── the loopback service ──

interface Seen {
  at: number;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** undefined when the signature checks out, else what is wrong. */
  signatureProblem: string | undefined;
  service: string | undefined;
}
type Reply = { status: number; body?: string; headers?: Record<string, string>; hang?: boolean };

const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');
const hmac = (key: string | Buffer, s: string) => createHmac('sha256', key).update(s).digest();

/** SigV4 recomputed from the request as received: method, path, signed headers, body. */
function checkSignature(method: string, path: string, headers: IncomingHttpHeaders, body: string): { problem?: string; service?: string } {
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(String(headers.authorization));
  if (!m) return { problem: `no SigV4 authorization header: ${headers.authorization}` };
  const [, key, date, region, service, signedHeaders, signature] = m;
  if (key !== KEY) return { problem: `signed with key ${key}` };
  if (region !== 'eu-west-1') return { problem: `signed for region ${region}` };
  const amzDate = String(headers['x-amz-date']);
  if (!amzDate.startsWith(date)) return { problem: `x-amz-date ${amzDate} is not of ${date}` };
  if (Math.abs(Date.parse(amzDate.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z')) - Date.now()) > 5 * 60_000) return { problem: `x-amz-date ${amzDate} is stale` };
  const names = signedHeaders.split(';');
  for (const required of ['host', 'x-amz-date', 'content-type', 'x-amz-security-token']) if (!names.includes(required)) return { problem: `${required} is not signed` };
  if (headers['x-amz-security-token'] !== TOKEN) return { problem: 'wrong session token' };
  const canonicalHeaders = names.map((h) => `${h}:${String(headers[h]).trim().replace(/\s+/g, ' ')}\n`).join('');
  const payload = sha256(body);
  if (headers['x-amz-content-sha256'] !== undefined && headers['x-amz-content-sha256'] !== payload) return { problem: 'x-amz-content-sha256 is not the body hash' };
  const canonical = [method, path, '', canonicalHeaders, signedHeaders, payload].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${SECRET}`, date), region), service), 'aws4_request');
  const expected = createHmac('sha256', signingKey).update(toSign).digest('hex');
  return expected === signature ? { service } : { problem: 'signature does not match', service };
}

let server: Server;
let port = 0;
const seen: Seen[] = [];
let replies: Reply[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const check = checkSignature(req.method!, req.url!, req.headers, body);
      seen.push({ at: Date.now(), path: req.url!, headers: req.headers, body, signatureProblem: check.problem, service: check.service });
      const r = replies.length > 1 ? replies.shift()! : replies[0];
      if (r.hang) return; // never answers: the client's timeout or abort must end it
      res.writeHead(r.status, { 'content-type': 'text/xml', ...r.headers }).end(r.body ?? '');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const ENV = { AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: KEY, AWS_SECRET_ACCESS_KEY: SECRET, AWS_SESSION_TOKEN: TOKEN, AWS_ENDPOINT_URL_SNS: '', AWS_ENDPOINT_URL_STS: '', AWS_EC2_METADATA_DISABLED: 'true' };
const saved: Record<string, string | undefined> = {};
beforeAll(() => {
  ENV.AWS_ENDPOINT_URL_SNS = `http://127.0.0.1:${port}`;
  ENV.AWS_ENDPOINT_URL_STS = `http://127.0.0.1:${port}/sts`;
  for (const [k, v] of Object.entries(ENV)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
});
afterAll(() => {
  for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
  else process.env[k] = v;
});
beforeEach(() => {
  seen.length = 0;
  replies = [{ status: 200, body: PUBLISHED }];
});
afterEach(() => jest.restoreAllMocks());

// ── answers, as SNS and STS write them ──

const PUBLISHED = `<?xml version="1.0"?>
<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">
  <PublishResult>
    <MessageId>94f20ce6-13c5-43a0-9a9e-ca52d816e90b</MessageId>
    <SequenceNumber>10000000000000003000</SequenceNumber>
  </PublishResult>
  <ResponseMetadata><RequestId>f187a3c1-376f-11df-8963-01868b7c937a</RequestId></ResponseMetadata>
</PublishResponse>`;
const errorXml = (type: string, code: string, message?: string) =>
  `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>${type}</Type><Code>${code}</Code>${message === undefined ? '' : `<Message>${message}</Message>`}</Error><RequestId>req-${code}</RequestId></ErrorResponse>`;
const ASSUMED = `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <SourceIdentity>bedrock-watch</SourceIdentity>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::210987654321:assumed-role/bedrock-watch-read/bedrock-watch</Arn>
      <AssumedRoleId>ARO123EXAMPLE123:bedrock-watch</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
      <SessionToken>IQoJb3JpZ2luX2VjEOz&amp;token&lt;x&gt;</SessionToken>
      <Expiration>2026-12-06T21:34:41Z</Expiration>
    </Credentials>
    <PackedPolicySize>6</PackedPolicySize>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
</AssumeRoleResponse>`;

// ── the two clients ──

type Sender = { send(command: unknown, options?: { abortSignal?: AbortSignal }): Promise<Record<string, unknown>> };
const CLIENTS = {
  sdk: {
    sns: (config: object = {}) => new sdkSns.SNSClient({ requestHandler: SNS_TIMEOUTS, ...config }) as unknown as Sender,
    publish: (input: sdkSns.PublishCommandInput) => new sdkSns.PublishCommand(input),
    sts: (config: object = {}) => new sdkSts.STSClient({ region: 'eu-west-1', ...config }) as unknown as Sender,
    assumeRole: (input: sdkSts.AssumeRoleCommandInput) => new sdkSts.AssumeRoleCommand(input),
  },
  dropIn: {
    sns: (config: object = {}) => new mineSns.SNSClient({ requestHandler: SNS_TIMEOUTS, ...config }) as unknown as Sender,
    publish: (input: sdkSns.PublishCommandInput) => new mineSns.PublishCommand(input as mineSns.PublishCommandInput),
    sts: (config: object = {}) => new mineSts.STSClient({ region: 'eu-west-1', ...config }) as unknown as Sender,
    assumeRole: (input: sdkSts.AssumeRoleCommandInput) => new mineSts.AssumeRoleCommand(input as mineSts.AssumeRoleCommandInput),
  },
};
type Kind = keyof typeof CLIENTS;

/**
 * The callers as the bundles build them: notify/sns.ts and sources/cloudwatch-places.ts loaded
 * with the SDK packages replaced by the drop-ins (what the esbuild plugin does), next to the same
 * modules with the SDK.
 */
type Callers = { notify: typeof import('../../shared/notify/sns'); places: typeof import('../../shared/sources/cloudwatch-places') };
function callersWithDropIns(): Callers {
  let out!: Callers;
  jest.isolateModules(() => {
    jest.doMock('@aws-sdk/client-sns', () => jest.requireActual('../../shared/aws/sns'));
    jest.doMock('@aws-sdk/client-sts', () => jest.requireActual('../../shared/aws/sts'));
    out = { notify: require('../../shared/notify/sns'), places: require('../../shared/sources/cloudwatch-places') };
    jest.dontMock('@aws-sdk/client-sns');
    jest.dontMock('@aws-sdk/client-sts');
  });
  return out;
}
const CALLERS: Record<Kind, Callers> = { sdk: { notify: { SnsNotifier } as Callers['notify'], places: { assumedRole } as Callers['places'] }, dropIn: callersWithDropIns() };
const BOTH: Kind[] = ['sdk', 'dropIn'];

/** What callers read of an error (and what the SDK's retry reads). */
function errorView(e: unknown) {
  const err = e as Record<string, unknown> & { $metadata?: Record<string, unknown> };
  return {
    isError: e instanceof Error,
    name: err.name,
    message: err.message,
    $fault: err.$fault,
    httpStatusCode: err.$metadata?.httpStatusCode,
    requestId: err.$metadata?.requestId,
    attempts: err.$metadata?.attempts,
    totalRetryDelay: err.$metadata?.totalRetryDelay,
    Type: err.Type,
    Code: err.Code,
    Error: err.Error,
    RequestId: err.RequestId,
    code: err.code,
  };
}
const failure = (p: Promise<unknown>) => p.then((out) => ({ resolved: out }) as never, errorView);

const SAMPLE: sdkSns.PublishCommandInput = {
  TopicArn: TOPIC,
  Subject: '[CRITICAL] Server-error rate 9.1% on amazon.nova-lite-v1:0',
  MessageStructure: 'json',
  Message: JSON.stringify({ default: '{"a":"b & c < d"}', email: "Latência p99 > 5s — it's (really) *bad*! ~ 🚀\n\tnext line", sms: 'x+y=z' }),
  MessageAttributes: {
    severity: { DataType: 'String', StringValue: 'critical' },
    rule: { DataType: 'String', StringValue: 'server-errors,latency' },
    'model.id': { DataType: 'String', StringValue: 'amazon.nova-lite-v1:0' },
    alerts: { DataType: 'Number', StringValue: '12' },
    blob: { DataType: 'Binary', BinaryValue: Buffer.from([0, 1, 2, 250, 255]) },
  },
};

describe('SNS Publish: the drop-in and the SDK client', () => {
  it('send the same signed form body and read the same output', async () => {
    const out: Record<Kind, unknown> = { sdk: undefined, dropIn: undefined };
    for (const kind of BOTH) out[kind] = await CLIENTS[kind].sns().send(CLIENTS[kind].publish(SAMPLE));
    expect(seen).toHaveLength(2);
    const [sdk, dropIn] = seen;
    for (const s of seen) {
      expect(s.signatureProblem).toBeUndefined();
      expect(s.service).toBe('sns');
      expect(s.path).toBe('/');
      expect(s.headers['content-type']).toBe('application/x-www-form-urlencoded');
    }
    expect(dropIn.body).toBe(sdk.body);
    const form = new URLSearchParams(dropIn.body);
    expect(form.get('Action')).toBe('Publish');
    expect(form.get('Version')).toBe('2010-03-31');
    expect(form.get('Message')).toBe(SAMPLE.Message);
    expect(form.get('MessageAttributes.entry.3.Name')).toBe('model.id');
    expect(form.get('MessageAttributes.entry.5.Value.BinaryValue')).toBe(Buffer.from([0, 1, 2, 250, 255]).toString('base64'));
    expect(out.dropIn).toEqual(out.sdk);
    expect(out.dropIn).toEqual({ MessageId: '94f20ce6-13c5-43a0-9a9e-ca52d816e90b', SequenceNumber: '10000000000000003000', $metadata: { httpStatusCode: 200, attempts: 1, totalRetryDelay: 0 } });
  });

  it('send the FIFO fields and read the sequence number and the request id header', async () => {
    replies = [{ status: 200, body: PUBLISHED.replace('<MessageId>94f20ce6', '<MessageId> 94f20ce6'), headers: { 'x-amzn-requestid': 'hdr-request-id' } }];
    const fifo = { TopicArn: `${TOPIC}.fifo`, Message: 'hello', MessageGroupId: 'model-a', MessageDeduplicationId: 'n-0001' };
    const out = await Promise.all(BOTH.map((k) => CLIENTS[k].sns().send(CLIENTS[k].publish(fifo))));
    expect(seen[1].body).toBe(seen[0].body);
    expect(seen[1].body).toBe(`Action=Publish&Version=2010-03-31&Message=hello&TopicArn=${encodeURIComponent(`${TOPIC}.fifo`)}&MessageDeduplicationId=n-0001&MessageGroupId=model-a`);
    expect(out[1]).toEqual(out[0]);
    expect(out[1]).toMatchObject({ MessageId: ' 94f20ce6-13c5-43a0-9a9e-ca52d816e90b', SequenceNumber: '10000000000000003000', $metadata: { requestId: 'hdr-request-id' } });
  });

  it('publish what the notifier publishes, byte for byte', async () => {
    for (const kind of BOTH) await new CALLERS[kind].notify.SnsNotifier({ topicArn: TOPIC, client: CLIENTS[kind].sns() as never }).send(sampleNotification({ alert: { labels: { ModelId: 'amazon.nova-lite-v1:0', Region: 'us-east-1', AccountId: '123456789012' } } }));
    expect(seen).toHaveLength(2);
    expect(seen[1].body).toBe(seen[0].body);
    expect(seen.map((s) => s.signatureProblem)).toEqual([undefined, undefined]);
  });

  // One attempt each (maxAttempts 1): how each answer becomes an error.
  it.each<[string, Reply]>([
    ['InvalidParameter (400)', { status: 400, body: errorXml('Sender', 'InvalidParameter', 'Invalid parameter: Subject'), headers: { 'x-amzn-requestid': 'hdr-1' } }],
    ['ParameterValueInvalid (400)', { status: 400, body: errorXml('Sender', 'ParameterValueInvalid', 'Invalid parameter: Message too long') }],
    ['AuthorizationError (403)', { status: 403, body: errorXml('Sender', 'AuthorizationError', 'User: arn:aws:sts::1:assumed-role/x is not authorized to perform: SNS:Publish') }],
    ['NotFound (404)', { status: 404, body: errorXml('Sender', 'NotFound', 'Topic does not exist') }],
    ['KMSThrottling (400)', { status: 400, body: errorXml('Sender', 'KMSThrottling', 'slow down') }],
    ['Throttled (429)', { status: 429, body: errorXml('Sender', 'Throttled', 'Rate exceeded') }],
    ['Throttling, unmodelled (400)', { status: 400, body: errorXml('Sender', 'Throttling', 'Rate exceeded') }],
    ['InternalError (500)', { status: 500, body: errorXml('Receiver', 'InternalError', 'boom &amp; &#233;clat &lt;x&gt;') }],
    ['an unknown code without a message (400)', { status: 400, body: errorXml('Sender', 'SomethingNew') }],
    ['an empty 503', { status: 503 }],
    ['an empty 404', { status: 404 }],
  ])('answer %s with the same error', async (_, reply) => {
    replies = [reply];
    const [sdk, dropIn] = await Promise.all(BOTH.map((k) => failure(CLIENTS[k].sns({ maxAttempts: 1 }).send(CLIENTS[k].publish(SAMPLE)))));
    expect(dropIn).toEqual(sdk);
    expect(dropIn).toMatchObject({ isError: true, httpStatusCode: reply.status, attempts: 1 });
  });

  it('both fail on an answer that is not XML, with its status, and retry it when it is a 503', async () => {
    replies = [{ status: 503, body: 'Service Unavailable', headers: { 'content-type': 'text/plain' } }];
    jest.spyOn(Math, 'random').mockReturnValue(0);
    const [sdk, dropIn] = await Promise.all(BOTH.map((k) => failure(CLIENTS[k].sns().send(CLIENTS[k].publish(SAMPLE)))));
    // The SDK's message is its XML parser's; only the name, status and attempts are compared.
    for (const e of [sdk, dropIn]) expect(e).toMatchObject({ isError: true, name: 'Error', httpStatusCode: 503, attempts: 3 });
  });
});

describe('retries, as the SDK standard retry strategy makes them', () => {
  /** Gaps between the attempts one client made, in ms. */
  const gaps = (from: number, n: number) => seen.slice(from + 1, from + n).map((s, i) => s.at - seen[from + i].at);

  it('throttling (400 Throttling) is retried after random × 1 s × 2^n, and succeeds on the third attempt', async () => {
    jest.spyOn(Math, 'random').mockReturnValue(0.5);
    const out: Record<string, unknown>[] = [];
    for (const kind of BOTH) {
      replies = [{ status: 400, body: errorXml('Sender', 'Throttling', 'Rate exceeded') }, { status: 400, body: errorXml('Sender', 'Throttling', 'Rate exceeded') }, { status: 200, body: PUBLISHED }];
      out.push(await CLIENTS[kind].sns().send(CLIENTS[kind].publish(SAMPLE)));
    }
    expect(seen).toHaveLength(6);
    expect(out[1].$metadata).toEqual(out[0].$metadata);
    expect(out[1].$metadata).toEqual({ httpStatusCode: 200, attempts: 3, totalRetryDelay: 1500 });
    for (const from of [0, 3]) {
      const [first, second] = gaps(from, 3);
      // 0.5 × 1000 ms, then 0.5 × 2000 ms (upper bounds loose: a loaded machine delays timers)
      expect(first).toBeGreaterThanOrEqual(490);
      expect(first).toBeLessThan(900);
      expect(second).toBeGreaterThanOrEqual(990);
      expect(second).toBeLessThan(1450);
    }
    // The same request each time, signed again.
    expect(new Set(seen.map((s) => s.body)).size).toBe(1);
    expect(seen.every((s) => s.signatureProblem === undefined)).toBe(true);
  });

  it('a 429 Throttled with Retry-After waits at least that long (up to 5 s more than the backoff)', async () => {
    jest.spyOn(Math, 'random').mockReturnValue(0);
    for (const kind of BOTH) {
      replies = [{ status: 429, body: errorXml('Sender', 'Throttled', 'Rate exceeded'), headers: { 'retry-after': '1' } }, { status: 200, body: PUBLISHED }];
      await CLIENTS[kind].sns().send(CLIENTS[kind].publish(SAMPLE));
    }
    for (const from of [0, 2]) {
      const [gap] = gaps(from, 2);
      expect(gap).toBeGreaterThanOrEqual(950);
      expect(gap).toBeLessThan(1800);
    }
  });

  it('5xx is retried after random × 50 ms × 2^n, three attempts in all, then the error says so', async () => {
    jest.spyOn(Math, 'random').mockReturnValue(0.5);
    replies = [{ status: 500, body: errorXml('Receiver', 'InternalError', 'boom') }];
    const [sdk, dropIn] = await Promise.all(BOTH.map((k) => failure(CLIENTS[k].sns().send(CLIENTS[k].publish(SAMPLE)))));
    expect(dropIn).toEqual(sdk);
    expect(dropIn).toMatchObject({ name: 'InternalErrorException', $fault: 'server', attempts: 3, totalRetryDelay: 75 });
    expect(seen).toHaveLength(6);
  });

  it('client errors are not retried; AWS_MAX_ATTEMPTS and maxAttempts are honoured', async () => {
    replies = [{ status: 400, body: errorXml('Sender', 'InvalidParameter', 'bad') }];
    await Promise.all(BOTH.map((k) => failure(CLIENTS[k].sns().send(CLIENTS[k].publish(SAMPLE)))));
    expect(seen).toHaveLength(2);
    jest.spyOn(Math, 'random').mockReturnValue(0);
    replies = [{ status: 503, body: errorXml('Receiver', 'ServiceUnavailable', 'later') }];
    seen.length = 0;
    process.env.AWS_MAX_ATTEMPTS = '2';
    try {
      const [sdk, dropIn] = await Promise.all(BOTH.map((k) => failure(CLIENTS[k].sns().send(CLIENTS[k].publish(SAMPLE)))));
      expect(dropIn).toEqual(sdk);
      expect(dropIn).toMatchObject({ name: 'ServiceUnavailable', $fault: 'server', attempts: 2 });
    } finally {
      delete process.env.AWS_MAX_ATTEMPTS;
    }
    expect(seen).toHaveLength(4);
  });

  it('the notifier calls the same failures transient or not, whichever client it holds', async () => {
    jest.spyOn(Math, 'random').mockReturnValue(0);
    const cases: Reply[] = [
      { status: 429, body: errorXml('Sender', 'Throttled', 'Rate exceeded') },
      { status: 400, body: errorXml('Sender', 'KMSThrottling', 'slow') },
      { status: 500, body: errorXml('Receiver', 'InternalError', 'boom') },
      { status: 400, body: errorXml('Sender', 'InvalidParameter', 'bad') },
      { status: 403, body: errorXml('Sender', 'AuthorizationError', 'denied') },
    ];
    const seenBy: Record<Kind, [string, boolean][]> = { sdk: [], dropIn: [] };
    for (const reply of cases) {
      replies = [reply];
      for (const kind of BOTH) {
        const e = await new CALLERS[kind].notify.SnsNotifier({ topicArn: TOPIC, client: CLIENTS[kind].sns({ maxAttempts: 1 }) as never }).send(sampleNotification()).then(
          () => undefined,
          (x: unknown) => x,
        );
        expect((e as Error).name).toBe('DeliveryError');
        seenBy[kind].push([(e as DeliveryError).message, (e as DeliveryError).retryable]);
      }
    }
    expect(seenBy.dropIn).toEqual(seenBy.sdk);
    expect(seenBy.dropIn.map(([, retryable]) => retryable)).toEqual([true, true, true, false, false]);
  });
});

describe('network failures, timeouts and aborts', () => {
  it('a refused connection keeps its code, is retried, and has no HTTP status', async () => {
    jest.spyOn(Math, 'random').mockReturnValue(0);
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((r) => closed.close(r));
    const [sdk, dropIn] = await Promise.all(BOTH.map((k) => failure(CLIENTS[k].sns({ endpoint: url }).send(CLIENTS[k].publish(SAMPLE)))));
    // Under jest, node's socket error is of another realm than the test's Error, so the SDK's retry
    // middleware wraps it ("AWS SDK error wrapper for …", code lost); in a plain node process the
    // SDK throws node's error as it is (measured: name Error, code ECONNREFUSED, 3 attempts), as the drop-in does.
    expect(String(sdk.message)).toContain(String(dropIn.message));
    expect(dropIn).toMatchObject({ attempts: sdk.attempts, totalRetryDelay: sdk.totalRetryDelay, httpStatusCode: undefined });
    expect(dropIn).toMatchObject({ name: 'Error', code: 'ECONNREFUSED', message: expect.stringContaining('ECONNREFUSED'), attempts: 3 });
  });

  it('requestTimeout with throwOnRequestTimeout ends a call the service never answers', async () => {
    replies = [{ status: 200, hang: true }];
    const [sdk, dropIn] = await Promise.all(BOTH.map((k) => failure(CLIENTS[k].sns({ maxAttempts: 1, requestHandler: { requestTimeout: 300, throwOnRequestTimeout: true } }).send(CLIENTS[k].publish(SAMPLE)))));
    expect(dropIn).toEqual({ ...sdk, message: dropIn.message });
    expect(dropIn).toMatchObject({ name: 'TimeoutError', code: 'ETIMEDOUT', attempts: 1 });
  });

  it('an abort signal (the Lambda running out of time) ends the call with an AbortError, not retried', async () => {
    replies = [{ status: 200, hang: true }];
    const [sdk, dropIn] = await Promise.all(BOTH.map((k) => failure(CLIENTS[k].sns().send(CLIENTS[k].publish(SAMPLE), { abortSignal: AbortSignal.timeout(200) }))));
    expect(dropIn).toEqual(sdk);
    expect(dropIn).toMatchObject({ name: 'AbortError', attempts: 1 });
    expect(seen).toHaveLength(2);
  });
});

describe('STS AssumeRole: the drop-in and the SDK client', () => {
  const INPUT: sdkSts.AssumeRoleCommandInput = { RoleArn: ROLE, RoleSessionName: 'bedrock-watch', ExternalId: 'ext-id/1+2', DurationSeconds: 3600, Tags: [{ Key: 'team', Value: 'ml ops' }], TransitiveTagKeys: ['team'], PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }] };

  it('send the same signed form body and read the same credentials', async () => {
    replies = [{ status: 200, body: ASSUMED }];
    const out = await Promise.all(BOTH.map((k) => CLIENTS[k].sts().send(CLIENTS[k].assumeRole(INPUT))));
    expect(seen.map((s) => [s.path, s.service, s.signatureProblem])).toEqual([
      ['/sts/', 'sts', undefined],
      ['/sts/', 'sts', undefined],
    ]);
    expect(seen[1].body).toBe(seen[0].body);
    expect(Object.fromEntries(new URLSearchParams(seen[1].body))).toMatchObject({ Action: 'AssumeRole', Version: '2011-06-15', RoleArn: ROLE, ExternalId: 'ext-id/1+2', 'Tags.member.1.Value': 'ml ops', 'TransitiveTagKeys.member.1': 'team' });
    expect(out[1]).toEqual(out[0]);
    expect(out[1]).toEqual({
      Credentials: { AccessKeyId: 'ASIAIOSFODNN7EXAMPLE', SecretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY', SessionToken: 'IQoJb3JpZ2luX2VjEOz&token<x>', Expiration: new Date('2026-12-06T21:34:41Z') },
      AssumedRoleUser: { Arn: 'arn:aws:sts::210987654321:assumed-role/bedrock-watch-read/bedrock-watch', AssumedRoleId: 'ARO123EXAMPLE123:bedrock-watch' },
      PackedPolicySize: 6,
      SourceIdentity: 'bedrock-watch',
      $metadata: { httpStatusCode: 200, attempts: 1, totalRetryDelay: 0 },
    });
  });

  it('give assumedRole() the same credentials for the member account', async () => {
    replies = [{ status: 200, body: ASSUMED }];
    const creds = await Promise.all(BOTH.map((k) => CALLERS[k].places.assumedRole(CLIENTS[k].sts() as never, ROLE, 'ext')()));
    expect(creds[1]).toEqual(creds[0]);
    expect(creds[1]).toMatchObject({ accessKeyId: 'ASIAIOSFODNN7EXAMPLE', sessionToken: 'IQoJb3JpZ2luX2VjEOz&token<x>' });
    expect(seen[1].body).toBe(seen[0].body);
  });

  it.each<[string, Reply]>([
    ['AccessDenied (403, unmodelled)', { status: 403, body: errorXml('Sender', 'AccessDenied', 'User is not authorized to perform: sts:AssumeRole') }],
    ['RegionDisabledException (403)', { status: 403, body: errorXml('Sender', 'RegionDisabledException', 'STS is not activated in this region') }],
    ['MalformedPolicyDocument (400)', { status: 400, body: errorXml('Sender', 'MalformedPolicyDocument', 'bad policy') }],
    ['ExpiredTokenException (400)', { status: 400, body: errorXml('Sender', 'ExpiredTokenException', 'The security token included in the request is expired') }],
  ])('answer %s with the same error, and assumedRole() says the same', async (_, reply) => {
    replies = [reply];
    const [sdk, dropIn] = await Promise.all(BOTH.map((k) => failure(CLIENTS[k].sts({ maxAttempts: 1 }).send(CLIENTS[k].assumeRole(INPUT)))));
    expect(dropIn).toEqual(sdk);
    const messages = await Promise.all(BOTH.map((k) => CALLERS[k].places.assumedRole(CLIENTS[k].sts({ maxAttempts: 1 }) as never, ROLE, undefined)().then(() => 'resolved', (e: Error) => e.message)));
    expect(messages[1]).toBe(messages[0]);
    expect(messages[1]).toMatch(/^STS AssumeRole arn:aws:iam::210987654321:role\/bedrock-watch-read: \w+: /);
  });
});
