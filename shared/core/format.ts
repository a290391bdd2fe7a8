/** How values read in alert text. */

export const pct = (x: number): string => {
  const p = x * 100;
  const m = Math.abs(p); // the precision follows the magnitude, so −35% reads like +35%
  return `${m >= 10 ? p.toFixed(0) : m >= 1 ? p.toFixed(1) : p.toFixed(2)}%`;
};

export const millis = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(ms >= 10_000 ? 0 : 1)} s` : `${Math.round(ms)} ms`);

export const count = (n: number): string =>
  n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e4 ? `${(n / 1e3).toFixed(0)}k` : `${Math.round(n)}`;

export const usd = (x: number): string => `$${x >= 100 ? x.toFixed(0) : x.toFixed(2)}`;

export const times = (x: number): string => `${x.toFixed(x >= 10 ? 0 : 1)}×`;

/** A metric value in its natural unit. */
export function metricValue(metric: string, v: number): string {
  if (metric === 'InvocationLatency' || metric === 'TimeToFirstToken') return millis(v);
  return count(v);
}

export const formatGap = (ms: number): string => (ms >= 3_600_000 ? `${(ms / 3_600_000).toFixed(1)} h` : `${Math.round(ms / 60_000)} min`);
