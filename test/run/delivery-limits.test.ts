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

describe('fault: a message that cannot be delivered', () => {
  /** A store whose cursor lists `ids` as pending, as a committed tick leaves it. */
  async function storeWith(ns: Notification[], at: number) {
    const store = new MemoryStateStore();
    await store.putOutbox(outboxItems(ns, at));
    const c = (await store.load()).cursor;
    await store.commit(c, { ...c, pending: ns.map((n) => n.id) }, []);
    return store;
  }

  it('once dropped, it leaves the pending list and no waiting age is written for it any more (the alarm clears)', async () => {
    // The OldestUnsentAge alarm (resources/self-monitoring.yml) takes the Maximum over 5 minutes and reads
    // missing data as not breaching: it clears once no tick writes an age above 0 for the dropped item.
    // The gauge is written only while something waits, so "not breaching" is: nothing, or only 0.
    const n = sampleNotification({ id: 'gone-1' });
    const store = await storeWith([n], T0);
    const bad: Notifier = { send: async () => { throw new DeliveryError('HTTP 400 invalid_payload', false); } };
    const metrics = new RecordingMetrics();
    const agesFrom = (mark: number) => metrics.gauges.slice(mark).filter((g) => g.name === 'OldestUnsentAgeSeconds').map((g) => g.value);
    const deliver = async (now: number) => deliverOutbox(store, { get: async () => bad }, (await store.load()).cursor.pending, now, { log: silent, sleep: async () => {}, metrics });
    // Dropped 5 minutes after its decision: were it still counted as waiting, this tick would write 300.
    expect(await deliver(T0 + 5 * MIN)).toMatchObject({ dropped: 1 });
    expect((await store.load()).cursor.pending).toEqual([]);
    expect(agesFrom(0).filter((v) => v > 0)).toEqual([]);
    // Even if an old pending list still names it, the dead item is cleaned up, not counted as waiting.
    const mark = metrics.gauges.length;
    const again = await deliverOutbox(store, { get: async () => bad }, ['gone-1'], T0 + 10 * MIN, { log: silent, sleep: async () => {}, metrics });
    expect(again).toEqual({ delivered: 0, failed: 0, dropped: 0 });
    expect(agesFrom(mark).filter((v) => v > 0)).toEqual([]);
  });

  it('the drop is logged, and so is a notice that could not be announced, without failing the tick', async () => {
    const errors: string[] = [];
    const log = { warn: () => undefined, error: (m: string) => void errors.push(m) };
    const n = sampleNotification({ id: 'gone-2' });
    const bad: Notifier = { send: async () => { throw new DeliveryError('HTTP 400 invalid_payload', false); } };
    const failingNotice: DropNotice = { dropped: async () => { throw new Error('SNS down'); } };
    const store = await storeWith([n], T0);
    await expect(deliverOutbox(store, { get: async () => bad }, ['gone-2'], T0, { log, sleep: async () => {}, dropNotice: failingNotice })).resolves.toMatchObject({ dropped: 1 });
    expect(errors).toEqual(['notification dropped', 'could not announce a dropped notification on the fallback topic']);
    errors.length = 0;
    const store2 = await storeWith([n], T0);
    await deliverOutbox(store2, { get: async () => bad }, ['gone-2'], T0, { log, sleep: async () => {} });
    expect(errors).toEqual(['notification dropped', 'no fallback topic to announce the dropped notification on']);
  });

  it('the announcement says how many attempts were made when there were several', async () => {
    const reasons: string[] = [];
    const dropNotice: DropNotice = { dropped: async (_n, reason) => void reasons.push(reason) };
    const r = receiver(); // 503 throughout
    const store = await storeWith([sampleNotification({ id: 'day-2' })], T0);
    for (let t = T0; reasons.length === 0 && t <= T0 + GIVE_UP_AFTER_MS + 60 * MIN; t += 30 * MIN) await deliverOutbox(store, r.lookup, ['day-2'], t, { log: silent, sleep: async () => {}, dropNotice });
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatch(/^HTTP 503\b.* \(after \d+ attempts\)$/);
    const once: string[] = [];
    const bad: Notifier = { send: async () => { throw new DeliveryError('HTTP 400 invalid_payload', false); } };
    await deliverOutbox(await storeWith([sampleNotification({ id: 'once-1' })], T0), { get: async () => bad }, ['once-1'], T0, { log: silent, sleep: async () => {}, dropNotice: { dropped: async (_n, reason) => void once.push(reason) } });
    expect(once).toEqual(['HTTP 400 invalid_payload']);
  });
});

describe('order: decision order, whatever order the pending list comes in', () => {
  it('a trigger and its resolve (the pending list is a set: any order) go out trigger first', async () => {
    const trigger = sampleNotification({ id: 'o-trigger', key: 'stream-1' });
    const resolve = sampleNotification({ id: 'o-resolve', key: 'stream-1', action: 'resolve' });
    // Decided in one tick (a catch-up tick judging a whole episode).
    const oneTick = new MemoryStateStore();
    await oneTick.putOutbox(outboxItems([trigger, resolve], T0));
    const r1 = receiver();
    r1.up();
    await deliverOutbox(oneTick, r1.lookup, ['o-resolve', 'o-trigger'], T0, { log: silent, sleep: async () => {} });
    expect(r1.accepted).toEqual(['o-trigger', 'o-resolve']);
    // Decided a minute apart.
    const store = new MemoryStateStore();
    await store.putOutbox(outboxItems([trigger], T0));
    await store.putOutbox(outboxItems([resolve], T0 + MIN));
    const r = receiver();
    r.up();
    await deliverOutbox(store, r.lookup, ['o-resolve', 'o-trigger'], T0 + MIN, { log: silent, sleep: async () => {} });
    expect(r.accepted).toEqual(['o-trigger', 'o-resolve']);
  });

  it('records written before streams had keys: each alert is its own stream, so one waiting does not hold back another', async () => {
    const legacy = (id: string, model: string) => {
      const n = sampleNotification({ id, alert: { fingerprint: `server-errors/ModelId=${model}`, labels: { ModelId: model } } });
      delete (n as { key?: string }).key;
      return n;
    };
    const a = legacy('old-a', 'model-a');
    const b = legacy('old-b', 'model-b');
    const store = new MemoryStateStore();
    await store.putOutbox(outboxItems([a, b], T0));
    await store.claim('old-a', T0, 60 * MIN); // another tick holds a: it is not due here
    const r = receiver();
    r.up();
    await deliverOutbox(store, r.lookup, ['old-a', 'old-b'], T0 + MIN, { log: silent, sleep: async () => {} });
    expect(r.accepted).toEqual(['old-b']);
  });
});
