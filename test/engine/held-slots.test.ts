/**
 * The held error counts are looked up by slot (core/series heldBySlot, with an index kept for
 * frozen held minutes) instead of by formatting each minute's timestamp, and the account-wide
 * bound sums each minute once per target and rule (engine/cadence countReads,
 * countTargetsToRead). Until the old versions are removed, this holds them equal on random frames
 * and held counts, including keys a string lookup cannot find (off the minute grid, outside the
 * window, not written as String(ms)).
 */
import fc from 'fast-check';
import type { RatioRule, Rule } from '../../shared/rules/schema';
import type { AlertState } from '../../shared/core/alert';
import { accountTarget, boundedBy, completeCounts, countReads, countTargetsToRead } from '../../shared/engine/cadence';
import { ACCOUNT, heldBySlot, holdMinutes, minuteKey, type Frame, type HeldCounts, type HeldMinutes, type SeriesKey } from '../../shared/core/series';
import { placeOfTarget, targetOfLabels } from '../../shared/core/target';
import { initialState } from '../../shared/engine/machine';
import { parseRules } from '../../shared/rules/load';

// The implementations as they were before the rewrite, verbatim.
function countReadsBefore(keys: SeriesKey[], account: Frame | undefined, held: HeldCounts | undefined, places: string[]): Map<string, SeriesKey[]> {
  const out = new Map<string, SeriesKey[]>();
  for (const place of places) {
    const acct = accountTarget(place);
    const series = account?.models[acct];
    const need = keys.filter((key) => {
      const s = series?.[key];
      if (!s || !account) return true;
      const h = held?.[key]?.[acct];
      return s.some((v, i) => v !== null && v !== 0 && h?.[String(account.from + i * account.period)]?.total !== v);
    });
    if (need.length) out.set(place, need);
  }
  return out;
}
function countTargetsToReadBefore(input: {
  rules: Rule[];
  states: Record<string, AlertState>;
  frame: Frame;
  account: Frame;
  held: HeldCounts | undefined;
  key: SeriesKey;
  place: string;
  /** First and last data minute any rule judges this tick. */
  first: number;
  last: number;
}): string[] {
  const { frame, account, key, place } = input;
  const acct = accountTarget(place);
  const targets = Object.keys(frame.models).filter((t) => t !== acct && placeOfTarget(t) === place);
  const rules = boundedBy(input.rules, key);
  const sums = account.models[acct]?.[key];
  if (!rules || !sums) return targets;
  const moving = new Set<string>();
  const names = new Set(rules.map((r) => r.name));
  for (const s of Object.values(input.states)) {
    if (!names.has(s.rule) || s.status === 'inactive') continue;
    const t = targetOfLabels(s.labels);
    if (t) moving.add(t);
  }
  const offset = Math.round((account.from - frame.from) / frame.period);
  const h = input.held?.[key]?.[acct];
  const firstIdx = Math.max(0, Math.round((input.first - frame.from) / frame.period));
  const lastIdx = Math.min(frame.length - 1, Math.round((input.last - frame.from) / frame.period));
  const need: string[] = [];
  const bound = new Array<number>(frame.length);
  for (const target of targets) {
    if (moving.has(target)) {
      need.push(target);
      continue;
    }
    for (let i = 0; i < frame.length; i++) {
      const sum = sums[i - offset] ?? null;
      if (sum === null || sum <= 0) {
        bound[i] = 0;
        continue;
      }
      const at = h?.[String(frame.from + i * frame.period)];
      if (at && at.total === sum) {
        if (target in at.values) bound[i] = at.values[target];
        else bound[i] = Math.max(0, sum - Object.values(at.values).reduce((a, b) => a + b, 0));
      } else bound[i] = sum;
    }
    const byKey = frame.models[target];
    const value = (k: string, i: number) => (k === key ? bound[i] : (byKey[k]?.[i] ?? 0));
    const could = rules.some((r) => {
      const limit = Math.min(...Object.values(r.tiers).flatMap((t) => (t ? [t.above as number] : [])));
      const num = r.numerator.map((m) => `${m}:Sum`);
      const den = r.denominator.map((m) => `${m}:Sum`);
      for (let t = firstIdx; t <= lastIdx; t++) {
        let events = 0;
        let excess = 0;
        for (let s = t; s >= 0; s--) {
          let e = 0;
          for (const k of num) e += value(k, s);
          let q = 0;
          for (const k of den) q += value(k, s);
          events += e;
          excess += e - limit * q;
          if (excess > 0 && events >= Math.max(1, r.min_events)) return true;
        }
      }
      return false;
    });
    if (could) need.push(target);
  }
  return need;
}

const config = parseRules(`
rules:
  - { name: throttles, kind: ratio, numerator: InvocationThrottles, denominator: [Invocations, InvocationThrottles], window: 5m, min_requests: 20, evidence_odds: 10000, next_check: x, tiers: { warning: { above: 1% }, critical: { above: 10% } } }
  - { name: server-errors, kind: ratio, numerator: InvocationServerErrors, denominator: Invocations, window: 5m, min_requests: 5, min_events: 2, next_check: x, tiers: { warning: { above: 1% }, critical: { above: 5% } } }
  - { name: client-errors, kind: ratio, numerator: InvocationClientErrors, denominator: Invocations, window: 10m, min_requests: 20, evidence: window, next_check: x, tiers: { warning: { above: 5% } } }
`);
const KEYS: SeriesKey[] = ['InvocationThrottles:Sum', 'InvocationServerErrors:Sum', 'InvocationClientErrors:Sum'];
const MODELS = ['m1', 'm2', 'm3', 'm4'];
const PERIOD = 60_000;
const FROM = 29_000_000 * PERIOD;
const PLACE = placeOfTarget('m1');
const ACCT = accountTarget(PLACE);

/** A held key: on the grid in or out of the window, off the grid, or not written as String(ms). */
const heldKey = fc.oneof(
  fc.integer({ min: -3, max: 14 }).map((i) => String(FROM + i * PERIOD)),
  fc.integer({ min: 0, max: 12 }).map((i) => String(FROM + i * PERIOD + 7)),
  fc.integer({ min: 0, max: 12 }).map((i) => `0${FROM + i * PERIOD}`),
  fc.integer({ min: 0, max: 12 }).map((i) => (FROM + i * PERIOD).toExponential()),
);
const value = fc.oneof(fc.constant(null), fc.constant(0), fc.integer({ min: 0, max: 30 }));

const scenario = fc
  .record({
    length: fc.integer({ min: 1, max: 12 }),
    shift: fc.integer({ min: -2, max: 2 }),
    models: fc.integer({ min: 1, max: 4 }),
    seed: fc.array(value, { minLength: 300, maxLength: 300 }),
    held: fc.array(fc.record({ key: fc.constantFrom(...KEYS), minute: heldKey, total: fc.integer({ min: 0, max: 40 }), values: fc.dictionary(fc.constantFrom(...MODELS, 'm9'), fc.integer({ min: 0, max: 9 })) }), { maxLength: 12 }),
    matchTotals: fc.boolean(),
    firstBack: fc.integer({ min: 0, max: 3 }),
    moving: fc.option(fc.constantFrom(...MODELS)),
    frozen: fc.boolean(),
  })
  .map(({ length, shift, models, seed, held: entries, matchTotals, firstBack, moving, frozen }) => {
    let n = 0;
    const next = () => seed[n++ % seed.length];
    const frame: Frame = { from: FROM, length, period: PERIOD, models: {} };
    for (const m of MODELS.slice(0, models)) {
      frame.models[m] = Object.fromEntries([['Invocations:Sum', Array.from({ length }, () => (next() ?? 0) * 10)], ...KEYS.map((k) => [k, Array.from({ length }, next)])]);
    }
    const account: Frame = { from: FROM + shift * PERIOD, length, period: PERIOD, models: { [ACCT]: Object.fromEntries(KEYS.map((k) => [k, Array.from({ length }, next)])) } };
    const held: HeldCounts = {};
    for (const e of entries) {
      // Half the time the held total is the account-wide sum of its minute (what a real tick holds).
      const i = (Number(e.minute) - account.from) / PERIOD;
      const sum = Number.isInteger(i) ? account.models[ACCT][e.key][i] : undefined;
      ((held[e.key] ??= {})[ACCT] ??= {})[e.minute] = { total: matchTotals && typeof sum === 'number' ? sum : e.total, values: e.values };
    }
    if (frozen) for (const byAcct of Object.values(held)) for (const h of Object.values(byAcct)) Object.freeze(h);
    const states: Record<string, AlertState> = {};
    if (moving) states.fp = { ...initialState('fp', config.rules[0], 'throttles', { ModelId: moving }), status: 'pending' };
    const last = FROM + (length - 1) * PERIOD;
    return { frame, account, held, states, first: last - firstBack * PERIOD, last };
  });

describe('held minutes by slot', () => {
  it('give what a lookup by the formatted minute gives, frozen or not, and for minutes holdMinutes made', () => {
    fc.assert(
      fc.property(scenario, fc.integer({ min: -4, max: 4 }), fc.integer({ min: 0, max: 16 }), ({ held }, start, length) => {
        const from = FROM + start * PERIOD;
        for (const byAcct of Object.values(held)) {
          for (const h of Object.values(byAcct) as HeldMinutes[]) {
            const slots = heldBySlot(h, from, length, PERIOD);
            expect(slots).toHaveLength(length);
            for (let i = 0; i < length; i++) expect(slots[i]).toBe(h[String(from + i * PERIOD)]);
            const made = holdMinutes([[from, { total: 1, values: { m1: 1 } }], [from + 2 * PERIOD, { total: 2, values: {} }]]);
            expect(Object.keys(made)).toEqual([String(from), String(from + 2 * PERIOD)]);
            expect(Object.isFrozen(made) && Object.isFrozen(made[String(from)]) && Object.isFrozen(made[String(from)].values)).toBe(true);
            const bySlot = heldBySlot(made, FROM, 6, PERIOD);
            for (let i = 0; i < 6; i++) expect(bySlot[i]).toBe(made[String(FROM + i * PERIOD)]);
          }
        }
        expect(minuteKey(FROM)).toBe(String(FROM));
      }),
      { seed: 31, numRuns: 200 },
    );
  });
});

describe('countReads and countTargetsToRead, rewritten for speed, decide as before', () => {
  it('read the same counts and the same targets on random frames and held counts', () => {
    let bounded = 0;
    fc.assert(
      fc.property(scenario, ({ frame, account, held, states, first, last }) => {
        expect(countReads(KEYS, account, held, [PLACE])).toEqual(countReadsBefore(KEYS, account, held, [PLACE]));
        for (const key of KEYS) {
          const input = { rules: config.rules, states, frame, account, held, key, place: PLACE, first, last };
          const need = countTargetsToRead(input);
          expect(need).toEqual(countTargetsToReadBefore(input));
          if (need.length < Object.keys(frame.models).length) bounded++;
        }
      }),
      { seed: 32, numRuns: 400 },
    );
    // The bound leaves some models unread in these frames: the comparison covers that branch.
    expect(bounded).toBeGreaterThan(20);
  });

  it('completeCounts holds what the next tick finds by slot, as the old lookup would', () => {
    fc.assert(
      fc.property(scenario, ({ frame, account, held }) => {
        const next = completeCounts(frame, KEYS, account, held, new Map(), [PLACE]);
        expect(countReads(KEYS, account, next, [PLACE])).toEqual(countReadsBefore(KEYS, account, JSON.parse(JSON.stringify(next)), [PLACE]));
      }),
      { seed: 33, numRuns: 200 },
    );
  });
});

// Imported for the verbatim copies above.
void ACCOUNT;
void boundedBy;
void targetOfLabels;
export type { RatioRule, Rule };
