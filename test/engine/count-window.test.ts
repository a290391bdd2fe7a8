/**
 * countWindow (engine/window.ts) widens the adaptive window by adding each new minute's counts
 * when they are integers, instead of summing the window again per width. It must give the window,
 * the requests and the verdict of adaptiveWindow over the series-by-series sum, to the last bit:
 * on random counts, fractional values, gaps and series shorter than the window.
 */
import fc from 'fast-check';
import { adaptiveWindow, countWindow, sumOver } from '../../shared/engine/window';
import type { Series } from '../../shared/core/series';

const count = fc.oneof(fc.constant(null), fc.constant(0), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 2 ** 40 }));
const fractional = fc.oneof(count, fc.double({ min: 0, max: 10, noNaN: true }), fc.constantFrom(0.1, 0.2, 0.7, 1e-9));

const input = fc.record({
  list: fc.array(fc.option(fc.array(fc.oneof(fc.constant(1), count, fractional), { maxLength: 50 }), { nil: undefined }), { minLength: 1, maxLength: 3 }),
  end: fc.integer({ min: 0, max: 45 }),
  window: fc.integer({ min: 1, max: 10 }),
  extra: fc.integer({ min: 0, max: 40 }),
  minRequests: fc.oneof(fc.integer({ min: 0, max: 60 }), fc.double({ min: 0, max: 60, noNaN: true })),
});

describe('countWindow', () => {
  it('gives what adaptiveWindow gives over the series-by-series sum', () => {
    let widened = 0;
    fc.assert(
      fc.property(input, ({ list, end, window, extra, minRequests }) => {
        const series = list as (Series | undefined)[];
        const expected = adaptiveWindow((n) => series.reduce((s, x) => s + sumOver(x, end, n), 0), window, window + extra, minRequests, end + 1);
        const got = countWindow(series, end, window, window + extra, minRequests, end + 1);
        expect(got).toEqual(expected);
        expect(Object.is(got.requests, expected.requests)).toBe(true);
        if (got.minutes > Math.min(window, end + 1)) widened++;
      }),
      { seed: 41, numRuns: 1000 },
    );
    expect(widened).toBeGreaterThan(100);
  });

  it('a quiet model: the window widens minute by minute until the requests suffice', () => {
    const quiet: Series = [3, null, 2, 0, 1, 1, null, 4, 1, 1];
    // The last three minutes hold 6 requests; the gap adds none, the next two one each.
    expect(countWindow([quiet], 9, 3, 10, 8, 10)).toEqual({ minutes: 6, requests: 8, enough: true });
    expect(countWindow([quiet, quiet], 9, 3, 4, 100, 10)).toEqual({ minutes: 4, requests: 12, enough: false });
  });
});
