/**
 * The ack endpoint's HTTP logic, for a Lambda function URL (API Gateway v2 event format):
 * POST /slack (the Slack app's Interactivity Request URL) and POST /pagerduty (a v3 webhook
 * subscription). Everything outside is a dependency (secrets, the table, the response_url
 * POST), so tests drive the real logic with dynalite and a local server.
 *
 * Anything unauthenticated or forged gets a bare 401: no hint of which check failed.
 */
import type { AckOutcome } from '../core/ack';
import type { AckVia } from '../core/alert';
import { parsePagerDutyWebhook } from './pagerduty';
import { acknowledgedMessage, ephemeral, parseSlackInteraction } from './slack';
import { verifyPagerDuty, verifySlack } from './verify';

/** Slack's interaction payloads are a few KiB; PagerDuty's events under 20 KiB. */
export const MAX_BODY_BYTES = 64 * 1024;

export interface HttpEvent {
  rawPath?: string;
  requestContext?: { http?: { method?: string } };
  headers?: Record<string, string | undefined>;
  body?: string | null;
  isBase64Encoded?: boolean;
}

export interface HttpResult {
  statusCode: number;
  headers?: Record<string, string>;
  body: string;
}

export interface AckLog {
  info(msg: string, ...extra: Record<string, unknown>[]): void;
  warn(msg: string, ...extra: Record<string, unknown>[]): void;
}

export interface AckDeps {
  /** Null when the rules file does not configure that path. */
  slackSecret(): Promise<string | null>;
  pagerDutySecret(): Promise<string | null>;
  /** True the first time a key is seen (a replayed Slack signature is not). */
  claimOnce(key: string, now: number): Promise<boolean>;
  /**
   * What a stream key stands for: a PagerDuty dedup_key as the notifier sent it (of a grouped incident,
   * an escalation group's steps, or one alert's episode), or a group key from a grouped message's button.
   */
  streamForKey(key: string): Promise<AckStream | null>;
  acknowledge(fingerprint: string, episode: number | null, who: { ackedBy: string; via: AckVia }, now: number): Promise<AckOutcome>;
  /** Acknowledges a stream: its group (recorded under its key, so its escalation stops) and every member episode still firing. */
  acknowledgeStream(stream: AckStream, who: { ackedBy: string; via: AckVia }, now: number): Promise<AckOutcome>;
  /** POSTs JSON to a Slack response_url; throws on failure. */
  respond(url: string, body: unknown): Promise<void>;
  /** Where Slack's response_url may point (https://hooks.slack.com/ in production). */
  responseUrlPrefix: string;
  now(): number;
  log: AckLog;
}

/** A notification stream bedrock-watch sent: its key, since when it exists (ms), and the alert episodes it covers. */
export interface AckStream {
  key: string;
  since: number;
  members: { fingerprint: string; episode: number }[];
}

const reply = (statusCode: number, body = ''): HttpResult => ({ statusCode, headers: { 'content-type': 'text/plain; charset=utf-8' }, body });
const UNAUTHORIZED = () => reply(401, 'unauthorized');

/** Headers of a function URL event are lower-case already; be lenient with hand-made events. */
function header(event: HttpEvent, name: string): string | undefined {
  for (const [k, v] of Object.entries(event.headers ?? {})) if (k.toLowerCase() === name) return v;
  return undefined;
}

/** The raw body as bytes, or null if larger than the limit (checked before decoding where possible). */
function rawBody(event: HttpEvent): Buffer | null {
  const body = event.body ?? '';
  const declared = Number(header(event, 'content-length'));
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) return null;
  if (body.length > (event.isBase64Encoded ? Math.ceil((MAX_BODY_BYTES * 4) / 3) + 4 : MAX_BODY_BYTES * 4)) return null;
  const bytes = event.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
  return bytes.length > MAX_BODY_BYTES ? null : bytes;
}

export async function handleAckRequest(event: HttpEvent, deps: AckDeps): Promise<HttpResult> {
  const path = (event.rawPath ?? '/').replace(/\/+$/, '') || '/';
  if (path !== '/slack' && path !== '/pagerduty') return reply(404, 'not found');
  if ((event.requestContext?.http?.method ?? '').toUpperCase() !== 'POST') return { ...reply(405, 'method not allowed'), headers: { allow: 'POST' } };
  const body = rawBody(event);
  if (!body) return reply(413, 'payload too large');
  return path === '/slack' ? slack(event, body, deps) : pagerDuty(event, body, deps);
}

async function slack(event: HttpEvent, body: Buffer, deps: AckDeps): Promise<HttpResult> {
  const secret = await deps.slackSecret();
  if (!secret) {
    deps.log.warn('Slack interaction refused: ack.slack_signing_secret is not set in the rules file');
    return UNAUTHORIZED();
  }
  const now = deps.now();
  const signature = header(event, 'x-slack-signature');
  const verdict = verifySlack({ secret, timestamp: header(event, 'x-slack-request-timestamp'), signature, body, nowMs: now });
  if (verdict !== 'ok') {
    deps.log.warn('Slack interaction refused', { reason: verdict });
    return UNAUTHORIZED();
  }
  // A valid signature is usable once: a captured request replayed within the 5 minutes is refused.
  if (!(await deps.claimOnce(`slack-signature#${signature}`, now))) {
    deps.log.warn('Slack interaction refused', { reason: 'replayed signature' });
    return UNAUTHORIZED();
  }
  const action = parseSlackInteraction(body.toString('utf8'));
  if (!action) return reply(200); // another interaction of the app: nothing for us
  if (!action.responseUrl.startsWith(deps.responseUrlPrefix)) {
    deps.log.warn('Slack interaction refused: response_url is not a Slack URL');
    return reply(400, 'bad response_url');
  }
  const who = { ackedBy: action.user, via: 'slack' as const };
  let outcome: AckOutcome;
  if ('group' in action.target) {
    const stream = await deps.streamForKey(action.target.group);
    outcome = stream ? await deps.acknowledgeStream(stream, who, now) : { status: 'unknown' };
    deps.log.info('acknowledge from Slack', { group: action.target.group, outcome: outcome.status, by: action.user });
  } else {
    outcome = await deps.acknowledge(action.target.alert.fingerprint, action.target.alert.episode, who, now);
    deps.log.info('acknowledge from Slack', { fingerprint: action.target.alert.fingerprint, outcome: outcome.status, by: action.user });
  }
  const update =
    outcome.status === 'acked' || outcome.status === 'already'
      ? acknowledgedMessage(action, outcome.ack)
      : ephemeral(outcome.status === 'unknown' ? 'bedrock-watch does not know this alert (any more).' : 'This alert episode is over: there is nothing left to acknowledge.');
  await deps.respond(action.responseUrl, update);
  return reply(200);
}

async function pagerDuty(event: HttpEvent, body: Buffer, deps: AckDeps): Promise<HttpResult> {
  const secret = await deps.pagerDutySecret();
  if (!secret) {
    deps.log.warn('PagerDuty webhook refused: ack.pagerduty_webhook_secret is not set in the rules file');
    return UNAUTHORIZED();
  }
  if (!verifyPagerDuty({ secret, header: header(event, 'x-pagerduty-signature'), body })) {
    deps.log.warn('PagerDuty webhook refused', { reason: 'bad-signature' });
    return UNAUTHORIZED();
  }
  const now = deps.now();
  const e = parsePagerDutyWebhook(body.toString('utf8'));
  if (!e) return reply(200); // other event types (and PagerDuty's ping) are fine to ignore
  const stream = await deps.streamForKey(e.key);
  if (!stream) {
    deps.log.info('PagerDuty event for an incident bedrock-watch does not know', { type: e.type });
    return reply(200);
  }
  // PagerDuty signs no timestamp: an event (redelivered, or replayed by someone who captured it) from
  // before this group or episode began cannot acknowledge it. A repeat within it changes nothing.
  if (e.occurredAt < stream.since) {
    deps.log.info('PagerDuty event older than the incident it names: ignored', { key: stream.key, type: e.type });
    return reply(200);
  }
  const outcome = await deps.acknowledgeStream(stream, { ackedBy: e.by, via: 'pagerduty' }, now);
  deps.log.info('acknowledge from PagerDuty', { key: stream.key, alerts: stream.members.length, event: e.type, outcome: outcome.status });
  return reply(200);
}
