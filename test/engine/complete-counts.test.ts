/**
 * The held-count bookkeeping (engine/cadence.ts completeCounts) was rewritten for speed (minute keys
 * and places worked out once per call). Until the old version is removed, this holds the two equal
 * on generated frames: the same counts held, the same per-model series written into the frame.
 */
import fc from 'fast-check';
import { accountTarget, completeCounts } from '../../shared/engine/cadence';
import { ACCOUNT, type Frame, type HeldCounts, type SeriesKey } from '../../shared/core/series';
import { placeKey, placeOfTarget, targetKey } from '../../shared/core/target';
import { copyPlain } from '../../shared/state/memory-store';

// The implementation as it was before the rewrite, verbatim.
const nullSeries = (frame: Frame): Record<SeriesKey, (number | null)[]> => {
  const keys = new Set(Object.values(frame.models).flatMap((m) => Object.keys(m)));
  return Object.fromEntries([...keys].map((k) => [k, new Array<number | null>(frame.length).fill(null)]));
};
const MAX_HELD_VALUES = 2000;
function completeCountsBefore(frame: Frame, keys: SeriesKey[], account: Frame, held: HeldCounts | undefined, read: Map<string, SeriesKey[]>, places: string[]): HeldCounts {
  const next: HeldCounts = {};
  const candidates: { key: SeriesKey; acct: string; keep: HeldCounts[SeriesKey][string]; count: number }[] = [];
  const offset = Math.round((account.from - frame.from) / frame.period);
  const minuteOf = (i: number) => String(frame.from + i * frame.period);
  for (const place of places) {
    const acct = accountTarget(place);
    const series = account.models[acct];
    if (!series) continue;
    for (const key of keys) {
      const sums = series[key];
      if (!sums) continue;
      const sumAt = (i: number) => sums[i - offset] ?? null;
      if (!read.get(place)?.includes(key)) {
        const h = held?.[key]?.[acct] ?? {};
        // Targets the held minutes name, even those with no other datapoint in this window.
        for (const [m, at] of Object.entries(h)) {
          const i = (Number(m) - frame.from) / frame.period;
          if (i >= 0 && i < frame.length) for (const t of Object.keys(at.values)) frame.models[t] ??= nullSeries(frame);
        }
        for (const [target, byKey] of Object.entries(frame.models)) {
          if (target === acct || placeOfTarget(target) !== place) continue;
          const inv = byKey['Invocations:Sum'];
          byKey[key] = Array.from({ length: frame.length }, (_, i) => {
            const sum = sumAt(i);
            if (sum === null || sum === 0) return inv?.[i] === null || inv?.[i] === undefined ? null : 0;
            return h[minuteOf(i)]?.values[target] ?? null;
          });
        }
      }
      const keep: Record<string, { total: number; values: Record<string, number> }> = {};
      let count = 0;
      const mine = Object.entries(frame.models).filter(([target]) => target !== acct && placeOfTarget(target) === place);
      for (let i = 0; i < frame.length; i++) {
        const sum = sumAt(i);
        if (sum === null || sum === 0) continue;
        const values: Record<string, number> = {};
        for (const [target, byKey] of mine) {
          const v = byKey[key]?.[i];
          if (v !== null && v !== undefined) values[target] = v;
        }
        count += 1 + Object.keys(values).length;
        keep[minuteOf(i)] = { total: sum, values };
      }
      if (count) candidates.push({ key, acct, keep, count });
    }
  }
  // The sparsest counts first: holding pays off where errors are rare, not where every minute brings new ones.
  let total = 0;
  for (const c of candidates.sort((a, b) => a.count - b.count)) {
    if (total + c.count > MAX_HELD_VALUES) break;
    total += c.count;
    (next[c.key] ??= {})[c.acct] = c.keep;
  }
  return next;
}



const KEYS: SeriesKey[] = ['InvocationThrottles:Sum', 'InvocationServerErrors:Sum', 'InvocationClientErrors:Sum'];
const MODELS = ['m1', 'm2', 'm3', 'm4'];
const value = fc.oneof(fc.constant(null), fc.constant(0), fc.integer({ min: 0, max: 9 }));

const scenario = fc
  .record({
    places: fc.subarray([placeKey(undefined, undefined), placeKey('us-west-2', '111111111111')], { minLength: 1 }),
    length: fc.integer({ min: 1, max: 12 }),
    shift: fc.integer({ min: -2, max: 2 }),
    seed: fc.array(value, { minLength: 400, maxLength: 400 }),
    readMask: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
    heldMask: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
  })
  .map(({ places, length, shift, seed, readMask, heldMask }) => {
    let n = 0;
    const next = () => seed[n++ % seed.length];
    const from = 1_000 * 60_000;
    const frame: Frame = { from, length, period: 60_000, models: {} };
    for (const place of places) {
      const [region, account] = place.split('|');
      for (const m of MODELS.slice(0, 2 + (n % 3))) {
        const t = targetKey({ modelId: m, region: region || undefined, account: account || undefined });
        frame.models[t] = Object.fromEntries([['Invocations:Sum', Array.from({ length }, next)], ...KEYS.map((k) => [k, Array.from({ length }, next)])]);
      }
    }
    const account: Frame = { from: from + shift * 60_000, length, period: 60_000, models: {} };
    const read = new Map<string, SeriesKey[]>();
    const held: HeldCounts = {};
    places.forEach((place, p) => {
      account.models[accountTarget(place)] = Object.fromEntries(KEYS.map((k) => [k, Array.from({ length }, next)]));
      const keys = KEYS.filter((_, i) => readMask[p * 3 + i]);
      if (keys.length) read.set(place, keys);
      KEYS.forEach((k, i) => {
        if (!heldMask[p * 3 + i]) return;
        const minute = String(from + ((n % length) - 1) * 60_000);
        const target = targetKey({ modelId: 'm9', region: placeOfTarget(accountTarget(place)).split('|')[0] || undefined, account: place.split('|')[1] || undefined });
        (held[k] ??= {})[accountTarget(place)] = { [minute]: { total: 3, values: { [target]: 3 } } };
      });
    });
    return { frame, account, read, held, places };
  });

describe('completeCounts, rewritten for speed, decides as before', () => {
  it('holds the same counts and fills the same series on generated frames', () => {
    fc.assert(
      fc.property(scenario, ({ frame, account, read, held, places }) => {
        const a = copyPlain(frame);
        const b = copyPlain(frame);
        const heldA = completeCountsBefore(a, KEYS, account, held, read, places);
        const heldB = completeCounts(b, KEYS, account, held, read, places);
        expect(heldB).toEqual(heldA);
        expect(b).toEqual(a);
      }),
      { seed: 20, numRuns: 300 },
    );
    expect(ACCOUNT).toBeTruthy();
  });
});

describe('completeCounts on consecutive ticks, holding again what it held', () => {
  it('holds what the old version holds, key for key in the same order, when the window moves on', () => {
    let reused = 0;
    fc.assert(
      fc.property(scenario, fc.array(fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 9 })), { minLength: 40, maxLength: 40 }), fc.boolean(), fc.boolean(), fc.boolean(), ({ frame, account, read, held, places }, fresh, change, readAll, changeSum) => {
        const first = completeCounts(copyPlain(frame), KEYS, account, held, read, places);
        // The next tick: the window one minute later, the same minutes' data (one value changed, maybe), a new last minute.
        let n = 0;
        const shift = <T,>(s: T[]): T[] => [...s.slice(1), fresh[n++ % fresh.length] as T];
        const next: Frame = { ...frame, from: frame.from + frame.period, models: Object.fromEntries(Object.entries(frame.models).map(([t, byKey]) => [t, Object.fromEntries(Object.entries(byKey).map(([k, s]) => [k, shift(s)]))])) };
        const acct: Frame = { ...account, from: account.from + account.period, models: Object.fromEntries(Object.entries(account.models).map(([t, byKey]) => [t, Object.fromEntries(Object.entries(byKey).map(([k, s]) => [k, shift(s)]))])) };
        if (change) for (const byKey of Object.values(next.models)) for (const s of Object.values(byKey)) if (s.length > 1) s[0] = s[0] === null ? 1 : s[0] + 1;
        if (changeSum) for (const byKey of Object.values(acct.models)) for (const s of Object.values(byKey)) if (s.length > 1 && s[0] !== null) s[0] += 1;
        const a = copyPlain(next);
        const b = copyPlain(next);
        // Read per model (the frame's values stand) or completed from what is held.
        const reads = new Map(readAll ? places.map((p) => [p, KEYS]) : []);
        const heldA = completeCountsBefore(a, KEYS, acct, JSON.parse(JSON.stringify(first)), reads, places);
        const heldB = completeCounts(b, KEYS, acct, first, reads, places);
        expect(JSON.stringify(heldB)).toBe(JSON.stringify(heldA));
        expect(b).toEqual(a);
        for (const [k, byAcct] of Object.entries(heldB)) for (const [t, h] of Object.entries(byAcct)) for (const [m, at] of Object.entries(h)) if (first[k]?.[t]?.[m] === at) reused++;
      }),
      { seed: 21, numRuns: 300 },
    );
    // Minutes held again as they were are the case this covers.
    expect(reused).toBeGreaterThan(50);
  });
});

describe('copyPlain, the memory store\'s copy', () => {
  it('gives what structuredClone gives for plain data, and a copy that does not share', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.option(fc.constant(undefined)), (x, u) => {
        const v = { x, u, nested: [x, { y: x }] };
        const c = copyPlain(v);
        expect(c).toStrictEqual(structuredClone(v));
        if (c.nested !== null && typeof c.nested === 'object') expect(c.nested).not.toBe(v.nested);
      }),
      { seed: 7, numRuns: 300 },
    );
  });
});
