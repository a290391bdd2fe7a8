/** The native-alarm side of the detection comparison: what CloudWatch alarms (60 s, 3 of 3) would have done. */
import { nativeAlarms } from '../../shared/cli/bench-detection';
import type { MetricTrace } from '../../shared/sources/trace';
import { MINUTE } from '../../shared/core/time';
import { configOf, runs, serverErrorRule } from '../support/frame';

const MODEL = 'amazon.nova-lite-v1:0';
const FROM = Date.parse('2026-10-05T12:00:00Z');
const traceOf = (requests: (number | null)[], errors: (number | null)[]): MetricTrace => ({
  from: FROM,
  to: FROM + requests.length * MINUTE,
  namespace: 'AWS/Bedrock',
  series: { [MODEL]: { 'Invocations:Sum': requests, 'InvocationServerErrors:Sum': errors } },
  skipped: 0,
});
const config = configOf([serverErrorRule({ tiers: { warning: { above: '1%' }, critical: { above: '5%' } } })]);
const at = (minute: number) => new Date(FROM + minute * MINUTE).toISOString();

describe('nativeAlarms()', () => {
  it('goes to ALARM when the third breaching minute is published, per tier, and back to OK at the first clean one', () => {
    const eps = nativeAlarms(config, traceOf(runs([100, 12]), runs([0, 3], [10, 4], [0, 5])), FROM);
    // Minutes 3..6 breach; the third (minute 5) is published at 5 + 1 + 2 (publication delay) = 8.
    expect(eps).toEqual([
      { labels: { ModelId: MODEL }, signal: 'server_errors', severity: 'warning', startsAt: at(8), endsAt: at(10), reached: { warning: at(8) } },
      { labels: { ModelId: MODEL }, signal: 'server_errors', severity: 'critical', startsAt: at(8), endsAt: at(10), reached: { critical: at(8) } },
    ]);
  });

  it('pages on a two-minute blip only when it is three minutes long', () => {
    expect(nativeAlarms(config, traceOf(runs([100, 10]), runs([0, 3], [30, 2], [0, 5])), FROM)).toEqual([]);
    expect(nativeAlarms(config, traceOf(runs([100, 10]), runs([0, 3], [30, 3], [0, 4])), FROM)).toHaveLength(2);
  });

  it('treats a minute without datapoints as not breaching', () => {
    expect(nativeAlarms(config, traceOf(runs([100, 3], [null, 1], [100, 3]), runs([10, 3], [null, 1], [10, 3])), FROM)).toHaveLength(4); // two alarms per tier: the gap resets the count
    expect(nativeAlarms(config, traceOf(runs([100, 2], [null, 1], [100, 2]), runs([10, 2], [null, 1], [10, 2])), FROM)).toEqual([]);
  });
});
