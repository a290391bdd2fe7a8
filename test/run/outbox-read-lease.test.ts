/**
 * Issue 17.1 and 17.2, through the real delivery (deliver-outbox.ts) on DynamoDB (dynalite, faults
 * injected at the SDK client) and the memory store:
 *
 * - an outbox item DynamoDB leaves in UnprocessedKeys after the store's retries is owed, not expired:
 *   nothing overtakes it (PagerDuty never gets a resolve for an incident it never opened), it stays
 *   pending, it is counted, and the oldest-unsent age grows while it stays unread;
 * - the lease is measured on the wall clock: a late invocation (its original event time) cannot take
 *   over an item a current tick is sending; a tick that lost its lease does not fail (nor skip the
 *   pending-list cleanup).
 */
import { deliverOutbox, LEASE_MS, outboxItems, type NotifierLookup } from '../../shared/run/deliver-outbox';
import type { Notification } from '../../shared/core/notification';
import type { Notifier } from '../../shared/notify/types';
import { RecordingMetrics } from '../../shared/run/metrics';
import { BATCH_GET_ATTEMPTS, DynamoStateStore } from '../../shared/state/dynamo-store';
import { MemoryStateStore } from '../../shared/state/memory-store';
import type { StateStore } from '../../shared/state/types';
import { useDynamo } from '../support/dynamo';
import { injectDynamoFaults } from '../support/dynamo-faults';
import { freshTable } from '../support/evaluate-harness';
import { resolvedNotification, sampleNotification } from '../support/notification';

const T0 = Date.parse('2026-10-05T10:00:00.000Z');
const MINUTE = 60_000;
const silent = { warn: () => undefined, error: () => undefined };
const db = useDynamo();

/** Records what was sent, in order; `hold()` keeps the next send in flight until released. */
function recorder() {
  const sent: Notification[] = [];
  let gate: Promise<void> | null = null;
  let open = () => undefined as void;
  let arrived = () => undefined as void;
  const notifier: Notifier = {
    async send(n) {
      arrived();
      if (gate) await gate;
      sent.push(n);
    },
  };
  const lookup: NotifierLookup = { get: async () => notifier };
  return {
    sent,
    lookup,
    hold(): Promise<void> {
      gate = new Promise<void>((resolve) => (open = resolve));
      return new Promise<void>((resolve) => (arrived = resolve));
    },
    release() {
      gate = null;
      open();
    },
  };
}

const trigger = sampleNotification({ id: 'pd-trigger', receiver: 'pagerduty-oncall', key: 'incident-1' });
const resolve = resolvedNotification(10 * MINUTE, { id: 'pd-resolve', receiver: 'pagerduty-oncall', key: 'incident-1' });

describe('an outbox item DynamoDB leaves unprocessed (17.1)', () => {
  it('holds the stream: the resolve never goes out before its trigger, nothing is dropped from pending, and it is counted and aged', async () => {
    const table = await freshTable(db().client);
    const sleeps: number[] = [];
    const store = new DynamoStateStore(table, { sleep: async (ms) => void sleeps.push(ms), random: () => 0.5 });
    await store.putOutbox(outboxItems([trigger], T0));
    await store.putOutbox(outboxItems([resolve], T0 + 10 * MINUTE));
    const pending = ['pd-trigger', 'pd-resolve'];
    const faults = injectDynamoFaults(db().client);
    const r = recorder();
    try {
      const metrics = new RecordingMetrics();
      // The trigger stays unprocessed through every retry of this tick and the next.
      faults.unprocessed((sk) => sk === 'pd-trigger', 2 * BATCH_GET_ATTEMPTS);
      for (const now of [T0 + 10 * MINUTE, T0 + 11 * MINUTE]) {
        const report = await deliverOutbox(store, r.lookup, pending, now, { log: silent, sleep: async () => {}, metrics });
        expect(report).toMatchObject({ delivered: 0, dropped: 0 });
      }
      expect(r.sent).toEqual([]); // before: the resolve went out alone
      expect(metrics.counts.OutboxUnread).toBe(2);
      // Retried with growing (jittered) waits between rounds, not back to back.
      expect(sleeps.slice(0, BATCH_GET_ATTEMPTS - 1)).toEqual([25, 50, 100, 200, 400]);
      const [item] = await store.getOutbox(['pd-trigger']);
      expect(item.status).toBe('pending');
      // Aged from the first tick that missed it (the alarm sees it): 0 s, then 60 s.
      expect(metrics.gauges.filter((g) => g.name === 'OldestUnsentAgeSeconds').map((g) => g.value)).toEqual([0, 60]);
      // DynamoDB answers again: trigger, then resolve.
      const mark = metrics.gauges.length;
      const report = await deliverOutbox(store, r.lookup, pending, T0 + 12 * MINUTE, { log: silent, sleep: async () => {}, metrics });
      expect(report.delivered).toBe(2);
      expect(r.sent.map((n) => n.id)).toEqual(['pd-trigger', 'pd-resolve']);
      // Nothing waits any more: no age above 0 is written (the gauge is written only while something waits,
      // and the alarm reads missing data as not breaching), so the alarm clears.
      expect(metrics.gauges.slice(mark).filter((g) => g.name === 'OldestUnsentAgeSeconds' && g.value > 0)).toEqual([]);
    } finally {
      faults.remove();
    }
  });

  it('keeps an unread id in the cursor pending list (forgets only gone ones) and ages it from the first tick that missed it', async () => {
    const table = await freshTable(db().client);
    const store = new DynamoStateStore(table, { sleep: async () => {} });
    await store.putOutbox(outboxItems([trigger], T0));
    // A cursor holding the id, as a tick's commit leaves it.
    const { cursor } = await store.load();
    await store.commit(cursor, { ...cursor, pending: ['pd-trigger', 'long-gone'] }, []);
    const faults = injectDynamoFaults(db().client);
    try {
      faults.unprocessed((sk) => sk === 'pd-trigger', 2 * BATCH_GET_ATTEMPTS);
      const metrics = new RecordingMetrics();
      await deliverOutbox(store, recorder().lookup, ['pd-trigger', 'long-gone'], T0, { log: silent, sleep: async () => {}, metrics });
      expect((await store.load()).cursor.pending).toEqual(['pd-trigger']);
      await deliverOutbox(store, recorder().lookup, ['pd-trigger'], T0 + MINUTE, { log: silent, sleep: async () => {}, metrics });
      expect(metrics.last('OldestUnsentAgeSeconds')).toBe(60); // before: 0, the alarm could not see it
    } finally {
      faults.remove();
    }
  });
});

describe.each([
  ['memory', async (clock: () => number): Promise<StateStore> => new MemoryStateStore({ clock })],
  ['dynamodb', async (clock: () => number): Promise<StateStore> => new DynamoStateStore(await freshTable(db().client), { clock })],
])('the outbox lease on the wall clock (17.2, %s store)', (_name, makeStore) => {
  it('a late invocation (original event time) cannot take over an item a current tick is sending: sent once', async () => {
    const wall = T0 + 10 * MINUTE;
    const store = await makeStore(() => wall);
    await store.putOutbox(outboxItems([trigger], T0));
    const r = recorder();
    // The late one (an asynchronous retry of the 10:00 event, running at 10:10) claims first and is still sending…
    const inFlight = r.hold();
    const late = deliverOutbox(store, r.lookup, ['pd-trigger'], T0, { log: silent, sleep: async () => {} });
    await inFlight;
    // …when the on-time 10:10 tick runs. Before: the late lease (10:02 in event time) was already expired for it.
    const onTime = await deliverOutbox(store, r.lookup, ['pd-trigger'], T0 + 10 * MINUTE, { log: silent, sleep: async () => {} });
    r.release();
    await late;
    expect(onTime.delivered).toBe(0);
    expect(r.sent.map((n) => n.id)).toEqual(['pd-trigger']);
  });

  it('a tick that lost its lease (it outran it) neither throws nor skips the pending-list cleanup', async () => {
    let wall = T0;
    const store = await makeStore(() => wall);
    const other = sampleNotification({ id: 'slack-1', receiver: 'slack-alerts', key: 'k-slack' });
    await store.putOutbox(outboxItems([trigger, other], T0));
    const { cursor } = await store.load();
    await store.commit(cursor, { ...cursor, pending: ['pd-trigger', 'slack-1'] }, []);
    const slow = recorder();
    const inFlight = slow.hold();
    const metrics = new RecordingMetrics();
    const first = deliverOutbox(store, { get: async (receiver) => (receiver === 'slack-alerts' ? recorder().lookup.get(receiver) : slow.lookup.get(receiver)) }, ['pd-trigger', 'slack-1'], T0, { log: silent, sleep: async () => {}, metrics });
    await inFlight;
    // Its lease runs out; the next tick takes the item over, sends and records it.
    wall = T0 + LEASE_MS + 1;
    const fast = recorder();
    const second = await deliverOutbox(store, fast.lookup, ['pd-trigger'], T0 + 3 * MINUTE, { log: silent, sleep: async () => {} });
    expect(second.delivered).toBe(1);
    slow.release();
    // Before: a raw ConditionalCheckFailedException (DynamoDB) failed the tick here.
    await expect(first).resolves.toMatchObject({ delivered: 2 });
    expect(metrics.counts.LeasesLost).toBe(1);
    // The other receiver's delivered item was still forgotten from the pending list (and the taken-over one by its new holder).
    expect((await store.load()).cursor.pending).toEqual([]);
    expect((await store.getOutbox(['pd-trigger']))[0]).toMatchObject({ status: 'sent', sentAt: T0 + 3 * MINUTE });
  });
});
