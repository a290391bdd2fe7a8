/**
 * Silences in the table (dynalite through the real SDK client) and in memory: which ones the tick
 * reads, the CLI's list (newest first, ended ones kept a week), adding once, expiring once.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Silence } from '../../shared/core/silence';
import { queryAll } from '../../shared/dynamo/table';
import { DynamoSilenceStore, MemorySilenceStore, newSilenceId } from '../../shared/state/silences';
import { useDynamo } from '../support/dynamo';
import { freshTable } from '../support/evaluate-harness';

const NOW = Date.parse('2026-10-05T16:00:00.000Z');
const H = 3_600_000;
const silence = (id: string, startsAt: number, endsAt: number, over: Partial<Silence> = {}): Silence => ({ id, matchers: ['ModelId=~"meta.*"'], author: 'ana', comment: 'migration', startsAt, endsAt, createdAt: startsAt, ...over });

describe('DynamoSilenceStore', () => {
  const db = useDynamo();

  it('stores one item per silence with a ttl a week after it ends, and refuses the same id twice', async () => {
    const table = await freshTable(db().client);
    const store = new DynamoSilenceStore(table);
    const s = silence('s1', NOW, NOW + 2 * H);
    await store.add(s);
    const items = await queryAll(table, { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'SILENCE' } });
    expect(items).toEqual([{ pk: 'SILENCE', sk: 'SILENCE#s1', ...s, ttl: Math.floor((NOW + 2 * H) / 1000) + 7 * 86_400 }]);
    await expect(store.add({ ...s, comment: 'again' })).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    expect((await store.list()).map((x) => x.comment)).toEqual(['migration']);
  });

  it('reads the silences not yet ended (pending ones too), and lists every kept one newest first', async () => {
    const table = await freshTable(db().client);
    const store = new DynamoSilenceStore(table);
    await store.add(silence('old', NOW - 5 * H, NOW - H, { createdAt: NOW - 5 * H }));
    await store.add(silence('now', NOW - H, NOW + H, { createdAt: NOW - H }));
    await store.add(silence('later', NOW + H, NOW + 2 * H, { createdAt: NOW - 2 * H }));
    await store.add(silence('edge', NOW - H, NOW, { createdAt: NOW - 3 * H }));
    expect((await store.current(NOW)).map((s) => s.id).sort()).toEqual(['later', 'now']);
    expect(await store.current(NOW)).toContainEqual(silence('now', NOW - H, NOW + H, { createdAt: NOW - H }));
    expect((await store.list()).map((s) => s.id)).toEqual(['now', 'later', 'edge', 'old']);
  });

  it('reads an item missing optional fields as empty text and no matchers', async () => {
    const table = await freshTable(db().client);
    await table.doc.send(new PutCommand({ TableName: table.name, Item: { pk: 'SILENCE', sk: 'SILENCE#x', id: 'x', startsAt: NOW, endsAt: NOW + H, createdAt: NOW } }));
    expect(await new DynamoSilenceStore(table).list()).toEqual([{ id: 'x', matchers: [], author: '', comment: '', startsAt: NOW, endsAt: NOW + H, createdAt: NOW }]);
  });

  it('expires a running silence once: its end becomes now, its ttl a week later; not again, not an unknown one', async () => {
    const table = await freshTable(db().client);
    const store = new DynamoSilenceStore(table);
    await store.add(silence('s1', NOW - H, NOW + H));
    expect(await store.expire('s1', NOW)).toBe(true);
    const [item] = await queryAll(table, { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'SILENCE' } });
    expect(item).toMatchObject({ endsAt: NOW, ttl: Math.floor(NOW / 1000) + 7 * 86_400 });
    expect(await store.current(NOW)).toEqual([]);
    expect(await store.expire('s1', NOW + 1)).toBe(false);
    expect(await store.expire('nope', NOW)).toBe(false);
    expect(await queryAll(table, { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'SILENCE' } })).toHaveLength(1);
  });

  it('passes on a failure that is not a condition', async () => {
    const store = new DynamoSilenceStore({ doc: { send: async () => Promise.reject(Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' })) }, name: 't' } as never);
    await expect(store.expire('s1', NOW)).rejects.toThrow('throttled');
  });
});

describe('MemorySilenceStore', () => {
  it('hands out copies of the silences not yet ended', async () => {
    const store = new MemorySilenceStore([silence('a', NOW - H, NOW), silence('b', NOW - H, NOW + 1)]);
    const got = await store.current(NOW);
    expect(got).toEqual([silence('b', NOW - H, NOW + 1)]);
    got[0].comment = 'changed';
    expect(store.silences[1].comment).toBe('migration');
  });
});

it('newSilenceId: eight characters, a new one each time', () => {
  const ids = new Set(Array.from({ length: 50 }, newSilenceId));
  expect(ids.size).toBe(50);
  for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}$/);
});
