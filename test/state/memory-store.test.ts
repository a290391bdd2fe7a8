/**
 * The memory store's own parts (shared/state/memory-store.ts): its fast deep copy, the held counts
 * handed out frozen by reference, acknowledgements a tick cannot overwrite, copies out.
 */
import type { AlertState } from '../../shared/core/alert';
import { copyPlain, MemoryStateStore } from '../../shared/state/memory-store';

const T0 = Date.parse('2026-10-05T10:00:00.000Z');

describe('copyPlain', () => {
  it('copies plain data all the way down, equal and unshared', () => {
    const x = { a: [1, { b: 'c', n: null, u: undefined }], d: { e: true }, z: [] as number[] };
    const y = copyPlain(x);
    expect(y).toStrictEqual(x);
    expect(y).not.toBe(x);
    expect(y.a).not.toBe(x.a);
    expect(y.a[1]).not.toBe(x.a[1]);
    expect(y.d).not.toBe(x.d);
    expect(Array.isArray(y.z)).toBe(true);
    expect([copyPlain(null), copyPlain(3), copyPlain('s'), copyPlain(undefined)]).toEqual([null, 3, 's', undefined]);
  });

  it('keeps an own "__proto__" key as data, not as the prototype', () => {
    const x = JSON.parse('{"labels": {"__proto__": "v", "k": "w"}}') as { labels: Record<string, string> };
    const y = copyPlain(x);
    expect(Object.getPrototypeOf(y.labels)).toBe(Object.prototype);
    expect(Object.keys(y.labels)).toEqual(['__proto__', 'k']);
    expect(Object.getOwnPropertyDescriptor(y.labels, '__proto__')).toEqual({ value: 'v', enumerable: true, writable: true, configurable: true });
  });

  it('copies an object without a prototype as plain data, and anything else as structuredClone does', () => {
    const bare = Object.assign(Object.create(null), { a: { b: 1 } });
    const y = copyPlain(bare);
    expect(y.a).toEqual({ b: 1 });
    expect(y.a).not.toBe(bare.a);
    const d = new Date(T0);
    const m = new Map([['k', { v: 1 }]]);
    const copied = copyPlain({ d, m });
    expect(Object.prototype.toString.call(copied.d)).toBe('[object Date]');
    expect(copied.d).not.toBe(d);
    expect(copied.d.getTime()).toBe(T0);
    expect(Object.prototype.toString.call(copied.m)).toBe('[object Map]');
    expect(copied.m.get('k')).toEqual({ v: 1 });
    expect(copied.m.get('k')).not.toBe(m.get('k'));
  });
});

describe('MemoryStateStore', () => {
  const alert = (version = 0): AlertState => ({ fingerprint: 'fp', rule: 'r', labels: { ModelId: 'm' }, status: 'firing', version, ack: null }) as unknown as AlertState;

  it('hands the held counts out frozen and by reference, the rest of the cursor as a copy', async () => {
    const store = new MemoryStateStore({ clock: () => T0 });
    const s0 = await store.load();
    const held = { m1: { 1: 2 } } as never;
    await store.commit(s0.cursor, { ...s0.cursor, lastMinute: T0, held, groups: { g: { key: 'k' } as never } }, []);
    const a = await store.load();
    const b = await store.load();
    expect(a.cursor.held).toBe(b.cursor.held);
    expect(Object.isFrozen(a.cursor.held)).toBe(true);
    expect(Object.isFrozen((a.cursor.held as Record<string, object>).m1)).toBe(true);
    expect(a.cursor.groups).not.toBe(b.cursor.groups);
    expect(a.cursor.journal).toEqual([]);
    expect(a).toMatchObject({ logModels: [], groupAcks: {} });
    // A cursor without held counts has none.
    const store2 = new MemoryStateStore();
    expect('held' in (await store2.load()).cursor).toBe(false);
  });

  it('keeps an acknowledgement when a tick writes the alert, and hands out copies', async () => {
    const store = new MemoryStateStore();
    const s0 = await store.load();
    await store.commit(s0.cursor, { ...s0.cursor }, [alert(0)]);
    const stored = (store as unknown as { alerts: Map<string, AlertState> }).alerts.get('fp')!;
    stored.ack = { ackedBy: 'ana', ackedAt: T0, via: 'cli', episode: T0 };
    const s1 = await store.load();
    await store.commit(s1.cursor, { ...s1.cursor }, [{ ...s1.alerts.fp, ack: null, tier: 'warning' } as AlertState]);
    const [listed] = await store.listAlerts();
    expect(listed).toMatchObject({ tier: 'warning', version: 2, ack: { ackedBy: 'ana' } });
    listed.labels.ModelId = 'changed';
    expect((await store.listAlerts())[0].labels.ModelId).toBe('m');
    expect((await store.load()).alerts.fp.labels.ModelId).toBe('m');
  });

  it('starts from an empty cursor at version 0', async () => {
    expect(await new MemoryStateStore().load()).toStrictEqual({
      cursor: { lastMinute: null, slowMinute: null, version: 0, pending: [], spend: {}, journal: [], groups: {}, escalations: {} },
      alerts: {},
      logModels: [],
      groupAcks: {},
    });
  });

  it('lists outbox items as copies', async () => {
    const store = new MemoryStateStore();
    await store.putOutbox([{ id: 'o1', seq: 1, notification: {} as never, status: 'pending', attempts: 0, createdAt: T0, nextAttemptAt: T0, leaseUntil: null, sentAt: null, lastError: null }]);
    const [item] = await store.listOutbox();
    item.status = 'dead';
    expect((await store.listOutbox())[0].status).toBe('pending');
    expect((await store.getOutbox(['o1', 'nope'])).map((i) => i.id)).toEqual(['o1']);
    // Memory never leaves an id unread: a missing one is gone.
    expect((await store.readOutbox(['o1', 'nope'])).unread).toEqual([]);
  });
});
