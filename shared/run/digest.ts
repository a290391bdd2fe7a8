/**
 * The daily digest run: yesterday (local day of the rules' time zone) → a digest → the info
 * tier's receivers, once per day and receiver even if the schedule fires twice; a receiver is marked
 * only after it took the digest, so a failed send is retried (the handler fails the invocation and
 * Lambda retries it) and a successful one is never repeated.
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
import { DeliveryError } from '../notify/types';
import type { Log } from './tick';

export interface DigestDeps {
  config: Config;
  baselines: BaselineStore;
  state: StateStore;
  notifiers: NotifierLookup;
  logs?: LogSource;
  log: Log;
  /** Real clock, for the lease on each receiver's send (the event time repeats when Lambda retries it). */
  clock?: () => number;
}

/** Longer than one digest send can take; an invocation that died holding it is retried after it. */
const DIGEST_LEASE_MS = 5 * 60_000;

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
  const digestReceivers = config.digest_receivers ?? config.routes?.info ?? [];
  const clock = deps.clock ?? Date.now;
  let already = 0;
  for (const receiver of digestReceivers) {
    // Each receiver on its own: marked done only once it has the digest, released for a retry if it failed.
    const key = `DIGEST#${day}#${receiver}`;
    const lease = await deps.state.claimOnce(key, clock(), DIGEST_LEASE_MS);
    if (lease === null) {
      already++;
      continue;
    }
    let sent = false;
    try {
      sent = await sendDigest(deps.notifiers, receiver, digest);
      if (sent) report.sent.push(receiver);
    } catch (e) {
      // One failing receiver must not keep the digest from the others; the handler fails the invocation, so Lambda retries it.
      deps.log.error('digest delivery failed', { receiver, error: (e as Error).message });
      report.failed.push(receiver);
    }
    const done = !report.failed.includes(receiver);
    if (!(await deps.state.finishOnce(key, clock(), done, lease))) {
      // This invocation outlived its lease and another one took the job over: that one's record stands.
      deps.log.warn('digest lease lost: another invocation holds it, its outcome stands', { receiver, day, sent: done });
    }
  }
  if (already === digestReceivers.length && already > 0) return { ...report, skipped: `digest for ${day} already sent` };
  return report;
}

/** False when the receiver takes no digests (PagerDuty); a rejected secret is read again once. */
async function sendDigest(notifiers: NotifierLookup, receiver: string, digest: Digest): Promise<boolean> {
  const notifier = await notifiers.get(receiver);
  if (!notifier.sendDigest) return false;
  try {
    await notifier.sendDigest(digest, receiver);
  } catch (e) {
    if (!(e instanceof DeliveryError && e.staleSecret && notifiers.refresh)) throw e;
    const fresh = await notifiers.refresh(receiver);
    await fresh.sendDigest?.(digest, receiver);
  }
  return true;
}
