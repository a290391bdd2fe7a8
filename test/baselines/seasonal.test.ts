import { buildExpectations } from '../../shared/baselines/expectations';
import { at, raw } from '../../shared/baselines/history';
import { levelFactor, logSpread, seasonal, seasonalWithBasis, volumeConfidence } from '../../shared/baselines/seasonal';
import { Pricing } from '../../shared/pricing/pricing';
import { DAY, HOUR, WEEK, historyOf } from '../support/baseline-fixtures';

/** Monday 2026-09-07 00:00 UTC: every history below starts on it unless said otherwise. */
const MON = Date.parse('2026-09-07T00:00:00Z');
const TZ = 'UTC';
const INV = 'Invocations:Sum';
const IN = 'InputTokenCount:Sum';
const OUT = 'OutputTokenCount:Sum';
const MODEL = 'test.priced-model-v1:0';
const PRICING = new Pricing({ [MODEL]: { input: 0.001, output: 0.002 } });

/** A daily shape: 100 at midnight, +10 per hour of the day. */
const profile = (hour: number) => 100 + 10 * new Date(hour).getUTCHours();
const isWeekendUtc = (hour: number) => [0, 6].includes(new Date(hour).getUTCDay());


describe('seasonal expectation: the same hour of past weeks', () => {
  it('is the median of the same hour over the past four weeks, so one outlier week does not move it', () => {
    // Four weeks; the second week ran at 5× (a batch job), the others follow the daily shape.
    const h = historyOf(MON, 28 * 24, (i, t) => profile(t) * (i >= 7 * 24 && i < 14 * 24 ? 5 : 1));
    const asOf = MON + 4 * WEEK;
    const target = asOf + 10 * HOUR; // Monday 10:00
    expect(seasonalWithBasis(h, target, TZ)).toEqual({ value: 200, basis: 'weekly' });

    const e = buildExpectations(MODEL, { [INV]: h }, asOf, TZ, PRICING);
    const i = (target - e.start) / HOUR;
    expect(e.series[INV].values[i]).toBeCloseTo(200, 6);
  });

  it('uses only the same hour of the week (Monday 10:00 is not compared with Sunday 10:00)', () => {
    const h = historyOf(MON, 14 * 24, (_i, t) => (isWeekendUtc(t) ? 10 : profile(t)));
    expect(seasonal(h, MON + 2 * WEEK + 10 * HOUR, TZ)).toBe(200); // a Monday
    expect(seasonal(h, MON + 2 * WEEK - DAY + 10 * HOUR, TZ)).toBe(10); // a Sunday
  });
});

describe('seasonal expectation in a time zone with daylight saving time', () => {
  // Europe/Berlin business hours: 100 requests an hour from 08:00 to 17:59 local on weekdays,
  // nothing otherwise, for the four weeks from Monday 2026-09-28 00:00 CEST to Monday
  // 2026-10-26 00:00 CET. Clocks went back on Sunday 2026-10-25 (CEST +2 → CET +1).
  const BERLIN = 'Europe/Berlin';
  const from = Date.parse('2026-09-27T22:00:00Z'); // Mon 2026-09-28 00:00 CEST
  const asOf = Date.parse('2026-10-25T23:00:00Z'); // Mon 2026-10-26 00:00 CET
  const localHour = (t: number) => +new Intl.DateTimeFormat('en-GB', { timeZone: BERLIN, hour: 'numeric', hourCycle: 'h23' }).format(new Date(t));
  const localWeekend = (t: number) => ['Sat', 'Sun'].includes(new Intl.DateTimeFormat('en-US', { timeZone: BERLIN, weekday: 'short' }).format(new Date(t)));
  const business = (t: number) => (!localWeekend(t) && localHour(t) >= 8 && localHour(t) < 18 ? 100 : 0);
  const h = historyOf(from, (asOf - from) / HOUR, (_i, t) => business(t));

  it('compares the same local hour of past weeks after the clocks change (07:00 stays idle, 08:00 and 17:00 stay busy)', () => {
    const mondayLocal = (hour: number) => Date.parse('2026-10-26T00:00:00Z') + (hour - 1) * HOUR; // CET = UTC+1
    const expected = Object.fromEntries([7, 8, 12, 17, 18].map((hr) => [`${hr}:00`, seasonal(h, mondayLocal(hr), BERLIN)]));
    expect(expected).toEqual({ '7:00': 0, '8:00': 100, '12:00': 100, '17:00': 100, '18:00': 0 });
  });
});

describe('seasonal expectation in the first week: past days of the same kind', () => {
  // Wednesday 2026-09-02 .. Sunday 2026-09-06: Wed 100, Thu 110, Fri 120, Sat 30, Sun 30.
  const WED = Date.parse('2026-09-02T00:00:00Z');
  const perDay = [100, 110, 120, 30, 30];
  const h = historyOf(WED, 5 * 24, (i) => perDay[Math.floor(i / 24)]);

  it('expects a Monday from the past weekdays only (median of Wed, Thu, Fri), not from the weekend', () => {
    expect(seasonalWithBasis(h, MON + 9 * HOUR, TZ)).toEqual({ value: 110, basis: 'daily' });
  });

  it('expects a weekday from the weekly match once a week exists', () => {
    const h2 = historyOf(WED, 8 * 24, (i) => [...perDay, 100, 100, 100][Math.floor(i / 24)]); // through Wed 09-09
    expect(seasonalWithBasis(h2, WED + WEEK + 3 * HOUR, TZ)).toEqual({ value: 100, basis: 'weekly' });
  });

  it('falls back to any day (mixed) for the first weekend, which has at most one weekend day before it', () => {
    const sunday = WED + 4 * DAY + 3 * HOUR;
    expect(seasonalWithBasis(h, sunday, TZ)).toEqual({ value: 105, basis: 'mixed' }); // median of 100, 110, 120, 30
  });

  it('has nothing to expect without any history of that hour', () => {
    expect(seasonalWithBasis(h, WED - DAY, TZ)).toBeNull();
  });
});

describe('level factor: like-for-like hours only', () => {
  it('a first weekend does not halve the next Monday', () => {
    // One week: weekdays 100 requests an hour, the first weekend 40.
    const h = historyOf(MON, 7 * 24, (_i, t) => (isWeekendUtc(t) ? 40 : 100));
    const asOf = MON + WEEK; // Monday 2026-09-14 00:00
    expect(levelFactor(h, asOf, TZ)).toBeCloseTo(1, 6);
    const e = buildExpectations(MODEL, { [INV]: h }, asOf, TZ, PRICING);
    const monday = e.series[INV].values.slice(24, 48);
    for (const v of monday) expect(v).toBeCloseTo(100, 6);
  });

  it('scales the expectation by the recent level when the last day runs above its like-for-like expectation', () => {
    // Two weeks at 100, then the latest day (Sunday) at 150: recent level 1.5.
    const h = historyOf(MON, 14 * 24, (i) => (i >= 13 * 24 ? 150 : 100));
    const asOf = MON + 2 * WEEK;
    expect(levelFactor(h, asOf, TZ)).toBeCloseTo(1.5, 6);
    const e = buildExpectations(MODEL, { [INV]: h }, asOf, TZ, PRICING);
    expect(e.series[INV].values[24]).toBeCloseTo(150, 6);
  });

  it('falls to zero for a model silent for the last day (retired), so nothing is expected of it any more', () => {
    const h = historyOf(MON, 14 * 24, (i) => (i >= 13 * 24 ? 0 : 100));
    expect(levelFactor(h, MON + 2 * WEEK, TZ)).toBe(0);
  });

  it('is 1 with fewer than six like-for-like hours to compare', () => {
    const h = historyOf(MON, 30, () => 100);
    expect(levelFactor(h, MON + 30 * HOUR, TZ)).toBe(1);
  });
});

describe('steady growth', () => {
  /** 3% a day, compounded hourly, on a daily shape. */
  const grown = (i: number, t: number) => profile(t) * Math.pow(1.03, i / 24);

  it('tracks 3%/day growth: after two weeks every expected hour of the next day is within 10% of the actual', () => {
    for (let day = 14; day <= 20; day++) {
      const h = historyOf(MON, day * 24, grown);
      const asOf = MON + day * DAY;
      const e = buildExpectations(MODEL, { [INV]: h }, asOf, TZ, PRICING);
      for (let k = 0; k < 24; k++) {
        const actual = grown(day * 24 + k, asOf + k * HOUR);
        const expected = e.series[INV].values[24 + k] as number;
        expect({ day, k, error: Math.abs(expected / actual - 1) < 0.1 }).toEqual({ day, k, error: true });
      }
    }
  });

  it('does not drop when one more past week joins the median (weeks 2, 3 and 4 of steady growth)', () => {
    // Under steady growth the forecast of the next hour should be about as good on the day a
    // further week of history becomes available as on the days around it. It is not: the level
    // factor is measured on the last 24 h against an expectation made from one week fewer than
    // the hours it is applied to, so the first day of each new week is forecast ~9–10% low.
    const errors: Record<number, number> = {};
    for (const day of [13, 14, 15, 20, 21, 22, 27, 28, 29]) {
      const h = historyOf(MON, day * 24, (i) => 1000 * Math.pow(1.03, i / 24));
      const asOf = MON + day * DAY;
      const e = buildExpectations(MODEL, { [INV]: h }, asOf, TZ, PRICING);
      const actual = 1000 * Math.pow(1.03, day);
      errors[day] = Math.round(Math.abs((e.series[INV].values[24] as number) / actual - 1) * 1000) / 1000;
    }
    const offByMoreThanFivePercent = Object.entries(errors).filter(([, err]) => err >= 0.05);
    expect(offByMoreThanFivePercent).toEqual([]);
  });
});

describe('confidence by days of history', () => {
  it('is none under a day, low under three days, ok from three days', () => {
    const h = (hours: number) => historyOf(MON, hours, () => 5);
    expect(volumeConfidence(undefined)).toBe('none');
    expect(volumeConfidence(h(23))).toBe('none');
    expect(volumeConfidence(h(24))).toBe('low');
    expect(volumeConfidence(h(71))).toBe('low');
    expect(volumeConfidence(h(72))).toBe('ok');
  });

  it('does not count hours without data as learned', () => {
    const h = historyOf(MON, 80, (i) => (i >= 60 && i < 70 ? null : 5));
    expect(volumeConfidence(h)).toBe('low'); // 70 learned hours
    const e = buildExpectations(MODEL, { [INV]: h }, MON + 80 * HOUR, TZ, PRICING);
    expect(e.series[INV]).toMatchObject({ confidence: 'low', hours: 70 });
  });

  it('publishes the confidence with every series of the expectations', () => {
    const asOf = MON + 10 * DAY;
    const e = buildExpectations(MODEL, { [INV]: historyOf(asOf - 12 * HOUR, 12, () => 3), [IN]: historyOf(asOf - 10 * DAY, 240, () => 3) }, asOf, TZ, PRICING);
    expect(e.series[INV].confidence).toBe('none');
    expect(e.series[IN].confidence).toBe('ok');
  });
});

describe('an incident in the history (whether an alert fired or not)', () => {
  // Two weeks of 100/h; on the second Monday 10:00–12:59 an incident ran at 10,000/h.
  const incident = (i: number) => i >= 7 * 24 + 10 && i < 7 * 24 + 13;
  const hist = () => historyOf(MON, 14 * 24, (i) => (incident(i) ? 10_000 : 100));

  it('is learned, and outvoted from two past weeks on: Monday 10:00 two weeks later still expects the normal 100', () => {
    const h = historyOf(MON, 21 * 24, (i) => (incident(i) ? 10_000 : 100));
    const hour = MON + WEEK + 11 * HOUR;
    expect(raw(h, hour)).toBe(10_000);
    expect(at(h, hour)).toBe(10_000);
    // Weeks 1 and 2 before: 10,000 and 100; the same hour of the past weekdays breaks the tie.
    expect(seasonalWithBasis(h, MON + 3 * WEEK + 11 * HOUR, TZ, 2)).toEqual({ value: 100, basis: 'weekly' });
  });

  it('counts for month-to-date spend', () => {
    // September: the histories start on the 7th, so month-to-date is all of them.
    const asOf = MON + 2 * WEEK;
    const input = hist();
    const output = historyOf(MON, 14 * 24, (i) => (incident(i) ? 1_000 : 10));
    const e = buildExpectations(MODEL, { [IN]: input, [OUT]: output }, asOf, TZ, PRICING);
    const tokensIn = (14 * 24 - 3) * 100 + 3 * 10_000;
    const tokensOut = (14 * 24 - 3) * 10 + 3 * 1_000;
    expect(e.cost.monthStart).toBe(Date.parse('2026-09-01T00:00:00Z'));
    expect(e.cost.monthToDate).toBeCloseTo((tokensIn * 0.001 + tokensOut * 0.002) / 1000, 9);
    // With a single past week the day ahead repeats it, incident hours included (one week cannot tell an incident
    // from a weekly feature; from two weeks on the tie-breaker keeps it out, see above).
    expect(e.cost.dailyExpected).toBeCloseTo((21 * (100 * 0.001 + 10 * 0.002) + 3 * (10_000 * 0.001 + 1_000 * 0.002)) / 1000, 9);
  });

  it('leaves month-to-date unknown (null, not 0) for a model without a price', () => {
    const e = buildExpectations('unknown.model-v1:0', { [IN]: hist(), [OUT]: hist() }, MON + 2 * WEEK, TZ, new Pricing());
    expect(e.cost).toMatchObject({ monthToDate: null, forecast: null, dailyExpected: null });
  });
});

describe('log spread (for "deviations" rules)', () => {
  it('is positive and reflects the noise of the hours around their expectation', () => {
    const wobble = (i: number) => 1 + 0.2 * Math.sin(i * 2.3999632); // ±20%, irregular
    const h = historyOf(MON, 14 * 24, (i, t) => profile(t) * wobble(i));
    const asOf = MON + 2 * WEEK;
    const s = logSpread(h, asOf, TZ, levelFactor(h, asOf, TZ)) as number;
    expect(s).toBeGreaterThan(0.05);
    expect(s).toBeLessThan(1);
    const e = buildExpectations(MODEL, { [INV]: h }, asOf, TZ, PRICING);
    expect(e.series[INV].spread).toBeCloseTo(s, 9);
  });

  it('has a positive floor on a perfectly regular series (never 0, so deviations never divide by 0)', () => {
    const h = historyOf(MON, 14 * 24, (_i, t) => profile(t));
    expect(logSpread(h, MON + 2 * WEEK, TZ, 1)).toBe(0.05);
  });

  it('is unknown with less than a day of comparable hours', () => {
    const h = historyOf(MON, 30, () => 100);
    expect(logSpread(h, MON + 30 * HOUR, TZ, 1)).toBeNull();
  });

  it('is only computed for volume series: a latency series is a level (median of the last three days)', () => {
    const asOf = MON + 4 * DAY;
    const lat = historyOf(MON, 4 * 24, (i) => (i % 2 ? 800 : 1200));
    const e = buildExpectations(MODEL, { 'InvocationLatency:p95': lat }, asOf, TZ, PRICING);
    expect(e.series['InvocationLatency:p95']).toMatchObject({ spread: null, confidence: 'ok' });
    expect(e.series['InvocationLatency:p95'].values.every((v) => v === 1000)).toBe(true);
  });
});
