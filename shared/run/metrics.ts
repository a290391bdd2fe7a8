/**
 * The metrics port of a run (tick, delivery, digest): counters and gauges by name. The
 * EMF implementation (shared/run/emf-metrics.ts) lives at the edge; tests and local runs use
 * the no-op one or a recording one.
 */
export interface RunMetrics {
  count(name: string, value?: number): void;
  gauge(name: string, value: number, unit?: 'Count' | 'Seconds' | 'Milliseconds'): void;
}

export const noMetrics: RunMetrics = {
  count() {},
  gauge() {},
};
