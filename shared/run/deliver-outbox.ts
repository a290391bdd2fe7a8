/**
 * Delivery of decided notifications: claim (a lease, so two ticks never send the same one),
 * send with a few quick retries, then record sent, or schedule a later retry, or give up
 * loudly after a day. PagerDuty's dedup_key makes a retried trigger harmless there.
 */
import { deliverWithRetry } from '../notify/deliver';
import type { Notifier } from '../notify/types';
import type { StateStore } from '../state/types';
import type { Log } from './tick';

export interface NotifierLookup {
  get(receiver: string): Promise<Notifier>;
}

const LEASE_MS = 2 * 60_000;
const GIVE_UP_AFTER_MS = 24 * 3_600_000;
const backoff = (attempts: number) => Math.min(60 * 60_000, 60_000 * 2 ** Math.min(attempts, 6));

export async function deliverOutbox(
  store: StateStore,
  notifiers: NotifierLookup,
  pending: string[],
  now: number,
  log: Pick<Log, 'warn' | 'error'>,
  sleep?: (ms: number) => Promise<void>,
): Promise<{ delivered: number; failed: number }> {
  if (!pending.length) return { delivered: 0, failed: 0 };
  const items = (await store.getOutbox(pending)).sort((a, b) => a.seq - b.seq);
  const done: string[] = [];
  let delivered = 0;
  let failed = 0;
  const known = new Set(items.map((i) => i.id));
  done.push(...pending.filter((id) => !known.has(id))); // expired records: nothing left to send

  for (const item of items) {
    if (item.status === 'sent' || item.status === 'dead') {
      done.push(item.id);
      continue;
    }
    const claimed = await store.claim(item.id, now, LEASE_MS);
    if (!claimed) continue;
    const n = claimed.notification;
    let result: Awaited<ReturnType<typeof deliverWithRetry>>;
    try {
      const notifier = await notifiers.get(n.receiver);
      result = await deliverWithRetry(notifier, n, { sleep });
    } catch (e) {
      // A receiver that cannot even be built (missing secret, unknown name) cannot succeed by retrying now,
      // but a fixed secret should still get the alert out: keep it for later ticks.
      result = { ok: false, retryable: true, error: (e as Error).message };
    }
    if (result.ok) {
      await store.finish(item.id, { status: 'sent', sentAt: now, nextAttemptAt: now, lastError: null }, now);
      done.push(item.id);
      delivered++;
      continue;
    }
    failed++;
    const tooOld = now - claimed.createdAt >= GIVE_UP_AFTER_MS;
    if (!result.retryable || tooOld) {
      log.error('notification dropped', { receiver: n.receiver, rule: n.alert.rule, action: n.action, error: result.error, attempts: claimed.attempts });
      await store.finish(item.id, { status: 'dead', sentAt: null, nextAttemptAt: now, lastError: result.error }, now);
      done.push(item.id);
    } else {
      log.warn('notification delivery failed, will retry', { receiver: n.receiver, rule: n.alert.rule, error: result.error, attempts: claimed.attempts });
      await store.finish(item.id, { status: 'pending', sentAt: null, nextAttemptAt: now + backoff(claimed.attempts), lastError: result.error }, now);
    }
  }
  await store.dropPending(done);
  return { delivered, failed };
}
