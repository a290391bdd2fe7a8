/**
 * The dead-man's switch: every evaluate invocation that returns counts one `Heartbeat`; one
 * that throws counts `TickErrors`; both record `TickDurationMs`. serverless.yml alarms when
 * heartbeats stop (missing data is breaching), so a tick that crashes, hangs, is never
 * scheduled or cannot even start is heard about.
 */
import type { MiddlewareObj } from '@middy/core';
import type { RunMetrics } from './metrics';

export function tickHealth(metrics: RunMetrics, clock: () => number = () => performance.now()): MiddlewareObj {
  let started = 0;
  const duration = () => metrics.gauge('TickDurationMs', Math.round(clock() - started), 'Milliseconds');
  return {
    before: () => {
      started = clock();
    },
    after: () => {
      metrics.count('Heartbeat');
      duration();
    },
    onError: () => {
      metrics.count('TickErrors');
      duration();
    },
  };
}
