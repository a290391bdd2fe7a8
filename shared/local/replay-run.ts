/**
 * A recorded workload replayed through the real evaluate handler on a simulated clock:
 * dynalite for DynamoDB, the replay source for CloudWatch, captured notifications.
 * `npm start`, `bedrock-watch backtest` and the end-to-end tests all run this.
 */
import { createEvaluateHandler } from '../../functions/evaluate';
import type { Config } from '../rules/schema';
import { ReplaySource } from '../sources/replay';
import type { MetricTrace } from '../sources/trace';
import { HOUR, MINUTE } from '../sources/types';
import { createBaselineHandler } from '../../functions/baseline';
import { DynamoBaselineStore, MemoryBaselineStore } from '../state/baselines';
import { DynamoStateStore } from '../state/dynamo-store';
import { MemoryStateStore } from '../state/memory-store';
import type { Transition } from '../engine/types';
import { Logger } from '@aws-lambda-powertools/logger';
import type { TickReport } from '../run/tick';
import { storedBaselines } from '../run/baselines-provider';
import { CaptureNotifiers, type Captured } from './capture';
import { startLocalDynamo } from './dynalite';
import { collectEpisodes, type Episode } from './episodes';

const BASELINE_MINUTE = 5 * MINUTE;

export interface ReplayOptions {
  config: Config;
  metrics: MetricTrace;
  from?: number;
  to?: number;
  onProgress?: (done: number, total: number) => void;
  logLevel?: 'SILENT' | 'ERROR' | 'WARN' | 'INFO' | 'DEBUG';
  /** `dynalite` (default): DynamoDB API in-process; `memory`: same semantics, for long backtests. */
  store?: 'dynalite' | 'memory';
}

export interface ReplayResult {
  from: number;
  to: number;
  ticks: number;
  episodes: Episode[];
  captured: Captured[];
  transitions: Transition[];
  /** Wall time per simulated tick, ms. */
  msPerTick: number;
  models: string[];
}


export async function replay(opts: ReplayOptions): Promise<ReplayResult> {
  const { config, metrics } = opts;
  const step = config.settings.schedule;
  // The first tick that can see the trace's first minute; the last that can see its last.
  const start = Math.ceil(((opts.from ?? metrics.from) + MINUTE + config.settings.publication_delay) / step) * step;
  const end = (opts.to ?? metrics.to) + config.settings.publication_delay;
  const dynamo = await startLocalDynamo();
  const store = opts.store === 'memory' ? new MemoryStateStore() : new DynamoStateStore(dynamo.table);
  const baselineStore = opts.store === 'memory' ? new MemoryBaselineStore() : new DynamoBaselineStore(dynamo.table);
  let now = start;
  const source = new ReplaySource(metrics, { now: () => now, delayMs: config.settings.publication_delay });
  const notifiers = new CaptureNotifiers(config.receivers);
  const log = new Logger({ serviceName: 'bedrock-watch-local', logLevel: opts.logLevel ?? 'SILENT' });
  const baselines = storedBaselines(baselineStore);
  const handler = createEvaluateHandler(() => ({ config, source, store, notifiers, baselines, sleep: async () => {} }), log);
  const learn = createBaselineHandler(() => ({ config, source, baselines: baselineStore, state: store }), log);
  const transitions: Transition[] = [];
  const total = Math.max(1, Math.floor((end - start) / step) + 1);
  let ticks = 0;
  const t0 = performance.now();
  try {
    for (; now <= end; now += step) {
      const event = { 'detail-type': 'Scheduled Event', source: 'aws.events', time: new Date(now).toISOString() };
      // The hourly baseline schedule, a few minutes past the hour (after CloudWatch has published it).
      if (now % HOUR === BASELINE_MINUTE) await learn(event, lambdaContext());
      const report: TickReport = await handler(event, lambdaContext());
      transitions.push(...report.transitions);
      ticks++;
      if (opts.onProgress && ticks % 360 === 0) opts.onProgress(ticks, total);
    }
  } finally {
    await dynamo.close();
  }
  return {
    from: start,
    to: end,
    ticks,
    episodes: collectEpisodes(transitions),
    captured: notifiers.sent,
    transitions,
    msPerTick: (performance.now() - t0) / Math.max(1, ticks),
    models: Object.keys(metrics.series).sort(),
  };
}

function lambdaContext() {
  return {
    functionName: 'bedrock-watch-local-evaluate',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:local:000000000000:function:bedrock-watch-local-evaluate',
    memoryLimitInMB: '256',
    awsRequestId: 'local',
    logGroupName: 'local',
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => 60_000,
    done() {},
    fail() {},
    succeed() {},
  } as never;
}
