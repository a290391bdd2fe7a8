/**
 * The scheduled event's time (shared/run/event.ts), read directly: the tick's `now`, or a BadEventError
 * whose one line says what was wrong and shows enough of the bad value to recognise it (80 characters).
 * bad-events.test.ts holds the same through the handler.
 */
import { BadEventError, tickTime } from '../../shared/run/event';
import { scheduledEvent } from '../support/lambda';

const T0 = Date.parse('2026-10-05T15:00:00.000Z');
const MISSING = 'bad event: field "time" is missing: expected an EventBridge Scheduled Event like events/schedule.json';
const NOT_OBJECT = 'bad event: expected an EventBridge Scheduled Event object, got ';

/** The error tickTime throws for `event` (null when it returns). */
function failure(event: unknown): BadEventError | null {
  try {
    tickTime(event);
    return null;
  } catch (e) {
    return e as BadEventError;
  }
}

describe('tickTime', () => {
  it("is the event's time", () => {
    expect(tickTime(scheduledEvent(T0))).toBe(T0);
    expect(tickTime({ time: '2026-10-05T15:00:00Z' })).toBe(T0);
  });

  it.each<[string, unknown, string]>([
    ['null', null, `${NOT_OBJECT}null`],
    ['undefined', undefined, `${NOT_OBJECT}undefined`],
    ['a string', 'x', `${NOT_OBJECT}"x"`],
    ['a number', 7, `${NOT_OBJECT}7`],
    ['an array', [1], `${NOT_OBJECT}[1]`],
    ['an object without time', {}, MISSING],
    ['a time that is a number', { time: T0 }, MISSING],
    ['a time that is not a date', { time: 'yesterday' }, 'bad event: field "time" is not an ISO date: "yesterday"'],
  ])('refuses %s, saying what was wrong', (_what, event, message) => {
    const e = failure(event);
    expect(e).toBeInstanceOf(BadEventError);
    expect({ name: e?.name, message: e?.message, stack: e?.stack }).toEqual({ name: 'BadEventError', message, stack: `BadEventError: ${message}` });
  });

  it('shows a bad value of up to 80 characters whole, a longer one cut at 80 with its length', () => {
    const of = (n: number) => 'y'.repeat(n - 2); // JSON adds the two quotes
    expect(failure({ time: of(80) })?.message).toBe(`bad event: field "time" is not an ISO date: "${of(80)}"`);
    expect(failure({ time: of(81) })?.message).toBe(`bad event: field "time" is not an ISO date: ${`"${of(81)}"`.slice(0, 80)}… (81 characters)`);
  });
});
