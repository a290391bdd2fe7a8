/**
 * The conditions both state stores check, seen from what they protect (issue 17: each test fails on a
 * mutant of the stores that survived the suite):
 *  - a tick that read an old cursor cannot commit over a newer one (else two overlapping ticks both
 *    record, and both send);
 *  - a tick whose lease on an outbox item ran out cannot undo the send of the tick that took it over
 *    (else the message is sent again);
 *  - an outbox read that DynamoDB leaves unprocessed a few times in a row still finds the item (else
 *    the page is treated as expired and lost).
 */
import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import type { Notification } from '../../shared/core/notification';
import type { Table } from '../../shared/dynamo/table';
import { deliverOutbox, LEASE_MS, outboxItems } from '../../shared/run/deliver-outbox';
import { DeliveryError, type Notifier } from '../../shared/notify/types';
import { DynamoStateStore } from '../../shared/state/dynamo-store';
import { MemoryStateStore } from '../../shared/state/memory-store';
import { ConcurrentTickError, type StateStore } from '../../shared/state/types';
import { useDynamo } from '../support/dynamo';
import { freshTable } from '../support/evaluate-harness';
import { sampleNotification } from '../support/notification';

const T0 = Date.parse('2026-10-05T10:00:00.000Z');
const silent = { warn: () => undefined, error: () => undefined };
const db = useDynamo();

/** Each store, on the wall clock `clock` its leases are measured on (the real one when none is given). */
const stores: [string, (clock?: () => number) => Promise<StateStore>][] = [
  ['memory', async (clock) => new MemoryStateStore({ clock })],
  ['dynamodb', async (clock) => new DynamoStateStore(await freshTable(db().client), { clock })],
];

describe.each(stores)('fault: overlapping ticks (%s store)', (_name, makeStore) => {
  it('a tick that read the cursor before another tick committed twice cannot commit over it', async () => {
    const store = await makeStore();
    const first = (await store.load()).cursor;
    await store.commit(first, { ...first, lastMinute: T0 }, []);
    const stale = (await store.load()).cursor; // version 1: read by a slow tick
    const second = (await store.load()).cursor;
    await store.commit(second, { ...second, lastMinute: T0 + 60_000 }, []);
    // The slow tick now commits what it decided from version 1: refused, the newer cursor stays.
    await expect(store.commit(stale, { ...stale, lastMinute: T0 + 5 * 60_000 }, [])).rejects.toBeInstanceOf(ConcurrentTickError);
    expect((await store.load()).cursor).toMatchObject({ lastMinute: T0 + 60_000, version: 2 });
  });

  it('two ticks that read the same cursor: the second commit is refused', async () => {
    const store = await makeStore();
    await store.commit((await store.load()).cursor, { ...(await store.load()).cursor, lastMinute: T0 }, []);
    const a = (await store.load()).cursor;
    const b = (await store.load()).cursor;
    await store.commit(a, { ...a, lastMinute: T0 + 60_000 }, []);
    await expect(store.commit(b, { ...b, lastMinute: T0 + 60_000 }, [])).rejects.toBeInstanceOf(ConcurrentTickError);
  });
});

describe.each(stores)('fault: a tick outlives its lease (%s store)', (_name, makeStore) => {
  it('the late tick cannot put back an item the next tick has sent: it is never sent again', async () => {
    // Leases are on the wall clock (not the tick's event time): the test moves it as the ticks run.
    let wall = T0;
    const store = await makeStore(() => wall);
    const n: Notification = sampleNotification({ id: 'lease-1' });
    await store.putOutbox(outboxItems([n], T0));
    const sent: number[] = [];
    let release: () => void = () => undefined;
    let arrived: () => void = () => undefined;
    const inFlight = new Promise<void>((r) => (arrived = r));
    const gate = new Promise<void>((r) => (release = r));
    // The slow tick's receiver hangs, then fails (a timeout): it wants the item back as pending.
    const slow: Notifier = {
      async send() {
        arrived();
        await gate;
        throw new DeliveryError('timeout', true);
      },
    };
    const fine: Notifier = { send: async () => void sent.push(1) };
    const deliver = (notifier: Notifier, now: number) => deliverOutbox(store, { get: async () => notifier }, ['lease-1'], now, { log: silent, sleep: async () => {} });

    const late = deliver(slow, T0).catch(() => undefined); // how the late tick ends is not the point; what it leaves is
    await inFlight;
    // Its lease ran out (on the wall clock): the next tick takes over and sends.
    wall = T0 + LEASE_MS + 1;
    expect(await deliver(fine, wall)).toMatchObject({ delivered: 1 });
    release();
    await late;
    // Every later tick: nothing more goes out.
    for (const t of [T0 + 2 * LEASE_MS, T0 + 60 * 60_000, T0 + 6 * 60 * 60_000]) {
      wall = t;
      await deliver(fine, t).catch(() => undefined);
    }
    expect(sent).toHaveLength(1);
    expect((await store.getOutbox(['lease-1']))[0].status).toBe('sent');
  });
});

describe('fault: DynamoDB leaves outbox reads unprocessed', () => {
  /** The table, with BatchGetItem answering "unprocessed" for every key on its first `misses` calls. */
  function flaky(table: Table, misses: number): { table: Table; calls: () => number } {
    let calls = 0;
    const send = table.doc.send.bind(table.doc) as (c: unknown) => Promise<unknown>;
    const doc = new Proxy(table.doc, {
      get(target, prop, receiver) {
        if (prop !== 'send') return Reflect.get(target, prop, receiver);
        return async (command: unknown) => {
          if (command instanceof BatchGetCommand && calls++ < misses) return { Responses: { [table.name]: [] }, UnprocessedKeys: command.input.RequestItems };
          return send(command);
        };
      },
    });
    return { table: { name: table.name, doc }, calls: () => calls };
  }

  it('four unprocessed answers in a row: the item is still read and the page goes out', async () => {
    const base = await freshTable(db().client);
    const { table, calls } = flaky(base, 4);
    const store = new DynamoStateStore(table);
    const n = sampleNotification({ id: 'batch-1' });
    await store.putOutbox(outboxItems([n], T0));
    const sent: string[] = [];
    const report = await deliverOutbox(store, { get: async () => ({ send: async (x: Notification) => void sent.push(x.id) }) }, ['batch-1'], T0, { log: silent, sleep: async () => {} });
    expect(calls()).toBeGreaterThanOrEqual(5);
    expect(sent).toEqual(['batch-1']);
    expect(report.delivered).toBe(1);
  });
});

describe.each(stores)('once-only jobs: the daily digest, a Slack signature (%s store)', (_name, makeStore) => {
  const LEASE = 5 * 60_000;

  it('one claim wins; a finished job is never claimed again; a released one is', async () => {
    const store = await makeStore();
    const one = await store.claimOnce('digest#1', T0, LEASE);
    expect(one).toEqual(expect.any(String));
    expect(await store.claimOnce('digest#1', T0 + 1000, LEASE)).toBeNull(); // another invocation, within the lease
    const two = await store.claimOnce('digest#2', T0 + 1000, LEASE); // another job is independent
    expect(two).toEqual(expect.any(String));
    expect(await store.finishOnce('digest#1', T0 + 2000, true, one!)).toBe(true);
    expect(await store.claimOnce('digest#1', T0 + 10 * LEASE, LEASE)).toBeNull(); // done: even long after
    expect(await store.finishOnce('digest#2', T0 + 2000, false, two!)).toBe(true);
    expect(await store.claimOnce('digest#2', T0 + 3000, LEASE)).toEqual(expect.any(String)); // released after a failure: tried again
  });

  it('a claim whose invocation died is taken over once its lease has run out, not before', async () => {
    const store = await makeStore();
    expect(await store.claimOnce('digest#3', T0, LEASE)).not.toBeNull();
    expect(await store.claimOnce('digest#3', T0 + LEASE, LEASE)).toBeNull();
    expect(await store.claimOnce('digest#3', T0 + LEASE + 1, LEASE)).not.toBeNull();
  });

  it('finishing a job nobody claimed changes nothing', async () => {
    const store = await makeStore();
    expect(await store.finishOnce('digest#4', T0, true, 'nobody')).toBe(false);
    expect(await store.claimOnce('digest#4', T0, LEASE)).not.toBeNull();
  });

  it('fault: a late invocation whose lease expired cannot finish the job the next holder took over', async () => {
    const store = await makeStore();
    const late = await store.claimOnce('digest#5', T0, LEASE);
    const next = await store.claimOnce('digest#5', T0 + LEASE + 1, LEASE); // the lease ran out: taken over
    expect(late).not.toBeNull();
    expect(next).not.toBeNull();
    expect(next).not.toBe(late);
    // The late one's send failed: its release must not free the job while the holder is still sending…
    expect(await store.finishOnce('digest#5', T0 + LEASE + 2, false, late!)).toBe(false);
    expect(await store.claimOnce('digest#5', T0 + LEASE + 3, LEASE)).toBeNull();
    // …nor its "done" end the holder's attempt, whose own outcome stands.
    expect(await store.finishOnce('digest#5', T0 + LEASE + 4, true, late!)).toBe(false);
    expect(await store.finishOnce('digest#5', T0 + LEASE + 5, false, next!)).toBe(true);
    expect(await store.claimOnce('digest#5', T0 + LEASE + 6, LEASE)).not.toBeNull(); // released by its holder: retried
  });
});

describe.each(stores)('the pending list across a commit (%s store)', (_name, makeStore) => {
  it('an item delivered (and dropped from the list) while a tick ran is not put back by its commit', async () => {
    const store = await makeStore();
    const c0 = (await store.load()).cursor;
    await store.commit(c0, { ...c0, pending: ['sent-meanwhile'] }, []);
    const prev = (await store.load()).cursor;
    await store.dropPending(['sent-meanwhile']); // delivery of another tick
    await store.commit(prev, { ...prev, pending: [...prev.pending, 'new-one'] }, []);
    expect((await store.load()).cursor.pending).toEqual(['new-one']);
  });
});
