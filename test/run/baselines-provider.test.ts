/**
 * The evaluate tick's view of the learned baselines (shared/run/baselines-provider.ts): which hour's
 * expectation a tick reads, when it has none, when a first weekend's guess is not trusted to page,
 * and when a warm container reads the expectations again (a new learning run may have landed).
 */
import type { ModelExpectations, SeriesExpectation } from '../../shared/core/baseline';
import { HOUR } from '../../shared/core/time';
import { fixedBaselines } from '../../shared/engine/kinds/expected';
import { baselinesOf, storedBaselines } from '../../shared/run/baselines-provider';
import { MemoryBaselineStore } from '../../shared/state/baselines';
import type { BaselineStore } from '../../shared/state/baselines';

const START = Date.parse('2026-10-05T00:00:00.000Z');
const KEY = 'Invocations:Sum';

const series = (values: (number | null)[], over: Partial<SeriesExpectation> = {}): SeriesExpectation => ({ values, confidence: 'ok', spread: null, hours: 336, ...over });
const expectations = (model: string, s: Record<string, SeriesExpectation>): ModelExpectations => ({
  model,
  asOf: START + 24 * HOUR,
  start: START,
  series: s,
  wow: {},
  cost: { monthStart: START, monthToDate: null, forecast: null, dailyExpected: null },
});

describe('baselinesOf: the expectation of one hour', () => {
  const b = baselinesOf([
    expectations('model-a', { [KEY]: series([10, 20, null, 40], { basis: 'wwmm' }) }),
    expectations('model-b', { [KEY]: series([5, 6], { confidence: 'low', basis: 'mm', hours: 12 }) }),
  ]);

  it('reads the value of the hour the time falls in, with its confidence and the hours behind it', () => {
    expect(b.expect('model-a', KEY, START)).toEqual({ value: 10, confidence: 'ok', hours: 336 });
    expect(b.expect('model-a', KEY, START + HOUR + 59 * 60_000)).toEqual({ value: 20, confidence: 'ok', hours: 336 });
  });

  it('has none for an unknown model or series, an hour outside the learned ones, or an hour without a value', () => {
    expect(b.expect('model-z', KEY, START)).toBeNull();
    expect(b.expect('model-a', 'OutputTokenCount:Sum', START)).toBeNull();
    expect(b.expect('model-a', KEY, START - 1)).toBeNull(); // the hour before the first
    expect(b.expect('model-a', KEY, START + 4 * HOUR)).toBeNull(); // one past the last
    expect(b.expect('model-a', KEY, START + 2 * HOUR)).toBeNull(); // null
  });

  it('an hour known only from days of another kind (basis m) is low confidence, never more', () => {
    expect(b.expect('model-a', KEY, START + 3 * HOUR)).toEqual({ value: 40, confidence: 'low', hours: 336 });
    expect(b.expect('model-b', KEY, START)).toEqual({ value: 5, confidence: 'low', hours: 12 });
  });

  it('lists the models, and gives each one its expectations', () => {
    expect(b.models()).toEqual(['model-a', 'model-b']);
    expect(b.model('model-b')?.series[KEY].hours).toBe(12);
    expect(b.model('model-z')).toBeNull();
  });
});

describe('storedBaselines: read once, again when a new learning run may have landed', () => {
  function store() {
    let reads = 0;
    let value = 1;
    const s: BaselineStore = {
      loadHistories: async () => ({}),
      saveHistories: async () => undefined,
      loadExpectations: async () => {
        reads++;
        return [expectations('model-a', { [KEY]: series(Array(24).fill(value)) })];
      },
      saveExpectations: async () => undefined,
    };
    return { s, reads: () => reads, learn: (v: number) => void (value = v) };
  }
  const T = START + 10 * HOUR; // 10:00
  const read = async (get: (now: number) => Promise<ReturnType<typeof baselinesOf>>, now: number) => (await get(now)).expect('model-a', KEY, T)?.value;

  it('within the hour and the refresh interval, the expectations read are kept', async () => {
    const st = store();
    const get = storedBaselines(st.s, 10 * 60_000);
    expect(await read(get, T)).toBe(1);
    st.learn(2);
    expect(await read(get, T)).toBe(1); // the same time again (a duplicated event)
    expect(await read(get, T + 10 * 60_000 - 1)).toBe(1);
    expect(st.reads()).toBe(1);
  });

  it('read again once the refresh interval has passed', async () => {
    const st = store();
    const get = storedBaselines(st.s, 10 * 60_000);
    await get(T);
    st.learn(2);
    expect(await read(get, T + 10 * 60_000)).toBe(2);
    expect(st.reads()).toBe(2);
  });

  it('read again when the hour turns, however soon', async () => {
    const st = store();
    const get = storedBaselines(st.s, 10 * 60_000);
    await get(T - 60_000); // 09:59
    st.learn(2);
    expect(await read(get, T)).toBe(2);
    expect(st.reads()).toBe(2);
  });

  it('read again for an earlier time (a late invocation): never a cache from its future', async () => {
    const st = store();
    const get = storedBaselines(st.s, 10 * 60_000);
    await get(T + 5 * 60_000);
    st.learn(2);
    expect(await read(get, T + 4 * 60_000)).toBe(2);
    expect(st.reads()).toBe(2);
  });

  it('refreshes every 10 minutes by default', async () => {
    const st = store();
    const get = storedBaselines(st.s);
    await get(T);
    await get(T + 10 * 60_000 - 1);
    expect(st.reads()).toBe(1);
    await get(T + 10 * 60_000);
    expect(st.reads()).toBe(2);
  });
});

describe('baselinesOf: a view built inside the test', () => {
  const list = () => [
    expectations('model-a', { [KEY]: series([10, 20, null, 40], { basis: 'wwmm' }) }),
    expectations('model-b', { [KEY]: series([5, 6, 7], { confidence: 'none', basis: 'mmm', hours: 0 }) }),
  ];

  it('none for an hour before the start, at or after the end, or a null or missing value', () => {
    const b = baselinesOf(list());
    expect(b.expect('model-a', KEY, START - HOUR)).toBeNull();
    expect(b.expect('model-a', KEY, START - 1)).toBeNull();
    expect(b.expect('model-a', KEY, START + 4 * HOUR)).toBeNull();
    expect(b.expect('model-a', KEY, START + 4 * HOUR - 1)).toEqual({ value: 40, confidence: 'low', hours: 336 });
    expect(b.expect('model-a', KEY, START + 10 * HOUR)).toBeNull();
    expect(b.expect('model-a', KEY, START + 2 * HOUR)).toBeNull();
    // A hole in the values (an entry never written) is no expectation either, not an undefined one.
    const holes = baselinesOf([expectations('model-h', { [KEY]: series([1, , 3] as (number | null)[]) })]);
    expect(holes.expect('model-h', KEY, START + HOUR)).toBeNull();
    expect(holes.expect('model-h', KEY, START + 2 * HOUR)).toEqual({ value: 3, confidence: 'ok', hours: 336 });
  });

  it('basis m lowers only an ok confidence: none stays none', () => {
    const b = baselinesOf(list());
    expect(b.expect('model-b', KEY, START)).toEqual({ value: 5, confidence: 'none', hours: 0 });
    expect(b.expect('model-a', KEY, START + 3 * HOUR)).toEqual({ value: 40, confidence: 'low', hours: 336 });
    expect(b.expect('model-a', KEY, START + HOUR)).toEqual({ value: 20, confidence: 'ok', hours: 336 });
  });

  it('model() and models() give back what was given', () => {
    const l = list();
    const b = baselinesOf(l);
    expect(b.models()).toEqual(['model-a', 'model-b']);
    expect(b.model('model-a')).toBe(l[0]);
    expect(b.model('model-b')).toBe(l[1]);
    expect(b.model('model-z')).toBeNull();
    expect(baselinesOf([]).models()).toEqual([]);
  });

  it('is registered as read-only (expectedOver may keep running sums for it)', () => {
    const b = baselinesOf(list());
    expect(fixedBaselines.has(b)).toBe(true);
  });
});

describe('storedBaselines: the same view while the store hands back the same items', () => {
  const T = START + 10 * HOUR;
  const item = (model: string, v: number) => expectations(model, { [KEY]: series(Array(24).fill(v)) });

  it('keeps the view across a refresh when the items are the very same objects', async () => {
    const store = new MemoryBaselineStore();
    await store.saveExpectations([item('model-a', 1), item('model-b', 2)]);
    const get = storedBaselines(store, 10 * 60_000);
    const first = await get(T);
    expect(await get(T + 10 * 60_000)).toBe(first); // refreshed: a new list, the same items
    expect(await get(T + 25 * 60_000)).toBe(first);
    expect(fixedBaselines.has(first)).toBe(true);
  });

  it('a new view when one item is replaced, one is added or removed, or the order changes', async () => {
    const a = item('model-a', 1);
    const b = item('model-b', 2);
    let list: ModelExpectations[] = [a, b];
    const store = { loadHistories: async () => ({}), saveHistories: async () => undefined, loadExpectations: async () => [...list], saveExpectations: async () => undefined } as BaselineStore;
    const get = storedBaselines(store, 10 * 60_000);
    const v1 = await get(T);
    expect(await get(T + 10 * 60_000)).toBe(v1);
    const b2 = item('model-b', 3);
    list = [a, b2]; // the second replaced, the first the same
    const v2 = await get(T + 20 * 60_000);
    expect(v2).not.toBe(v1);
    expect(v2.expect('model-b', KEY, T)?.value).toBe(3);
    list = [b2, a]; // the same items, another order
    const v3 = await get(T + 30 * 60_000);
    expect(v3).not.toBe(v2);
    list = [b2, a, item('model-c', 4)]; // one more after the same ones
    const v4 = await get(T + 40 * 60_000);
    expect(v4).not.toBe(v3);
    expect(v4.models()).toEqual(['model-b', 'model-a', 'model-c']);
    list = [b2, a]; // one fewer: the rest the same
    const v5 = await get(T + 50 * 60_000);
    expect(v5).not.toBe(v4);
    expect(v5.models()).toEqual(['model-b', 'model-a']);
    expect(await get(T + 59 * 60_000)).toBe(v5);
  });

  it('a new view when the hour turns with other items; the same one when it turns with the same', async () => {
    const store = new MemoryBaselineStore();
    await store.saveExpectations([item('model-a', 1)]);
    const get = storedBaselines(store, 10 * 60_000);
    const v1 = await get(T + 55 * 60_000);
    expect(await get(T + HOUR)).toBe(v1);
    await store.saveExpectations([item('model-a', 2)]);
    const v2 = await get(T + HOUR + 60_000);
    expect(v2).toBe(v1); // within the hour and the interval: not read again
    const v3 = await get(T + 2 * HOUR);
    expect(v3).not.toBe(v1);
    expect(v3.expect('model-a', KEY, T)?.value).toBe(2);
  });
});

describe('storedBaselines, the module loaded inside the test', () => {
  // sameItems is built when the module loads: loaded here, a change to it is in force during this test.
  it('keeps the view while the items are the same objects, and builds another when one is replaced', async () => {
    let mod!: typeof import('../../shared/run/baselines-provider');
    jest.isolateModules(() => {
      mod = require('../../shared/run/baselines-provider') as typeof import('../../shared/run/baselines-provider');
    });
    const store = new MemoryBaselineStore();
    await store.saveExpectations([expectations('model-a', { [KEY]: series([1]) })]);
    const get = mod.storedBaselines(store, 10 * 60_000);
    const T = START + 10 * HOUR;
    const first = await get(T);
    expect(await get(T + 10 * 60_000)).toBe(first);
    await store.saveExpectations([expectations('model-a', { [KEY]: series([2]) })]);
    expect(await get(T + 20 * 60_000)).not.toBe(first);
  });
});
