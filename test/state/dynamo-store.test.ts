/**
 * The DynamoDB store's own parts (dynalite through the real SDK client), beyond the contract both
 * stores share: a cursor written by an older version, a tick that died between its cursor and its
 * alert writes, ttls, batch reads of more than 100 ids with jittered retries, failures passed on.
 */
import { BatchGetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AlertState } from '../../shared/core/alert';
import { queryAll, type Table } from '../../shared/dynamo/table';
import { AckStore } from '../../shared/state/acks';
import { outboxItems } from '../../shared/run/deliver-outbox';
import { BATCH_GET_ATTEMPTS, DynamoStateStore } from '../../shared/state/dynamo-store';
import { ConcurrentTickError } from '../../shared/state/types';
import { useDynamo } from '../support/dynamo';
import { freshTable } from '../support/evaluate-harness';
import { sampleNotification } from '../support/notification';

const T0 = Date.parse('2026-10-05T10:00:00.000Z');
const DAY_S = 86_400;
const db = useDynamo();

const alert = (fp: string, over: Partial<AlertState> = {}): AlertState =>
  ({ fingerprint: fp, rule: 'r', labels: { ModelId: fp }, status: 'firing', tier: 'critical', maxTier: 'critical', version: 0, startsAt: T0, endsAt: null, lastMinute: T0, ack: null, ...over }) as unknown as AlertState;
const items = (table: Table, pk: string) => queryAll(table, { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk } });
const put = (table: Table, Item: Record<string, unknown>) => table.doc.send(new PutCommand({ TableName: table.name, Item }));

/** A table whose doc client runs `hook` on each command first (it may answer instead). */
function hooked(table: Table, hook: (cmd: unknown) => Promise<unknown> | undefined): Table {
  const send = table.doc.send.bind(table.doc) as (c: unknown) => Promise<unknown>;
  return { name: table.name, doc: { send: async (cmd: unknown) => (await hook(cmd)) ?? send(cmd) } as never };
}
const failing = (name: string) => async () => Promise.reject(Object.assign(new Error(name), { name }));

describe('DynamoStateStore.load', () => {
  it('reads a fresh table as version 0 with nothing in it', async () => {
    expect(await new DynamoStateStore(await freshTable(db().client)).load()).toEqual({
      cursor: { lastMinute: null, slowMinute: null, version: 0, pending: [], spend: {}, journal: [], groups: {}, escalations: {} },
      alerts: {},
      logModels: [],
      groupAcks: {},
    });
  });

  it('reads a cursor an older version wrote (no slow minute, groups or counts yet), and the log models', async () => {
    const table = await freshTable(db().client);
    await put(table, { pk: 'STATE', sk: 'CURSOR', lastMinute: T0, version: 3 });
    await put(table, { pk: 'STATE', sk: 'LOGMODEL#m1', model: 'm1' });
    await put(table, { pk: 'STATE', sk: 'OTHER#x', model: 'ignored' });
    const { cursor, logModels } = await new DynamoStateStore(table).load();
    expect(cursor).toEqual({ lastMinute: T0, slowMinute: T0, version: 3, pending: [], spend: {}, journal: [], groups: {}, escalations: {}, held: {}, busy: {} });
    expect(logModels).toEqual(['m1']);
  });

  it('reads back what a commit wrote: slow minute, spend, groups, held and busy counts', async () => {
    const store = new DynamoStateStore(await freshTable(db().client));
    const { cursor } = await store.load();
    const next = { ...cursor, lastMinute: T0, slowMinute: T0 - 300_000, spend: { m1: 1.5 } as never, held: { m1: { 5: 1 } } as never, busy: { m1: T0 }, pending: ['o1'] };
    await store.commit(cursor, next, []);
    expect((await store.load()).cursor).toEqual({ ...next, version: 1, journal: [] });
  });

  it('finishes the alert writes of a tick that died after its cursor, then forgets the journal', async () => {
    const table = await freshTable(db().client);
    const store = new DynamoStateStore(table);
    const { cursor } = await store.load();
    let dead = false;
    // The tick dies once its cursor (with the journal) is written: no alert write gets through.
    const dying = hooked(table, (cmd) => {
      if (cmd instanceof UpdateCommand && cmd.input.Key?.sk !== 'CURSOR') {
        dead = true;
        return Promise.reject(new Error('the Lambda timed out'));
      }
      return undefined;
    });
    await expect(new DynamoStateStore(dying).commit(cursor, { ...cursor, lastMinute: T0 }, [alert('a'), alert('b')])).rejects.toThrow('timed out');
    expect(dead).toBe(true);
    expect(await items(table, 'STATE')).toHaveLength(1);
    const loaded = await store.load();
    expect(Object.keys(loaded.alerts).sort()).toEqual(['a', 'b']);
    expect(loaded.alerts.a.version).toBe(1);
    expect(loaded.cursor.journal).toEqual([]);
    const [cursorItem] = (await items(table, 'STATE')).filter((i) => i.sk === 'CURSOR');
    expect(cursorItem).not.toHaveProperty('journal');
  });

  it('leaves an alert a later tick already wrote alone when finishing a journal', async () => {
    const table = await freshTable(db().client);
    const store = new DynamoStateStore(table);
    const s0 = await store.load();
    await store.commit(s0.cursor, { ...s0.cursor, lastMinute: T0 }, [alert('a')]);
    const s1 = await store.load();
    // A journal naming version 0 of "a" (already written at version 1): skipped, not an error.
    await table.doc.send(new UpdateCommand({ TableName: table.name, Key: { pk: 'STATE', sk: 'CURSOR' }, UpdateExpression: 'SET journal = :j', ExpressionAttributeValues: { ':j': [alert('a', { tier: 'warning' })] } }));
    const s2 = await store.load();
    expect(s2.alerts.a).toMatchObject({ tier: 'critical', version: 1 });
    expect(s2.cursor.version).toBe(s1.cursor.version);
  });
});

describe('DynamoStateStore reads and writes per tick', () => {
  it('hands a tick the acknowledgement the ack function wrote on an alert, and null where there is none', async () => {
    const table = await freshTable(db().client);
    const store = new DynamoStateStore(table);
    const { cursor } = await store.load();
    await store.commit(cursor, { ...cursor, lastMinute: T0 }, [alert('a'), alert('b')]);
    await new AckStore(table).acknowledge('a', null, { ackedBy: 'ana', via: 'slack' }, T0 + 60_000);
    const { alerts } = await store.load();
    expect(alerts.a.ack).toEqual({ ackedBy: 'ana', ackedAt: T0 + 60_000, via: 'slack', episode: T0 });
    expect(alerts.b.ack).toBeNull();
  });

  it('reads the state and the outbox strongly consistent (a tick decides on what the last one wrote)', async () => {
    const table = await freshTable(db().client);
    const reads: [string, unknown][] = [];
    const spying = hooked(table, (cmd) => {
      const input = (cmd as { input: { ConsistentRead?: boolean; RequestItems?: Record<string, { ConsistentRead?: boolean }> } }).input;
      if (cmd instanceof BatchGetCommand) reads.push(['BatchGet', input.RequestItems?.[table.name].ConsistentRead]);
      else if ((cmd as object).constructor.name === 'QueryCommand') reads.push(['Query', input.ConsistentRead]);
      return undefined;
    });
    const store = new DynamoStateStore(spying);
    await store.putOutbox(outboxItems([sampleNotification({ id: 'o1' })], T0));
    await store.load();
    await store.readOutbox(['o1']);
    expect(reads).toEqual([
      ['Query', true],
      ['BatchGet', true],
    ]);
  });

  it('a tick that moves no alert writes its cursor and nothing else', async () => {
    const table = await freshTable(db().client);
    let writes = 0;
    const counting = hooked(table, (cmd) => void (cmd instanceof UpdateCommand && writes++));
    const store = new DynamoStateStore(counting);
    const { cursor } = await store.load();
    await store.commit(cursor, { ...cursor, lastMinute: T0 }, []);
    expect(writes).toBe(1);
  });

  it('a tick whose journal a later tick already replaced still commits, and leaves the later cursor alone', async () => {
    const table = await freshTable(db().client);
    const later = new DynamoStateStore(table);
    let raced = false;
    // Between the slow tick's alert writes and its "REMOVE journal", a later tick commits.
    const racing = hooked(table, async (cmd) => {
      if (!raced && cmd instanceof UpdateCommand && cmd.input.UpdateExpression === 'REMOVE journal') {
        raced = true;
        const { cursor } = await later.load();
        await later.commit(cursor, { ...cursor, lastMinute: T0 + 60_000 }, []);
      }
      return undefined;
    });
    const slow = new DynamoStateStore(racing);
    const { cursor } = await slow.load();
    await slow.commit(cursor, { ...cursor, lastMinute: T0 }, [alert('a')]);
    expect(raced).toBe(true);
    const after = await later.load();
    expect(after.cursor).toMatchObject({ version: 2, lastMinute: T0 + 60_000, journal: [] });
    expect(after.alerts.a.version).toBe(1);
  });
});

describe('DynamoStateStore alert items', () => {
  it('an inactive alert expires a week after it ended (else after its last minute); a firing one never', async () => {
    const table = await freshTable(db().client);
    const store = new DynamoStateStore(table);
    const { cursor } = await store.load();
    await store.commit(cursor, { ...cursor }, [alert('a'), alert('b', { status: 'inactive', endsAt: T0 + 60_000 }), alert('c', { status: 'inactive', endsAt: null, lastMinute: T0 - 60_000 })]);
    const ttl = Object.fromEntries((await items(table, 'STATE')).filter((i) => i.sk !== 'CURSOR').map((i) => [i.sk, i.ttl]));
    expect(ttl).toEqual({ 'ALERT#a': undefined, 'ALERT#b': Math.floor((T0 + 60_000) / 1000) + 7 * DAY_S, 'ALERT#c': Math.floor((T0 - 60_000) / 1000) + 7 * DAY_S });
    // Firing again: the ttl goes.
    const s1 = await store.load();
    await store.commit(s1.cursor, { ...s1.cursor }, [{ ...s1.alerts.b, status: 'firing' }]);
    expect((await items(table, 'STATE')).find((i) => i.sk === 'ALERT#b')).not.toHaveProperty('ttl');
  });

  it('names the alert whose write lost a race, and passes on other failures', async () => {
    const table = await freshTable(db().client);
    const store = new DynamoStateStore(table);
    await store.saveAlerts([alert('a')]);
    await expect(store.saveAlerts([alert('a')])).rejects.toThrow(new ConcurrentTickError('alert r {"ModelId":"a"}'));
    await expect(new DynamoStateStore(hooked(table, failing('InternalServerError'))).saveAlerts([alert('x')])).rejects.toThrow('InternalServerError');
  });
});

describe('DynamoStateStore failures that are not conditions are passed on', () => {
  it.each([
    ['commit', (s: DynamoStateStore) => s.commit({ lastMinute: null, slowMinute: null, version: 0, pending: [], spend: {}, journal: [], groups: {}, escalations: {} }, { lastMinute: T0, slowMinute: null, version: 0, pending: [], spend: {}, journal: [], groups: {}, escalations: {} }, [])],
    ['putOutbox', (s: DynamoStateStore) => s.putOutbox(outboxItems([sampleNotification({ id: 'o1' })], T0))],
    ['claim', (s: DynamoStateStore) => s.claim('o1', T0, 1000)],
    ['finish', (s: DynamoStateStore) => s.finish('o1', { status: 'sent', nextAttemptAt: T0, lastError: null, sentAt: T0 }, 'me')],
    ['claimOnce', (s: DynamoStateStore) => s.claimOnce('digest', T0, 1000)],
    ['finishOnce', (s: DynamoStateStore) => s.finishOnce('digest', T0, true, 'me')],
  ])('%s', async (_name, call) => {
    const table = await freshTable(db().client);
    await expect(call(new DynamoStateStore(hooked(table, failing('InternalServerError'))))).rejects.toThrow('InternalServerError');
  });

  it('a journal whose cursor cannot be cleared for another reason', async () => {
    const table = await freshTable(db().client);
    const store = new DynamoStateStore(table);
    const { cursor } = await store.load();
    const broken = hooked(table, (cmd) => (cmd instanceof UpdateCommand && cmd.input.UpdateExpression === 'REMOVE journal' ? failing('InternalServerError')() : undefined));
    await expect(new DynamoStateStore(broken).commit(cursor, { ...cursor }, [alert('a')])).rejects.toThrow('InternalServerError');
    // The next load finishes the journal: a failed alert write there is passed on too (not taken for a lost race).
    await expect(new DynamoStateStore(hooked(table, (cmd) => (cmd instanceof UpdateCommand && cmd.input.Key?.sk === 'ALERT#a' ? failing('InternalServerError')() : undefined))).load()).rejects.toThrow('InternalServerError');
    expect((await store.load()).cursor.journal).toEqual([]);
  });
});

describe('DynamoStateStore outbox', () => {
  it('stores an item with a ttl two weeks after it was decided, and hands it out without its keys', async () => {
    const table = await freshTable(db().client);
    const store = new DynamoStateStore(table);
    const [item] = outboxItems([sampleNotification({ id: 'o1' })], T0);
    await store.putOutbox([item]);
    const [raw] = await items(table, 'OUTBOX');
    expect(raw).toMatchObject({ pk: 'OUTBOX', sk: 'o1', ttl: Math.floor(T0 / 1000) + 14 * DAY_S });
    expect(await store.listOutbox()).toEqual([item]);
    expect(await store.getOutbox(['o1'])).toEqual([item]);
    const claimed = await store.claim('o1', T0, 1000);
    expect(claimed).not.toHaveProperty('pk');
    expect(claimed).not.toHaveProperty('ttl');
  });

  it('reads more than 100 ids in batches of 100 (BatchGetItem’s limit)', async () => {
    const table = await freshTable(db().client);
    const store = new DynamoStateStore(table);
    const ids = Array.from({ length: 101 }, (_, i) => `o${String(i).padStart(3, '0')}`);
    await store.putOutbox(outboxItems(ids.map((id) => sampleNotification({ id })), T0));
    const sizes: number[] = [];
    const counting = hooked(table, (cmd) => {
      if (cmd instanceof BatchGetCommand) sizes.push(cmd.input.RequestItems![table.name].Keys!.length);
      return undefined;
    });
    const read = await new DynamoStateStore(counting).readOutbox(ids);
    expect(sizes).toEqual([100, 1]);
    expect(read.unread).toEqual([]);
    expect(read.items.map((i) => i.id).sort()).toEqual(ids);
    expect(await new DynamoStateStore(counting).readOutbox([])).toEqual({ items: [], unread: [] });
    expect(sizes).toHaveLength(2);
  });

  it('retries unprocessed keys with full-jitter waits, then says which stayed unread', async () => {
    const table = await freshTable(db().client);
    const waits: number[] = [];
    let calls = 0;
    const unprocessed = hooked(table, async (cmd) => {
      if (!(cmd instanceof BatchGetCommand)) return undefined;
      calls++;
      return { Responses: {}, UnprocessedKeys: cmd.input.RequestItems };
    });
    const store = new DynamoStateStore(unprocessed, { sleep: async (ms) => void waits.push(ms), random: () => 0.999 });
    expect(await store.readOutbox(['a', 'b'])).toEqual({ items: [], unread: ['a', 'b'] });
    expect(calls).toBe(BATCH_GET_ATTEMPTS);
    expect(BATCH_GET_ATTEMPTS).toBe(6);
    expect(waits).toEqual([49, 99, 199, 399, 799]);
    const capped: number[] = [];
    const half = new DynamoStateStore(unprocessed, { sleep: async (ms) => void capped.push(ms), random: () => 0.5 });
    await half.readOutbox(['a']);
    expect(capped).toEqual([25, 50, 100, 200, 400]);
  });

  it('by default really waits between rounds (a throttled partition is not asked again at once)', async () => {
    const table = await freshTable(db().client);
    let misses = 2;
    const throttled = hooked(table, async (cmd) => (cmd instanceof BatchGetCommand && misses-- > 0 ? { Responses: {}, UnprocessedKeys: cmd.input.RequestItems } : undefined));
    const store = new DynamoStateStore(throttled, { random: () => 0.999 });
    await store.putOutbox(outboxItems([sampleNotification({ id: 'o1' })], T0));
    const started = Date.now();
    expect((await store.readOutbox(['o1'])).items.map((i) => i.id)).toEqual(['o1']);
    // Two waits of the full jitter's upper end: 49 ms, then 99 ms.
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });
});
