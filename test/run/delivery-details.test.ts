/**
 * The details of delivery an operator relies on (issue 17, mutation testing of deliver-outbox.ts):
 * what each outcome logs and counts, how long a failing receiver is left alone (Retry-After bounded
 * both ways), the exact moments a due item and the time left allow a send, the timeout a drop
 * notice gets, and the records a decision writes.
 */
import type { Notification } from '../../shared/core/notification';
import { deliverOutbox, LEASE_MS, MAX_BACKOFF_MS, outboxItems, PROBE_AFTER_MS, streamsOf, type DeliverOptions, type NotifierLookup } from '../../shared/run/deliver-outbox';
import { MIN_REQUEST_MS } from '../../shared/notify/deliver';
import { RecordingMetrics } from '../../shared/run/metrics';
import { DeliveryError, type DropNotice, type Notifier } from '../../shared/notify/types';
import { MemoryStateStore } from '../../shared/state/memory-store';
import type { OutboxItem, OutboxRead } from '../../shared/state/types';
import { sampleNotification } from '../support/notification';

const T0 = Date.parse('2026-10-05T10:00:00.000Z');
const MIN = 60_000;

type Line = [level: 'warn' | 'error', msg: string, fields: Record<string, unknown>];
function logger() {
  const lines: Line[] = [];
  return {
    lines,
    log: {
      warn: (msg: string, ...extra: Record<string, unknown>[]) => void lines.push(['warn', msg, Object.assign({}, ...extra)]),
      error: (msg: string, ...extra: Record<string, unknown>[]) => void lines.push(['error', msg, Object.assign({}, ...extra)]),
    },
  };
}

/** A notifier that fails (or not) as `answer` says for each request. */
function scripted(answer: (n: Notification, call: number) => Error | null) {
  const requests: string[] = [];
  let calls = 0;
  const notifier: Notifier = {
    async send(n) {
      requests.push(n.id);
      const e = answer(n, ++calls);
      if (e) throw e;
    },
  };
  return { requests, notifier, lookup: { get: async () => notifier } as NotifierLookup };
}

async function storeWith(ns: Notification[], at = T0) {
  const store = new MemoryStateStore();
  await store.putOutbox(outboxItems(ns, at));
  return store;
}

const n1 = sampleNotification({ id: 'n1', receiver: 'pagerduty-oncall', key: 'k1' });
const base = (over: Partial<DeliverOptions> = {}): DeliverOptions => ({ log: logger().log, sleep: async () => {}, ...over });

describe('what a failed attempt logs, and when the receiver is asked again', () => {
  it('a 503 logs the retry with the receiver, rule, error, attempts and the next attempt time, and counts one failed attempt', async () => {
    const store = await storeWith([n1]);
    const l = logger();
    const metrics = new RecordingMetrics();
    const r = scripted(() => new DeliveryError('HTTP 503', true));
    const report = await deliverOutbox(store, r.lookup, ['n1'], T0, { log: l.log, sleep: async () => {}, metrics });
    expect(report).toEqual({ delivered: 0, failed: 1, dropped: 0 });
    expect(metrics.counts).toEqual({ NotificationsFailed: 1 });
    expect(l.lines).toEqual([
      ['warn', 'notification delivery failed, will retry', { receiver: 'pagerduty-oncall', rule: 'server-errors', error: 'HTTP 503 (gave up after 3 attempts)', attempts: 1, nextAttemptAt: new Date(T0 + PROBE_AFTER_MS).toISOString() }],
    ]);
    const [item] = await store.getOutbox(['n1']);
    expect(item).toMatchObject({ status: 'pending', nextAttemptAt: T0 + PROBE_AFTER_MS, lastError: 'HTTP 503 (gave up after 3 attempts)', sentAt: null, leaseUntil: null });
    // The oldest waiting item is gauged in seconds (0: decided this tick).
    expect(metrics.gauges).toEqual([{ name: 'OldestUnsentAgeSeconds', value: 0, unit: 'Seconds' }]);
  });

  it.each([
    ['a Retry-After shorter than the probe interval waits for the probe', 1_000, PROBE_AFTER_MS],
    ['a Retry-After between the bounds is honoured', 20 * MIN, 20 * MIN],
    ['a Retry-After past the longest backoff is cut to it', 3 * MAX_BACKOFF_MS, MAX_BACKOFF_MS],
  ])('%s', async (_what, retryAfterMs, wait) => {
    const store = await storeWith([n1]);
    const r = scripted(() => new DeliveryError('HTTP 429', true, retryAfterMs));
    await deliverOutbox(store, r.lookup, ['n1'], T0, base());
    expect((await store.getOutbox(['n1']))[0].nextAttemptAt).toBe(T0 + wait);
  });

  it('the receiver is asked again exactly when its wait is over, not a moment before', async () => {
    const store = await storeWith([n1]);
    let down = true;
    const r = scripted(() => (down ? new DeliveryError('HTTP 503', true) : null));
    await deliverOutbox(store, r.lookup, ['n1'], T0, base());
    expect(r.requests).toHaveLength(3); // the in-tick retries
    down = false;
    expect(await deliverOutbox(store, r.lookup, ['n1'], T0 + PROBE_AFTER_MS - 1, base())).toMatchObject({ delivered: 0 });
    expect(r.requests).toHaveLength(3);
    expect(await deliverOutbox(store, r.lookup, ['n1'], T0 + PROBE_AFTER_MS, base())).toMatchObject({ delivered: 1 });
  });

  it('a receiver that cannot be built (its secret is missing) keeps the item for a later tick, with the reason', async () => {
    const store = await storeWith([n1]);
    const l = logger();
    const lookup: NotifierLookup = {
      get: async () => {
        throw new Error('secret /bw/pd not found');
      },
    };
    expect(await deliverOutbox(store, lookup, ['n1'], T0, { log: l.log, sleep: async () => {} })).toEqual({ delivered: 0, failed: 1, dropped: 0 });
    expect((await store.getOutbox(['n1']))[0]).toMatchObject({ status: 'pending', lastError: 'secret /bw/pd not found', nextAttemptAt: T0 + PROBE_AFTER_MS });
    expect(l.lines.map(([level, msg]) => [level, msg])).toEqual([['warn', 'notification delivery failed, will retry']]);
  });
});

describe('the age of the oldest waiting item', () => {
  it('is never negative: a late invocation (an earlier event time) sees items decided after it as waiting 0 s', async () => {
    const store = await storeWith([n1], T0 + 5 * MIN);
    const metrics = new RecordingMetrics();
    const r = scripted(() => null);
    expect(await deliverOutbox(store, r.lookup, ['n1'], T0, base({ metrics }))).toMatchObject({ delivered: 0 });
    expect(metrics.gauges).toEqual([{ name: 'OldestUnsentAgeSeconds', value: 0, unit: 'Seconds' }]);
  });

  it('is not written when nothing waits', async () => {
    const store = await storeWith([n1]);
    const metrics = new RecordingMetrics();
    expect(await deliverOutbox(store, scripted(() => null).lookup, ['n1'], T0 + MIN, base({ metrics }))).toMatchObject({ delivered: 1 });
    expect(metrics.gauges).toEqual([]);
    expect(metrics.counts).toEqual({ NotificationsSent: 1 });
    // An empty pending list reads nothing at all.
    const empty = new MemoryStateStore();
    empty.readOutbox = async () => {
      throw new Error('read with nothing pending');
    };
    expect(await deliverOutbox(empty, scripted(() => null).lookup, [], T0, base({ metrics }))).toEqual({ delivered: 0, failed: 0, dropped: 0 });
  });
});

describe('what stays pending', () => {
  /** A store whose cursor lists the items as pending, as a committed tick leaves it. */
  async function committed(ns: Notification[], at = T0, clock?: () => number) {
    const store = new MemoryStateStore(clock ? { clock } : {});
    await store.putOutbox(outboxItems(ns, at));
    const c = (await store.load()).cursor;
    await store.commit(c, { ...c, pending: ns.map((n) => n.id) }, []);
    return store;
  }

  it("a receiver waiting for its retry time is left alone: not even another stream's newer item is tried", async () => {
    const a = sampleNotification({ id: 'a', key: 'stream-a' });
    const b = sampleNotification({ id: 'b', key: 'stream-b' });
    const store = await committed([a]);
    await store.putOutbox(outboxItems([b], T0 + 10_000));
    const r = scripted(() => new DeliveryError('HTTP 503', true));
    await deliverOutbox(store, r.lookup, ['a'], T0, base());
    expect(r.requests).toEqual(['a', 'a', 'a']);
    // 20 s later: a waits until 30 s; b is due, but the receiver is down.
    expect(await deliverOutbox(store, r.lookup, ['a', 'b'], T0 + 20_000, base())).toEqual({ delivered: 0, failed: 0, dropped: 0 });
    expect(r.requests).toEqual(['a', 'a', 'a']);
    expect((await store.getOutbox(['b']))[0]).toMatchObject({ status: 'pending', attempts: 0 });
  });

  it('only a probe waiting for its retry time holds the receiver: one another tick is sending now does not', async () => {
    const a = sampleNotification({ id: 'a', key: 'stream-a' });
    const b = sampleNotification({ id: 'b', key: 'stream-b' });
    const store = await committed([a, b]);
    let down = true;
    const r = scripted(() => (down ? new DeliveryError('HTTP 503', true) : null));
    await deliverOutbox(store, r.lookup, ['a', 'b'], T0, base()); // a fails: retry at 30 s; b untouched
    // The 60 s tick has claimed a (its probe) and is still sending it…
    expect(await store.claim('a', T0 + MIN, LEASE_MS)).not.toBeNull();
    down = false;
    // …when a late invocation (event time 20 s, before a's retry time) runs: a is in flight, not waiting, so b goes out.
    expect(await deliverOutbox(store, r.lookup, ['a', 'b'], T0 + 20_000, base())).toMatchObject({ delivered: 1 });
    expect(r.requests.slice(3)).toEqual(['b']);
  });

  it('an item another tick is sending stays pending, and the next item of its stream waits for it', async () => {
    const first = sampleNotification({ id: 'first', key: 'k' });
    const second = sampleNotification({ id: 'second', key: 'k', action: 'resolve' });
    const store = await committed([first, second]);
    await store.claim('first', T0, LEASE_MS); // another tick has it
    const r = scripted(() => null);
    expect(await deliverOutbox(store, r.lookup, ['first', 'second'], T0 + MIN, base())).toEqual({ delivered: 0, failed: 0, dropped: 0 });
    expect(r.requests).toEqual([]);
    expect((await store.load()).cursor.pending).toEqual(['first', 'second']);
  });

  it('an item sent under a lease another tick took over stays pending for that tick to record', async () => {
    let wall = T0;
    const store = await committed([n1], T0, () => wall);
    const lookup: NotifierLookup = {
      get: async () => ({
        send: async () => {
          wall += LEASE_MS + 1;
          await store.claim('n1', T0 + MIN, LEASE_MS);
        },
      }),
    };
    await deliverOutbox(store, lookup, ['n1'], T0, base());
    expect((await store.load()).cursor.pending).toEqual(['n1']);
  });

  it('an item already sent that an old pending list still names is cleaned up, not counted as waiting', async () => {
    const store = await committed([n1]);
    const r = scripted(() => null);
    await deliverOutbox(store, r.lookup, ['n1'], T0, base());
    await store.commit((await store.load()).cursor, { ...(await store.load()).cursor, pending: ['n1'] }, []);
    const metrics = new RecordingMetrics();
    expect(await deliverOutbox(store, r.lookup, ['n1'], T0 + MIN, base({ metrics }))).toEqual({ delivered: 0, failed: 0, dropped: 0 });
    expect(r.requests).toEqual(['n1']);
    expect((await store.load()).cursor.pending).toEqual([]);
    expect(metrics.gauges).toEqual([]);
  });

  it('the age written is that of the oldest item still waiting', async () => {
    const old = sampleNotification({ id: 'old', key: 'k-old', receiver: 'down' });
    const young = sampleNotification({ id: 'young', key: 'k-young', receiver: 'down' });
    const store = await committed([old], T0);
    await store.putOutbox(outboxItems([young], T0 + 3 * MIN));
    const metrics = new RecordingMetrics();
    const r = scripted(() => new DeliveryError('HTTP 503', true));
    await deliverOutbox(store, r.lookup, ['old', 'young'], T0 + 5 * MIN, base({ metrics }));
    expect(metrics.gauges).toEqual([{ name: 'OldestUnsentAgeSeconds', value: 5 * 60, unit: 'Seconds' }]);
  });
});

describe('a rejected secret', () => {
  it('is read again once per receiver and tick, logged with the receiver and error; the retry with the fresh secret goes out', async () => {
    const stale = scripted(() => new DeliveryError('HTTP 403 invalid_token', false, undefined, true));
    const fresh = scripted(() => null);
    let refreshes = 0;
    const lookup: NotifierLookup = {
      get: async () => stale.notifier,
      refresh: async () => {
        refreshes++;
        return fresh.notifier;
      },
    };
    const ns = ['a', 'b'].map((x) => sampleNotification({ id: `s-${x}`, receiver: 'slack-alerts', key: `k-${x}` }));
    const store = await storeWith(ns);
    const l = logger();
    const report = await deliverOutbox(store, lookup, ['s-a', 's-b'], T0, { log: l.log, sleep: async () => {} });
    expect(refreshes).toBe(1);
    expect(fresh.requests).toEqual(['s-a']);
    // The second item met the stale notifier again: not read again within the tick, so it is given up on (403 is not retryable).
    expect(stale.requests).toEqual(['s-a', 's-b']);
    expect(report).toMatchObject({ delivered: 1, dropped: 1 });
    expect(l.lines[0]).toEqual(['warn', 'receiver rejected its secret; reading it again', { receiver: 'slack-alerts', error: 'HTTP 403 invalid_token' }]);
  });
});

describe('the time left in the invocation', () => {
  it('an item is tried while at least one request fits, not when less is left', async () => {
    const store = await storeWith([n1]);
    const r = scripted(() => null);
    expect(await deliverOutbox(store, r.lookup, ['n1'], T0, base({ timeLeft: () => MIN_REQUEST_MS - 1 }))).toMatchObject({ delivered: 0 });
    expect(r.requests).toEqual([]);
    expect(await deliverOutbox(store, r.lookup, ['n1'], T0, base({ timeLeft: () => MIN_REQUEST_MS }))).toMatchObject({ delivered: 1 });
  });

  it('a drop notice gets the time left as its timeout (at least one request), and none when unbounded', async () => {
    const seen: unknown[] = [];
    const dropNotice: DropNotice = { dropped: async (_n, _reason, opts) => void seen.push(opts) };
    let left = 0;
    let leftAfter = 0;
    // The request itself uses up time: what is left for the notice is measured after it.
    const bad = scripted(() => ((left = leftAfter), new DeliveryError('HTTP 400 invalid_payload', false)));
    for (const [id, after, bounded] of [
      ['d1', 7_250.6, true],
      ['d2', 120, true],
      ['d3', 0, false],
    ] as const) {
      const store = await storeWith([sampleNotification({ id, key: id })]);
      left = 10_000;
      leftAfter = after;
      await deliverOutbox(store, bad.lookup, [id], T0, base({ dropNotice, ...(bounded ? { timeLeft: () => left } : {}) }));
    }
    expect(seen).toEqual([{ timeoutMs: 7_250 }, { timeoutMs: MIN_REQUEST_MS }, {}]);
  });
});

describe('a lost lease', () => {
  it('is counted and logged with the receiver, id and the outcome it could not record', async () => {
    let wall = T0;
    const store = new MemoryStateStore({ clock: () => wall });
    await store.putOutbox(outboxItems([n1], T0));
    const l = logger();
    const metrics = new RecordingMetrics();
    // The send outlasts the lease; another tick takes the item over meanwhile.
    const slow: NotifierLookup = {
      get: async () => ({
        send: async () => {
          wall += LEASE_MS + 1;
          await store.claim('n1', T0 + MIN, LEASE_MS);
        },
      }),
    };
    const report = await deliverOutbox(store, slow, ['n1'], T0, { log: l.log, sleep: async () => {}, metrics });
    expect(report).toEqual({ delivered: 1, failed: 0, dropped: 0 });
    expect(metrics.counts).toEqual({ NotificationsSent: 1, LeasesLost: 1 });
    expect(l.lines).toEqual([['warn', 'lost the lease on an outbox item to another tick; it records the outcome', { receiver: 'pagerduty-oncall', id: 'n1', status: 'sent' }]]);
  });

  it('a drop whose lease was lost is neither counted nor announced by the tick that lost it', async () => {
    let wall = T0;
    const store = new MemoryStateStore({ clock: () => wall });
    await store.putOutbox(outboxItems([n1], T0));
    const notices: string[] = [];
    const metrics = new RecordingMetrics();
    const l = logger();
    const lookup: NotifierLookup = {
      get: async () => ({
        send: async () => {
          wall += LEASE_MS + 1;
          await store.claim('n1', T0 + MIN, LEASE_MS);
          throw new DeliveryError('HTTP 400', false);
        },
      }),
    };
    const report = await deliverOutbox(store, lookup, ['n1'], T0, { log: l.log, sleep: async () => {}, metrics, dropNotice: { dropped: async (n) => void notices.push(n.id) } });
    expect(report).toEqual({ delivered: 0, failed: 1, dropped: 0 });
    expect(notices).toEqual([]);
    expect(metrics.counts).toEqual({ NotificationsFailed: 1, LeasesLost: 1 });
    expect(l.lines.map(([, msg, f]) => [msg, f.status])).toEqual([['lost the lease on an outbox item to another tick; it records the outcome', 'dead']]);
  });
});

describe('the drop itself', () => {
  it('logs the receiver, rule, action, id, error and attempts', async () => {
    const store = await storeWith([n1]);
    const l = logger();
    await deliverOutbox(store, scripted(() => new DeliveryError('HTTP 400 invalid_payload', false)).lookup, ['n1'], T0, { log: l.log, sleep: async () => {} });
    expect(l.lines).toEqual([
      ['error', 'notification dropped', { receiver: 'pagerduty-oncall', rule: 'server-errors', action: 'trigger', id: 'n1', error: 'HTTP 400 invalid_payload', attempts: 1 }],
      ['error', 'no fallback topic to announce the dropped notification on', { receiver: 'pagerduty-oncall', id: 'n1' }],
    ]);
    expect((await store.getOutbox(['n1']))[0]).toMatchObject({ status: 'dead', sentAt: null, nextAttemptAt: T0, lastError: 'HTTP 400 invalid_payload' });
  });

  it('a failing notice is logged with the receiver, id and its error', async () => {
    const store = await storeWith([n1]);
    const l = logger();
    const dropNotice: DropNotice = {
      dropped: async () => {
        throw new Error('SNS throttled');
      },
    };
    await deliverOutbox(store, scripted(() => new DeliveryError('HTTP 400', false)).lookup, ['n1'], T0, { log: l.log, sleep: async () => {}, dropNotice });
    expect(l.lines[1]).toEqual(['error', 'could not announce a dropped notification on the fallback topic', { receiver: 'pagerduty-oncall', id: 'n1', error: 'SNS throttled' }]);
  });
});

describe('items the store could not read', () => {
  /** The memory store, leaving `unread` ids unprocessed as DynamoDB can. */
  function flaky(store: MemoryStateStore, unread: () => string[]) {
    const read = store.readOutbox.bind(store);
    store.readOutbox = async (ids: string[]): Promise<OutboxRead> => {
      const r = await read(ids.filter((id) => !unread().includes(id)));
      return { items: r.items, unread: ids.filter((id) => unread().includes(id)) };
    };
    return store;
  }

  it('are logged with their count and the first 20 ids, and counted', async () => {
    const ids = Array.from({ length: 25 }, (_, i) => `u${String(i).padStart(2, '0')}`);
    const store = flaky(await storeWith(ids.map((id) => sampleNotification({ id, key: id }))), () => ids);
    const l = logger();
    const metrics = new RecordingMetrics();
    const r = scripted(() => null);
    expect(await deliverOutbox(store, r.lookup, ids, T0, { log: l.log, sleep: async () => {}, metrics })).toEqual({ delivered: 0, failed: 0, dropped: 0 });
    expect(metrics.counts).toEqual({ OutboxUnread: 25 });
    expect(l.lines).toEqual([
      ['error', 'could not read outbox items (DynamoDB left them unprocessed after retries); nothing is delivered this tick so no stream is overtaken', { unread: ids.slice(0, 20), count: 25 }],
    ]);
  });

  it('are aged from the first tick that missed them, even when a late tick (an earlier event time) misses them too', async () => {
    let missing = ['n1'];
    const store = flaky(await storeWith([n1]), () => missing);
    const metrics = new RecordingMetrics();
    const r = scripted(() => null);
    const tick = (now: number) => deliverOutbox(store, r.lookup, ['n1'], now, base({ metrics }));
    await tick(T0 + 5 * MIN);
    await tick(T0 + 2 * MIN); // a late retry of an earlier event: never a negative age
    await tick(T0 + 8 * MIN);
    expect(metrics.gauges.map((g) => g.value)).toEqual([0, 0, 6 * 60]);
    // Read again: forgotten, so a later miss ages from then.
    missing = [];
    await tick(T0 + 9 * MIN);
    missing = ['n1'];
    const mark = metrics.gauges.length;
    await tick(T0 + 20 * MIN);
    // n1 was sent at 9 min (done): nothing waits but the unread id, aged from this tick.
    expect(metrics.gauges.slice(mark).map((g) => g.value)).toEqual([0]);
  });
});

describe('decisions as outbox records', () => {
  it('each notification becomes a pending record, in decision order (seq), due at once', () => {
    const ns = [n1, sampleNotification({ id: 'n2', key: 'k2' })];
    expect(outboxItems(ns, T0)).toEqual([
      { id: 'n1', seq: T0 * 1000, notification: ns[0], status: 'pending', attempts: 0, createdAt: T0, nextAttemptAt: T0, leaseUntil: null, sentAt: null, lastError: null },
      { id: 'n2', seq: T0 * 1000 + 1, notification: ns[1], status: 'pending', attempts: 0, createdAt: T0, nextAttemptAt: T0, leaseUntil: null, sentAt: null, lastError: null },
    ]);
  });

  it('streams are per receiver and key, each in seq order whatever order the items come in', () => {
    const item = (id: string, receiver: string, key: string, seq: number): OutboxItem => ({ ...outboxItems([sampleNotification({ id, receiver, key })], T0)[0], seq });
    const s = streamsOf([item('b2', 'b', 'x', 5), item('a1', 'a', 'x', 1), item('b1', 'b', 'x', 2), item('a2', 'a', 'y', 3), item('a3', 'a', 'x', 4)]);
    const ids = (m: Map<string, OutboxItem[][]>) => Object.fromEntries([...m].map(([r, streams]) => [r, streams.map((st) => st.map((i) => i.id))]));
    expect(ids(s)).toEqual({ a: [['a1', 'a3'], ['a2']], b: [['b1', 'b2']] });
  });
});
