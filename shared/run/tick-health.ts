/**
 * The dead-man's switch: every evaluate invocation that returns counts one `Heartbeat`; one
 * that throws counts `TickErrors`. serverless.yml alarms when heartbeats stop (missing data is
 * breaching), so a tick that crashes, hangs, is never scheduled or cannot even start is heard
 * about. The heartbeat is the one custom metric written every tick (each costs $0.30 a month):
 * the tick's duration is Lambda's own Duration metric, free.
 */
import type { MiddlewareObj } from '@middy/core';
import type { RunMetrics } from './metrics';

export function tickHealth(metrics: RunMetrics): MiddlewareObj {
  return {
    after: () => {
      metrics.count('Heartbeat');
    },
    onError: () => {
      metrics.count('TickErrors');
    },
  };
}
