/**
 * Issue 20: expectedOver keeps running sums for read-only baselines (baselinesOf), so the day so far
 * and the whole local day, asked every minute, do not add up their hours again. The results must be
 * the ones of the plain loop to the last bit (test/support/reference-baselines/expected.ts, main's
 * implementation): random expectations (hours unknown, zeros, -0, low confidence) read through
 * random sequences of windows (growing, shrinking, crossing an unknown hour, off the minute).
 */
import { baselinesOf } from '../../shared/run/baselines-provider';
import { expectedCost, expectedOver, fixedBaselines } from '../../shared/engine/kinds/expected';
import type { ModelExpectations, SeriesExpectation } from '../../shared/core/baseline';
import { Pricing } from '../../shared/pricing/pricing';
import { rng } from '../../shared/local/generate';
import { expectedCost as refCost, expectedOver as refOver } from '../support/reference-baselines/expected';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const MODEL = 'test.priced-model-v1:0';
const PRICING = new Pricing({ [MODEL]: { input: 0.001, output: 0.002 } });
const IN = 'InputTokenCount:Sum';
const OUT = 'OutputTokenCount:Sum';

function seriesOf(r: () => number): SeriesExpectation {
  const values: (number | null)[] = [];
  let basis = '';
  for (let i = 0; i < 72; i++) {
    const x = r();
    values.push(x < 0.04 ? null : x < 0.08 ? 0 : x < 0.09 ? -0 : Math.round(r() * 1e6) / 1e3 + 0.1);
    basis += x < 0.15 ? 'm' : x < 0.5 ? 'd' : 'w';
  }
  return { values, basis, confidence: r() < 0.2 ? 'low' : 'ok', spread: null, hours: 300 };
}

const sameResult = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b) && (a === null || Object.is((a as { value: number }).value, (b as { value: number }).value));

describe('expectedOver with running sums: the same values as adding every hour', () => {
  it('over random expectations and random window sequences', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const r = rng(seed);
      const start = Date.parse('2026-10-20T00:00:00Z') + Math.floor(r() * 24) * HOUR;
      const e: ModelExpectations = {
        model: MODEL,
        asOf: start + 24 * HOUR,
        start,
        series: { [IN]: seriesOf(r), [OUT]: seriesOf(r) },
        wow: {},
        cost: { monthStart: 0, monthToDate: null, forecast: null, dailyExpected: null },
      };
      const b = baselinesOf([e]);
      expect(fixedBaselines.has(b)).toBe(true);
      const froms = Array.from({ length: 4 }, () => start - 2 * HOUR + Math.floor(r() * 40 * HOUR) + (r() < 0.3 ? Math.floor(r() * 60) * MINUTE : 0) + (r() < 0.1 ? 0.5 : 0));
      for (let q = 0; q < 400; q++) {
        const from = froms[Math.floor(r() * froms.length)];
        // Mostly a growing window (the day so far); sometimes a shorter one, or one past the 72 hours.
        const to = from + (r() < 0.9 ? Math.floor(r() * 30 * HOUR) : Math.floor(r() * 80 * HOUR) - 5 * HOUR) + (r() < 0.1 ? 0.25 : 0);
        for (const key of [IN, OUT, 'Invocations:Sum']) {
          const got = expectedOver(b, MODEL, key, from, to);
          const want = refOver(b, MODEL, key, from, to);
          if (!sameResult(got, want)) throw new Error(`seed ${seed}, ${key} [${from}, ${to}): ${JSON.stringify(got)} vs ${JSON.stringify(want)}`);
        }
        const c = expectedCost(b, PRICING, MODEL, from, to);
        const rc = refCost(b, PRICING, MODEL, from, to);
        if (!sameResult(c, rc)) throw new Error(`seed ${seed}, cost [${from}, ${to}): ${JSON.stringify(c)} vs ${JSON.stringify(rc)}`);
      }
    }
  });

  it('baselines not made by baselinesOf (they may change between calls) are summed hour by hour', () => {
    let value = 10;
    const b = { expect: () => ({ value, confidence: 'ok' as const, hours: 100 }), model: () => null, models: () => [] };
    const from = Date.parse('2026-10-20T00:00:00Z');
    expect(expectedOver(b, MODEL, IN, from, from + 5 * HOUR)?.value).toBe(50);
    value = 20;
    expect(expectedOver(b, MODEL, IN, from, from + 5 * HOUR)?.value).toBe(100);
  });
});
