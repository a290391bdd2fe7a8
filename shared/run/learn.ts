/**
 * The hourly baseline update: fetch the hours not learned yet (the last 14 days on a first run:
 * bootstrap from CloudWatch history), record them, leaving out hours when the model had an alert
 * firing, and publish fresh expectations for the evaluate tick.
 */
import { buildExpectations, VOLUME_SERIES, type ModelExpectations } from '../baselines/expectations';
import { endOf, record, type History } from '../baselines/history';
import type { AlertState } from '../engine/types';
import { baselineSeries } from '../engine/needs';
import { Pricing } from '../pricing/pricing';
import type { Config } from '../rules/schema';
import { DAY, HOUR, type MetricSource } from '../sources/types';
import type { BaselineStore } from '../state/baselines';
import type { StateStore } from '../state/types';

export const BOOTSTRAP_DAYS = 14;

export interface LearnDeps {
  config: Config;
  source: MetricSource;
  baselines: BaselineStore;
  state: Pick<StateStore, 'listAlerts'>;
}

export interface LearnReport {
  asOf: string;
  models: number;
  hoursLearned: number;
  bootstrapped: string[];
  excludedHours: number;
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
  const report: LearnReport = { asOf: new Date(asOf).toISOString(), models: 0, hoursLearned: 0, bootstrapped: [], excludedHours: 0 };
  if (from >= asOf) return report;

  const frame = await deps.source.fetch({ keys, from, to: asOf, period: HOUR, knownModels: Object.keys(stored) });
  const episodes = exclusionWindows(await deps.state.listAlerts(), now);
  const pricing = new Pricing(config.pricing);
  const expectations: ModelExpectations[] = [];

  for (const model of new Set([...Object.keys(stored), ...Object.keys(frame.models)])) {
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
        const excluded = episodes.get(model)?.some(([a, b]) => hour + HOUR > a && hour < b) ?? false;
        // Bedrock publishes nothing for an idle hour: for a count that is 0, for a latency it is unknown.
        h = record(h, hour, v ?? (volume ? 0 : null), excluded);
        report.hoursLearned++;
        if (excluded) report.excludedHours++;
      }
      if (h) entry.histories[key] = h;
    }
    if (!Object.keys(entry.histories).length) continue;
    await deps.baselines.saveHistories(model, entry);
    expectations.push(buildExpectations(model, entry.histories, asOf, tz, pricing));
    report.models++;
  }
  await deps.baselines.saveExpectations(expectations);
  return report;
}

function firstHourWithData(data: Record<string, (number | null)[]>, length: number): number {
  for (let i = 0; i < length; i++) if (Object.values(data).some((s) => s[i] !== null && s[i] !== undefined && s[i] !== 0)) return i;
  return length;
}

/** Per model, [from, to) of every recent alert episode (an open one runs to now). */
function exclusionWindows(alerts: AlertState[], now: number): Map<string, [number, number][]> {
  const out = new Map<string, [number, number][]>();
  for (const a of alerts) {
    const model = a.labels.ModelId;
    if (!model || a.startsAt === null || a.signal === 'client_errors') continue;
    // From the hour the trouble began (before the alert could fire) to its end.
    const start = a.startsAt - HOUR;
    const end = a.status === 'firing' ? now : (a.endsAt ?? now);
    out.set(model, [...(out.get(model) ?? []), [start, end]]);
  }
  return out;
}
