/**
 * A small client for AWS's query protocol (SNS, STS): one form-encoded POST per call, signed with
 * SigV4, the answer's XML read for the fields the caller's command names, errors and retries as
 * the SDK v3 client makes them. shared/aws/sns.ts and sts.ts build on it; scripts/esbuild-plugins.js
 * swaps them in for @aws-sdk/client-sns and client-sts in the Lambda bundles only, so the bundles
 * carry neither the SDK's schema of every SNS and STS operation nor its query and XML protocol
 * code (their cold start). Source and tests keep importing the SDK clients;
 * test/aws/query-clients.test.ts sends the same calls through both to a loopback server that
 * checks the signature and holds them to the same requests, answers and errors.
 *
 * What is kept from the SDK, because the calling code relies on it:
 * - errors: `name` is the SDK's error name (the service's code through the model's awsQueryError
 *   table: `Throttled` → ThrottledException; an unknown code stays as it is), `$fault`, `message`,
 *   `$metadata` (httpStatusCode, requestId, attempts, totalRetryDelay), `Type`, `Code`, `Error`;
 *   a socket failure keeps its code (ECONNRESET, EPIPE and ETIMEDOUT renamed TimeoutError), an
 *   abort is an AbortError;
 * - retries: the standard strategy (3 attempts; throttling waits random × 1 s × 2^n, transient
 *   errors (500/502/503/504, timeouts, connection resets) random × 50 ms × 2^n, at most 20 s,
 *   at least a Retry-After hint up to 5 s more; a retry budget of 500 tokens per client);
 * - config: region (AWS_REGION), endpoint (AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL),
 *   credentials (the default provider chain, which the bundles reduce to the environment),
 *   maxAttempts (AWS_MAX_ATTEMPTS), requestHandler's connectionTimeout / requestTimeout /
 *   throwOnRequestTimeout; `send(command, { abortSignal })`.
 * Not kept (unused here): FIPS / dual-stack endpoints, clock-skew correction, adaptive retry,
 * middleware, `destroy()`.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { defaultProvider } from '@aws-sdk/credential-provider-node';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

export interface QueryClientConfig {
  region?: string;
  endpoint?: string;
  credentials?: AwsCredentials | (() => Promise<AwsCredentials>);
  maxAttempts?: number;
  requestHandler?: { connectionTimeout?: number; requestTimeout?: number; throwOnRequestTimeout?: boolean };
}

export interface ResponseMetadata {
  httpStatusCode?: number;
  requestId?: string;
  extendedRequestId?: string;
  cfId?: string;
  attempts?: number;
  totalRetryDelay?: number;
}

/** What a service's client needs to know: its names, API version and error table. */
export interface QueryService {
  /** Signing name and endpoint prefix (`sns`, `sts`). */
  name: string;
  /** AWS_ENDPOINT_URL_<env> overrides the endpoint, as for the SDK. */
  env: string;
  version: string;
  /** The service's error codes → the SDK's error names (the model's awsQueryError trait). */
  errors: Record<string, string>;
  /** Error names the model marks as server faults; every other modelled error is a client fault (an unmodelled code's fault is from the status). */
  serverErrors?: string[];
}

/** A key and its value in the order the SDK writes them. */
export type QueryParams = [string, string][];

/** Form fields and the writer the commands fill them with: a missing value is left out, as the SDK does. */
export function queryParams(): { out: QueryParams; put: (key: string, value: string | number | undefined) => void } {
  const out: QueryParams = [];
  return { out, put: (key, value) => void (value != null && out.push([key, String(value)])) };
}

/** One operation: its name, its input as form fields, its output read from the answer. */
export abstract class QueryCommand<Input, Output> {
  abstract readonly action: string;
  constructor(readonly input: Input) {}
  abstract params(): QueryParams;
  abstract output(xml: string): Output;
}

// ── errors and retries, as @smithy/core's service-error-classification and StandardRetryStrategy ──

const THROTTLING = ['BandwidthLimitExceeded', 'EC2ThrottledException', 'LimitExceededException', 'PriorRequestNotComplete', 'ProvisionedThroughputExceededException', 'RequestLimitExceeded', 'RequestThrottled', 'RequestThrottledException', 'SlowDown', 'ThrottledException', 'Throttling', 'ThrottlingException', 'TooManyRequestsException', 'TransactionInProgressException'];
const TRANSIENT = ['TimeoutError', 'RequestTimeout', 'RequestTimeoutException'];
const TRANSIENT_STATUS = [500, 502, 503, 504];
const SOCKET_TIMEOUT = ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT'];
/** The socket errors @smithy/node-http-handler renames TimeoutError (a refused connection keeps its name). */
const RENAMED_TIMEOUT = ['ECONNRESET', 'EPIPE', 'ETIMEDOUT'];
const NETWORK = ['EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN'];
const MAX_DELAY_MS = 20_000;
const BUDGET = 500;

type SdkError = Error & { code?: string; $fault?: 'client' | 'server'; $metadata?: ResponseMetadata; $retryable?: unknown; cause?: unknown; retryAfter?: number };

const isThrottling = (e: SdkError) => e.$metadata?.httpStatusCode === 429 || THROTTLING.includes(e.name);
function isTransient(e: SdkError, depth = 0): boolean {
  if (e.name === 'AbortError') return false;
  return (
    e.$retryable !== undefined ||
    TRANSIENT.includes(e.name) ||
    SOCKET_TIMEOUT.includes(e.code ?? '') ||
    NETWORK.includes(e.code ?? '') ||
    TRANSIENT_STATUS.includes(e.$metadata?.httpStatusCode ?? 0) ||
    (e.name === 'InvalidSignatureException' && !!e.message?.includes('Signature expired')) ||
    (e.cause !== undefined && typeof e.cause === 'object' && e.cause !== null && depth <= 10 && isTransient(e.cause as SdkError, depth + 1))
  );
}

/** An Error carrying what the SDK's errors carry. */
function sdkError(name: string, message: string, extra: Record<string, unknown>): SdkError {
  return Object.assign(new Error(message), { name }, extra) as SdkError;
}

const abortError = (signal: AbortSignal): SdkError => {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? sdkError('AbortError', 'Request aborted', { cause: reason }) : sdkError('AbortError', reason ? String(reason) : 'Request aborted', {});
};

/** Retry-After (seconds or an HTTP date) or x-amz-retry-after (ms): when the service asks to be called again. */
function retryAfter(headers: IncomingMessage['headers']): number | undefined {
  const v = headers['retry-after'];
  if (typeof v === 'string') {
    const s = /^\d+(\.\d+)?$/.test(v) ? Number(v) : (Date.parse(v) - Date.now()) / 1000;
    return Number.isNaN(s) ? undefined : Date.now() + s * 1000;
  }
  const ms = headers['x-amz-retry-after'];
  return typeof ms === 'string' && !Number.isNaN(Number(ms)) ? Date.now() + Number(ms) : undefined;
}

// ── XML: just what the commands read ──

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_, e: string) =>
    e[0] === '#' ? String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : Number(e.slice(1))) : ENTITIES[e],
  );
}

/** The raw content of the first <name>…</name> (or <name/>) in xml, undefined when absent. */
export function xmlElement(xml: string | undefined, name: string): string | undefined {
  if (xml === undefined) return undefined;
  const m = new RegExp(`<${name}(?:\\s[^>]*)?(?:/>|>([\\s\\S]*?)</${name}>)`).exec(xml);
  return m ? (m[1] ?? '') : undefined;
}

/** The text of the element at path (`Credentials`, `AccessKeyId`), unescaped. */
export function xmlText(xml: string | undefined, ...path: string[]): string | undefined {
  let at = xml;
  for (const name of path) at = xmlElement(at, name);
  return at === undefined ? undefined : unescapeXml(at);
}

/** `undefined` members left out, as the SDK leaves them out of its output. */
export function defined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

/** encodeURIComponent plus !'()*, as the SDK encodes query parameters. */
const encode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

// ── the client ──

const agents = { http: new HttpAgent({ keepAlive: true, maxSockets: 50 }), https: new HttpsAgent({ keepAlive: true, maxSockets: 50 }) };

interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

export class QueryClient {
  private capacity = BUDGET;
  private credentialsProvider?: () => Promise<AwsCredentials>;

  constructor(
    private readonly service: QueryService,
    readonly config: QueryClientConfig = {},
  ) {}

  async send<Input, Output>(command: QueryCommand<Input, Output>, options: { abortSignal?: AbortSignal } = {}): Promise<Output & { $metadata: ResponseMetadata }> {
    const signal = options.abortSignal;
    const envAttempts = Number(process.env.AWS_MAX_ATTEMPTS);
    const maxAttempts = this.config.maxAttempts ?? (envAttempts >= 1 ? envAttempts : 3);
    const body = `Action=${command.action}&Version=${this.service.version}${command.params().map(([k, v]) => `&${encode(k)}=${encode(v)}`).join('')}`;
    let attempts = 0;
    let totalRetryDelay = 0;
    let cost: number | undefined;
    for (;;) {
      attempts++;
      try {
        if (signal?.aborted) throw abortError(signal);
        const answer = await this.post(body, signal);
        const meta = defined<ResponseMetadata>({
          httpStatusCode: answer.status,
          requestId: first(answer.headers['x-amzn-requestid'] ?? answer.headers['x-amzn-request-id'] ?? answer.headers['x-amz-request-id']),
          extendedRequestId: first(answer.headers['x-amz-id-2']),
          cfId: first(answer.headers['x-amz-cf-id']),
        });
        if (answer.status >= 300) throw this.serviceError(answer, meta);
        if (answer.body.trim() && !answer.body.trimStart().startsWith('<')) throw sdkError('Error', `${this.service.name} ${command.action}: an answer that is not XML (HTTP ${answer.status})`, { $metadata: meta });
        const output = command.output(answer.body);
        this.capacity = Math.min(BUDGET, this.capacity + (cost ?? 1));
        return Object.assign(output as object, { $metadata: { ...meta, attempts, totalRetryDelay } }) as Output & { $metadata: ResponseMetadata };
      } catch (e) {
        const err = e as SdkError;
        const throttled = isThrottling(err);
        const retryable = throttled || isTransient(err);
        const price = throttled ? 5 : 14;
        if (signal?.aborted || !retryable || attempts >= maxAttempts || this.capacity < price) {
          err.$metadata = { ...err.$metadata, attempts, totalRetryDelay };
          delete err.retryAfter;
          throw err;
        }
        this.capacity -= price;
        cost = price;
        let delay = Math.floor(Math.random() * Math.min((throttled ? 1000 : 50) * 2 ** (attempts - 1), MAX_DELAY_MS));
        if (err.retryAfter !== undefined) delay = Math.max(delay, Math.min(err.retryAfter - Date.now(), delay + 5_000));
        delete err.retryAfter;
        totalRetryDelay += delay;
        if (delay > 0) await sleep(delay, signal);
      }
    }
  }

  private serviceError(answer: Answer, $metadata: ResponseMetadata): SdkError {
    // Not XML (a proxy's or load balancer's page): the SDK's XML parser fails, a plain Error with the status.
    if (answer.body.trim() && !answer.body.trimStart().startsWith('<')) return sdkError('Error', `${this.service.name}: an answer that is not XML (HTTP ${answer.status}): ${answer.body.slice(0, 200)}`, { $metadata });
    const error = xmlElement(answer.body, 'Error');
    const Type = xmlText(error, 'Type');
    const code = xmlText(error, 'Code') ?? (answer.status === 404 ? 'NotFound' : 'Unknown');
    const Message = xmlText(error, 'Message') ?? xmlText(error, 'message') ?? 'Unknown';
    const modelled = this.service.errors[code] ?? (Object.values(this.service.errors).includes(code) ? code : undefined);
    const name = modelled ?? code;
    const $fault = modelled ? (this.service.serverErrors?.includes(modelled) ? 'server' : 'client') : answer.status < 500 ? 'client' : 'server';
    const extra: Record<string, unknown> = { $fault, $metadata, Error: defined({ Type, Code: error ? code : undefined, Message }) };
    if (error) Object.assign(extra, { Type, Code: code });
    const requestId = xmlText(answer.body, 'RequestId');
    if (modelled && requestId) extra.RequestId = requestId;
    const hint = retryAfter(answer.headers);
    if (hint !== undefined) extra.retryAfter = hint; // read by send(), removed before the error leaves it
    return sdkError(name, Message, extra);
  }

  private endpoint(region: string): URL {
    const env = process.env[`AWS_ENDPOINT_URL_${this.service.env}`] || process.env.AWS_ENDPOINT_URL;
    const url = this.config.endpoint || env || `https://${this.service.name}.${region}.${region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com'}`;
    return new URL(url);
  }

  private credentials(): () => Promise<AwsCredentials> {
    const c = this.config.credentials;
    if (typeof c === 'function') return c;
    if (c) return async () => c;
    return (this.credentialsProvider ??= defaultProvider() as () => Promise<AwsCredentials>);
  }

  private async post(body: string, signal: AbortSignal | undefined): Promise<Answer> {
    const region = this.config.region || process.env.AWS_REGION;
    if (!region) throw sdkError('Error', 'Region is missing', {});
    const url = this.endpoint(region);
    const signer = new SignatureV4({ service: this.service.name, region, sha256: Sha256, credentials: this.credentials() });
    const path = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
    const signed = await signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path,
      query: {},
      headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)) },
      body,
    });
    const { connectionTimeout, requestTimeout, throwOnRequestTimeout } = this.config.requestHandler ?? {};
    const https = url.protocol === 'https:';
    return new Promise<Answer>((resolve, reject) => {
      const timers: NodeJS.Timeout[] = [];
      let settled = false;
      const done = (e: Error | undefined, a?: Answer) => {
        if (settled) return;
        settled = true;
        for (const t of timers) clearTimeout(t);
        signal?.removeEventListener('abort', onAbort);
        if (e) reject(e);
        else resolve(a!);
      };
      const req = (https ? httpsRequest : httpRequest)(
        { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: url.port || undefined, path, method: 'POST', headers: signed.headers, agent: https ? agents.https : agents.http },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => done(undefined, { status: res.statusCode ?? 0, headers: res.headers, body: text }));
          res.on('error', (e) => done(e));
        },
      );
      const onAbort = () => {
        req.destroy();
        done(abortError(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', (e: SdkError) => done(RENAMED_TIMEOUT.includes(e.code ?? '') ? Object.assign(e, { name: 'TimeoutError' }) : e));
      if (connectionTimeout) {
        timers.push(
          setTimeout(() => {
            if (req.socket && !req.socket.connecting) return;
            req.destroy();
            done(sdkError('TimeoutError', `the request socket did not establish a connection with the server within the configured timeout of ${connectionTimeout} ms.`, {}));
          }, connectionTimeout),
        );
      }
      if (requestTimeout && throwOnRequestTimeout) {
        timers.push(
          setTimeout(() => {
            const e = sdkError('TimeoutError', `a request has exceeded the configured ${requestTimeout} ms requestTimeout.`, { code: 'ETIMEDOUT' });
            req.destroy(e);
            done(e);
          }, requestTimeout),
        );
      }
      req.end(body);
    });
  }
}

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(t);
      reject(abortError(signal!));
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
