/**
 * Baselines in the table (dynalite through the real SDK client) and in memory, one contract: a
 * model's history moves only from the version it was read at (two overlapping learning runs cannot
 * interleave), and the expectations every tick reads are the last ones saved per model.
 */
import type { ModelExpectations } from '../../shared/core/baseline';
import { queryAll, type Table } from '../../shared/dynamo/table';
import { DynamoBaselineStore, MemoryBaselineStore, type BaselineStore } from '../../shared/state/baselines';
import { ConcurrentTickError } from '../../shared/state/types';
import { useDynamo } from '../support/dynamo';
import { freshTable } from '../support/evaluate-harness';

const NOW = Date.parse('2026-10-05T16:00:00.000Z');
const db = useDynamo();
let table: Table;

const histories = (v: number) => ({ Invocations: { start: NOW, hours: [v] } }) as never;
const expectations = (model: string, asOf: number): ModelExpectations => ({ model, asOf, start: asOf - 86_400_000, series: {}, wow: {}, cost: { monthStart: asOf, monthToDate: null, forecast: null, dailyExpected: null } });

const stores: [string, () => Promise<BaselineStore>][] = [
  ['memory', async () => new MemoryBaselineStore()],
  [
    'dynamodb',
    async () => {
      table = await freshTable(db().client);
      return new DynamoBaselineStore(table);
    },
  ],
];

describe.each(stores)('baseline store (%s)', (_name, make) => {
  it('saves a new model’s history at version 1 and reads it back', async () => {
    const store = await make();
    expect(await store.loadHistories()).toEqual({});
    const stored = { histories: histories(1), version: 0 };
    await store.saveHistories('m1', stored);
    expect(stored.version).toBe(1);
    expect(await store.loadHistories()).toEqual({ m1: { histories: histories(1), version: 1 } });
  });

  it('moves a history only from the version read: a stale or a made-up version is refused', async () => {
    const store = await make();
    await store.saveHistories('m1', { histories: histories(1), version: 0 });
    const a = (await store.loadHistories()).m1;
    const b = (await store.loadHistories()).m1;
    a.histories = histories(2);
    await store.saveHistories('m1', a);
    expect(a.version).toBe(2);
    await expect(store.saveHistories('m1', b)).rejects.toBeInstanceOf(ConcurrentTickError);
    await expect(store.saveHistories('m1', b)).rejects.toMatchObject({ name: 'ConcurrentTickError' });
    await expect(store.saveHistories('m1', { histories: histories(3), version: 0 })).rejects.toThrow('another evaluation recorded the baseline of m1 first');
    await expect(store.saveHistories('m1', { histories: histories(3), version: 5 })).rejects.toBeInstanceOf(ConcurrentTickError);
    expect(b.version).toBe(1);
    expect(await store.loadHistories()).toEqual({ m1: { histories: histories(2), version: 2 } });
  });

  it('refuses a new model’s history saved twice from version 0', async () => {
    const store = await make();
    await store.saveHistories('m2', { histories: histories(1), version: 0 });
    await expect(store.saveHistories('m2', { histories: histories(9), version: 0 })).rejects.toBeInstanceOf(ConcurrentTickError);
  });

  it('keeps the last expectations saved per model', async () => {
    const store = await make();
    expect(await store.loadExpectations()).toEqual([]);
    await store.saveExpectations([expectations('m1', NOW), expectations('m2', NOW)]);
    await store.saveExpectations([expectations('m1', NOW + 3_600_000)]);
    const got = await store.loadExpectations();
    expect(got.sort((x, y) => x.model.localeCompare(y.model))).toEqual([expectations('m1', NOW + 3_600_000), expectations('m2', NOW)]);
  });
});

describe('DynamoBaselineStore items', () => {
  it('one history item and one expectations item per model, under pk BASELINE', async () => {
    const own = await freshTable(db().client);
    const store = new DynamoBaselineStore(own);
    await store.saveHistories('m1', { histories: histories(1), version: 0 });
    await store.saveExpectations([expectations('m1', NOW)]);
    const items = await queryAll(own, { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'BASELINE' } });
    expect(items.sort((x, y) => String(x.sk).localeCompare(String(y.sk)))).toEqual([
      { pk: 'BASELINE', sk: 'EXPECT#m1', expectations: expectations('m1', NOW) },
      { pk: 'BASELINE', sk: 'HIST#m1', model: 'm1', histories: histories(1), version: 1 },
    ]);
    // Each load reads its own items only.
    expect(await store.loadHistories()).toEqual({ m1: { histories: histories(1), version: 1 } });
    expect(await store.loadExpectations()).toStrictEqual([expectations('m1', NOW)]);
  });

  it('passes on a failure that is not a condition', async () => {
    const store = new DynamoBaselineStore({ doc: { send: async () => Promise.reject(Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' })) }, name: 't' } as never);
    await expect(store.saveHistories('m1', { histories: histories(1), version: 0 })).rejects.toThrow('throttled');
  });
});

describe('MemoryBaselineStore copies: what it holds changes only through saveHistories', () => {
  const stored = (): { histories: Record<string, { start: number; values: (number | null)[]; excluded?: number[] }>; version: number } => ({
    histories: {
      'Invocations:Sum': { start: NOW, values: [1, null, 0, -0, 5] },
      'OutputTokenCount:Sum': { start: NOW - 3_600_000, values: [], excluded: [NOW - 3_600_000, NOW] },
    },
    version: 0,
  });

  it('hands back exactly what was saved: nulls, zeros (-0 too), empty and nested arrays', async () => {
    const store = new MemoryBaselineStore();
    await store.saveHistories('m1', stored());
    const got = (await store.loadHistories()).m1;
    expect(got).toStrictEqual({ ...stored(), version: 1 });
    expect(Object.is(got.histories['Invocations:Sum'].values[3], -0)).toBe(true);
    expect(Object.is(got.histories['Invocations:Sum'].values[2], 0)).toBe(true);
    expect(got.histories['OutputTokenCount:Sum'].values).toEqual([]);
  });

  it('a loaded history is the caller’s own: changing its values, arrays or series changes neither the store nor the next load', async () => {
    const store = new MemoryBaselineStore();
    await store.saveHistories('m1', stored());
    const a = (await store.loadHistories()).m1;
    a.histories['Invocations:Sum'].values[0] = 99;
    a.histories['Invocations:Sum'].values.push(7);
    a.histories['Invocations:Sum'].start = 0;
    a.histories['OutputTokenCount:Sum'].values.push(3);
    a.histories['OutputTokenCount:Sum'].excluded!.length = 0;
    delete a.histories['OutputTokenCount:Sum'];
    a.version = 42;
    const b = (await store.loadHistories()).m1;
    expect(b).toStrictEqual({ ...stored(), version: 1 });
    expect(b.histories['Invocations:Sum'].values).not.toBe(a.histories['Invocations:Sum'].values);
    // Two loads do not share arrays either.
    b.histories['Invocations:Sum'].values[1] = 8;
    expect((await store.loadHistories()).m1).toStrictEqual({ ...stored(), version: 1 });
  });

  it('what was saved is still the caller’s: changing it afterwards does not change the store', async () => {
    const store = new MemoryBaselineStore();
    const mine = stored();
    await store.saveHistories('m1', mine);
    expect(mine.version).toBe(1);
    mine.histories['Invocations:Sum'].values[0] = 99;
    mine.histories['Invocations:Sum'].values.push(7);
    mine.histories['OutputTokenCount:Sum'].values.push(3);
    mine.histories['OutputTokenCount:Sum'].excluded!.push(1);
    mine.histories['OutputTokenCount:Sum'].start = 1;
    mine.histories.Extra = { start: NOW, values: [1] };
    expect((await store.loadHistories()).m1).toStrictEqual({ ...stored(), version: 1 });
    // The version the caller holds moves the history on, from what the store holds.
    await store.saveHistories('m1', mine);
    expect((await store.loadHistories()).m1.histories['Invocations:Sum'].values).toEqual([99, null, 0, -0, 5, 7]);
  });
});
