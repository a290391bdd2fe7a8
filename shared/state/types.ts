import type { AlertState, Spend } from '../core/alert';
import type { Notification } from '../core/notification';
import type { Escalations, GroupAck, Groups } from '../core/group';
import type { HeldCounts } from '../core/series';

/** The evaluation cursor: which data minute was judged last, and the notifications awaiting delivery. */
export interface Cursor {
  lastMinute: number | null;
  /** The last data minute the slow rules (read every settings.detail_every) were judged at; null: as lastMinute. */
  slowMinute: number | null;
  version: number;
  /** Outbox ids decided but not yet delivered (or given up on). */
  pending: string[];
  /** Running spend per model for the current local day, minute by minute as minutes are judged. */
  spend: Spend;
  /**
   * Alert states a tick committed with the cursor but may not have written yet (write-ahead):
   * the cursor update is the one conditional write that decides which tick's decisions count,
   * and the next load finishes writing them if the tick died in between.
   */
  journal: AlertState[];
  /**
   * Notification groups (shared/route/groups.ts): members, what each receiver was told, timers.
   * Moved in the same conditional write as the cursor, so group decisions and the outbox ids they
   * produced are recorded together or not at all.
   */
  groups: Groups;
  /**
   * Escalation policies' progress per notification group (shared/route/escalate.ts), moved in the
   * same conditional write as the groups and the outbox ids its steps produced.
   */
  escalations: Escalations;
  /** Per-model error counts of minutes whose account-wide sum was not zero, so later ticks need not read them again (engine/cadence.ts). */
  held?: HeldCounts;
  /** Error counts read per model without the account-wide read, until this data minute (errors in every window; engine/cadence.ts). */
  busy?: Record<string, number>;
}

export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'dead';

export interface OutboxItem {
  id: string;
  /** Decision order (createdAt × 1000 + position in its tick): a trigger is always sent before its resolve. */
  seq: number;
  notification: Notification;
  status: OutboxStatus;
  attempts: number;
  createdAt: number;
  nextAttemptAt: number;
  /** Wall-clock time (the store's clock, not the tick's event time) the current claim expires at. */
  leaseUntil: number | null;
  /** Who holds the lease (a token per claim): only the holder may finish the item. */
  leaseOwner?: string | null;
  sentAt: number | null;
  lastError: string | null;
}

export interface OutboxRead {
  items: OutboxItem[];
  /** Ids the store could not read (not known to be gone): their streams must wait. */
  unread: string[];
}

/** Wall clock, retry sleep and randomness a store uses (tests and the simulation inject them; Lambda uses the real ones). */
export interface StoreClock {
  /** Wall-clock milliseconds, for leases (default Date.now). */
  clock?: () => number;
  /** Waits between read retries (default setTimeout). */
  sleep?: (ms: number) => Promise<void>;
  /** Jitter source (default Math.random). */
  random?: () => number;
  /** A fresh lease token (default randomUUID). */
  leaseToken?: () => string;
}

export interface TickState {
  cursor: Cursor;
  alerts: Record<string, AlertState>;
  /** Models seen in the invocation logs (written by the ingest function). */
  logModels: string[];
  /** Acknowledgements of whole groups (written by the ack function), by group stream key. */
  groupAcks: Record<string, GroupAck>;
}

/** Two ticks raced and the other one recorded its decisions first: this tick stops without sending. */
export class ConcurrentTickError extends Error {
  constructor(what: string) {
    super(`another evaluation recorded ${what} first; this tick stops (nothing lost, nothing sent twice)`);
    this.name = 'ConcurrentTickError';
  }
}

export interface StateStore {
  load(): Promise<TickState>;
  /** Creates outbox items that do not exist yet (a re-decided notification is not duplicated). */
  putOutbox(items: OutboxItem[]): Promise<void>;
  /**
   * Records a tick's decisions: moves the cursor (with the new pending notifications and the
   * changed alert states as its journal) only from the version it was read at — else
   * ConcurrentTickError — then writes the alert states and clears the journal.
   */
  commit(prev: Cursor, next: Cursor, alerts: AlertState[]): Promise<void>;
  getOutbox(ids: string[]): Promise<OutboxItem[]>;
  /**
   * The outbox items of `ids`, and the ids the store could not read this time (DynamoDB left them
   * unprocessed after its retries): an unread item is not an expired one, it is still owed.
   */
  readOutbox(ids: string[]): Promise<OutboxRead>;
  /**
   * Takes an item for delivery: pending and due at `now` (the tick's time), or a lease that expired on
   * the store's wall clock (a tick that died); null when another tick holds it or it is done. The
   * returned item carries its `leaseOwner`, which `finish` must present.
   */
  claim(id: string, now: number, leaseMs: number): Promise<OutboxItem | null>;
  /** Records the attempt's outcome if `leaseOwner` still holds the lease; false when the lease was lost (another tick took it over). */
  finish(id: string, update: Pick<OutboxItem, 'status' | 'nextAttemptAt' | 'lastError' | 'sentAt'>, leaseOwner: string): Promise<boolean>;
  /** Forgets ids from the cursor's pending list (delivered or dead). */
  dropPending(ids: string[]): Promise<void>;
  /** Alerts, for reports and the baseline exclusions. */
  listAlerts(): Promise<AlertState[]>;
  /**
   * Takes a once-only job (a daily digest to one receiver) for `leaseMs`: a fresh lease token (the
   * owner) unless it is done, or another invocation holds an unexpired lease on it (null). Mark it
   * with finishOnce, presenting that token, after the attempt.
   */
  claimOnce(key: string, now: number, leaseMs: number): Promise<string | null>;
  /**
   * After a claimed attempt: done (never again), or released for a retry (failed) — only while `owner`
   * still holds the lease. False (nothing written) when it does not: the lease expired and another
   * invocation took the job over, or the job is already finished.
   */
  finishOnce(key: string, now: number, done: boolean, owner: string): Promise<boolean>;
}
