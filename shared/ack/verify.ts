/**
 * Request signatures of the two services that acknowledge alerts. Pure (node:crypto only):
 * every comparison is timing-safe, and a malformed header is simply "not verified".
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack refuses to send, and we refuse to accept, requests signed more than this long ago. */
export const SLACK_MAX_AGE_S = 5 * 60;

export type SlackVerdict = 'ok' | 'stale' | 'bad-signature';

const hmacHex = (secret: string, data: Buffer | string) => createHmac('sha256', secret).update(data).digest('hex');

/** Equal strings, compared in constant time for strings of the same length. */
function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * What can be told wrong about a Slack request without its secret: a missing or malformed timestamp or
 * signature header, or a timestamp outside the 5 minutes. Null when verifySlack must decide.
 */
export function slackHeaderProblem(opts: { timestamp: string | undefined; signature: string | undefined; nowMs: number }): 'bad-signature' | 'stale' | null {
  const { timestamp, signature } = opts;
  if (!timestamp || !/^\d{1,12}$/.test(timestamp) || !signature || !/^v0=[0-9a-f]{64}$/.test(signature)) return 'bad-signature';
  if (Math.abs(Math.floor(opts.nowMs / 1000) - Number(timestamp)) > SLACK_MAX_AGE_S) return 'stale';
  return null;
}

/** A PagerDuty signature header that cannot match any secret: missing, or not `v1=<64 hex>` (comma-separated). */
export function pagerDutyHeaderProblem(header: string | undefined): boolean {
  return !header || header.length > 1024 || !header.split(',').every((c) => /^v1=[0-9a-f]{64}$/.test(c.trim()));
}

/**
 * Slack: `X-Slack-Signature: v0=hex(HMAC-SHA256(secret, "v0:" + X-Slack-Request-Timestamp + ":" + raw body))`
 * (https://api.slack.com/authentication/verifying-requests-from-slack). The timestamp is checked
 * first, both ways, so a captured request cannot be replayed later.
 */
export function verifySlack(opts: { secret: string; timestamp: string | undefined; signature: string | undefined; body: Buffer; nowMs: number }): SlackVerdict {
  const { timestamp, signature } = opts;
  if (!timestamp || !/^\d{1,12}$/.test(timestamp) || !signature) return 'bad-signature';
  if (Math.abs(Math.floor(opts.nowMs / 1000) - Number(timestamp)) > SLACK_MAX_AGE_S) return 'stale';
  const base = Buffer.concat([Buffer.from(`v0:${timestamp}:`, 'utf8'), opts.body]);
  return sameText(signature, `v0=${hmacHex(opts.secret, base)}`) ? 'ok' : 'bad-signature';
}

/**
 * PagerDuty webhooks v3: `X-PagerDuty-Signature: v1=hex(HMAC-SHA256(secret, raw body))`, possibly
 * several comma-separated while a secret rotates; one match is enough
 * (https://developer.pagerduty.com/docs/webhooks/webhook-signatures).
 */
export function verifyPagerDuty(opts: { secret: string; header: string | undefined; body: Buffer }): boolean {
  if (!opts.header) return false;
  const expected = `v1=${hmacHex(opts.secret, opts.body)}`;
  let ok = false;
  // Every candidate is compared (no early exit), so timing says nothing about which one matched.
  for (const candidate of opts.header.split(',').map((s) => s.trim())) if (sameText(candidate, expected)) ok = true;
  return ok;
}

/** For tests and the README's curl examples: the headers a sender would compute. */
export const signSlack = (secret: string, timestamp: number, body: string | Buffer) =>
  `v0=${hmacHex(secret, Buffer.concat([Buffer.from(`v0:${timestamp}:`, 'utf8'), Buffer.from(body)]))}`;
export const signPagerDuty = (secret: string, body: string | Buffer) => `v1=${hmacHex(secret, Buffer.from(body))}`;
