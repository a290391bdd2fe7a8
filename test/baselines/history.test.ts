import { HISTORY_HOURS, at, endOf, learnedHours, raw, record } from '../../shared/baselines/history';
import { type History } from '../../shared/core/baseline';
import { HOUR, historyOf } from '../support/baseline-fixtures';

const H0 = Date.parse('2026-09-07T00:00:00Z');

describe('hourly history', () => {
  it('keeps at most five weeks (HISTORY_HOURS), dropping the oldest hours', () => {
    expect(HISTORY_HOURS).toBe(35 * 24);
    const h = historyOf(H0, HISTORY_HOURS + 50, (i) => i);
    expect(h.values).toHaveLength(HISTORY_HOURS);
    expect(h.start).toBe(H0 + 50 * HOUR);
    expect(endOf(h)).toBe(H0 + (HISTORY_HOURS + 50) * HOUR);
    expect(at(h, H0 + 49 * HOUR)).toBeNull(); // dropped
    expect(at(h, H0 + 50 * HOUR)).toBe(50);
  });


  it('records a gap as missing (null), not as 0', () => {
    let h: History | undefined = record(undefined, H0, 5);
    h = record(h, H0 + 3 * HOUR, 7);
    expect(h.values).toEqual([5, null, null, 7]);
    expect(raw(h, H0 + HOUR)).toBeNull();
  });

  it('accepts an hour before its start (back-fill)', () => {
    const h = record(record(undefined, H0 + 2 * HOUR, 9), H0, 4);
    expect(h).toMatchObject({ start: H0, values: [4, null, 9] });
  });

  it('learns every hour: a legacy `excluded` list (hours once left out during alerts) is ignored and dropped on the next write', () => {
    const legacy: History = { start: H0, values: [5, 500], excluded: [H0 + HOUR] };
    expect(at(legacy, H0 + HOUR)).toBe(500);
    expect(learnedHours(legacy)).toBe(2);
    const h = record(legacy, H0 + 2 * HOUR, 6);
    expect(h.excluded).toBeUndefined();
    expect(h.values).toEqual([5, 500, 6]);
  });

  it('counts learned hours as hours with a value', () => {
    let h = record(undefined, H0, 800);
    h = record(h, H0 + HOUR, null);
    h = record(h, H0 + 2 * HOUR, 900);
    expect(learnedHours(h)).toBe(2);
  });
});
