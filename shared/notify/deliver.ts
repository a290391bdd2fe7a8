import { DeliveryError, type Notifier, type SendOptions } from './types';
import type { Notification } from '../core/notification';

export type DeliveryResult =
  | { ok: true }
  | { ok: false; retryable: boolean; error: string; retryAfterMs?: number; staleSecret?: boolean };

export interface RetryOptions {
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Milliseconds this invocation may still spend (real clock); bounds each request and each wait. */
  timeLeft?: () => number;
}

/** Below this, a request is not started: it could not finish, and an abandoned request may still have been delivered. */
export const MIN_REQUEST_MS = 500;

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Full-jitter exponential backoff: a random wait in [0, min(max, base·2^(attempt-1))]. */
export function backoffMs(attempt: number, baseDelayMs: number, maxDelayMs: number, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)));
}

export async function deliverWithRetry(notifier: Notifier, n: Notification, opts: RetryOptions = {}): Promise<DeliveryResult> {
  const { baseDelayMs = 200, maxDelayMs = 5000, sleep = realSleep, random = Math.random, timeLeft = () => Infinity } = opts;
  const attempts = Math.max(1, Math.floor(opts.attempts ?? 3));
  for (let attempt = 1; ; attempt++) {
    const left = timeLeft();
    try {
      await notifier.send(n, Number.isFinite(left) ? { timeoutMs: Math.max(MIN_REQUEST_MS, Math.floor(left)) } : {});
      return { ok: true };
    } catch (e) {
      // Anything that is not a DeliveryError is unexpected; retrying is cheaper than losing a page.
      const retryable = e instanceof DeliveryError ? e.retryable : true;
      const retryAfterMs = e instanceof DeliveryError ? e.retryAfterMs : undefined;
      const staleSecret = e instanceof DeliveryError && e.staleSecret ? { staleSecret: true } : {};
      const error = e instanceof Error ? e.message : String(e);
      if (!retryable) return { ok: false, retryable, error, ...staleSecret };
      if (attempt >= attempts) return { ok: false, retryable, error: `${error} (gave up after ${attempt} attempts)`, retryAfterMs };
      // A server asking for a longer pause than we may wait here: hand it back to the caller (outbox) instead of burning Lambda time.
      if (retryAfterMs !== undefined && retryAfterMs > maxDelayMs) return { ok: false, retryable, error, retryAfterMs };
      const wait = retryAfterMs ?? backoffMs(attempt, baseDelayMs, maxDelayMs, random);
      // No time for the wait and another request: the outbox retries on a later tick.
      if (wait + MIN_REQUEST_MS > timeLeft()) return { ok: false, retryable, error: `${error} (no time left in this invocation for another attempt)`, retryAfterMs };
      await sleep(wait);
    }
  }
}

// ---- HTTP delivery shared by the webhook-style notifiers (Slack, PagerDuty) ----

/** Slack and PagerDuty answer in well under a second; ten seconds is an outage, not a slow reply. */
const DEFAULT_TIMEOUT_MS = 10_000;

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
  timeoutMs = DEFAULT_TIMEOUT_MS,
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

/** Answers that a rotated secret gives (unauthorised, forbidden, no such webhook, webhook gone). */
const STALE_SECRET_STATUS = new Set([401, 403, 404, 410]);

/**
 * Map a non-2xx reply: 429 and 5xx (and 408) can succeed later, other 4xx cannot — except that
 * 401/403/404/410 are marked as a possibly stale secret, for the caller to re-read it once.
 */
export function httpFailure(reply: HttpReply, who: string, detail: string, secrets: string[]): DeliveryError {
  const message = redact(`${who}: HTTP ${reply.status}${detail ? ` ${detail}` : ''}`, secrets);
  if (reply.status === 429) return new DeliveryError(message, true, retryAfterMs(reply.headers.get('retry-after')));
  return new DeliveryError(message, reply.status >= 500 || reply.status === 408, undefined, STALE_SECRET_STATUS.has(reply.status));
}

/** The request timeout: the notifier's own, shortened to what the caller has left. */
export const requestTimeout = (own: number | undefined, opts: SendOptions | undefined): number => Math.min(own ?? DEFAULT_TIMEOUT_MS, opts?.timeoutMs ?? Infinity);

/** Retry-After is delay-seconds or an HTTP date. */
const HTTP_DATE = /\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b.*\b\d{1,2}:\d{2}:\d{2}\b/;

export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  // Otherwise an HTTP-date (RFC 9110: IMF-fixdate, or the obsolete RFC 850 and asctime forms), each
  // with a month name and a time of day; Date.parse alone reads '-5' or 'in 5' as dates too.
  if (!HTTP_DATE.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join('[redacted]');
  return out;
}

function describe(e: unknown): string {
  // An abort is a DOMException, which is not an Error in every realm: look at the name.
  const name = (e as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return 'timed out';
  if (!(e instanceof Error)) return String(e);
  const cause = e.cause instanceof Error ? `: ${e.cause.message}` : '';
  return `${e.message}${cause}`;
}
