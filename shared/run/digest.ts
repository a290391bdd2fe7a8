/**
 * The daily digest run: yesterday (local day of the rules' time zone) → a digest → the info
 * tier's receivers, once per day even if the schedule fires twice.
 */
import { buildDigest } from '../digest/build';
import { type Digest } from '../core/digest';
import { appliesTo } from '../engine/select';
import { budgetSpend } from '../engine/kinds/budget';
import { baselinesOf } from './baselines-provider';
import { startOfDay, dayKey } from '../core/tz';
import { Pricing } from '../pricing/pricing';
import type { Config } from '../rules/schema';
import { callerUsage, type LogSource } from '../sources/logs';
import { DAY } from '../core/time';
import type { BaselineStore } from '../state/baselines';
import type { StateStore } from '../state/types';
import type { NotifierLookup } from './deliver-outbox';
import type { Log } from './tick';

export interface DigestDeps {
  config: Config;
  baselines: BaselineStore;
  state: StateStore;
  notifiers: NotifierLookup;
  logs?: LogSource;
  log: Log;
}

export interface DigestReport {
  day: string;
  sent: string[];
  failed: string[];
  skipped?: string;
  digest: Digest;
}

export async function runDigest(deps: DigestDeps, now: number): Promise<DigestReport> {
  const { config } = deps;
  const tz = config.settings.timezone;
  const to = startOfDay(now, tz);
  const from = startOfDay(to - DAY / 2, tz);
  const day = dayKey(from, tz);
  const stored = await deps.baselines.loadHistories();
  const histories = Object.fromEntries(Object.entries(stored).map(([m, s]) => [m, s.histories]));
  const models = Object.keys(histories);
  const expectations = await deps.baselines.loadExpectations();
  const learned = baselinesOf(expectations);
  const budgets = config.rules.flatMap((r) => {
    if (r.kind !== 'budget' || r.per_model) return [];
    const total = budgetSpend(learned.models().filter((m) => appliesTo(r, m)), learned);
    return [{ name: r.name, budget: r.monthly_usd, spent: total.spent, forecast: total.known ? total.forecast : null }];
  });
  const digest = buildDigest({
    day,
    from,
    to,
    tz,
    histories,
    pricing: new Pricing(config.pricing),
    alerts: await deps.state.listAlerts(),
    callers: deps.logs ? await callerUsage(deps.logs, models, from, to) : [],
    budgets,
  });
  const report: DigestReport = { day, sent: [], failed: [], digest };
  if (!(await deps.state.claimOnce(`DIGEST#${day}`, now))) return { ...report, skipped: `digest for ${day} already sent` };
  for (const receiver of config.digest_receivers ?? config.routes?.info ?? []) {
    try {
      const notifier = await deps.notifiers.get(receiver);
      if (!notifier.sendDigest) continue;
      await notifier.sendDigest(digest, receiver);
      report.sent.push(receiver);
    } catch (e) {
      // One failing receiver must not keep the digest from the others; it is informational, not retried.
      deps.log.error('digest delivery failed', { receiver, error: (e as Error).message });
      report.failed.push(receiver);
    }
  }
  return report;
}
