/**
 * The outbox's exactly-once guards, on both stores (DynamoDB through dynalite, and the memory store
 * the long backtests use): a claim is a lease only one tick gets, a failed item waits for its backoff,
 * and an existing item is never overwritten by a re-decided one. Each is exercised through delivery.
 */
import { deliverOutbox, LEASE_MS, outboxItems, PROBE_AFTER_MS } from '../../shared/run/deliver-outbox';
import type { Notification } from '../../shared/core/notification';
import type { Notifier } from '../../shared/notify/types';
import { DeliveryError } from '../../shared/notify/types';
import { DynamoStateStore } from '../../shared/state/dynamo-store';
import { MemoryStateStore } from '../../shared/state/memory-store';
import type { StateStore } from '../../shared/state/types';
import { useDynamo } from '../support/dynamo';
import { freshTable } from '../support/evaluate-harness';
import { sampleNotification } from '../support/notification';

const T0 = Date.parse('2026-10-05T10:00:00.000Z');
const silent = { warn: () => undefined, error: () => undefined };
const db = useDynamo();

/** Counts sends; `gate` holds each send until released, so two ticks can overlap. */
function countingNotifier() {
  const sent: string[] = [];
  let failing = false;
  let open: () => void = () => undefined;
  let arrived: () => void = () => undefined;
  let gate: Promise<void> | null = null;
  const notifier: Notifier = {
    async send(n: Notification) {
      arrived();
      if (gate) await gate;
      if (failing) throw new DeliveryError('HTTP 503', true);
      sent.push(n.id);
    },
  };
  return {
    sent,
    lookup: { get: async () => notifier },
    fail: (on: boolean) => void (failing = on),
    /** Holds sends at the gate; resolves once one is waiting there. */
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

/** The stores' wall clock (leases), moved by the tests. */
let wall = T0;
const clock = () => wall;
const stores: [string, () => Promise<StateStore>][] = [
  ['memory', async () => new MemoryStateStore({ clock })],
  ['dynamodb', async () => new DynamoStateStore(await freshTable(db().client), { clock })],
];
beforeEach(() => {
  wall = T0;
});

describe.each(stores)('outbox exactly-once guards (%s store)', (_name, makeStore) => {
  const n = sampleNotification({ id: 'guard-1' });
  const deliver = (store: StateStore, c: ReturnType<typeof countingNotifier>, now: number) => deliverOutbox(store, c.lookup, ['guard-1'], now, { log: silent, sleep: async () => {} });

  it('two ticks competing for the same item: only one claims it and sends', async () => {
    const store = await makeStore();
    const c = countingNotifier();
    await store.putOutbox(outboxItems([n], T0));
    const inFlight = c.hold();
    const first = deliver(store, c, T0);
    await inFlight; // the first tick has claimed the item and its send is in flight while the second tick runs
    const second = await deliver(store, c, T0 + 1000);
    c.release();
    await first;
    expect(c.sent).toEqual(['guard-1']);
    expect(second.delivered).toBe(0);
    // Directly: a second claim within the lease gets nothing; after the lease (a tick that died), it does.
    const store2 = await makeStore();
    await store2.putOutbox(outboxItems([n], T0));
    expect(await store2.claim('guard-1', T0, LEASE_MS)).not.toBeNull();
    wall = T0 + 1000;
    expect(await store2.claim('guard-1', T0 + 1000, LEASE_MS)).toBeNull();
    wall = T0 + LEASE_MS + 1;
    expect(await store2.claim('guard-1', T0 + LEASE_MS + 1, LEASE_MS)).not.toBeNull();
  });

  it('a failed item is not retried by a duplicate of the same tick, only by the next one', async () => {
    const store = await makeStore();
    const c = countingNotifier();
    await store.putOutbox(outboxItems([n], T0));
    c.fail(true);
    await deliver(store, c, T0);
    const { nextAttemptAt } = (await store.getOutbox(['guard-1']))[0];
    expect(nextAttemptAt).toBe(T0 + PROBE_AFTER_MS);
    c.fail(false);
    expect(await deliver(store, c, nextAttemptAt - 1)).toMatchObject({ delivered: 0 });
    expect(c.sent).toEqual([]);
    expect(await deliver(store, c, nextAttemptAt)).toMatchObject({ delivered: 1 });
    expect(c.sent).toEqual(['guard-1']);
  });

  it('an existing item is never overwritten: a re-decided notification already sent is not sent again', async () => {
    const store = await makeStore();
    const c = countingNotifier();
    await store.putOutbox(outboxItems([n], T0));
    await deliver(store, c, T0);
    // The same decision again (a tick re-run with the same data after a crash), as a fresh pending record.
    await store.putOutbox(outboxItems([{ ...n, alert: { ...n.alert, summary: 'changed' } }], T0 + 60_000));
    const [item] = await store.getOutbox(['guard-1']);
    expect([item.status, item.sentAt, item.notification.alert.summary]).toEqual(['sent', T0, n.alert.summary]);
    await deliver(store, c, T0 + 60_000);
    expect(c.sent).toEqual(['guard-1']);
  });
});
