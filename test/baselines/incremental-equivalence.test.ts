/**
 * Issue 20: the hourly learning keeps seasonal expectations from one run to the next (SeasonalMemo),
 * caches each hour's calendar look-backs per zone and takes small medians without a sorted copy.
 * The results must be the old ones to the last bit: the new code is run beside the implementation
 * of main before the change (test/support/reference-baselines) on random histories, as an hourly
 * learning run would feed them (an hour appended, the front trimmed, a caller's history dropped and
 * started over, a learned hour rewritten), in UTC and in zones with DST changes (half-hour ones
 * included), and every value is compared with Object.is (a -0 is not a 0 here).
 */
import fc from 'fast-check';
import { buildExpectations } from '../../shared/baselines/expectations';
import { HISTORY_HOURS, learnedHours, record } from '../../shared/baselines/history';
import { learnedHours as refLearnedHours } from '../support/reference-baselines/history';
import { median, mad } from '../../shared/core/stats';
import type { History, ModelHistories } from '../../shared/core/baseline';
import { Pricing } from '../../shared/pricing/pricing';
import { rng } from '../../shared/local/generate';
import { buildExpectations as refBuild } from '../support/reference-baselines/expectations';
import { median as refMedian, mad as refMad } from '../support/reference-baselines/stats';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MODEL = 'test.priced-model-v1:0';
const PRICING = new Pricing({ [MODEL]: { input: 0.001, output: 0.002 } });
const INV = 'Invocations:Sum';
const IN = 'InputTokenCount:Sum';
const OUT = 'OutputTokenCount:Sum';
const LAT = 'InvocationLatency:p95';
const CALLER = 'caller:arn:aws:iam::123456789012:role/app';

/** Deep equality with Object.is on every number (toEqual would let -0 pass for 0). */
function same(a: unknown, b: unknown, path = ''): string | null {
  if (typeof a === 'number' || typeof b === 'number') return Object.is(a, b) ? null : `${path}: ${String(a)} vs ${String(b)}`;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b ? null : `${path}: ${String(a)} vs ${String(b)}`;
  const ka = Object.keys(a as object).sort();
  const kb = Object.keys(b as object).sort();
  if (ka.join() !== kb.join()) return `${path}: keys ${ka.join()} vs ${kb.join()}`;
  for (const k of ka) {
    const d = same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    if (d) return d;
  }
  return null;
}

/** A value as traffic gives them: a daily shape with noise, idle hours, repeats, gaps (null), now and then a -0. */
function valueAt(r: () => number, hour: number, scale: number): number | null {
  const x = r();
  if (x < 0.05) return null;
  if (x < 0.12) return 0;
  if (x < 0.13) return -0;
  if (x < 0.2) return 100; // repeated values: ties in every median
  const daily = 1 + 0.8 * Math.sin(((hour / HOUR) % 24) * (Math.PI / 12));
  return Math.round(scale * daily * (0.6 + 0.8 * r()) * 100) / 100;
}

const ZONES = ['UTC', 'America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe', 'Asia/Kolkata'];
/** Starts a few weeks before a DST change in each hemisphere (and far from one). */
const STARTS = ['2026-02-10T00:00:00Z', '2026-09-20T00:00:00Z', '2026-06-01T00:00:00Z', '2026-10-05T00:00:00Z'].map(Date.parse);

function simulate(seed: number, tz: string, t0: number, bootstrapHours: number, runs: number): void {
  const r = rng(seed);
  const hs: ModelHistories = {};
  const keys = [INV, IN, OUT, LAT, CALLER];
  const scale: Record<string, number> = { [INV]: 50, [IN]: 20_000, [OUT]: 4_000, [LAT]: 900, [CALLER]: 500 };
  let asOf = t0;
  const learn = (hour: number) => {
    for (const k of keys) hs[k] = record(hs[k], hour, valueAt(r, hour, scale[k]));
  };
  for (let i = 0; i < bootstrapHours; i++) learn(t0 + i * HOUR);
  asOf = t0 + bootstrapHours * HOUR;
  for (let run = 0; run < runs; run++) {
    // Mostly one hour a run; sometimes a run catches up several, or a history is disturbed.
    const x = r();
    if (x < 0.06) delete hs[CALLER]; // a caller dropped from the heaviest twenty, relearned later
    else if (x < 0.1 && hs[IN]) {
      // A learned hour rewritten (not what learn.ts does, but the memo must not depend on it).
      const h = hs[IN] as History;
      const i = Math.floor(r() * h.values.length);
      hs[IN] = { start: h.start, values: h.values.map((v, j) => (j === i ? valueAt(r, h.start + j * HOUR, 20_000) : v)) };
    } else if (x < 0.12 && hs[OUT]) {
      // Moved onto another grid: the front trimmed by half an hour.
      const h = hs[OUT] as History;
      hs[OUT] = { start: h.start + HOUR / 2, values: h.values.slice() };
    }
    const n = r() < 0.1 ? 2 + Math.floor(r() * 5) : 1;
    for (let i = 0; i < n; i++) learn(asOf + i * HOUR);
    asOf += n * HOUR;
    const a = buildExpectations(MODEL, hs, asOf, tz, PRICING);
    const b = refBuild(MODEL, hs, asOf, tz, PRICING);
    const d = same(a, b);
    if (d) throw new Error(`seed ${seed}, ${tz}, run ${run} (asOf ${new Date(asOf).toISOString()}): ${d}`);
  }
}

describe('incremental baselines: the same expectations as the implementation before them, to the bit', () => {
  it.each(ZONES)('hourly runs over random histories in %s (bootstraps of 2 to 30 days, across DST changes)', (tz) => {
    for (let s = 0; s < STARTS.length; s++) {
      const seed = 1000 * ZONES.indexOf(tz) + s;
      const boot = [2 * 24, 9 * 24, 15 * 24, 30 * 24][s];
      simulate(seed, tz, STARTS[s], boot, 12);
    }
  });

  it('runs past five weeks, where every run also trims the oldest hour', () => {
    simulate(77, 'UTC', STARTS[0], HISTORY_HOURS - 10, 30);
    simulate(78, 'America/New_York', STARTS[0] + 10 * DAY, HISTORY_HOURS - 10, 30);
    // A week after New York's fall-back, 28 local days before the oldest hour judged is 673 hours
    // back: the very hour a run trims off the front, which must not be read from the memo.
    simulate(79, 'America/New_York', Date.parse('2026-10-04T00:00:00Z'), HISTORY_HOURS - 10, 30);
  });

  it('two processes of runs through the same memo (models sharing a name across stores) stay exact', () => {
    // The memo is per model, series and zone, not per store: a different history under the same name is checked, not trusted.
    simulate(91, 'Europe/Berlin', STARTS[1], 15 * 24, 10);
    simulate(92, 'Europe/Berlin', STARTS[1], 15 * 24, 10);
    simulate(93, 'Europe/Berlin', STARTS[1] + 3 * HOUR, 15 * 24, 10);
  });
});

describe('median and mad without a sorted copy: the same value as sorting a copy', () => {
  const num = fc.oneof(
    fc.constantFrom(0, -0, 1, -1, 100, Infinity, -Infinity, NaN, 0.1 + 0.2),
    fc.double({ noNaN: false }),
    fc.integer({ min: -5, max: 5 }),
  );
  it('for arrays of up to 200 values, zeros, infinities and NaN included', () => {
    fc.assert(
      fc.property(fc.array(num, { maxLength: 200 }), (xs) => {
        expect(Object.is(median(xs), refMedian(xs))).toBe(true);
        expect(Object.is(mad(xs), refMad(xs))).toBe(true);
        expect(Object.is(median(xs), refMedian(xs))).toBe(true); // the scratch array left by one call does not leak into the next
      }),
      { numRuns: 3000 },
    );
  });
});

describe('learnedHours counted in place: the count filter gave', () => {
  it('nulls, an explicit undefined and holes alike', () => {
    // eslint-disable-next-line no-sparse-arrays
    const values = [1, null, 0, -0, undefined, , 5] as (number | null)[];
    const h = { start: 0, values };
    expect(learnedHours(h)).toBe(refLearnedHours(h));
    expect(learnedHours(h)).toBe(5);
    expect(learnedHours(undefined)).toBe(0);
  });
});
