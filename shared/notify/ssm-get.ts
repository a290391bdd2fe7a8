/**
 * `getParameter` for the Lambda bundles: one SigV4-signed SSM GetParameter over HTTPS, cached like
 * Powertools' (maxAge, forceFetch), without the SSM client, whose schema of every SSM operation
 * is the largest part of the evaluate bundle's cold start. scripts/esbuild-plugins.js swaps it in
 * for `@aws-lambda-powertools/parameters/ssm` in the bundles only; tests of the source (and the
 * CLI) keep Powertools and the SDK client, and test/notify/ssm-get.test.ts holds this one to the
 * same answers against a loopback SSM.
 *
 * Errors carry SSM's error type as their `name` (ParameterNotFound, AccessDeniedException, …), as
 * the SDK's do, so the reasons in notify/secrets.ts read the same.
 */
import { request } from 'node:https';
import { request as httpRequest } from 'node:http';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { defaultProvider } from '@aws-sdk/credential-provider-node';

export interface GetParameterOptions {
  decrypt?: boolean;
  /** Seconds a value stays cached (Powertools' default: 5). */
  maxAge?: number;
  forceFetch?: boolean;
}

const cache = new Map<string, { value: string | undefined; expires: number }>();
const TIMEOUT_MS = 5_000;

/** Forget every cached value (tests). */
export function clearCaches(): void {
  cache.clear();
}

let credentials: ReturnType<typeof defaultProvider> | undefined;

function endpoint(region: string): URL {
  return new URL(process.env.AWS_ENDPOINT_URL_SSM || process.env.AWS_ENDPOINT_URL || `https://ssm.${region}.amazonaws.com/`);
}

function post(url: URL, headers: Record<string, string>, body: string): Promise<{ status: number; body: string }> {
  const send = url.protocol === 'http:' ? httpRequest : request;
  return new Promise((done, fail) => {
    const req = send(url, { method: 'POST', headers, timeout: TIMEOUT_MS }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => done({ status: res.statusCode ?? 0, body: text }));
      res.on('error', fail);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`SSM GetParameter: no answer within ${TIMEOUT_MS} ms`), { name: 'TimeoutError' })));
    req.on('error', fail);
    req.end(body);
  });
}

async function fetchParameter(name: string, decrypt: boolean): Promise<string | undefined> {
  const region = process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION;
  if (!region) throw Object.assign(new Error('AWS_REGION is not set'), { name: 'ConfigError' });
  const url = endpoint(region);
  const body = JSON.stringify({ Name: name, WithDecryption: decrypt });
  const signer = new SignatureV4({ service: 'ssm', region, sha256: Sha256, credentials: (credentials ??= defaultProvider()) });
  const signed = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: url.pathname || '/',
    headers: { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.GetParameter', 'content-length': String(Buffer.byteLength(body)) },
    body,
  });
  const res = await post(url, signed.headers as Record<string, string>, body);
  let json: { Parameter?: { Value?: string }; __type?: string; message?: string; Message?: string } = {};
  try {
    json = res.body ? (JSON.parse(res.body) as typeof json) : {};
  } catch {
    // not JSON: reported below with the status
  }
  if (res.status >= 200 && res.status < 300) return json.Parameter?.Value;
  // "com.amazonaws.ssm#ParameterNotFound" or "ParameterNotFound:http://…": the type is the name.
  const type = (json.__type ?? `HTTP${res.status}`).split('#').pop()!.split(':')[0];
  throw Object.assign(new Error(json.message ?? json.Message ?? `HTTP ${res.status}`), { name: type, $metadata: { httpStatusCode: res.status } });
}

/** The parameter's value, from the cache while it is younger than `maxAge` seconds. */
export async function getParameter(name: string, options: GetParameterOptions = {}): Promise<string | undefined> {
  const key = `${name}|${options.decrypt ? 1 : 0}`;
  const hit = cache.get(key);
  if (hit && !options.forceFetch && hit.expires > Date.now()) return hit.value;
  const value = await fetchParameter(name, Boolean(options.decrypt));
  cache.set(key, { value, expires: Date.now() + (options.maxAge ?? 5) * 1000 });
  return value;
}
