/**
 * One contract, two stores: every condition the DynamoDB store writes with (dynalite) holds in the
 * memory store the long backtests use, so a replay on one cannot decide what the other refuses.
 * Each case names the condition expression it exercises.
 */
import type { AlertState } from '../../shared/core/alert';
import { outboxItems } from '../../shared/run/deliver-outbox';
import { DynamoStateStore } from '../../shared/state/dynamo-store';
import { MemoryStateStore } from '../../shared/state/memory-store';
import { ConcurrentTickError, type Cursor, type StateStore } from '../../shared/state/types';
import { useDynamo } from '../support/dynamo';
import { freshTable } from '../support/evaluate-harness';
import { sampleNotification } from '../support/notification';

const T0 = Date.parse('2026-10-05T10:00:00.000Z');
const LEASE = 120_000;
const db = useDynamo();

let wall = T0;
const clock = () => wall;
let tokens = 0;
const leaseToken = () => `lease-${++tokens}`;

const stores: [string, () => Promise<StateStore>][] = [
  ['memory', async () => new MemoryStateStore({ clock, leaseToken })],
  ['dynamodb', async () => new DynamoStateStore(await freshTable(db().client), { clock, leaseToken })],
];

const alert = (version = 0): AlertState =>
  ({ fingerprint: 'r/ModelId=m', rule: 'r', labels: { ModelId: 'm' }, status: 'firing', tier: 'critical', maxTier: 'critical', version, startsAt: T0, lastMinute: T0 }) as unknown as AlertState;

const next = (c: Cursor, over: Partial<Cursor> = {}): Cursor => ({ ...c, lastMinute: (c.lastMinute ?? T0) + 60_000, pending: [...c.pending], journal: [], ...over });

beforeEach(() => {
  wall = T0;
});

describe.each(stores)('state store contract (%s)', (_name, makeStore) => {
  describe('cursor: "#v = :prev" (or attribute_not_exists for the first write)', () => {
    it('moves from the version it was read at, and bumps it', async () => {
      const store = await makeStore();
      const s0 = await store.load();
      expect(s0.cursor.version).toBe(0);
      const n1 = next(s0.cursor);
      await store.commit(s0.cursor, n1, []);
      expect(n1.version).toBe(1);
      expect((await store.load()).cursor.version).toBe(1);
    });

    it('refuses an older version (a tick that raced and lost)', async () => {
      const store = await makeStore();
      const s0 = await store.load();
      await store.commit(s0.cursor, next(s0.cursor), []);
      await expect(store.commit(s0.cursor, next(s0.cursor), [])).rejects.toBeInstanceOf(ConcurrentTickError);
    });

    it('refuses a newer version than the stored one (equality, not "at least")', async () => {
      const store = await makeStore();
      const s0 = await store.load();
      await store.commit(s0.cursor, next(s0.cursor), []);
      const ahead = { ...(await store.load()).cursor, version: 5 };
      await expect(store.commit(ahead, next(ahead), [])).rejects.toBeInstanceOf(ConcurrentTickError);
      expect((await store.load()).cursor.version).toBe(1);
    });

    it('a refused commit says the cursor is what another tick recorded first (what the tick logs)', async () => {
      const store = await makeStore();
      const s0 = await store.load();
      await store.commit(s0.cursor, next(s0.cursor), []);
      await expect(store.commit(s0.cursor, next(s0.cursor), [])).rejects.toThrow(new ConcurrentTickError('the evaluation cursor'));
    });

    it('refuses a first write when a cursor exists', async () => {
      const store = await makeStore();
      const s0 = await store.load();
      await store.commit(s0.cursor, next(s0.cursor), []);
      await expect(store.commit(s0.cursor, next(s0.cursor), [])).rejects.toBeInstanceOf(ConcurrentTickError);
    });

    it('adds new pending ids to the stored ones (ADD), and dropPending forgets only the given ones (DELETE)', async () => {
      const store = await makeStore();
      const s0 = await store.load();
      await store.commit(s0.cursor, next(s0.cursor, { pending: ['a', 'b'] }), []);
      await store.dropPending(['a', 'never-there']);
      const s1 = await store.load();
      expect(s1.cursor.pending).toEqual(['b']);
      await store.commit(s1.cursor, next(s1.cursor, { pending: ['b', 'c'] }), []);
      expect((await store.load()).cursor.pending.sort()).toEqual(['b', 'c']);
    });
  });

  describe('cursor contents', () => {
    it('hands the next tick the notification groups, escalations, spend and slow minute the last one committed', async () => {
      const store = await makeStore();
      const s0 = await store.load();
      const groups = { 'route oncall\n["(all)",{}]': { key: 'g1@1', members: { 'abc@1': { fingerprint: 'a'.repeat(24), firing: true } }, told: { oncall: 'firing' } } } as never;
      const escalations = { 'escalation oncall route': { key: 'g1@1', policy: 'oncall', sent: 2, reached: ['slack-oncall'], acked: null } } as never;
      const n1 = next(s0.cursor, { slowMinute: T0, spend: { m: 1.25 } as never, groups, escalations });
      await store.commit(s0.cursor, n1, []);
      expect((await store.load()).cursor).toMatchObject({ slowMinute: T0, spend: { m: 1.25 }, groups, escalations });
    });
  });

  describe('alerts: "version = :v" (attribute_not_exists for a new one)', () => {
    it('lists the alerts it holds (reports, baseline exclusions), at their stored versions', async () => {
      const store = await makeStore();
      const s0 = await store.load();
      await store.commit(s0.cursor, next(s0.cursor), [alert(0)]);
      expect(await store.listAlerts()).toEqual([expect.objectContaining({ fingerprint: 'r/ModelId=m', tier: 'critical', version: 1, ack: null })]);
    });

    it('writes an alert at its version and bumps it; a stale version is not written', async () => {
      const store = await makeStore();
      const s0 = await store.load();
      const a = alert(0);
      await store.commit(s0.cursor, next(s0.cursor), [a]);
      expect(a.version).toBe(1);
      expect((await store.load()).alerts['r/ModelId=m'].version).toBe(1);
      // Another tick's write from version 0 again (after this cursor) is not applied.
      const s1 = await store.load();
      await store.commit(s1.cursor, next(s1.cursor), [{ ...alert(0), tier: 'warning' } as AlertState]);
      expect((await store.load()).alerts['r/ModelId=m']).toMatchObject({ version: 1, tier: 'critical' });
    });
  });

  describe('outbox: create-if-absent ("attribute_not_exists(pk)")', () => {
    it('never overwrites an existing item', async () => {
      const store = await makeStore();
      const n = sampleNotification({ id: 'o-1' });
      await store.putOutbox(outboxItems([n], T0));
      await store.putOutbox(outboxItems([{ ...n, receiver: 'other' }], T0 + 60_000));
      expect((await store.getOutbox(['o-1']))[0]).toMatchObject({ createdAt: T0, notification: { receiver: n.receiver } });
      // A missing id is simply not there: no item stands in for it, and it is not "unread".
      const read = await store.readOutbox(['o-1', 'missing']);
      expect(read.items.map((i) => i.id)).toStrictEqual(['o-1']);
      expect(read.unread).toStrictEqual([]);
      expect(await store.getOutbox(['missing'])).toStrictEqual([]);
    });
  });

  describe('claim: "(pending AND nextAttemptAt <= now) OR (sending AND leaseUntil < wall clock)"', () => {
    const setup = async () => {
      const store = await makeStore();
      await store.putOutbox(outboxItems([sampleNotification({ id: 'o-1' })], T0));
      return store;
    };

    it('claims a due pending item, with a lease on the wall clock and an owner', async () => {
      const store = await setup();
      wall = T0 + 5_000;
      const item = await store.claim('o-1', T0, LEASE);
      expect(item).toMatchObject({ status: 'sending', attempts: 1, leaseUntil: T0 + 5_000 + LEASE });
      expect(item?.leaseOwner).toMatch(/^lease-/);
    });

    it('refuses an item not due yet (nextAttemptAt after the tick time)', async () => {
      const store = await setup();
      expect(await store.claim('o-1', T0 - 1, LEASE)).toBeNull();
    });

    it('refuses an item leased to another tick, whatever the claiming tick’s event time', async () => {
      const store = await setup();
      expect(await store.claim('o-1', T0, LEASE)).not.toBeNull();
      // A tick with a much later event time, at the same wall time: the lease is live.
      expect(await store.claim('o-1', T0 + 60 * 60_000, LEASE)).toBeNull();
      wall = T0 + LEASE; // not yet past
      expect(await store.claim('o-1', T0, LEASE)).toBeNull();
      wall = T0 + LEASE + 1; // the holder died: taken over, with a new owner
      expect(await store.claim('o-1', T0, LEASE)).toMatchObject({ attempts: 2 });
    });

    it('refuses a finished item (sent or dead) and an unknown one', async () => {
      const store = await setup();
      const item = await store.claim('o-1', T0, LEASE);
      expect(await store.finish('o-1', { status: 'sent', sentAt: T0, nextAttemptAt: T0, lastError: null }, item!.leaseOwner!)).toBe(true);
      wall = T0 + 10 * LEASE;
      expect(await store.claim('o-1', T0 + 10 * LEASE, LEASE)).toBeNull();
      expect(await store.claim('nope', T0, LEASE)).toBeNull();
    });
    it('judges the record as stored: only a sending item with an expired lease is taken over', async () => {
      const store = await makeStore();
      const [base] = outboxItems([sampleNotification({ id: 'o-x' })], T0);
      const stale = { leaseUntil: T0 - 1, leaseOwner: 'lease-gone' };
      await store.putOutbox([
        { ...base, id: 'dead-leased', status: 'dead', ...stale },
        { ...base, id: 'sent-leased', status: 'sent', sentAt: T0, ...stale },
        { ...base, id: 'pending-not-due-leased', status: 'pending', nextAttemptAt: T0 + 60_000, ...stale },
        // No lease at all: DynamoDB's "leaseUntil < :wall" is false on a null (a record no claim wrote).
        { ...base, id: 'sending-no-lease', status: 'sending', leaseUntil: null },
      ]);
      wall = T0 + 10 * LEASE;
      for (const id of ['dead-leased', 'sent-leased', 'pending-not-due-leased', 'sending-no-lease']) expect([id, await store.claim(id, T0, LEASE)]).toEqual([id, null]);
    });
  });

  describe('finish: "sending AND leaseOwner = :owner"', () => {
    it('refuses an unknown item, and one that is not sending whoever it names as owner', async () => {
      const store = await makeStore();
      const [base] = outboxItems([sampleNotification({ id: 'o-x' })], T0);
      await store.putOutbox([{ ...base, id: 'pending-owned', status: 'pending', leaseUntil: T0 + LEASE, leaseOwner: 'lease-x' }]);
      const done = { status: 'sent' as const, sentAt: T0, nextAttemptAt: T0, lastError: null };
      expect(await store.finish('nope', done, 'lease-x')).toBe(false);
      expect(await store.finish('pending-owned', done, 'lease-x')).toBe(false);
      expect((await store.getOutbox(['pending-owned']))[0]).toMatchObject({ status: 'pending', sentAt: null });
    });

    it('records only for the lease holder; a lost lease is false, not an exception, and changes nothing', async () => {
      const store = await makeStore();
      await store.putOutbox(outboxItems([sampleNotification({ id: 'o-1' })], T0));
      const first = await store.claim('o-1', T0, LEASE);
      wall = T0 + LEASE + 1;
      const second = await store.claim('o-1', T0, LEASE);
      expect(await store.finish('o-1', { status: 'pending', sentAt: null, nextAttemptAt: T0 + 1, lastError: 'x' }, first!.leaseOwner!)).toBe(false);
      expect((await store.getOutbox(['o-1']))[0]).toMatchObject({ status: 'sending', lastError: null });
      expect(await store.finish('o-1', { status: 'sent', sentAt: T0, nextAttemptAt: T0, lastError: null }, second!.leaseOwner!)).toBe(true);
      expect((await store.getOutbox(['o-1']))[0]).toMatchObject({ status: 'sent', sentAt: T0, leaseUntil: null });
      // Twice: no longer sending.
      expect(await store.finish('o-1', { status: 'dead', sentAt: null, nextAttemptAt: T0, lastError: 'y' }, second!.leaseOwner!)).toBe(false);
    });

    it('refuses an item that was never claimed', async () => {
      const store = await makeStore();
      await store.putOutbox(outboxItems([sampleNotification({ id: 'o-1' })], T0));
      expect(await store.finish('o-1', { status: 'sent', sentAt: T0, nextAttemptAt: T0, lastError: null }, '')).toBe(false);
      expect((await store.getOutbox(['o-1']))[0].status).toBe('pending');
    });
  });

  describe('once-only jobs: "absent OR released OR (claimed AND leaseUntil < now)", finish "claimed AND leaseOwner = :owner"', () => {
    it('claims once, refuses while claimed, retries after a release or an expired lease, never after done', async () => {
      const store = await makeStore();
      const a = await store.claimOnce('digest', T0, LEASE);
      expect(a).toMatch(/^lease-/);
      expect(await store.claimOnce('digest', T0 + 1, LEASE)).toBeNull();
      expect(await store.finishOnce('digest', T0, false, a!)).toBe(true);
      const b = await store.claimOnce('digest', T0 + 2, LEASE);
      expect(b).toMatch(/^lease-/);
      const c = await store.claimOnce('digest', T0 + 2 + LEASE + 1, LEASE);
      expect(c).toMatch(/^lease-/);
      expect(await store.finishOnce('digest', T0, true, b!)).toBe(false); // b's lease was taken over by c
      expect(await store.finishOnce('digest', T0, true, c!)).toBe(true);
      expect(await store.finishOnce('digest', T0, false, c!)).toBe(false); // not claimed any more: ignored
      expect(await store.claimOnce('digest', T0 + 100 * LEASE, LEASE)).toBeNull();
    });

    it('a non-holder\'s finish writes nothing: the holder\'s lease stands and it can still finish', async () => {
      const store = await makeStore();
      const old = await store.claimOnce('job', T0, LEASE);
      const holder = await store.claimOnce('job', T0 + LEASE + 1, LEASE);
      expect(await store.finishOnce('job', T0 + LEASE + 2, false, old!)).toBe(false);
      expect(await store.finishOnce('job', T0 + LEASE + 2, true, 'lease-never-issued')).toBe(false);
      expect(await store.claimOnce('job', T0 + LEASE + 3, LEASE)).toBeNull(); // still held
      expect(await store.finishOnce('job', T0 + LEASE + 4, true, holder!)).toBe(true);
      expect(await store.claimOnce('job', T0 + 100 * LEASE, LEASE)).toBeNull(); // done
    });
  });
});
