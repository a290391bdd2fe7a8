/**
 * Generated scenarios for the detection comparison: workloads with injected incidents (several
 * seeds, models and traffic levels, none shaped after the bundled sample) and incident-free
 * workloads that are awkward but normal. Each has a week of history before the days judged.
 */
import { DAY, HOUR, MINUTE } from '../core/time';
import { generateWorkload, rng, type GeneratedWorkload, type Injected, type ModelProfile } from './generate';

export interface Scenario {
  name: string;
  workload: GeneratedWorkload;
  /** The days replayed tick by tick (the days before are history the baselines bootstrap from). */
  judgedDays: number;
}

const START = '2026-11-02T00:00:00Z'; // a Monday
const at = (day: number, hour: number, minute = 0) => new Date(Date.parse(START) + day * DAY + hour * HOUR + minute * MINUTE).toISOString();

/**
 * Nine days (seven of history), four models from ~2 to a few hundred requests a minute, scaled by
 * `traffic`, with incidents on days 7 and 8 at seed-dependent times.
 */
export function incidentScenario(seed: number, traffic: number): Scenario {
  const r = rng(seed * 7919);
  const jitter = (h: number) => Math.min(22, Math.max(1, h + Math.floor(r() * 5) - 2));
  const models: ModelProfile[] = [
    { id: 'us.anthropic.claude-3-5-haiku-20241022-v1:0', peakPerMinute: 200 * traffic, nightShare: 0.2, weekendShare: 0.5, growthPerDay: 0.02, p95: 2200, inputTokens: 1500, outputTokens: 400 },
    // ~20 requests a minute at night: the quiet-hours critical case.
    { id: 'amazon.nova-pro-v1:0', peakPerMinute: 80 * traffic, nightShare: 0.25, weekendShare: 0.6, growthPerDay: 0, p95: 3500, inputTokens: 2500, outputTokens: 600 },
    { id: 'anthropic.claude-sonnet-4-20250514-v1:0', peakPerMinute: 15 * traffic, nightShare: 0.3, weekendShare: 0.6, growthPerDay: 0.01, p95: 6000, inputTokens: 3000, outputTokens: 1200 },
    { id: 'amazon.nova-micro-v1:0', peakPerMinute: 2 * traffic, nightShare: 0.3, weekendShare: 0.4, growthPerDay: 0, p95: 900, inputTokens: 600, outputTokens: 200 },
  ];
  const [busy, night, medium, low] = models.map((m) => m.id);
  const incidents: Injected[] = [
    { kind: 'throttle_storm', modelId: busy, start: at(7, jitter(14)), minutes: 20, severity: 'critical', magnitude: 0.2 + 0.1 * r() },
    { kind: 'server_errors', modelId: medium, start: at(7, jitter(11)), minutes: 30, severity: 'critical', magnitude: 0.1 + 0.1 * r() },
    { kind: 'server_errors', modelId: night, start: at(8, 3), minutes: 20, severity: 'critical', magnitude: 0.07 },
    { kind: 'latency_spike', modelId: medium, start: at(8, jitter(15)), minutes: 30, severity: 'critical', magnitude: 2.5 + r() },
    { kind: 'outage', modelId: busy, start: at(8, jitter(10)), minutes: 30, severity: 'critical', magnitude: 0 },
    { kind: 'cost_runaway', modelId: night, start: at(8, jitter(9)), minutes: 480, severity: 'critical', magnitude: 2 + r() },
    { kind: 'token_drift', modelId: medium, start: at(7, 0), minutes: 2 * 1440, severity: 'warning', magnitude: 1.4 },
    { kind: 'client_errors', modelId: low, start: at(7, jitter(9)), minutes: 120, severity: 'warning', magnitude: 0.3 },
    { kind: 'blip', modelId: busy, start: at(7, jitter(17)), minutes: 1, severity: 'none', magnitude: 0.3 },
    { kind: 'blip', modelId: medium, start: at(8, jitter(20)), minutes: 2, severity: 'none', magnitude: 0.3 },
  ];
  return { name: `generated seed ${seed}, traffic ×${traffic}`, workload: generateWorkload({ start: START, days: 9, seed, models, incidents }), judgedDays: 2 };
}

/**
 * Fourteen days, the last seven judged, nothing injected but one- and two-minute blips: heavy-tailed
 * traffic, a nightly batch burst, a workload on a local clock across the end of US daylight time
 * (Sunday 2026-11-01, the last judged day), a model that rests on weekends, a long-output model
 * whose normal p95 is above 10 s, and an embedding model without output tokens.
 */
export function quietScenario(seed: number): Scenario {
  const start = '2026-10-19T00:00:00Z'; // a Monday; US daylight time ends on Sunday 2026-11-01
  const day = (d: number, h: number) => new Date(Date.parse(start) + d * DAY + h * HOUR).toISOString();
  const models: ModelProfile[] = [
    { id: 'us.anthropic.claude-3-5-haiku-20241022-v1:0', peakPerMinute: 150, nightShare: 0.2, weekendShare: 0.5, growthPerDay: 0.01, p95: 2200, inputTokens: 1500, outputTokens: 400, heavyTail: 0.5 },
    { id: 'amazon.nova-lite-v1:0', peakPerMinute: 30, nightShare: 0.1, weekendShare: 0.8, growthPerDay: 0, p95: 1600, inputTokens: 800, outputTokens: 300, batch: { hour: 2, minutes: 45, multiplier: 12 } },
    { id: 'anthropic.claude-3-5-sonnet-20240620-v1:0', peakPerMinute: 25, nightShare: 0.1, weekendShare: 0.6, growthPerDay: 0, p95: 7000, inputTokens: 3000, outputTokens: 1000, timezone: 'America/New_York' },
    { id: 'meta.llama3-1-70b-instruct-v1:0', peakPerMinute: 10, nightShare: 0.2, weekendShare: 0, growthPerDay: 0, p95: 4000, inputTokens: 1200, outputTokens: 500 },
    { id: 'anthropic.claude-opus-4-20250514-v1:0', peakPerMinute: 6, nightShare: 0.3, weekendShare: 0.5, growthPerDay: 0, p95: 14_000, inputTokens: 4000, outputTokens: 3500 },
    { id: 'amazon.titan-embed-text-v2:0', peakPerMinute: 60, nightShare: 0.3, weekendShare: 0.5, growthPerDay: 0, p95: 300, inputTokens: 400, outputTokens: 0 },
  ];
  const incidents: Injected[] = [
    { kind: 'blip', modelId: models[0].id, start: day(8, 11), minutes: 1, severity: 'none', magnitude: 0.3 },
    { kind: 'blip', modelId: models[1].id, start: day(10, 16), minutes: 2, severity: 'none', magnitude: 0.15 },
    { kind: 'blip', modelId: models[2].id, start: day(11, 14), minutes: 1, severity: 'none', magnitude: 0.4 },
    { kind: 'blip', modelId: models[5].id, start: day(12, 10), minutes: 2, severity: 'none', magnitude: 0.1 },
  ];
  return { name: `incident-free, seed ${seed}`, workload: generateWorkload({ start, days: 14, seed, models, incidents }), judgedDays: 7 };
}
