/**
 * Incident-free workloads that are awkward but normal, for the quiet test and the bench
 * (`npm run bench`): every rule should stay silent on them, or within its false-alarm budget.
 * Six models, three weeks, seeded:
 * - a model on New York's clock (daily curve and weekend) with a weekly shape, heavy-tailed
 *   minutes and a lasting +20 % step in its third week;
 * - a model that rests at weekends on Chicago's clock (~30 requests a minute on weekdays, none on
 *   Saturday and Sunday, local time);
 * - a busy heavy-tailed model with a nightly batch (02:00 UTC, 45 minutes at 8×);
 * - a low-traffic long-output model: 6 requests a minute at the peak, p95 near 14 s;
 * - a 0.4 request/minute model used on weekdays only;
 * - an embedding model (no output tokens) on Berlin's clock with a lasting −30 % step.
 * `spring` spans the European and US changes to summer time (US 2026-03-08, EU 2026-03-29),
 * `autumn` the changes back (EU 2026-10-25, US 2026-11-01): both directions of both zones, with
 * the step and the changes in the judged days. One- and two-minute error blips as in production.
 */
import { DAY, HOUR, MINUTE } from '../core/time';
import { generateWorkload, rng, type Injected, type ModelProfile } from './generate';
import type { Scenario } from './scenarios';

export type Season = 'spring' | 'autumn';

/** Mondays: three weeks from here put the season's DST changes in the last week and a half. */
const STARTS: Record<Season, string> = { spring: '2026-03-02T00:00:00Z', autumn: '2026-10-12T00:00:00Z' };

export const QUIET_MODELS = {
  newYork: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
  weekendRest: 'meta.llama3-1-70b-instruct-v1:0',
  busy: 'us.anthropic.claude-3-5-haiku-20241022-v1:0',
  longOutput: 'anthropic.claude-opus-4-20250514-v1:0',
  sparse: 'amazon.nova-micro-v1:0',
  embedding: 'amazon.titan-embed-text-v2:0',
} as const;

/**
 * A quiet workload of `days` days (21 by default) from the season's start; the baselines bootstrap
 * from the first 11, the rest is judged (`judgedDays`): from the first Saturday after the US change
 * in spring, and both changes in autumn.
 */
export function quietWorkload(seed: number, season: Season, days = 21): Scenario {
  const r = rng(seed * 104_729);
  const start = STARTS[season];
  const at = (d: number, h: number, m = 0) => new Date(Date.parse(start) + d * DAY + h * HOUR + m * MINUTE).toISOString();
  const jitter = (x: number, spread: number) => x + (r() - 0.5) * spread;
  const M = QUIET_MODELS;
  const models: ModelProfile[] = [
    { id: M.newYork, peakPerMinute: jitter(25, 6), nightShare: 0.1, weekendShare: 0.45, growthPerDay: 0, p95: 7000, inputTokens: 3000, outputTokens: 1000, heavyTail: 0.3, timezone: 'America/New_York', steps: [{ at: at(15, 14), factor: 1.2 }] },
    { id: M.weekendRest, peakPerMinute: jitter(36, 4), nightShare: 0.6, weekendShare: 0, growthPerDay: 0, p95: 4000, inputTokens: 1200, outputTokens: 500, timezone: 'America/Chicago' },
    { id: M.busy, peakPerMinute: jitter(150, 40), nightShare: 0.2, weekendShare: 0.5, growthPerDay: 0.005, p95: 2200, inputTokens: 1500, outputTokens: 400, heavyTail: 0.5, batch: { hour: 2, minutes: 45, multiplier: 8 } },
    { id: M.longOutput, peakPerMinute: 6, nightShare: 0.3, weekendShare: 0.5, growthPerDay: 0, p95: 14_000, inputTokens: 4000, outputTokens: 3500 },
    { id: M.sparse, peakPerMinute: 0.4, nightShare: 0.2, weekendShare: 0, growthPerDay: 0, p95: 900, inputTokens: 600, outputTokens: 200 },
    { id: M.embedding, peakPerMinute: jitter(60, 20), nightShare: 0.3, weekendShare: 0.5, growthPerDay: 0, p95: 300, inputTokens: 400, outputTokens: 0, timezone: 'Europe/Berlin', steps: [{ at: at(11, 9), factor: 0.7 }] },
  ];
  const blip = (modelId: string, d: number, minutes: number, magnitude: number): Injected => ({ kind: 'blip', modelId, start: at(d, Math.floor(8 + r() * 10), Math.floor(r() * 60)), minutes, severity: 'none', magnitude });
  const incidents: Injected[] = [blip(M.busy, 15, 1, 0.3), blip(M.newYork, 16, 2, 0.2), blip(M.embedding, 18, 1, 0.3), blip(M.weekendRest, 19, 2, 0.15)].filter((i) => Date.parse(i.start) < Date.parse(start) + days * DAY);
  return { name: `quiet ${season}, seed ${seed}`, workload: generateWorkload({ start, days, seed, models, incidents }), judgedDays: Math.max(1, days - 11) };
}
