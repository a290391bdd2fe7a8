import { DeliveryError, type Notifier } from './types';
import { type Notification } from '../core/notification';

export type DeliveryResult =
  | { ok: true }
  | { ok: false; retryable: boolean; error: string; retryAfterMs?: number };

export interface RetryOptions {
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Full-jitter exponential backoff: a random wait in [0, min(max, base·2^(attempt-1))]. */
export function backoffMs(attempt: number, baseDelayMs: number, maxDelayMs: number, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)));
}

export async function deliverWithRetry(notifier: Notifier, n: Notification, opts: RetryOptions = {}): Promise<DeliveryResult> {
  const { baseDelayMs = 200, maxDelayMs = 5000, sleep = realSleep, random = Math.random } = opts;
  const attempts = Math.max(1, Math.floor(opts.attempts ?? 3));
  for (let attempt = 1; ; attempt++) {
    try {
      await notifier.send(n);
      return { ok: true };
    } catch (e) {
      // Anything that is not a DeliveryError is unexpected; retrying is cheaper than losing a page.
      const retryable = e instanceof DeliveryError ? e.retryable : true;
      const retryAfterMs = e instanceof DeliveryError ? e.retryAfterMs : undefined;
      const error = e instanceof Error ? e.message : String(e);
      if (!retryable) return { ok: false, retryable, error };
      if (attempt >= attempts) return { ok: false, retryable, error: `${error} (gave up after ${attempt} attempts)`, retryAfterMs };
      // A server asking for a longer pause than we may wait here: hand it back to the caller (outbox) instead of burning Lambda time.
      if (retryAfterMs !== undefined && retryAfterMs > maxDelayMs) return { ok: false, retryable, error, retryAfterMs };
      await sleep(retryAfterMs ?? backoffMs(attempt, baseDelayMs, maxDelayMs, random));
    }
  }
}

// ---- HTTP delivery shared by the webhook-style notifiers (Slack, PagerDuty) ----

export interface HttpReply {
  status: number;
  headers: Headers;
  text: string;
}

/** POST a JSON body. Network failures and timeouts become retryable DeliveryErrors; `secret` is scrubbed from any message. */
export async function postJson(
  fetchFn: typeof fetch,
  url: string,
  body: unknown,
  who: string,
  secret: string,
  timeoutMs = 10_000,
): Promise<HttpReply> {
  if (!URL.canParse(url)) throw new DeliveryError(`${who}: the configured URL is not a valid URL`, false);
  try {
    const res = await fetchFn(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: res.status, headers: res.headers, text: await res.text() };
  } catch (e) {
    throw new DeliveryError(redact(`${who}: request failed: ${describe(e)}`, [url, secret]), true);
  }
}

/** Map a non-2xx reply: 429 and 5xx (and 408) can succeed later, other 4xx cannot. */
export function httpFailure(reply: HttpReply, who: string, detail: string, secrets: string[]): DeliveryError {
  const message = redact(`${who}: HTTP ${reply.status}${detail ? ` ${detail}` : ''}`, secrets);
  if (reply.status === 429) return new DeliveryError(message, true, retryAfterMs(reply.headers.get('retry-after')));
  return new DeliveryError(message, reply.status >= 500 || reply.status === 408);
}

/** Retry-After is delay-seconds or an HTTP date. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join('[redacted]');
  return out;
}

function describe(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'timed out';
  const cause = e.cause instanceof Error ? `: ${e.cause.message}` : '';
  return `${e.message}${cause}`;
}
