/**
 * StateStore on the single DynamoDB table. Every write is one conditional single-item write,
 * so overlapping ticks (EventBridge delivers at least once) cannot both record or send.
 */
import { BatchGetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AlertState } from '../core/alert';
import type { GroupAck } from '../core/group';
import { queryAll, ttlAfter, type Table } from '../dynamo/table';
import { randomUUID } from 'node:crypto';
import { ConcurrentTickError, type Cursor, type OutboxItem, type OutboxRead, type StateStore, type StoreClock, type TickState } from './types';

const STATE = 'STATE';
const OUTBOX = 'OUTBOX';
const ONCE = 'ONCE';
/** STATE / GROUPACK#<group key>: a group's acknowledgement, written only by the ack function (shared/state/acks.ts). */
export const GROUP_ACK = 'GROUPACK#';
const isConditionFailure = (e: unknown) => (e as { name?: string }).name === 'ConditionalCheckFailedException';

/** BatchGetItem rounds for keys DynamoDB leaves unprocessed (throttled partitions), with full-jitter exponential waits between them. */
export const BATCH_GET_ATTEMPTS = 6;
const BATCH_GET_BASE_MS = 50;
const BATCH_GET_MAX_MS = 1_000;

export class DynamoStateStore implements StateStore {
  private readonly clock: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly leaseToken: () => string;

  constructor(
    private readonly table: Table,
    opts: StoreClock = {},
  ) {
    this.clock = opts.clock ?? Date.now;
    this.sleep = opts.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = opts.random ?? Math.random;
    this.leaseToken = opts.leaseToken ?? randomUUID;
  }

  async load(): Promise<TickState> {
    const alerts: Record<string, AlertState> = {};
    const logModels: string[] = [];
    const groupAcks: Record<string, GroupAck> = {};
    let cursor: Cursor = { lastMinute: null, slowMinute: null, version: 0, pending: [], spend: {}, journal: [], groups: {}, escalations: {} };
    for (const item of await queryAll(this.table, { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': STATE }, ConsistentRead: true })) {
      const sk = item.sk as string;
      if (sk === 'CURSOR') {
        cursor = {
          lastMinute: (item.lastMinute as number | null) ?? null,
          slowMinute: (item.slowMinute as number | null) ?? (item.lastMinute as number | null) ?? null,
          version: (item.version as number) ?? 0,
          pending: [...((item.pending as Set<string>) ?? [])],
          spend: (item.spend as Cursor['spend']) ?? {},
          journal: (item.journal as AlertState[]) ?? [],
          groups: typeof item.groups === 'string' ? (JSON.parse(item.groups) as Cursor['groups']) : {},
          escalations: typeof item.escalations === 'string' ? (JSON.parse(item.escalations) as Cursor['escalations']) : {},
          held: typeof item.held === 'string' ? (JSON.parse(item.held) as Cursor['held']) : {},
          busy: typeof item.busy === 'string' ? (JSON.parse(item.busy) as Cursor['busy']) : {},
        };
      } else if (sk.startsWith(GROUP_ACK)) {
        const ack = item.ack as GroupAck;
        groupAcks[ack.key] = ack;
      } else if (sk.startsWith('LOGMODEL#')) {
        logModels.push(item.model as string);
      } else if (sk.startsWith('ALERT#')) {
        const state = item.state as AlertState;
        alerts[state.fingerprint] = { ...state, version: item.version as number, ack: (item.ack as AlertState['ack']) ?? null };
      }
    }
    if (cursor.journal.length) {
      // A tick committed but died before writing its alert states: finish its work first.
      await this.applyJournal(cursor.journal, cursor.version);
      return this.load();
    }
    return { cursor, alerts, logModels, groupAcks };
  }

  async commit(prev: Cursor, next: Cursor, alerts: AlertState[]): Promise<void> {
    await this.advanceCursor(prev, next, alerts);
    await this.applyJournal(alerts, next.version);
  }

  /** Writes committed states (one already written is left alone) and then forgets the journal. */
  private async applyJournal(states: AlertState[], cursorVersion: number): Promise<void> {
    // An empty journal was written as []: nothing to apply, nothing to forget (most ticks move no alert).
    if (!states.length) return;
    for (const s of states) {
      try {
        await this.saveAlerts([s]);
      } catch (e) {
        if (!(e instanceof ConcurrentTickError)) throw e;
      }
    }
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: { pk: STATE, sk: 'CURSOR' },
          UpdateExpression: 'REMOVE journal',
          ConditionExpression: '#v = :v',
          ExpressionAttributeNames: { '#v': 'version' },
          ExpressionAttributeValues: { ':v': cursorVersion },
        }),
      );
    } catch (e) {
      if (!isConditionFailure(e)) throw e; // a later tick has moved on (and replaced the journal)
    }
  }

  async saveAlerts(states: AlertState[]): Promise<void> {
    for (const s of states) {
      // `ack` is the ack function's attribute: a tick never writes it (an update, not a put, so it survives).
      const { version, ack: _ack, ...state } = s;
      // An alert that is no longer doing anything expires a week after it last moved.
      const ttl = s.status === 'inactive' ? ttlAfter(s.endsAt ?? s.lastMinute ?? Date.now(), 7) : undefined;
      try {
        await this.table.doc.send(
          new UpdateCommand({
            TableName: this.table.name,
            Key: { pk: STATE, sk: `ALERT#${s.fingerprint}` },
            UpdateExpression: `SET #state = :state, version = :next${ttl === undefined ? ' REMOVE #ttl' : ', #ttl = :ttl'}`,
            ConditionExpression: version === 0 ? 'attribute_not_exists(pk)' : 'version = :v',
            ExpressionAttributeNames: { '#state': 'state', '#ttl': 'ttl' },
            ExpressionAttributeValues: { ':state': state, ':next': version + 1, ...(ttl === undefined ? {} : { ':ttl': ttl }), ...(version === 0 ? {} : { ':v': version }) },
          }),
        );
        s.version = version + 1;
      } catch (e) {
        if (isConditionFailure(e)) throw new ConcurrentTickError(`alert ${s.rule} ${JSON.stringify(s.labels)}`);
        throw e;
      }
    }
  }

  async putOutbox(items: OutboxItem[]): Promise<void> {
    for (const item of items) {
      try {
        await this.table.doc.send(
          new PutCommand({
            TableName: this.table.name,
            Item: { pk: OUTBOX, sk: item.id, ...item, ttl: ttlAfter(item.createdAt, 14) },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (e) {
        if (!isConditionFailure(e)) throw e; // already decided by an earlier run of this tick: keep the original
      }
    }
  }

  private async advanceCursor(prev: Cursor, next: Cursor, journal: AlertState[]): Promise<void> {
    const names = { '#v': 'version' };
    // Groups as one JSON string: label values may be empty strings and fingerprints odd map keys; one attribute, one write.
    const values: Record<string, unknown> = {
      ':next': prev.version + 1,
      ':m': next.lastMinute,
      ':sm': next.slowMinute,
      ':s': next.spend,
      ':j': journal,
      ':g': JSON.stringify(next.groups ?? {}),
      ':e': JSON.stringify(next.escalations ?? {}),
      ':h': JSON.stringify(next.held ?? {}),
      ':b': JSON.stringify(next.busy ?? {}),
    };
    let update = 'SET #v = :next, lastMinute = :m, slowMinute = :sm, spend = :s, journal = :j, groups = :g, escalations = :e, held = :h, busy = :b';
    const added = next.pending.filter((id) => !prev.pending.includes(id));
    if (added.length) {
      update += ' ADD pending :p';
      values[':p'] = new Set(added);
    }
    if (prev.version > 0) values[':prev'] = prev.version;
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: { pk: STATE, sk: 'CURSOR' },
          UpdateExpression: update,
          ConditionExpression: prev.version > 0 ? '#v = :prev' : 'attribute_not_exists(#v)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      next.version = prev.version + 1;
    } catch (e) {
      if (isConditionFailure(e)) throw new ConcurrentTickError('the evaluation cursor');
      throw e;
    }
  }

  async getOutbox(ids: string[]): Promise<OutboxItem[]> {
    return (await this.readOutbox(ids)).items;
  }

  async readOutbox(ids: string[]): Promise<OutboxRead> {
    const out: OutboxItem[] = [];
    const unread: string[] = [];
    for (let i = 0; i < ids.length; i += 100) {
      let keys = ids.slice(i, i + 100).map((id) => ({ pk: OUTBOX, sk: id }));
      for (let attempt = 0; keys.length; attempt++) {
        if (attempt >= BATCH_GET_ATTEMPTS) {
          // Still unprocessed: not gone, only unread this time. The caller keeps them owed.
          unread.push(...keys.map((k) => k.sk));
          break;
        }
        // Full jitter: a random wait in [0, min(max, base·2^(attempt-1))] before every retry.
        if (attempt > 0) await this.sleep(Math.floor(this.random() * Math.min(BATCH_GET_MAX_MS, BATCH_GET_BASE_MS * 2 ** (attempt - 1))));
        const r = await this.table.doc.send(new BatchGetCommand({ RequestItems: { [this.table.name]: { Keys: keys, ConsistentRead: true } } }));
        out.push(...((r.Responses?.[this.table.name] ?? []) as OutboxItem[]));
        keys = (r.UnprocessedKeys?.[this.table.name]?.Keys ?? []) as typeof keys;
      }
    }
    return { items: out.map(stripKeys), unread };
  }

  async claim(id: string, now: number, leaseMs: number): Promise<OutboxItem | null> {
    // Due is judged on the tick's time (backoffs are decided in it); the lease on the wall clock, so a
    // late invocation (an asynchronous retry reusing its original event time) cannot see a live lease as expired.
    const wall = this.clock();
    try {
      const r = await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: { pk: OUTBOX, sk: id },
          UpdateExpression: 'SET #s = :sending, leaseUntil = :lease, leaseOwner = :owner ADD attempts :one',
          ConditionExpression: '(#s = :pending AND nextAttemptAt <= :now) OR (#s = :sending AND leaseUntil < :wall)',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':sending': 'sending', ':pending': 'pending', ':lease': wall + leaseMs, ':now': now, ':wall': wall, ':one': 1, ':owner': this.leaseToken() },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return stripKeys(r.Attributes as OutboxItem);
    } catch (e) {
      if (isConditionFailure(e)) return null;
      throw e;
    }
  }

  async finish(id: string, u: Pick<OutboxItem, 'status' | 'nextAttemptAt' | 'lastError' | 'sentAt'>, leaseOwner: string): Promise<boolean> {
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: { pk: OUTBOX, sk: id },
          UpdateExpression: 'SET #s = :s, nextAttemptAt = :n, lastError = :e, sentAt = :t, leaseUntil = :null REMOVE leaseOwner',
          ConditionExpression: '#s = :sending AND leaseOwner = :owner',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':s': u.status, ':n': u.nextAttemptAt, ':e': u.lastError, ':t': u.sentAt, ':null': null, ':sending': 'sending', ':owner': leaseOwner },
        }),
      );
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false; // the lease expired and another tick took the item over
      throw e;
    }
  }

  async dropPending(ids: string[]): Promise<void> {
    if (!ids.length) return;
    await this.table.doc.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: { pk: STATE, sk: 'CURSOR' },
        UpdateExpression: 'DELETE pending :ids',
        ExpressionAttributeValues: { ':ids': new Set(ids) },
      }),
    );
  }

  async listAlerts(): Promise<AlertState[]> {
    return Object.values((await this.load()).alerts);
  }

  async claimOnce(key: string, now: number, leaseMs: number): Promise<string | null> {
    const owner = this.leaseToken();
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: { pk: ONCE, sk: key },
          UpdateExpression: 'SET #s = :claimed, leaseUntil = :lease, leaseOwner = :owner, #at = :now, #ttl = :ttl',
          // Absent, released after a failure, or claimed by an invocation that died (lease expired). A record
          // without a status was written by the old protocol, which marked it before sending: done.
          ConditionExpression: 'attribute_not_exists(pk) OR #s = :released OR (#s = :claimed AND leaseUntil < :now)',
          ExpressionAttributeNames: { '#s': 'status', '#at': 'at', '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':claimed': 'claimed', ':released': 'released', ':lease': now + leaseMs, ':owner': owner, ':now': now, ':ttl': ttlAfter(now, 30) },
        }),
      );
      return owner;
    } catch (e) {
      if (isConditionFailure(e)) return null;
      throw e;
    }
  }

  async finishOnce(key: string, now: number, done: boolean, owner: string): Promise<boolean> {
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: { pk: ONCE, sk: key },
          UpdateExpression: 'SET #s = :s, #at = :now REMOVE leaseUntil, leaseOwner',
          // Only the lease's holder: a late invocation whose lease expired must not overwrite the record of
          // the one that took the job over (nor a finished one).
          ConditionExpression: '#s = :claimed AND leaseOwner = :owner',
          ExpressionAttributeNames: { '#s': 'status', '#at': 'at' },
          ExpressionAttributeValues: { ':s': done ? 'done' : 'released', ':claimed': 'claimed', ':owner': owner, ':now': now },
        }),
      );
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  }

  /** For reports: every delivery record. */
  async listOutbox(): Promise<OutboxItem[]> {
    return (await queryAll(this.table, { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': OUTBOX } })).map((i) => stripKeys(i as unknown as OutboxItem));
  }

}

function stripKeys<T extends object>(item: T): T {
  const { pk: _pk, sk: _sk, ttl: _ttl, ...rest } = item as T & { pk?: string; sk?: string; ttl?: number };
  return rest as T;
}

