/** Metric traces for the run tests: small ones built in memory, and the bundled sample. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { MetricTrace } from '../../shared/sources/trace';
import { MINUTE } from '../../shared/core/time';
import { type Series } from '../../shared/core/series';

/** An in-memory trace starting at `from`; every series is padded to the longest. */
export function traceOf(from: number, models: Record<string, Record<string, Series>>): MetricTrace {
  const length = Math.max(0, ...Object.values(models).flatMap((m) => Object.values(m).map((s) => s.length)));
  const series: MetricTrace['series'] = {};
  for (const [model, byKey] of Object.entries(models)) {
    series[model] = {};
    for (const [key, s] of Object.entries(byKey)) series[model][key] = [...s, ...new Array<null>(length - s.length).fill(null)];
  }
  return { from, to: from + length * MINUTE, namespace: 'AWS/Bedrock', series, skipped: 0 };
}

const REPO = join(__dirname, '..', '..');
const BUNDLED = join(REPO, 'events', 'traces');
const SHARED = join(REPO, '..', 'shared', 'traces');

/** A sample file: the repo's bundled copy under events/traces if present, else the shared one. */
export function sampleFile(name: string): string {
  const bundled = join(BUNDLED, name);
  return existsSync(bundled) ? bundled : join(SHARED, name);
}

export interface Incident {
  kind: string;
  modelId: string;
  start: string;
  minutes: number;
  severity: 'critical' | 'warning' | 'info' | 'none';
}

/** The signal an injected incident kind should fire (the backtest contract's `signal`). */
export const INCIDENT_SIGNAL: Record<string, string> = {
  throttle_storm: 'throttles',
  server_errors: 'server_errors',
  client_errors: 'client_errors',
  latency_spike: 'latency',
  outage: 'availability',
  cost_runaway: 'cost',
};
