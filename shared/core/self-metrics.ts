/**
 * The metrics bedrock-watch publishes about itself (EMF, shared/run/emf-metrics.ts), which
 * serverless.yml's alarms and the dashboard (shared/deploy/dashboard.ts) read back by name.
 */
export const METRICS_NAMESPACE = 'BedrockWatch';

export const METRIC_NAMES = [
  'Heartbeat',
  'TickErrors',
  'RuleErrors',
  'TickDurationMs',
  'NotificationsSent',
  'NotificationsFailed',
  'NotificationsDropped',
  'OldestUnsentAgeSeconds',
  /** The ack function could not record an acknowledgement (SSM, DynamoDB, Slack's response_url). */
  'AckFailures',
] as const;
