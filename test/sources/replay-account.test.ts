/**
 * ReplaySource.fetchAccount slices per-place sums worked out once per trace instead of reading every
 * model and adding them up each call. This holds it equal to that per-model read (the version before,
 * written here with the public fetch) on random traces: several places, holes, nulls, fractional
 * values, windows before, across and after the trace, not yet published minutes, hourly periods.
 */
import fc from 'fast-check';
import { ACCOUNT, type Frame } from '../../shared/core/series';
import { parseTarget, placeOfTarget, placeKey, targetKey } from '../../shared/core/target';
import { ReplaySource } from '../../shared/sources/replay';
import type { MetricTrace } from '../../shared/sources/trace';

const MIN = 60_000;
const T0 = 29_000_000 * MIN;
const KEYS = ['InvocationThrottles:Sum', 'InvocationServerErrors:Sum', 'InvocationClientErrors:Sum'];

/** fetchAccount as it was: a per-model read of the window, added up per place in the trace's model order. */
async function accountBefore(source: ReplaySource, trace: MetricTrace, req: { from: number; to: number; period: number; keys: string[]; places?: string[] }): Promise<Frame> {
  const perModel = await source.fetch({ ...req });
  const models: Frame['models'] = {};
  const seen = new Set(Object.keys(trace.series).map(placeOfTarget));
  const places = [...(seen.size ? seen : [placeKey(undefined, undefined)])].filter((p) => !req.places || req.places.includes(p));
  for (const place of places) {
    const { region, account } = parseTarget(`${place}|${ACCOUNT}`);
    const out: Frame['models'][string] = {};
    for (const key of req.keys) {
      const total: (number | null)[] = new Array(perModel.length).fill(null);
      for (const [target, byKey] of Object.entries(perModel.models)) {
        if (placeOfTarget(target) !== place) continue;
        const s = byKey[key];
        for (let i = 0; i < perModel.length; i++) if (s[i] !== null) total[i] = (total[i] ?? 0) + (s[i] as number);
      }
      out[key] = total;
    }
    models[targetKey({ modelId: ACCOUNT, region, account })] = out;
  }
  return { from: perModel.from, length: perModel.length, period: perModel.period, models };
}

const value = fc.oneof(fc.constant(null), fc.constant(undefined), fc.constant(0), fc.integer({ min: 0, max: 9 }), fc.double({ min: 0, max: 5, noNaN: true }));
const model = fc.record({
  modelId: fc.constantFrom('m1', 'm2', 'm3'),
  place: fc.constantFrom(undefined, ['us-east-1', '111111111111'], ['us-west-2', '111111111111']),
  series: fc.dictionary(fc.constantFrom(...KEYS), fc.array(value, { maxLength: 40 })),
});

describe('ReplaySource.fetchAccount from per-place sums', () => {
  it('gives what adding up a per-model read gives, call after call', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(model, { maxLength: 5 }),
        fc.array(fc.record({ from: fc.integer({ min: -10, max: 40 }), length: fc.integer({ min: 0, max: 30 }), seen: fc.integer({ min: -5, max: 60 }), hourly: fc.boolean(), keys: fc.subarray(KEYS, { minLength: 1 }), some: fc.boolean() }), { minLength: 1, maxLength: 4 }),
        async (models, calls) => {
          const series: MetricTrace['series'] = {};
          for (const m of models) {
            const target = m.place ? targetKey({ modelId: m.modelId, region: m.place[0], account: m.place[1] }) : m.modelId;
            // (holes kept: a trace may have them)
            series[target] = Object.fromEntries(Object.entries(m.series).map(([k, v]) => [k, v.map((x) => x) as (number | null)[]]));
          }
          const trace: MetricTrace = { from: T0, to: T0 + 40 * MIN, namespace: 'AWS/Bedrock', series, skipped: 0 };
          let now = 0;
          const source = new ReplaySource(trace, { now: () => now, delayMs: 2 * MIN });
          const reference = new ReplaySource(trace, { now: () => now, delayMs: 2 * MIN });
          const places = [...new Set(Object.keys(series).map(placeOfTarget))];
          for (const c of calls) {
            now = T0 + c.seen * MIN + 2 * MIN;
            const period = c.hourly ? 60 * MIN : MIN;
            const req = { from: T0 + c.from * MIN, to: T0 + c.from * MIN + c.length * period, period, keys: c.keys, ...(c.some && places.length ? { places: places.slice(0, 1) } : {}) };
            const got = await source.fetchAccount(req);
            expect(got).toStrictEqual(await accountBefore(reference, trace, req));
          }
          // Billed as before: one call and one metric per key and place.
          expect(source.stats.calls).toBe(calls.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});
