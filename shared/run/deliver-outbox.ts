/**
 * Delivery of decided notifications: claim (a lease, so two ticks never send the same one),
 * send with a few quick retries, then record sent, or schedule a later retry, or give up
 * loudly after a day (a metric, and a notice on the stack's own SNS topic).
 *
 * Order: each (receiver, key) is a stream, sent strictly in decision order — nothing of a stream
 * goes out while an earlier item of it is unsent, so a resolve never overtakes its trigger.
 * Receivers are delivered concurrently, each within the time the invocation has left, so a hung
 * receiver delays nobody else.
 *
 * Backoff is per receiver, not per item: a failing receiver is asked again with its oldest unsent
 * item (the probe) on the next tick — or when its Retry-After says — and nothing else of it is tried
 * meanwhile; once the probe goes through, its whole queue follows in order in the same tick.
 *
 * An item the store could not read (DynamoDB left it unprocessed) is owed, not expired: its stream
 * is unknown, so nothing is delivered this tick, it stays pending, and it is counted and aged.
 */
import { deliverWithRetry, MIN_REQUEST_MS, type DeliveryResult } from '../notify/deliver';
import type { Notification } from '../core/notification';
import type { DropNotice, Notifier } from '../notify/types';
import type { OutboxItem, StateStore } from '../state/types';
import { NO_METRICS, type RunMetrics } from './metrics';
import type { Log } from './tick';

export interface NotifierLookup {
  get(receiver: string): Promise<Notifier>;
  /** Builds the receiver's notifier afresh, re-reading its secret (it answered 401/403/404/410). */
  refresh?(receiver: string): Promise<Notifier>;
}

export interface DeliverOptions {
  log: Pick<Log, 'warn' | 'error'>;
  /** In-tick retry waits (the simulated clock passes a no-op). */
  sleep?: (ms: number) => Promise<void>;
  metrics?: RunMetrics;
  /** Milliseconds the invocation may still spend on delivery (real clock, safety margin already taken off). */
  timeLeft?: () => number;
  /** Where a dropped notification is announced; without one, only the log and the metric say so. */
  dropNotice?: DropNotice;
}

export interface DeliverReport {
  delivered: number;
  /** Failed attempts (kept for a later retry, or dropped). */
  failed: number;
  dropped: number;
}

/** Wall-clock lease on a claimed item (longer than an evaluate invocation may run). */
export const LEASE_MS = 2 * 60_000;
export const GIVE_UP_AFTER_MS = 24 * 3_600_000;
/** The longest a Retry-After is honoured for. */
export const MAX_BACKOFF_MS = 60 * 60_000;
/**
 * A failing receiver (5xx, timeout) is probed again this long after the failed tick's time: the next
 * scheduled tick (a minute later), not a duplicate of the same event. One request a minute to a
 * service that is down costs nothing; being back within a tick of its recovery is what matters.
 */
export const PROBE_AFTER_MS = 30_000;

/** New outbox records for notifications decided at `now`, in decision order. */
export const outboxItems = (notifications: Notification[], now: number): OutboxItem[] =>
  notifications.map((n, i) => ({
    id: n.id,
    seq: now * 1000 + i,
    notification: n,
    status: 'pending',
    attempts: 0,
    createdAt: now,
    nextAttemptAt: now,
    leaseUntil: null,
    sentAt: null,
    lastError: null,
  }));

type Outcome = 'sent' | 'dropped' | 'waiting';

/** The outbox items of one receiver, as streams in decision order. */
export function streamsOf(items: OutboxItem[]): Map<string, OutboxItem[][]> {
  const byReceiver = new Map<string, Map<string, OutboxItem[]>>();
  for (const item of [...items].sort((a, b) => a.seq - b.seq)) {
    const n = item.notification;
    const streams = byReceiver.get(n.receiver) ?? new Map<string, OutboxItem[]>();
    byReceiver.set(n.receiver, streams);
    // Items written before streams had keys: the alert fingerprint is the stream (what the dedup_key was).
    const key = n.key ?? n.alert.fingerprint;
    streams.set(key, [...(streams.get(key) ?? []), item]);
  }
  return new Map([...byReceiver].map(([r, s]) => [r, [...s.values()]]));
}

export async function deliverOutbox(store: StateStore, notifiers: NotifierLookup, pending: string[], now: number, opts: DeliverOptions): Promise<DeliverReport> {
  const { log, sleep, metrics = NO_METRICS, timeLeft = () => Infinity, dropNotice } = opts;
  const report: DeliverReport = { delivered: 0, failed: 0, dropped: 0 };
  const { items, unread } = pending.length ? await store.readOutbox(pending) : { items: [], unread: [] };
  const known = new Set([...items.map((i) => i.id), ...unread]);
  const done = pending.filter((id) => !known.has(id)); // expired records: nothing left to send
  const unsent = new Map<string, OutboxItem>();
  for (const item of items) {
    if (item.status === 'sent' || item.status === 'dead') done.push(item.id);
    else unsent.set(item.id, item);
  }
  const unreadSince = unreadAges(store, unread, now);
  if (unread.length) {
    metrics.count('OutboxUnread', unread.length);
    log.error('could not read outbox items (DynamoDB left them unprocessed after retries); nothing is delivered this tick so no stream is overtaken', { unread: unread.slice(0, 20), count: unread.length });
  }

  async function drop(item: OutboxItem, error: string, attempts: number): Promise<void> {
    const n = item.notification;
    // Recorded first: a tick that lost its lease does not count (or announce) what the new holder decides.
    if (!(await finishOrWarn(item, { status: 'dead', sentAt: null, nextAttemptAt: now, lastError: error }))) return;
    report.dropped++;
    metrics.count('NotificationsDropped');
    log.error('notification dropped', { receiver: n.receiver, rule: n.alert.rule, action: n.action, id: n.id, error, attempts });
    if (!dropNotice) {
      log.error('no fallback topic to announce the dropped notification on', { receiver: n.receiver, id: n.id });
      return;
    }
    // The notice is best effort: the drop is already recorded and counted (the metric has an alarm).
    const reason = attempts > 1 ? `${error} (after ${attempts} attempts)` : error;
    const left = timeLeft();
    await dropNotice.dropped(n, reason, Number.isFinite(left) ? { timeoutMs: Math.max(MIN_REQUEST_MS, Math.floor(left)) } : {}).catch((e: Error) => {
      log.error('could not announce a dropped notification on the fallback topic', { receiver: n.receiver, id: n.id, error: e.message });
    });
  }

  /** Records an attempt's outcome under the caller's lease; false (logged, counted) when the lease was lost to another tick. */
  async function finishOrWarn(item: OutboxItem, update: Parameters<StateStore['finish']>[1]): Promise<boolean> {
    if (await store.finish(item.id, update, item.leaseOwner ?? '')) return true;
    metrics.count('LeasesLost');
    log.warn('lost the lease on an outbox item to another tick; it records the outcome', { receiver: item.notification.receiver, id: item.id, status: update.status });
    return false;
  }

  /** One receiver's streams, one item at a time; returns when done, blocked everywhere, or out of time. */
  async function deliverReceiver(receiver: string, streams: OutboxItem[][]): Promise<void> {
    let refreshed = false;
    let down = false;
    // Backoff is the receiver's: its oldest unsent item (the probe) waiting for a retry time holds the whole receiver.
    const probe = streams.flat().sort((a, b) => a.seq - b.seq)[0];
    if (probe && probe.status === 'pending' && probe.nextAttemptAt > now) return;
    const attempt = async (notifier: Notifier, item: OutboxItem): Promise<DeliveryResult> =>
      deliverWithRetry(notifier, item.notification, { sleep, timeLeft });

    async function deliverItem(item: OutboxItem): Promise<Outcome> {
      const claimed = await store.claim(item.id, now, LEASE_MS);
      if (!claimed) return 'waiting'; // not due yet, or another tick has it
      let result: DeliveryResult;
      try {
        result = await attempt(await notifiers.get(receiver), claimed);
        if (!result.ok && result.staleSecret && notifiers.refresh && !refreshed) {
          // A rotated secret looks like this: read it again, past every cache, and try once more.
          refreshed = true;
          log.warn('receiver rejected its secret; reading it again', { receiver, error: result.error });
          result = await attempt(await notifiers.refresh(receiver), claimed);
        }
      } catch (e) {
        // A receiver that cannot even be built (missing secret, unknown name) cannot succeed by retrying now,
        // but a fixed secret should still get the alert out: keep it for later ticks.
        result = { ok: false, retryable: true, error: (e as Error).message };
      }
      if (result.ok) {
        report.delivered++;
        metrics.count('NotificationsSent');
        // Sent, but another tick took the lease over (this one ran past it): that tick records it (and may send it again).
        if (!(await finishOrWarn(claimed, { status: 'sent', sentAt: now, nextAttemptAt: now, lastError: null }))) return 'waiting';
        return 'sent';
      }
      report.failed++;
      metrics.count('NotificationsFailed');
      if (!result.retryable || now - claimed.createdAt >= GIVE_UP_AFTER_MS) {
        await drop(claimed, result.error, claimed.attempts);
        return 'dropped';
      }
      // The receiver itself is failing (5xx, 429, timeout): the rest of its queue waits for a later tick.
      down = true;
      const n = claimed.notification;
      // A server that said when to come back is asked then (bounded by the longest backoff), not sooner;
      // otherwise the next tick probes it again with its oldest item.
      const wait = result.retryAfterMs !== undefined ? Math.min(MAX_BACKOFF_MS, Math.max(PROBE_AFTER_MS, result.retryAfterMs)) : PROBE_AFTER_MS;
      log.warn('notification delivery failed, will retry', { receiver, rule: n.alert.rule, error: result.error, attempts: claimed.attempts, nextAttemptAt: new Date(now + wait).toISOString() });
      await finishOrWarn(claimed, { status: 'pending', sentAt: null, nextAttemptAt: now + wait, lastError: result.error });
      return 'waiting';
    }

    for (const stream of streams) {
      for (const item of stream) {
        if (down || timeLeft() < MIN_REQUEST_MS) return;
        const outcome = await deliverItem(item);
        if (outcome === 'waiting') break; // later items of this stream wait for it
        unsent.delete(item.id);
        done.push(item.id);
      }
    }
  }

  if (!unread.length) await Promise.all([...streamsOf([...unsent.values()])].map(([receiver, streams]) => deliverReceiver(receiver, streams)));
  await store.dropPending(done);
  // The oldest item still waiting: a receiver down for long, a stream stuck behind one item, or an item
  // unread since this container first missed it, shows here.
  const oldest = Math.min(...[...unsent.values()].map((i) => i.createdAt), ...unreadSince);
  // Written only while something waits (its alarm treats missing data as not breaching): not a custom metric every tick.
  if (Number.isFinite(oldest)) metrics.gauge('OldestUnsentAgeSeconds', Math.max(0, (now - oldest) / 1000), 'Seconds');
  return report;
}

/** Per store (one per warm container): when each currently unread id was first found unread. */
const unreadSeen = new WeakMap<StateStore, Map<string, number>>();

/** The times the unread ids were first missed (now for new ones); forgets ids read again. */
function unreadAges(store: StateStore, unread: string[], now: number): number[] {
  const before = unreadSeen.get(store) ?? new Map<string, number>();
  const seen = new Map(unread.map((id) => [id, Math.min(before.get(id) ?? now, now)]));
  unreadSeen.set(store, seen);
  return [...seen.values()];
}
