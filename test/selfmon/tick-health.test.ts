/**
 * The dead-man's switch middleware (shared/run/tick-health.ts), read directly: a returning invocation
 * counts one Heartbeat, a throwing one one TickErrors, nothing else. heartbeat.test.ts holds the same
 * through the evaluate handler's EMF output.
 */
import { RecordingMetrics } from '../../shared/run/metrics';
import { tickHealth } from '../../shared/run/tick-health';

describe('tickHealth', () => {
  it('counts Heartbeat after a returning invocation and TickErrors after a throwing one', async () => {
    const metrics = new RecordingMetrics();
    const mw = tickHealth(metrics);
    await mw.after?.({} as never);
    expect(metrics.counts).toEqual({ Heartbeat: 1 });
    await mw.onError?.({} as never);
    expect(metrics.counts).toEqual({ Heartbeat: 1, TickErrors: 1 });
    expect(metrics.gauges).toEqual([]);
  });
});
