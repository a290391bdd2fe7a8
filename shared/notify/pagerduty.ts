import { createHash } from 'node:crypto';
import { describeTarget, targetOfLabels } from '../core/target';
import { httpFailure, postJson, requestTimeout } from './deliver';
import type { Notification } from '../core/notification';
import type { Notifier, SendOptions } from './types';

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';
const MAX_DEDUP_KEY = 255;
const MAX_SUMMARY = 1024;

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

/** Events API v2 body (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/). */
export function pagerDutyEvent(n: Notification, routingKey: string): PagerDutyTrigger | PagerDutyResolve {
  const a = n.alert;
  const dedup_key = dedupKey(n.key);
  if (n.action === 'resolve') return { routing_key: routingKey, event_action: 'resolve', dedup_key };
  const event: PagerDutyTrigger = {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key,
    payload: {
      summary: truncate(a.summary || `${a.rule} firing`, MAX_SUMMARY),
      source: (() => { const t = targetOfLabels(a.labels); return t ? describeTarget(t) : 'bedrock-watch'; })(),
      severity: a.tier,
      timestamp: a.startsAt,
      component: 'bedrock',
      group: a.rule,
      class: a.signal,
      custom_details: {
        action: n.action,
        valueText: a.valueText,
        threshold: a.threshold,
        baseline: a.baseline,
        nextCheck: a.nextCheck,
        details: a.details,
      },
    },
  };
  if (a.runbook) event.links = [{ href: a.runbook, text: 'Runbook' }];
  return event;
}

/** Trigger and resolve must agree on the key, so an over-long stream key is replaced by its (stable) hash. */
export function dedupKey(key: string): string {
  if (key.length <= MAX_DEDUP_KEY) return key;
  return `sha256:${createHash('sha256').update(key).digest('hex')}`;
}

export class PagerDutyNotifier implements Notifier {
  private readonly routingKey: string;
  private readonly eventsUrl: string;
  private readonly fetch: typeof fetch;
  private readonly timeoutMs?: number;

  constructor(opts: { routingKey: string; eventsUrl?: string; fetch?: typeof fetch; timeoutMs?: number }) {
    this.routingKey = opts.routingKey;
    this.eventsUrl = opts.eventsUrl ?? PAGERDUTY_EVENTS_URL;
    this.fetch = opts.fetch ?? globalThis.fetch;
    this.timeoutMs = opts.timeoutMs;
  }

  async send(n: Notification, opts?: SendOptions): Promise<void> {
    const who = `pagerduty receiver "${n.receiver}"`;
    const reply = await postJson(this.fetch, this.eventsUrl, pagerDutyEvent(n, this.routingKey), who, this.routingKey, requestTimeout(this.timeoutMs, opts));
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
