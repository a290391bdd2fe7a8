/**
 * Time-interval edges (shared/route/time-intervals.ts) the Alertmanager tables do not reach:
 * negative ends other than the last day, the last day itself, a window named twice over, unknown names.
 */
import { TimeInterval } from '../../shared/rules/route-schema';
import { activeInterval, inTimeInterval } from '../../shared/route/time-intervals';

const at = (iso: string) => Date.parse(iso);
const ti = (x: unknown) => TimeInterval.parse(x);

describe('days of the month', () => {
  it('a range ending before the last days leaves them out', () => {
    const i = ti({ days_of_month: ['1:-3'] });
    expect(inTimeInterval(i, at('2026-01-29T12:00:00Z'), 'UTC')).toBe(true);
    expect(inTimeInterval(i, at('2026-01-30T12:00:00Z'), 'UTC')).toBe(false);
    expect(inTimeInterval(i, at('2026-02-26T12:00:00Z'), 'UTC')).toBe(true);
    expect(inTimeInterval(i, at('2026-02-27T12:00:00Z'), 'UTC')).toBe(false);
  });

  it('the last day by number and from the end', () => {
    expect(inTimeInterval(ti({ days_of_month: ['31'] }), at('2026-01-31T12:00:00Z'), 'UTC')).toBe(true);
    expect(inTimeInterval(ti({ days_of_month: ['-1'] }), at('2026-01-31T12:00:00Z'), 'UTC')).toBe(true);
    expect(inTimeInterval(ti({ days_of_month: ['-1'] }), at('2026-01-30T12:00:00Z'), 'UTC')).toBe(false);
    expect(inTimeInterval(ti({ days_of_month: ['30:31'] }), at('2026-02-28T12:00:00Z'), 'UTC')).toBe(false);
  });
});

describe('activeInterval', () => {
  const all = [
    { name: 'weekend-or-night', time_intervals: [ti({ weekdays: ['saturday', 'sunday'] }), ti({ times: [{ start_time: '00:00', end_time: '06:00' }] })] },
    { name: 'never', time_intervals: [ti({ years: ['2000'] })] },
  ];
  it('holds when any of a window’s intervals holds', () => {
    expect(activeInterval(['weekend-or-night'], all, at('2026-10-05T03:00:00Z'), 'UTC')).toBe('weekend-or-night'); // a Monday night
    expect(activeInterval(['weekend-or-night'], all, at('2026-10-04T12:00:00Z'), 'UTC')).toBe('weekend-or-night'); // a Sunday noon
    expect(activeInterval(['weekend-or-night'], all, at('2026-10-05T12:00:00Z'), 'UTC')).toBeNull();
  });

  it('names the first window of the list that holds; an unknown name holds never', () => {
    expect(activeInterval(['nope', 'never', 'weekend-or-night'], all, at('2026-10-04T12:00:00Z'), 'UTC')).toBe('weekend-or-night');
    expect(activeInterval(['nope'], all, at('2026-10-04T12:00:00Z'), 'UTC')).toBeNull();
  });
});
