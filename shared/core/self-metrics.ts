/**
 * The metrics bedrock-watch publishes about itself (EMF, shared/run/emf-metrics.ts), which
 * serverless.yml's alarms and the dashboard (shared/deploy/dashboard.ts) read back by name.
 */
export const METRICS_NAMESPACE = 'BedrockWatch';

export const METRIC_NAMES = [
  'Heartbeat',
  'TickErrors',
  'RuleErrors',
  'NotificationsSent',
  'NotificationsFailed',
  'NotificationsDropped',
  'OldestUnsentAgeSeconds',
  /** The ack function could not record an acknowledgement (SSM, DynamoDB, Slack's response_url). */
  'AckFailures',
] as const;

/**
 * The custom metrics every evaluate tick writes, however quiet the account: each is billed as a
 * custom metric for the whole month. Only what an alarm needs: the heartbeat (the dead-man's
 * switch). The others are written only when what they count happens (an error, a notification,
 * one waiting), and billed for the hours they were written in. test/selfmon/heartbeat.test.ts
 * holds this list equal to what a quiet tick writes; `bedrock-watch cost` prices it.
 */
export const PER_TICK_METRICS: readonly (typeof METRIC_NAMES)[number][] = ['Heartbeat'];

/** Written only in the hours something happens: the notification metrics (sent, failed, dropped, waiting) and the error counts. */
export const ON_EVENT_METRICS = METRIC_NAMES.filter((m) => !PER_TICK_METRICS.includes(m));
