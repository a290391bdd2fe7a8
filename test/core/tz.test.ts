import { dayKey, fromLocal, isWeekend, local, startOfDay, startOfMonth, startOfNextMonth, utcWeekday } from '../../shared/core/tz';
import fc from 'fast-check';

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const BERLIN = 'Europe/Berlin';
const LA = 'America/Los_Angeles';

describe('tz: days start at local midnight across DST changes', () => {
  it.each([
    // Europe/Berlin: CET +1, CEST +2. Spring forward 2026-03-29 02:00 → 03:00; fall back 2026-10-25 03:00 → 02:00.
    [BERLIN, '2026-03-29T10:00:00Z', '2026-03-28T23:00:00.000Z', '2026-03-29'],
    [BERLIN, '2026-03-29T00:30:00Z', '2026-03-28T23:00:00.000Z', '2026-03-29'], // 01:30 CET, before the change
    [BERLIN, '2026-03-30T10:00:00Z', '2026-03-29T22:00:00.000Z', '2026-03-30'],
    [BERLIN, '2026-10-25T10:00:00Z', '2026-10-24T22:00:00.000Z', '2026-10-25'],
    [BERLIN, '2026-10-25T00:30:00Z', '2026-10-24T22:00:00.000Z', '2026-10-25'], // 02:30 CEST, the first of the two 02:30s
    [BERLIN, '2026-10-25T01:30:00Z', '2026-10-24T22:00:00.000Z', '2026-10-25'], // 02:30 CET, the second
    [BERLIN, '2026-10-25T23:30:00Z', '2026-10-25T23:00:00.000Z', '2026-10-26'], // 00:30 CET next day
    [BERLIN, '2026-10-25T22:59:00Z', '2026-10-24T22:00:00.000Z', '2026-10-25'], // 23:59 CET, still the 25th
    // America/Los_Angeles: PST −8, PDT −7. Spring forward 2026-03-08 02:00 → 03:00; fall back 2026-11-01 02:00 → 01:00.
    [LA, '2026-03-08T20:00:00Z', '2026-03-08T08:00:00.000Z', '2026-03-08'],
    [LA, '2026-03-09T06:59:00Z', '2026-03-08T08:00:00.000Z', '2026-03-08'], // 23:59 PDT
    [LA, '2026-03-09T07:00:00Z', '2026-03-09T07:00:00.000Z', '2026-03-09'], // 00:00 PDT
    [LA, '2026-11-01T08:30:00Z', '2026-11-01T07:00:00.000Z', '2026-11-01'], // 01:30 PDT
    [LA, '2026-11-01T09:30:00Z', '2026-11-01T07:00:00.000Z', '2026-11-01'], // 01:30 PST
    [LA, '2026-11-02T07:59:00Z', '2026-11-01T07:00:00.000Z', '2026-11-01'], // 23:59 PST
    [LA, '2026-11-02T08:00:00Z', '2026-11-02T08:00:00.000Z', '2026-11-02'],
    // A UTC instant on the next UTC day is still the previous local day in LA.
    [LA, '2026-07-01T03:00:00Z', '2026-06-30T07:00:00.000Z', '2026-06-30'],
  ])('%s %s: day starts %s, key %s', (tz, at, start, key) => {
    const ms = Date.parse(at);
    expect(iso(startOfDay(ms, tz))).toBe(start);
    expect(dayKey(ms, tz)).toBe(key);
    expect(dayKey(startOfDay(ms, tz), tz)).toBe(key);
  });

  it('a spring-forward day has 23 hours and a fall-back day 25 (Berlin and Los Angeles)', () => {
    const len = (day: string, next: string, tz: string) => (startOfDay(Date.parse(next), tz) - startOfDay(Date.parse(day), tz)) / HOUR;
    expect(len('2026-03-29T12:00:00Z', '2026-03-30T12:00:00Z', BERLIN)).toBe(23);
    expect(len('2026-10-25T12:00:00Z', '2026-10-26T12:00:00Z', BERLIN)).toBe(25);
    expect(len('2026-03-08T20:00:00Z', '2026-03-09T20:00:00Z', LA)).toBe(23);
    expect(len('2026-11-01T20:00:00Z', '2026-11-02T20:00:00Z', LA)).toBe(25);
    expect(len('2026-06-10T12:00:00Z', '2026-06-11T12:00:00Z', LA)).toBe(24);
  });

  it('fromLocal gives the instant of local midnight on both sides of a change', () => {
    expect(iso(fromLocal(2026, 3, 29, BERLIN))).toBe('2026-03-28T23:00:00.000Z');
    expect(iso(fromLocal(2026, 3, 30, BERLIN))).toBe('2026-03-29T22:00:00.000Z');
    expect(iso(fromLocal(2026, 11, 1, LA))).toBe('2026-11-01T07:00:00.000Z');
    expect(iso(fromLocal(2026, 11, 2, LA))).toBe('2026-11-02T08:00:00.000Z');
  });
});

describe('tz: months start at local midnight of the 1st', () => {
  it.each([
    // Berlin: March starts in CET, April in CEST; November in CET.
    [BERLIN, '2026-03-31T21:59:00Z', '2026-02-28T23:00:00.000Z', '2026-03-31T22:00:00.000Z'], // 23:59 CEST on 31 March
    [BERLIN, '2026-03-31T22:00:00Z', '2026-03-31T22:00:00.000Z', '2026-04-30T22:00:00.000Z'], // 00:00 CEST on 1 April
    [BERLIN, '2026-10-31T22:59:00Z', '2026-09-30T22:00:00.000Z', '2026-10-31T23:00:00.000Z'], // 23:59 CET on 31 October
    [BERLIN, '2026-12-31T23:00:00Z', '2026-12-31T23:00:00.000Z', '2027-01-31T23:00:00.000Z'], // New Year in Berlin
    // Los Angeles: October starts in PDT, November in PDT (the change is on the 1st at 02:00), December in PST.
    [LA, '2026-11-01T06:59:00Z', '2026-10-01T07:00:00.000Z', '2026-11-01T07:00:00.000Z'], // 23:59 PDT on 31 October
    [LA, '2026-11-01T07:00:00Z', '2026-11-01T07:00:00.000Z', '2026-12-01T08:00:00.000Z'], // 00:00 PDT on 1 November
    [LA, '2026-11-15T12:00:00Z', '2026-11-01T07:00:00.000Z', '2026-12-01T08:00:00.000Z'],
    [LA, '2027-01-01T05:00:00Z', '2026-12-01T08:00:00.000Z', '2027-01-01T08:00:00.000Z'], // 21:00 PST on 31 December
    [LA, '2026-03-15T12:00:00Z', '2026-03-01T08:00:00.000Z', '2026-04-01T07:00:00.000Z'],
  ])('%s %s: month [%s, %s)', (tz, at, start, next) => {
    const ms = Date.parse(at);
    expect(iso(startOfMonth(ms, tz))).toBe(start);
    expect(iso(startOfNextMonth(ms, tz))).toBe(next);
  });

  it('startOfNextMonth(x) is startOfMonth of the month after, for every month of a year (both zones)', () => {
    for (const tz of [BERLIN, LA, 'UTC']) {
      for (let m = 1; m <= 12; m++) {
        const mid = fromLocal(2026, m, 15, tz);
        const next = startOfNextMonth(mid, tz);
        expect(startOfMonth(next, tz)).toBe(next);
        expect(startOfMonth(next - 1, tz)).toBe(startOfMonth(mid, tz));
        expect(local(next, tz)).toMatchObject({ day: 1, hour: 0, minute: 0, month: (m % 12) + 1 });
      }
    }
  });
});

describe('tz: weekends are local', () => {
  it('Friday 23:30 in Los Angeles is a weekday although it is Saturday in UTC', () => {
    const ms = Date.parse('2026-10-10T06:30:00Z'); // Fri 2026-10-09 23:30 PDT
    expect(isWeekend(ms, 'UTC')).toBe(true);
    expect(isWeekend(ms, LA)).toBe(false);
    expect(local(ms, LA)).toMatchObject({ year: 2026, month: 10, day: 9, hour: 23, minute: 30, weekday: 5 });
  });
});

describe('the UTC weekday by day arithmetic', () => {
  it('is the Date\'s getUTCDay over the whole range a Date holds, and isWeekend follows it', () => {
    const edges = [0, -1, -0.5, -86_400_000.5, 0.5, 86_399_999.9, -86_399_999.9, 86_399_999, 86_400_000, -86_400_000, -86_400_001, 8.64e15, -8.64e15, Date.parse('2026-11-07T23:59:59.999Z'), Date.parse('2026-11-08T00:00:00Z')];
    for (const ms of edges) expect(utcWeekday(ms)).toBe(new Date(ms).getUTCDay());
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -8.64e15, max: 8.64e15 }), fc.double({ min: -8.64e15, max: 8.64e15, noNaN: true })), (ms) => {
        const day = new Date(ms).getUTCDay();
        expect(utcWeekday(ms)).toBe(day);
        expect(isWeekend(ms, 'UTC')).toBe(day === 0 || day === 6);
      }),
      { seed: 5, numRuns: 2000 },
    );
    // Beyond it a Date has no weekday: never a weekend, as before.
    expect(isWeekend(8.64e15 + 86_400_000, 'UTC')).toBe(false);
    expect(isWeekend(NaN, 'UTC')).toBe(false);
  });
});
