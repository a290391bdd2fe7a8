import type { AlertView, Notification } from '../../shared/core/notification';

export type NotificationOverrides = Partial<Omit<Notification, 'alert'>> & { alert?: Partial<AlertView> };

/** A firing critical server-error alert on one model; override any field. */
export function sampleNotification(overrides: NotificationOverrides = {}): Notification {
  const { alert, ...rest } = overrides;
  const view: AlertView = {
      fingerprint: 'server-errors/ModelId=amazon.nova-lite-v1:0',
      rule: 'server-errors',
      signal: 'errors',
      tier: 'critical',
      status: 'firing',
      labels: { ModelId: 'amazon.nova-lite-v1:0' },
      summary: 'Server-error rate 9.1% on amazon.nova-lite-v1:0',
      valueText: '9.1% (threshold 5%, baseline 0.1%)',
      value: 0.091,
      threshold: 0.05,
      baseline: 0.001,
      startsAt: '2025-06-01T12:00:00.000Z',
      since: '2025-06-01T11:55:00.000Z',
      endsAt: null,
      nextCheck: 'Check the Bedrock service health dashboard and InvocationServerErrors by model.',
      runbook: 'https://runbooks.example.com/bedrock/server-errors',
      details: { invocations: 1200, serverErrors: 109, window: '5m' },
      ...alert,
  };
  return {
    id: 'n-0001',
    receiver: 'oncall',
    action: 'trigger',
    at: '2025-06-01T12:05:00.000Z',
    key: `${view.fingerprint}@${view.startsAt}`,
    ...rest,
    alert: view,
    alerts: rest.alerts ?? [view],
  };
}

/** The same episode, resolved `afterMs` after it started. */
export function resolvedNotification(afterMs = 65 * 60_000, overrides: NotificationOverrides = {}): Notification {
  const base = sampleNotification(overrides);
  const endsAt = new Date(Date.parse(base.alert.startsAt) + afterMs).toISOString();
  const alert: AlertView = { ...base.alert, status: 'resolved', endsAt, ...overrides.alert };
  return { ...base, action: 'resolve', at: endsAt, alert, alerts: [alert] };
}
