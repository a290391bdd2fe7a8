/**
 * StateStore in process memory, with the same conditional semantics as the DynamoDB one
 * (versions, create-if-absent, leases). For long backtests, where thousands of simulated ticks
 * through dynalite would take minutes; a contract test runs both stores on the same replay.
 */
import { randomUUID } from 'node:crypto';
import type { AlertState } from '../core/alert';
import { ConcurrentTickError, type Cursor, type OutboxItem, type OutboxRead, type StateStore, type StoreClock, type TickState } from './types';

/**
 * A deep copy of plain data (what the DynamoDB store could hold: objects, arrays, strings, numbers,
 * booleans, null, undefined): structuredClone's result for such values, several times faster.
 * Every tick copies the cursor and every alert in and out (a backtest's largest cost after the
 * engine); anything else (a Map, a Date) would not survive DynamoDB either, and falls back to
 * structuredClone.
 */
export function copyPlain<T>(x: T): T {
  if (x === null || typeof x !== 'object') return x;
  if (Array.isArray(x)) {
    const out = new Array(x.length);
    for (let i = 0; i < x.length; i++) out[i] = copyPlain(x[i]);
    return out as T;
  }
  const proto = Object.getPrototypeOf(x);
  if (proto !== Object.prototype && proto !== null) return structuredClone(x);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(x)) {
    const v = copyPlain((x as Record<string, unknown>)[k]);
    // An own "__proto__" key (a label could be named anything) is data, not the prototype.
    if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    else out[k] = v;
  }
  return out as T;
}

const clone = copyPlain;

/** Frozen all the way down: what the store hands out by reference must not change under it. */
function deepFreeze<T>(x: T): T {
  if (x !== null && typeof x === 'object' && !Object.isFrozen(x)) {
    Object.freeze(x);
    for (const v of Object.values(x)) deepFreeze(v);
  }
  return x;
}

export class MemoryStateStore implements StateStore {
  private cursor: Cursor = { lastMinute: null, slowMinute: null, version: 0, pending: [], spend: {}, journal: [], groups: {}, escalations: {} };
  private readonly alerts = new Map<string, AlertState>();
  private readonly outbox = new Map<string, OutboxItem>();
  private readonly clock: () => number;
  private readonly leaseToken: () => string;

  /** `clock`: the wall clock leases are measured on (the replay passes its simulated one). */
  constructor(opts: StoreClock = {}) {
    this.clock = opts.clock ?? Date.now;
    this.leaseToken = opts.leaseToken ?? randomUUID;
  }

  async load(): Promise<TickState> {
    // The held counts (the largest part of the cursor) are only read by a tick, which builds new ones:
    // handed out frozen, by reference, rather than copied every tick.
    const { held, ...rest } = this.cursor;
    const cursor: Cursor = clone(rest);
    if (held) cursor.held = held;
    return { cursor, alerts: Object.fromEntries([...this.alerts].map(([k, v]) => [k, clone(v)])), logModels: [], groupAcks: {} };
  }

  async commit(prev: Cursor, next: Cursor, alerts: AlertState[]): Promise<void> {
    if (prev.version !== this.cursor.version) throw new ConcurrentTickError('the evaluation cursor');
    const pending = new Set([...this.cursor.pending, ...next.pending.filter((id) => !prev.pending.includes(id))]);
    // The held counts are frozen in place and kept by reference, not copied: the tick builds new
    // ones every time (engine/cadence.ts completeCounts, which hands them out frozen already, with
    // an index of their minutes that a copy would lose) and never changes them after the commit.
    const { held, ...rest } = next;
    this.cursor = { ...clone(rest), version: prev.version + 1, pending: [...pending], journal: [] };
    if (held) this.cursor.held = deepFreeze(held);
    next.version = prev.version + 1;
    for (const s of alerts) {
      // Versions are checked as in DynamoDB; after the cursor, only this tick can write them.
      if ((this.alerts.get(s.fingerprint)?.version ?? 0) !== s.version) continue;
      s.version += 1;
      // As in DynamoDB, the acknowledgement is not the tick's to write.
      this.alerts.set(s.fingerprint, { ...clone(s), ack: this.alerts.get(s.fingerprint)?.ack ?? null });
    }
  }

  async putOutbox(items: OutboxItem[]): Promise<void> {
    for (const item of items) if (!this.outbox.has(item.id)) this.outbox.set(item.id, clone(item));
  }

  async getOutbox(ids: string[]): Promise<OutboxItem[]> {
    return (await this.readOutbox(ids)).items;
  }

  async readOutbox(ids: string[]): Promise<OutboxRead> {
    return { items: ids.flatMap((id) => (this.outbox.has(id) ? [clone(this.outbox.get(id) as OutboxItem)] : [])), unread: [] };
  }

  async claim(id: string, now: number, leaseMs: number): Promise<OutboxItem | null> {
    const item = this.outbox.get(id);
    if (!item) return null;
    // As DynamoDB: due on the tick's time, the lease on the wall clock (a missing leaseUntil fails `<` there).
    const wall = this.clock();
    const due = (item.status === 'pending' && item.nextAttemptAt <= now) || (item.status === 'sending' && item.leaseUntil !== null && item.leaseUntil < wall);
    if (!due) return null;
    Object.assign(item, { status: 'sending', leaseUntil: wall + leaseMs, leaseOwner: this.leaseToken(), attempts: item.attempts + 1 });
    return clone(item);
  }

  async finish(id: string, u: Pick<OutboxItem, 'status' | 'nextAttemptAt' | 'lastError' | 'sentAt'>, leaseOwner: string): Promise<boolean> {
    const item = this.outbox.get(id);
    if (item?.status !== 'sending' || item.leaseOwner !== leaseOwner) return false;
    Object.assign(item, u, { leaseUntil: null });
    delete item.leaseOwner;
    return true;
  }

  async dropPending(ids: string[]): Promise<void> {
    const drop = new Set(ids);
    this.cursor.pending = this.cursor.pending.filter((id) => !drop.has(id));
  }

  async listAlerts(): Promise<AlertState[]> {
    return [...this.alerts.values()].map(clone);
  }

  private readonly once = new Map<string, { status: 'claimed' | 'released' | 'done'; leaseUntil: number; owner: string | null }>();

  async claimOnce(key: string, now: number, leaseMs: number): Promise<string | null> {
    const job = this.once.get(key);
    if (job && !(job.status === 'released' || (job.status === 'claimed' && job.leaseUntil < now))) return null;
    const owner = this.leaseToken();
    this.once.set(key, { status: 'claimed', leaseUntil: now + leaseMs, owner });
    return owner;
  }

  async finishOnce(key: string, _now: number, done: boolean, owner: string): Promise<boolean> {
    // The DynamoDB store's condition: '#s = :claimed AND leaseOwner = :owner'.
    const job = this.once.get(key);
    if (job?.status !== 'claimed' || job.owner !== owner) return false;
    this.once.set(key, { status: done ? 'done' : 'released', leaseUntil: 0, owner: null });
    return true;
  }

  async listOutbox(): Promise<OutboxItem[]> {
    return [...this.outbox.values()].map(clone);
  }
}
