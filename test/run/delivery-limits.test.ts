/**
 * Two limits of delivery a user would notice (issue 17: each test fails on a mutant that survived
 * the suite): a receiver that is down gets one request per tick, not one per queued message (the
 * queue is not hammered item by item), and a
 * notification still failing a day after it was decided is given up on that attempt, announced.
 */
import type { Notification } from '../../shared/core/notification';
import { deliverOutbox, GIVE_UP_AFTER_MS, outboxItems } from '../../shared/run/deliver-outbox';
import { RecordingMetrics } from '../../shared/run/metrics';
import { DeliveryError, type DropNotice, type Notifier } from '../../shared/notify/types';
import { MemoryStateStore } from '../../shared/state/memory-store';
import { sampleNotification } from '../support/notification';

const T0 = Date.parse('2026-10-05T10:00:00.000Z');
const MIN = 60_000;
const silent = { warn: () => undefined, error: () => undefined };

/** A receiver answering 503 while `down`; records every request (notification id) it gets. */
function receiver() {
  const requests: string[] = [];
  const accepted: string[] = [];
  let down = true;
  const notifier: Notifier = {
    async send(n: Notification) {
      requests.push(n.id);
      if (down) throw new DeliveryError('HTTP 503', true);
      accepted.push(n.id);
    },
  };
  return { requests, accepted, lookup: { get: async () => notifier }, up: () => void (down = false) };
}

describe('fault: receiver down with a queue of messages', () => {
  it('the tick that finds it down asks it once, for the oldest message, and leaves the rest untouched; once it is back all go out', async () => {
    const store = new MemoryStateStore();
    const r = receiver();
    // Three different alerts (three streams) for the same receiver, decided together.
    const ns = ['a', 'b', 'c'].map((x) => sampleNotification({ id: `q-${x}`, key: `stream-${x}` }));
    await store.putOutbox(outboxItems(ns, T0));
    const pending = ns.map((n) => n.id);
    const deliver = (now: number) => deliverOutbox(store, r.lookup, pending, now, { log: silent, sleep: async () => {} });

    await deliver(T0);
    // One message tried (with its quick in-tick retries): the rest wait for a later tick, untouched.
    expect(new Set(r.requests)).toEqual(new Set(['q-a']));
    const items = await store.getOutbox(pending);
    expect(items.map((i) => [i.id, i.attempts])).toEqual([
      ['q-a', 1],
      ['q-b', 0],
      ['q-c', 0],
    ]);
    // (What later ticks ask while the first message waits for its backoff is oncall-delivery's part of issue 17.)
    r.up();
    for (let m = 1; m <= 120 && r.accepted.length < 3; m++) await deliver(T0 + m * MIN);
    expect([...r.accepted].sort()).toEqual(['q-a', 'q-b', 'q-c']);
  });
});

describe('fault: receiver failing for a day (the boundary)', () => {
  async function attemptAt(now: number) {
    const store = new MemoryStateStore();
    const r = receiver();
    const notices: string[] = [];
    const dropNotice: DropNotice = { dropped: async (n) => void notices.push(n.id) };
    const metrics = new RecordingMetrics();
    const n = sampleNotification({ id: 'day-1' });
    await store.putOutbox(outboxItems([n], T0)); // decided at T0, still due (as after its backoff)
    const report = await deliverOutbox(store, r.lookup, ['day-1'], now, { log: silent, sleep: async () => {}, metrics, dropNotice });
    return { report, notices, item: (await store.getOutbox(['day-1']))[0], metrics };
  }

  it('a failure one minute before the day is up is kept for another try', async () => {
    const { report, notices, item } = await attemptAt(T0 + GIVE_UP_AFTER_MS - MIN);
    expect(report.dropped).toBe(0);
    expect(notices).toEqual([]);
    expect(item.status).toBe('pending');
  });

  it('a failure when the day is up (24 h after the decision) is dropped on that attempt, counted and announced', async () => {
    expect(GIVE_UP_AFTER_MS).toBe(24 * 60 * MIN);
    const { report, notices, item, metrics } = await attemptAt(T0 + GIVE_UP_AFTER_MS);
    expect(report.dropped).toBe(1);
    expect(notices).toEqual(['day-1']);
    expect(item.status).toBe('dead');
    expect(metrics.counts.NotificationsDropped).toBe(1);
  });
});
