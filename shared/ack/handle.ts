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
import { acknowledgedMessage, ephemeral, parseSlackInteraction, type SlackAckAction } from './slack';
import { pagerDutyHeaderProblem, slackHeaderProblem, verifyPagerDuty, verifySlack } from './verify';

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

/** Who may acknowledge (rules.yml `ack:`): a request from outside is refused before it changes anything. */
export interface AckAllow {
  slackTeams: readonly string[];
  slackApps: readonly string[];
  /** Empty: any channel / any user of the allowed teams. */
  slackChannels: readonly string[];
  slackUsers: readonly string[];
  pagerDutyServices: readonly string[];
}

export interface AckDeps {
  allow: AckAllow;
  /** Null when the rules file does not configure that path. */
  slackSecret(): Promise<string | null>;
  pagerDutySecret(): Promise<string | null>;
  /** True the first time a key is seen (a replayed Slack signature is not). */
  claimOnce(key: string, now: number): Promise<boolean>;
  /**
   * The stream whose external key (core/stream-keys.ts: a PagerDuty dedup_key or a button's key, as the
   * notifier sent it, signed with the deployment's secret) this is; null for a key no stream has.
   */
  streamForKey(external: string): Promise<AckStream | null>;
  /**
   * Acknowledges a stream: its group (recorded under its key, so its escalation stops), the escalation
   * groups of a routed group's members, and every member episode still firing.
   */
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
  /** Escalation groups the acknowledgement also stops (of a routed group: the groups its members escalate in). */
  escalations?: string[];
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
  const now = deps.now();
  const timestamp = header(event, 'x-slack-request-timestamp');
  const signature = header(event, 'x-slack-signature');
  // Cheap checks first: a request without the headers' shape or outside the 5 minutes costs no secret read.
  const cheap = slackHeaderProblem({ timestamp, signature, nowMs: now });
  if (cheap) {
    deps.log.warn('Slack interaction refused', { reason: cheap });
    return UNAUTHORIZED();
  }
  const secret = await deps.slackSecret();
  if (!secret) {
    deps.log.warn('Slack interaction refused: ack.slack_signing_secret is not set in the rules file');
    return UNAUTHORIZED();
  }
  const verdict = verifySlack({ secret, timestamp, signature, body, nowMs: now });
  if (verdict !== 'ok') {
    deps.log.warn('Slack interaction refused', { reason: verdict });
    return UNAUTHORIZED();
  }
  const action = parseSlackInteraction(body.toString('utf8'));
  if (!action) return reply(200); // another interaction of the app: nothing for us
  const outside = slackOutsideAllowlist(action, deps.allow);
  if (outside) {
    deps.log.warn('Slack interaction refused', { reason: outside, team: action.teamId, app: action.appId, channel: action.channelId, user: action.userId });
    return reply(403, 'forbidden');
  }
  if (!action.responseUrl.startsWith(deps.responseUrlPrefix)) {
    deps.log.warn('Slack interaction refused: response_url is not a Slack URL');
    return reply(400, 'bad response_url');
  }
  // A valid signature is usable once: a captured request replayed within the 5 minutes is refused.
  if (!(await deps.claimOnce(`slack-signature#${signature}`, now))) {
    deps.log.warn('Slack interaction refused', { reason: 'replayed signature' });
    return UNAUTHORIZED();
  }
  const who = { ackedBy: action.userId, via: 'slack' as const };
  // The button's value is the stream's key signed with the deployment's secret: one nobody computed.
  const stream = await deps.streamForKey(action.key);
  const outcome: AckOutcome = stream ? await deps.acknowledgeStream(stream, who, now) : { status: 'unknown' };
  deps.log.info('acknowledge from Slack', { key: stream?.key ?? null, alerts: stream?.members.length ?? 0, outcome: outcome.status, by: action.userId, name: action.user });
  const update =
    outcome.status === 'acked' || outcome.status === 'already'
      ? acknowledgedMessage(action, outcome.ack)
      : ephemeral(outcome.status === 'unknown' ? 'bedrock-watch does not know this alert (any more).' : 'This alert episode is over: there is nothing left to acknowledge.');
  await deps.respond(action.responseUrl, update);
  return reply(200);
}

/** Why a (Slack-signed) press is not ours to act on, or null. */
function slackOutsideAllowlist(a: SlackAckAction, allow: AckAllow): string | null {
  if (!allow.slackTeams.includes(a.teamId)) return 'team not in ack.slack_teams';
  if (!allow.slackApps.includes(a.appId)) return 'app not in ack.slack_apps';
  if (allow.slackChannels.length && !allow.slackChannels.includes(a.channelId)) return 'channel not in ack.slack_channels';
  if (allow.slackUsers.length && !allow.slackUsers.includes(a.userId)) return 'user not in ack.slack_users';
  // The button pressed must be the one on the message it was pressed on (its own stream's key).
  if (a.messageButton !== a.value) return 'button value is not the one on its message';
  return null;
}

async function pagerDuty(event: HttpEvent, body: Buffer, deps: AckDeps): Promise<HttpResult> {
  const signature = header(event, 'x-pagerduty-signature');
  if (pagerDutyHeaderProblem(signature)) {
    deps.log.warn('PagerDuty webhook refused', { reason: 'malformed signature header' });
    return UNAUTHORIZED();
  }
  const secret = await deps.pagerDutySecret();
  if (!secret) {
    deps.log.warn('PagerDuty webhook refused: ack.pagerduty_webhook_secret is not set in the rules file');
    return UNAUTHORIZED();
  }
  if (!verifyPagerDuty({ secret, header: signature, body })) {
    deps.log.warn('PagerDuty webhook refused', { reason: 'bad-signature' });
    return UNAUTHORIZED();
  }
  const now = deps.now();
  const e = parsePagerDutyWebhook(body.toString('utf8'));
  if (!e) return reply(200); // other event types (and PagerDuty's ping) are fine to ignore
  // Only incidents of the services bedrock-watch pages: anyone with a routing key of another service the
  // subscription covers could open an incident with any dedup_key and acknowledge it.
  if (!e.service || !deps.allow.pagerDutyServices.includes(e.service)) {
    deps.log.warn('PagerDuty event of a service not in ack.pagerduty_services: ignored', { service: e.service, event: e.eventId });
    return reply(200);
  }
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
