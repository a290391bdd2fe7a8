/**
 * A recorded workload replayed through the real evaluate handler on a simulated clock:
 * dynalite for DynamoDB, the replay source for CloudWatch, captured notifications.
 * `npm start`, `bedrock-watch backtest` and the end-to-end tests all run this.
 */
import { createEvaluateHandler } from '../../functions/evaluate';
import type { Config } from '../rules/schema';
import { ReplaySource } from '../sources/replay';
import type { MetricTrace } from '../sources/trace';
import { DAY, HOUR, MINUTE } from '../core/time';
import { createDigestHandler } from '../../functions/digest';
import { createBaselineHandler } from '../../functions/baseline';
import { makeHandler as createIngestHandler } from '../../functions/ingest';
import { placesOfTargets } from '../core/target';
import { aggregateMessages } from '../logs/aggregate';
import { recordKey } from '../logs/ingest';
import { dataMessage, encodeAwsLogs } from '../logs/awslogs';
import { ReplayLogSource, TableLogSource } from '../sources/logs';
import type { LogTrace } from './log-trace';
import { lambdaContext, scheduledEvent } from './lambda';
import { DynamoBaselineStore, MemoryBaselineStore } from '../state/baselines';
import { DynamoStateStore } from '../state/dynamo-store';
import { MemoryStateStore } from '../state/memory-store';
import type { Transition } from '../core/alert';
import type { ObservationListener } from '../engine/evaluate';
import { Logger } from '@aws-lambda-powertools/logger';
import type { TickReport } from '../run/tick';
import { storedBaselines } from '../run/baselines-provider';
import { CaptureNotifiers, type Captured, type CapturedDigest } from './capture';
import { startLocalDynamo } from './dynalite';
import type { NotifierLookup } from '../run/deliver-outbox';
import type { Table } from '../dynamo/table';
import { collectEpisodes, type Episode } from './episodes';
import type { Muted } from '../route/route';
import type { Silence } from '../route/silences';
import { DynamoSilenceStore, MemorySilenceStore } from '../state/silences';

const BASELINE_MINUTE = 5 * MINUTE;
/** The replay delivers invocation logs to the ingest handler in batches this far apart (within settings.log_delay). */
const LOG_BATCH = 3 * MINUTE;
/** The digest schedule's default, cron(0 8 * * ? *). */
const DIGEST_TIME = 8 * HOUR;

export interface ReplayOptions {
  config: Config;
  metrics?: MetricTrace;
  /** An invocation-log trace, ingested as the ingest function would (dynalite) or aggregated in memory. */
  logs?: LogTrace;
  from?: number;
  to?: number;
  onProgress?: (done: number, total: number) => void;
  logLevel?: 'SILENT' | 'ERROR' | 'WARN' | 'INFO' | 'DEBUG';
  /** `dynalite` (default): DynamoDB API in-process; `memory`: same semantics, for long backtests. */
  store?: 'dynalite' | 'memory';
  /** Every judgement the engine makes during the replay. */
  onObservation?: ObservationListener;
  /** Real notifiers instead of the capture (tests against local receivers); `captured` then stays empty. */
  notifiers?: NotifierLookup;
  /** Called with the dynalite table after the last tick, before it is closed. */
  inspect?: (table: Table) => Promise<void>;
  /** Overrides settings.detail_every (the bench compares fetch designs on one trace). */
  detailEvery?: number;
  /** Silences in force during the replay (as `bedrock-watch silence add` would store them). */
  silences?: Silence[];
}

export interface ReplayResult {
  from: number;
  to: number;
  ticks: number;
  episodes: Episode[];
  captured: Captured[];
  digests: CapturedDigest[];
  transitions: Transition[];
  /** Messages held back (silences, inhibition, mute windows), with the reason. */
  muted: Muted[];
  /** Wall time per simulated tick, ms. */
  msPerTick: number;
  models: string[];
  /** GetMetricData metrics the evaluate and baseline ticks requested, as CloudWatch would bill them. */
  metricsRequested: number;
  /** Those the evaluate ticks requested (minute data). */
  evaluateMetrics: number;
}

export async function replay(opts: ReplayOptions): Promise<ReplayResult> {
  const config = opts.detailEvery === undefined ? opts.config : { ...opts.config, settings: { ...opts.config.settings, detail_every: opts.detailEvery } };
  if (!opts.metrics && !opts.logs) throw new Error('replay needs a metric trace, a log trace, or both');
  const metrics: MetricTrace = opts.metrics ?? emptyTrace(opts.logs as LogTrace);
  const step = config.settings.schedule;
  // The first tick that can see the trace's first minute; the last that can see its last.
  // Both traces, when given, are replayed over the span they cover together.
  const spanFrom = opts.logs && opts.metrics ? Math.min(metrics.from, opts.logs.from) : metrics.from;
  const spanTo = opts.logs && opts.metrics ? Math.max(metrics.to, opts.logs.to) : metrics.to;
  const start = Math.ceil(((opts.from ?? spanFrom) + MINUTE + config.settings.publication_delay) / step) * step;
  const end = (opts.to ?? spanTo) + config.settings.publication_delay;
  const dynamo = opts.store === 'memory' ? undefined : await startLocalDynamo();
  let now = start;
  // Leases run on the replay's clock, as they run on the wall clock in Lambda.
  const store = dynamo ? new DynamoStateStore(dynamo.table, { clock: () => now }) : new MemoryStateStore({ clock: () => now });
  const baselineStore = dynamo ? new DynamoBaselineStore(dynamo.table) : new MemoryBaselineStore();
  const source = new ReplaySource(metrics, { now: () => now, delayMs: config.settings.publication_delay });
  const capture = new CaptureNotifiers(config.receivers);
  const notifiers = opts.notifiers ?? capture;
  const log = new Logger({ serviceName: 'bedrock-watch-local', logLevel: opts.logLevel ?? 'SILENT' });
  const baselines = storedBaselines(baselineStore);
  const logDelay = { now: () => now, delayMs: config.settings.publication_delay };
  // Log records join the series of the place that reads their region and account (one place: by ModelId).
  const origin = { places: placesOfTargets(Object.keys(metrics.series)) };
  const logBuckets = () => {
    const l = opts.logs as LogTrace;
    if (origin.places.length <= 1) return l.aggregate.buckets;
    return aggregateMessages([...l.byMinute.values()].flatMap((m) => m.map((e) => e.message)), recordKey(origin, '')).buckets;
  };
  const logs = !opts.logs ? undefined : dynamo ? new TableLogSource(dynamo.table) : new ReplayLogSource(logBuckets(), logDelay);
  // With dynalite the log records take the real path: the ingest handler writes the buckets the tick reads.
  const ingest = opts.logs && dynamo ? createIngestHandler({ table: () => dynamo.table, logger: log, now: () => now, origin: () => origin }) : undefined;
  const delivered = new Set<number>();
  let silences: DynamoSilenceStore | MemorySilenceStore = new MemorySilenceStore(opts.silences ?? []);
  if (dynamo) {
    const stored = new DynamoSilenceStore(dynamo.table);
    for (const s of opts.silences ?? []) await stored.add(s);
    silences = stored;
  }
  const handler = createEvaluateHandler(() => ({ config, source, store, notifiers, baselines, logs, silences, sleep: async () => {}, onObservation: opts.onObservation }), log);
  const digest = createDigestHandler(() => ({ config, baselines: baselineStore, state: store, notifiers, logs }), log);
  const learn = createBaselineHandler(() => ({ config, source, baselines: baselineStore, state: store, logs }), log);
  const transitions: Transition[] = [];
  const muted: Muted[] = [];
  const total = Math.max(1, Math.floor((end - start) / step) + 1);
  let ticks = 0;
  // What the evaluate ticks requested (the baseline function also reads minutes, for percentiles).
  let evaluateMetrics = 0;
  const t0 = performance.now();
  try {
    for (; now <= end; now += step) {
      const event = scheduledEvent(now);
      // The hourly baseline schedule, a few minutes past the hour (after CloudWatch has published it).
      if (now % HOUR === BASELINE_MINUTE) await learn(event, lambdaContext());
      if (now % DAY === DIGEST_TIME && now - DAY >= start) await digest(event, lambdaContext());
      if (ingest && opts.logs) {
        // CloudWatch Logs delivers the records to the subscription in batches: here, every closed minute
        // since the last delivery in one batch, every LOG_BATCH.
        if (now % LOG_BATCH === 0) {
          const batch = [...opts.logs.byMinute].filter(([minute]) => !delivered.has(minute) && minute + MINUTE + logDelay.delayMs <= now);
          for (const [minute] of batch) delivered.add(minute);
          const lines = batch.flatMap(([, l]) => l);
          if (lines.length) await ingest(encodeAwsLogs(dataMessage(lines)), lambdaContext());
        }
      }
      const billedBefore = source.stats.metrics;
      const report: TickReport = await handler(event, lambdaContext());
      evaluateMetrics += source.stats.metrics - billedBefore;
      transitions.push(...report.transitions);
      muted.push(...(report.muted ?? []));
      ticks++;
      if (opts.onProgress && ticks % 360 === 0) opts.onProgress(ticks, total);
    }
    if (dynamo && opts.inspect) await opts.inspect(dynamo.table);
  } finally {
    await dynamo?.close();
  }
  return {
    from: start,
    to: end,
    ticks,
    episodes: collectEpisodes(transitions),
    captured: capture.sent,
    digests: capture.digests,
    transitions,
    muted,
    msPerTick: (performance.now() - t0) / Math.max(1, ticks),
    metricsRequested: source.stats.metrics,
    evaluateMetrics,
    models: [...new Set([...Object.keys(metrics.series), ...(opts.logs?.aggregate.buckets.map((b) => b.modelId) ?? [])])].sort(),
  };
}

function emptyTrace(logs: LogTrace): MetricTrace {
  return { from: logs.from, to: logs.to, namespace: 'AWS/Bedrock', series: {}, skipped: 0 };
}
