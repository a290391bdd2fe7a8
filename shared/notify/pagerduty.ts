import { httpFailure, postJson, requestTimeout } from './deliver';
import type { Notification } from '../core/notification';
import { legacyExternalKey, StreamKeys } from '../core/stream-keys';
import type { Notifier, SendOptions } from './types';
import { firingOf, listSubject, messageTier, oneLine, placesOf } from './text';

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';
const MAX_SUMMARY = 1024;
/** Events API v2 refuses an event over 512 KB. */
export const PAGERDUTY_MAX_BYTES = 512 * 1024;
/** A storm's alerts listed in custom_details (one line each, cut to MAX_LINE); the others are counted. */
const LISTED_ALERTS = 50;
const MAX_LINE = 500;
/** A single alert's details (rule-specific evidence) beyond this are replaced by a note. */
const MAX_DETAILS_BYTES = 64 * 1024;

export interface PagerDutyTrigger {
  routing_key: string;
  event_action: 'trigger';
  dedup_key: string;
  payload: {
    summary: string;
    source: string;
    severity: 'critical' | 'warning' | 'info';
    timestamp: string;
    component: string;
    group: string;
    class: string;
    custom_details: Record<string, unknown>;
  };
  links?: { href: string; text: string }[];
}
export interface PagerDutyResolve {
  routing_key: string;
  event_action: 'resolve';
  dedup_key: string;
}

/**
 * Events API v2 body (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/). One
 * incident per stream (n.key): a group's members joining, escalating or partly resolving re-trigger
 * it (PagerDuty updates the open incident); it resolves when every alert it carries has.
 */
export function pagerDutyEvent(n: Notification, routingKey: string, keys: StreamKeys = StreamKeys.UNSIGNED): PagerDutyTrigger | PagerDutyResolve {
  const a = n.alert;
  // Signed with the deployment's secret (core/stream-keys.ts): not computable from rules.yml, the same for every event of the stream.
  const dedup_key = keys.external(n.key);
  const firing = firingOf(n);
  if (n.action === 'resolve' || !firing.length) return { routing_key: routingKey, event_action: 'resolve', dedup_key };
  const lead = firing[0];
  const single = n.alerts.length === 1;
  const places = placesOf(n.alerts);
  const regions = [...new Set(n.alerts.map((x) => x.labels.Region).filter(Boolean))];
  const event: PagerDutyTrigger = {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key,
    payload: {
      // Short: it is what a phone's lock screen shows.
      summary: truncate(oneLine(n), MAX_SUMMARY),
      // The model alone: account and region are in custom_details (and the summary).
      source: single ? a.labels.ModelId || 'bedrock-watch' : ['bedrock-watch', regions.length === 1 ? regions[0] : ''].filter(Boolean).join(' '),
      severity: messageTier(n),
      timestamp: lead.since,
      component: 'bedrock',
      group: [...new Set(n.alerts.map((x) => x.rule))].join(','),
      class: [...new Set(n.alerts.map((x) => x.signal))].join(','),
      custom_details: single
        ? {
            action: n.action,
            summary: a.summary,
            valueText: a.valueText,
            threshold: a.threshold,
            baseline: a.baseline,
            since: a.since,
            ...where(a),
            nextCheck: a.nextCheck,
            details: Buffer.byteLength(JSON.stringify(a.details ?? null)) > MAX_DETAILS_BYTES ? { omitted: 'too large for a page; see the alert in bedrock-watch incidents' } : a.details,
          }
        : {
            action: n.action,
            firing: firing.length,
            resolved: n.alerts.length - firing.length,
            // One place, or each alert's own when the group spans several accounts or regions.
            ...(places.length > 1 ? { places } : where(a)),
            nextCheck: lead.nextCheck,
            alerts: n.alerts.slice(0, LISTED_ALERTS).map((x) => truncate(`${x.status === 'firing' ? x.tier.toUpperCase() : 'RESOLVED'} ${listSubject(x, places)}: ${x.valueText} (since ${x.since})`, MAX_LINE)),
            ...(n.alerts.length > LISTED_ALERTS ? { more: n.alerts.length - LISTED_ALERTS } : {}),
          },
    },
  };
  const runbooks = [...new Set(n.alerts.flatMap((x) => (x.runbook && /^https?:\/\//.test(x.runbook) ? [x.runbook] : [])))];
  if (runbooks.length) event.links = runbooks.slice(0, 5).map((href) => ({ href, text: 'Runbook' }));
  // Every part above is bounded; this is the last guard that no event is built over PagerDuty's limit.
  if (Buffer.byteLength(JSON.stringify(event)) > PAGERDUTY_MAX_BYTES) event.payload.custom_details = { action: n.action, alerts: n.alerts.length, omitted: 'details too large for one event' };
  return event;
}

const where = (a: Notification['alert']) => ({ ...(a.labels.AccountId ? { account: a.labels.AccountId } : {}), ...(a.labels.Region ? { region: a.labels.Region } : {}) });

/** The unsigned dedup_key of a stream (before keys were signed; local runs): over-long keys are replaced by their (stable) hash. */
export const dedupKey = legacyExternalKey;

export class PagerDutyNotifier implements Notifier {
  private readonly routingKey: string;
  private readonly eventsUrl: string;
  private readonly fetch: typeof fetch;
  private readonly timeoutMs?: number;
  private readonly keys: StreamKeys;

  constructor(opts: { routingKey: string; eventsUrl?: string; fetch?: typeof fetch; timeoutMs?: number; keys?: StreamKeys }) {
    this.keys = opts.keys ?? StreamKeys.UNSIGNED;
    this.routingKey = opts.routingKey;
    this.eventsUrl = opts.eventsUrl ?? PAGERDUTY_EVENTS_URL;
    this.fetch = opts.fetch ?? globalThis.fetch;
    this.timeoutMs = opts.timeoutMs;
  }

  async send(n: Notification, opts?: SendOptions): Promise<void> {
    const who = `pagerduty receiver "${n.receiver}"`;
    const reply = await postJson(this.fetch, this.eventsUrl, pagerDutyEvent(n, this.routingKey, this.keys), who, this.routingKey, requestTimeout(this.timeoutMs, opts));
    if (reply.status >= 200 && reply.status < 300) return;
    throw httpFailure(reply, who, errorDetail(reply.text), [this.routingKey]);
  }
}

/** PagerDuty answers 400 with {status, message, errors: [...]}: the errors say which field is wrong. */
function errorDetail(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown; errors?: unknown };
    const errors = Array.isArray(parsed.errors) ? parsed.errors.map(String).join('; ') : '';
    const message = typeof parsed.message === 'string' ? parsed.message : '';
    return truncate([message, errors].filter(Boolean).join(': '), 500);
  } catch {
    return truncate(body, 200);
  }
}

function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  return `${/[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut}…`;
}
