/**
 * Requests as Slack and PagerDuty send them to the ack function URL (API Gateway v2 event format),
 * signed with the real algorithms (shared/ack/verify.ts's sign helpers mirror the services' docs).
 */
import { signPagerDuty, signSlack } from '../../shared/ack/verify';
import type { HttpEvent } from '../../shared/ack/handle';

export function functionUrlEvent(path: string, body: string, headers: Record<string, string>, opts: { method?: string; base64?: boolean } = {}): HttpEvent {
  return {
    rawPath: path,
    requestContext: { http: { method: opts.method ?? 'POST' } },
    headers: { 'content-type': path === '/slack' ? 'application/x-www-form-urlencoded' : 'application/json', ...headers },
    body: opts.base64 ? Buffer.from(body, 'utf8').toString('base64') : body,
    isBase64Encoded: !!opts.base64,
  };
}

/** Where a press comes from: the allowlisted workspace, app and channel of the tests unless told. */
export const SLACK_ORIGIN = { team: 'T0LOCAL', app: 'A0LOCAL', channel: 'C0ONCALL' };

/** The actions block of a message whose button carries `value` (as shared/core/ack.ts builds it). */
export const ackBlock = (value: string) => ({
  type: 'actions',
  block_id: 'bedrock-watch-ack',
  elements: [{ type: 'button', action_id: 'bedrock-watch-ack', text: { type: 'plain_text', text: 'Acknowledge' }, style: 'primary', value }],
});

/**
 * The form body of a block_actions interaction: a press of the button with `value`, on a message whose
 * blocks are `blocks` (default: a section and the button with that same value).
 */
export function slackInteractionBody(opts: {
  value: string;
  responseUrl: string;
  user?: { id: string; username: string };
  blocks?: unknown[];
  text?: string;
  team?: string;
  app?: string;
  channel?: string;
}): string {
  const team = opts.team ?? SLACK_ORIGIN.team;
  const channel = opts.channel ?? SLACK_ORIGIN.channel;
  const payload = {
    type: 'block_actions',
    user: opts.user ?? { id: 'U0ANA', username: 'ana', name: 'ana', team_id: team },
    api_app_id: opts.app ?? SLACK_ORIGIN.app,
    team: { id: team, domain: 'example' },
    container: { type: 'message', message_ts: '1759676400.000100', channel_id: channel, is_ephemeral: false },
    channel: { id: channel, name: 'bedrock-oncall' },
    message: { type: 'message', text: opts.text ?? 'alert', blocks: opts.blocks ?? [{ type: 'section', text: { type: 'mrkdwn', text: 'Server errors' } }, ackBlock(opts.value)] },
    response_url: opts.responseUrl,
    actions: [{ action_id: 'bedrock-watch-ack', block_id: 'bedrock-watch-ack', type: 'button', value: opts.value, action_ts: '1759676400.1' }],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export function slackRequest(secret: string, body: string, timestampS: number, opts: { base64?: boolean } = {}): HttpEvent {
  return functionUrlEvent('/slack', body, { 'x-slack-request-timestamp': String(timestampS), 'x-slack-signature': signSlack(secret, timestampS, body) }, opts);
}

/** The service of the tests' incidents unless told (null: an event without one). */
export const PD_SERVICE = 'PBWTEST1';

export function pagerDutyBody(opts: { type?: string; key: string; occurredAt: number; agent?: string; id?: string; service?: string | null }): string {
  const service = opts.service === undefined ? PD_SERVICE : opts.service;
  return JSON.stringify({
    event: {
      id: opts.id ?? `01${Math.random().toString(36).slice(2, 12).toUpperCase()}`,
      event_type: opts.type ?? 'incident.acknowledged',
      resource_type: 'incident',
      occurred_at: new Date(opts.occurredAt).toISOString(),
      agent: { html_url: 'https://example.pagerduty.com/users/PANA', id: 'PANA', self: 'https://api.pagerduty.com/users/PANA', summary: opts.agent ?? 'Ana Oncall', type: 'user_reference' },
      client: null,
      data: { id: 'Q0INCIDENT', type: 'incident', number: 42, status: 'acknowledged', incident_key: opts.key, title: 'Server errors', urgency: 'high', ...(service === null ? {} : { service: { id: service, type: 'service_reference', summary: 'bedrock-watch' } }) },
    },
  });
}

/** Signed with each secret, as PagerDuty does while a subscription's secret rotates. */
export function pagerDutyRequest(secrets: string[], body: string): HttpEvent {
  return functionUrlEvent('/pagerduty', body, { 'x-pagerduty-signature': secrets.map((s) => signPagerDuty(s, body)).join(',') });
}
