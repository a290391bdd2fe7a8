/**
 * PagerDuty webhooks v3 (https://developer.pagerduty.com/docs/webhooks/v3-overview): the events
 * that acknowledge an alert, and the dedup key that leads back to it. Pure.
 */

export const ACK_EVENTS = ['incident.acknowledged', 'incident.resolved'] as const;

export interface PagerDutyAck {
  /** The webhook event id (for logs). */
  eventId: string;
  type: (typeof ACK_EVENTS)[number];
  /** The incident's dedup key (`incident_key`): what bedrock-watch sent as dedup_key. */
  key: string;
  /** Who did it in PagerDuty (the agent's name), or "PagerDuty" (an automatic resolve). */
  by: string;
  /** When it happened in PagerDuty (ms). */
  occurredAt: number;
  /** The incident's service id (`data.service.id`), null if the event does not say. */
  service: string | null;
}

/** An ack-relevant event, or null for any other event (answered 200 and ignored, as PagerDuty expects). */
export function parsePagerDutyWebhook(body: string): PagerDutyAck | null {
  let p: Record<string, any>;
  try {
    p = JSON.parse(body);
  } catch {
    return null;
  }
  const e = p?.event;
  if (!e || !(ACK_EVENTS as readonly string[]).includes(e.event_type) || typeof e.id !== 'string') return null;
  const key = e.data?.incident_key;
  if (typeof key !== 'string' || !key) return null;
  const occurredAt = Date.parse(e.occurred_at);
  if (!Number.isFinite(occurredAt)) return null;
  const by = typeof e.agent?.summary === 'string' && e.agent.summary ? e.agent.summary : 'PagerDuty';
  const service = typeof e.data?.service?.id === 'string' && e.data.service.id ? (e.data.service.id as string) : null;
  return { eventId: e.id, type: e.event_type, key, by, occurredAt, service };
}
