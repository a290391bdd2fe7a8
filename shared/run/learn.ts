/**
 * The hourly baseline update: fetch the hours not learned yet (the last 14 days on a first run:
 * bootstrap from CloudWatch history), record them all (alerts or not: an alert's own hours must not
 * bend what is learned to be normal, see baselines/history.ts), and publish fresh expectations for
 * the evaluate tick.
 */
import { buildExpectations, VOLUME_SERIES } from '../baselines/expectations';
import type { ModelExpectations, History } from '../core/baseline';
import { endOf, record } from '../baselines/history';
import { baselineSeries, needsCallerBaselines } from '../engine/needs';
import { CALLER_PREFIX, callerKey } from '../core/log-keys';
import type { LogSource } from '../sources/logs';
import { Pricing } from '../pricing/pricing';
import type { Config } from '../rules/schema';
import { DAY, HOUR, MINUTE } from '../core/time';
import { emptyFrame, type Frame } from '../core/series';
import { median } from '../core/stats';
import { type MetricSource } from '../sources/types';
import type { BaselineStore } from '../state/baselines';
import type { StateStore } from '../state/types';

export const BOOTSTRAP_DAYS = 14;

export interface LearnDeps {
  config: Config;
  source: MetricSource;
  baselines: BaselineStore;
  state: Pick<StateStore, 'listAlerts' | 'load'>;
  /** Invocation-log buckets, to learn each caller's normal token use (caller_spend rules). */
  logs?: LogSource;
}

/** Callers learned per model: the heaviest, so the item stays bounded whatever the number of roles. */
export const MAX_CALLERS = 20;
const CALLER_LEARN_DAYS = 2;

export interface LearnReport {
  asOf: string;
  models: number;
  hoursLearned: number;
  bootstrapped: string[];
}

export async function runBaselineUpdate(deps: LearnDeps, now: number): Promise<LearnReport> {
  const { config } = deps;
  const tz = config.settings.timezone;
  const asOf = Math.floor((now - config.settings.publication_delay) / HOUR) * HOUR;
  const stored = await deps.baselines.loadHistories();
  const keys = baselineSeries(config.rules);
  // Resume from the model that is furthest behind; a first run (or a new series) bootstraps 14 days.
  const ends = Object.values(stored).map((s) => Math.min(...keys.map((k: string) => (s.histories[k] ? endOf(s.histories[k]) : -Infinity))));
  const from = Math.max(asOf - BOOTSTRAP_DAYS * DAY, ends.length ? Math.min(...ends) : -Infinity);
  const report: LearnReport = { asOf: new Date(asOf).toISOString(), models: 0, hoursLearned: 0, bootstrapped: [] };
  if (from >= asOf) return report;

  const frame = await fetchHours(deps.source, keys, from, asOf, Object.keys(stored));
  const learnCallersNow = deps.logs && needsCallerBaselines(config.rules);
  const logModels = learnCallersNow ? (await deps.state.load()).logModels : [];
  const callerHours = learnCallersNow
    ? await callerTokensByHour(deps.logs as LogSource, [...new Set([...Object.keys(stored), ...Object.keys(frame.models), ...logModels])], Math.max(from, asOf - CALLER_LEARN_DAYS * DAY), asOf)
    : undefined;
  const pricing = new Pricing(config.pricing);
  const expectations: ModelExpectations[] = [];

  for (const model of new Set([...Object.keys(stored), ...Object.keys(frame.models), ...(callerHours?.keys() ?? [])])) {
    const entry = stored[model] ?? { histories: {}, version: 0 };
    const data = frame.models[model] ?? {};
    if (!stored[model]) report.bootstrapped.push(model);
    const firstWithData = firstHourWithData(data, frame.length);
    for (const key of keys) {
      let h: History | undefined = entry.histories[key];
      const volume = (VOLUME_SERIES as readonly string[]).includes(key);
      for (let i = 0; i < frame.length; i++) {
        const hour = frame.from + i * HOUR;
        if (h && hour < endOf(h)) continue; // learned already
        if (!h && i < firstWithData) continue; // a model's history starts with its first traffic
        const v = data[key]?.[i] ?? null;
        // Bedrock publishes nothing for an idle hour: for a count that is 0, for a latency it is unknown.
        h = record(h, hour, v ?? (volume ? 0 : null));
        report.hoursLearned++;
      }
      if (h) entry.histories[key] = h;
    }
    if (callerHours) learnCallers(entry.histories, callerHours.get(model), Math.max(from, asOf - CALLER_LEARN_DAYS * DAY), asOf);
    if (!Object.keys(entry.histories).length) continue;
    await deps.baselines.saveHistories(model, entry);
    expectations.push(buildExpectations(model, entry.histories, asOf, tz, pricing));
    report.models++;
  }
  await deps.baselines.saveExpectations(expectations);
  return report;
}

/** A percentile statistic (p95, p99.9): hours of it cannot be summed or averaged from minutes. */
const isPercentile = (key: string): boolean => /:p\d/.test(key);

/**
 * The hours to learn, one value per series and hour. Percentile series (latency p95) are learned
 * as the median of the hour's minute percentiles, from minute datapoints, live as in a replay: a
 * recorded trace holds only minute p95s, never the raw samples CloudWatch's own hourly p95 comes
 * from, so learning the same statistic in both keeps a backtest's baseline_ratio limits the ones
 * production applies. It costs nothing more: GetMetricData bills per metric requested, not per
 * datapoint (only more pages, at 100,800 datapoints each).
 */
export async function fetchHours(source: MetricSource, keys: string[], from: number, to: number, knownModels: string[]): Promise<Frame> {
  const hourly = keys.filter((k) => !isPercentile(k));
  const pct = keys.filter(isPercentile);
  const frame = hourly.length || !pct.length ? await source.fetch({ keys: hourly, from, to, period: HOUR, knownModels }) : emptyFrame(from, to, HOUR);
  if (!pct.length) return frame;
  const minutes = await source.fetch({ keys: pct, from, to, period: MINUTE, knownModels });
  for (const [model, byKey] of Object.entries(minutes.models)) {
    const out = (frame.models[model] ??= {});
    for (const key of pct) {
      const values = byKey[key];
      if (!values) continue;
      out[key] = Array.from({ length: frame.length }, (_, h) => {
        const start = (frame.from + h * HOUR - minutes.from) / MINUTE;
        return median(values.slice(Math.max(0, start), Math.max(0, start + HOUR / MINUTE)).filter((v): v is number => v !== null));
      });
    }
  }
  return frame;
}

/** model → caller → hour → tokens, from the minute buckets. */
async function callerTokensByHour(logs: LogSource, models: string[], from: number, to: number): Promise<Map<string, Map<string, Map<number, number>>>> {
  const out = new Map<string, Map<string, Map<number, number>>>();
  for (const b of await logs.buckets(models, from, to)) {
    const hour = Math.floor(b.minute / HOUR) * HOUR;
    const byCaller = out.get(b.modelId) ?? new Map<string, Map<number, number>>();
    out.set(b.modelId, byCaller);
    for (const [caller, u] of Object.entries(b.callers)) {
      const hours = byCaller.get(caller) ?? new Map<number, number>();
      byCaller.set(caller, hours);
      hours.set(hour, (hours.get(hour) ?? 0) + u.inputTokens + u.outputTokens);
    }
  }
  return out;
}

function learnCallers(histories: Record<string, History>, callers: Map<string, Map<number, number>> | undefined, from: number, to: number): void {
  for (const [caller, hours] of callers ?? []) {
    const key = callerKey(caller);
    let h = histories[key];
    const first = Math.min(...hours.keys());
    // A caller absent from a run's logs made no calls then: the hours since its history ended are 0, as in a
    // bootstrap, not a gap (unknown). Only as far back as the logs were read (the last CALLER_LEARN_DAYS).
    const start = h ? Math.max(Math.min(from, endOf(h)), to - CALLER_LEARN_DAYS * DAY) : from;
    for (let hour = start; hour < to; hour += HOUR) {
      if (h && hour < endOf(h)) continue;
      if (!h && hour < first) continue; // a caller's history starts with its first call
      h = record(h, hour, hours.get(hour) ?? 0);
    }
    if (h) histories[key] = h;
  }
  // Keep the heaviest callers of the last week: a bounded item, and the ones worth a page.
  const ranked = Object.keys(histories)
    .filter((k) => k.startsWith(CALLER_PREFIX))
    .map((k) => [k, histories[k].values.slice(-168).reduce<number>((a, v) => a + (v ?? 0), 0)] as const)
    .sort((a, b) => b[1] - a[1]);
  for (const [k] of ranked.slice(MAX_CALLERS)) delete histories[k];
}

function firstHourWithData(data: Record<string, (number | null)[]>, length: number): number {
  for (let i = 0; i < length; i++) if (Object.values(data).some((s) => s[i] !== null && s[i] !== undefined && s[i] !== 0)) return i;
  return length;
}
