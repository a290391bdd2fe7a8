/**
 * The run's metrics port: counts and gauges by name. The evaluate handler wires an EMF (Powertools
 * metrics) implementation; tests record; anything else gets the no-op.
 *
 * Names written by delivery: NotificationsSent, NotificationsFailed (one failed attempt),
 * NotificationsDropped (given up: a non-retryable answer or a day of failures), OldestUnsentAgeSeconds,
 * OutboxUnread (outbox items DynamoDB left unprocessed after the store's retries: the tick delivered
 * nothing), LeasesLost (a tick outran its lease on an item and another tick took it over).
 */
export type MetricUnit = 'Count' | 'Seconds' | 'Milliseconds';

export interface RunMetrics {
  count(name: string, value?: number): void;
  gauge(name: string, value: number, unit?: MetricUnit): void;
}

export const NO_METRICS: RunMetrics = { count: () => undefined, gauge: () => undefined };

/** Keeps what was written, for tests and the local run. */
export class RecordingMetrics implements RunMetrics {
  readonly counts: Record<string, number> = {};
  readonly gauges: { name: string; value: number; unit: MetricUnit }[] = [];

  count(name: string, value = 1): void {
    this.counts[name] = (this.counts[name] ?? 0) + value;
  }

  gauge(name: string, value: number, unit: MetricUnit = 'Count'): void {
    this.gauges.push({ name, value, unit });
  }

  /** The last value gauged under `name`. */
  last(name: string): number | undefined {
    return this.gauges.filter((g) => g.name === name).at(-1)?.value;
  }
}
