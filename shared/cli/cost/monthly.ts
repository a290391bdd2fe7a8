/**
 * The monthly bill of running bedrock-watch for N models, every line the deployed stack bills:
 * Lambda (GB-seconds at the configured memory and a modelled duration, plus requests) for each
 * function, GetMetricData metrics requested by the evaluate and baseline schedules under a fetch
 * design, DynamoDB request units (ticks, baseline history rewrites, the ingest path's bucket
 * writes), storage and point-in-time recovery, the template's alarms, KMS keys and dashboard,
 * the custom metrics the code writes, SNS publishes, CloudWatch Logs (the functions' own logs,
 * invocation logging) and the Kinesis stream that carries other places' invocation logs. Pure
 * arithmetic over aws-prices.json; every assumption is an input with the default the command prints.
 */
import type { Config } from '../../rules/schema';
import { BUSY_FOR, planFetch } from '../../engine/cadence';
import { baselineSeries, needsLogs, seriesNeeded } from '../../engine/needs';
import { HISTORY_HOURS } from '../../baselines/history';
import prices from '../../pricing/aws-prices.json';

export const MONTH_MS = 30 * 86_400_000;
const HOUR = 3_600_000;

/** How evaluate reads per-model metrics. */
export type FetchDesign =
  /** Every series per model every tick (what bedrock-watch did before settings.detail_every). */
  | { kind: 'every-tick' }
  /** The plan of engine/cadence.ts: fast series every tick, error counts behind account-wide reads, slow series every `detailEvery`. */
  | {
      kind: 'tiered';
      detailEvery: number;
      /**
       * Share of reads whose account-wide error counts show a minute not seen before that is not
       * zero (then that count is read per model once; held minutes are not read again). Default 0
       * (a quiet account); 1: errors somewhere in the account every minute.
       */
      errors?: number;
      /** Share of ticks with a slow rule on the move (then its series are read every tick). Default 0. */
      moving?: number;
      /** Share of slow reads (each covering detailEvery) with a new error minute. Default `errors`. */
      slowErrors?: number;
      /**
       * Share of models whose count is read per model in such a read: the others the account-wide
       * bound proves unable to reach a tier (engine/cadence countTargetsToRead). Default 1 (every model).
       */
      countShare?: number;
    };

/** The series one tick reads under the tiered plan (engine/cadence.ts planFetch, as the tick calls it). */
export function tieredSeries(config: Pick<Config, 'rules' | 'settings'>, interval: number, detailEvery: number) {
  const p = planFetch({ rules: config.rules, states: {}, lastMinute: null, slowMinute: null, latest: 0, oldest: 0, detailEvery, schedule: interval, minute: 60_000 });
  return { always: p.always, fastSentinel: p.fastSentinel, sentinel: p.sentinel, slow: p.slow, fast: p.groups.fast, waiting: p.groups.slow };
}

/** GetMetricData metrics one evaluate tick requests on average under a design, for one region of one account. */
export function metricsPerTick(config: Pick<Config, 'rules' | 'settings'>, models: number, interval: number, design: FetchDesign): number {
  if (design.kind === 'every-tick') return seriesNeeded(config.rules).length * models;
  const s = tieredSeries(config, interval, design.detailEvery);
  const share = (x: number | undefined) => Math.min(1, Math.max(0, x ?? 0));
  // An account-wide read stands for every model of the place: with one model, the counts are read per model.
  const errors = models >= 2 ? share(design.errors) : 1;
  // The account-wide read pays where it spares at least one model's read (of the same count) on average; with errors in
  // every window and fewer spared, every model is read directly and the account-wide read tried once every BUSY_FOR (cadence nextBusy).
  const spares = models >= 2 && (1 - share(design.countShare ?? 1)) * models >= 1;
  const perModel = spares ? share(design.countShare ?? 1) : 1;
  const account = models < 2 ? 0 : errors >= 1 && !spares ? interval / (BUSY_FOR + interval) : 1;
  // Every tick: the fast series per model, the fast error counts account-wide, and per model (those the bound cannot clear) when new errors show.
  const everyTick = s.always.length * models + s.fastSentinel.length * (account + errors * perModel * models);
  // A slow read: the slow series per model, the slow-only error counts account-wide (per model when new errors show).
  const slowShare = models >= 2 ? share(design.slowErrors ?? design.errors) : 1;
  const slowAccount = models < 2 ? 0 : slowShare >= 1 && !spares ? interval / (BUSY_FOR + interval) : 1;
  const slowRead = s.waiting.length ? s.slow.length * models + s.sentinel.length * (slowAccount + slowShare * perModel * models) : 0;
  const slowReads = Math.min(1, share(design.moving) + interval / Math.max(interval, design.detailEvery));
  return everyTick + slowReads * slowRead;
}

export type Service = 'Lambda' | 'GetMetricData' | 'DynamoDB' | 'CloudWatch alarms' | 'Custom metrics (EMF)' | 'KMS' | 'Dashboard' | 'CloudWatch Logs' | 'SNS' | 'Kinesis';

export interface CostInput {
  config: Pick<Config, 'rules' | 'settings'>;
  /** Models watched in each place. */
  models: number;
  /** Places read: regions × accounts (each its own GetMetricData calls, series and account-wide reads). Default 1. */
  places?: number;
  /** Evaluate schedule, ms (settings.schedule unless --interval). */
  interval: number;
  design: FetchDesign;
  /** Lambda memory (MB), duration (ms) per invocation and invocations a month, per function. */
  lambda: Record<string, { memoryMb: number; durationMs: number; invocations: number }>;
  /** Notifications a month (each one SNS publish at most). */
  notifications: number;
  /** Bytes the functions log per evaluate tick (their lines, Lambda's START/END/REPORT, the EMF document). */
  logBytesPerTick: number;
  /** State kept per model besides the baseline history, bytes. */
  storageBytesPerModel: number;
  /** The fixed resources of the template: alarm metrics, composite alarms, KMS keys, dashboards. Default none. */
  fixed?: { alarmMetrics: number; compositeAlarms?: number; kmsKeys: number; dashboards: number };
  /** Custom metrics the code writes every tick (billed all month), and those written only in hours with events. */
  customMetrics?: { perTick: number; onEvent: number; eventHours: number };
  /** Invocation logs a month, GB, all places (0: not subscribed). */
  logsGb?: number;
  arch?: 'arm64' | 'x86_64';
}

export interface CostLine {
  name: string;
  service: Service;
  quantity: number;
  unit: string;
  usd: number;
}

export interface CostEstimate {
  lines: CostLine[];
  total: number;
  /** GetMetricData metrics per evaluate tick, every place (average over the month under the design). */
  metricsPerTick: number;
}

/** Bytes of one invocation-log record (its prompt and completion text included): the size that turns --logs GB into records. */
export const LOG_RECORD_BYTES = 4_000;
/** Subscription deliveries to ingest: one every 10 s per place while logs flow (CloudWatch Logs and Kinesis batch them). */
export const INGEST_DELIVERIES_PER_PLACE = MONTH_MS / 10_000;
/** WRU of one bucket write: a minute's item with its callers and the ids of the batches added to it (1–2 KB). */
export const BUCKET_WRITE_UNITS = 2;
/** Bytes per stored baseline value (a number in a DynamoDB list). */
const HISTORY_VALUE_BYTES = 8;

export function estimateMonthly(input: CostInput): CostEstimate {
  const { config, interval } = input;
  const places = input.places ?? 1;
  const models = input.models * places;
  const ticks = MONTH_MS / interval;
  const hours = MONTH_MS / HOUR;
  const perTick = metricsPerTick(config, input.models, interval, input.design) * places;
  const baselineMetrics = baselineSeries(config.rules).length * models * hours;
  const gbSecond = input.arch === 'x86_64' ? prices.lambda.x86PerGbSecond : prices.lambda.arm64PerGbSecond;
  const cw = prices.cloudwatch;
  const lines: CostLine[] = [];
  const line = (name: string, service: Service, quantity: number, unit: string, usd: number) => lines.push({ name, service, quantity, unit, usd });

  line('GetMetricData, evaluate', 'GetMetricData', perTick * ticks, 'metrics', perTick * ticks * cw.getMetricDataPerMetric);
  line('GetMetricData, baseline (hourly)', 'GetMetricData', baselineMetrics, 'metrics', baselineMetrics * cw.getMetricDataPerMetric);
  for (const [fn, l] of Object.entries(input.lambda)) {
    const gbs = l.invocations * (l.memoryMb / 1024) * (l.durationMs / 1000);
    line(`Lambda ${fn}`, 'Lambda', gbs, 'GB-s', gbs * gbSecond + l.invocations * prices.lambda.perRequest);
  }

  // DynamoDB per tick: one strongly consistent Query of the state partition (1 RRU per 4 KB, the
  // cursor plus live alerts: ~1 KB per model at most) and the cursor update (1 WRU per KB, spend per model),
  // the expectations (one small item per model); log-based rules add a Query of each model's minute buckets.
  const stateKb = 1 + models * 0.2;
  const tickReads = ticks * (Math.ceil(stateKb / 4) + Math.ceil((models * 0.3) / 4) + (needsLogs(config.rules) ? models * 0.5 : 0));
  const tickWrites = ticks * Math.ceil(stateKb) + input.notifications * 3; // outbox put, claim, mark sent
  line('DynamoDB, evaluate reads', 'DynamoDB', tickReads, 'RRU', tickReads * prices.dynamodb.perReadRequestUnit);
  line('DynamoDB, evaluate writes', 'DynamoDB', tickWrites, 'WRU', tickWrites * prices.dynamodb.perWriteRequestUnit);
  // Baseline, hourly: every model's history item (all its series, HISTORY_HOURS values each) read, then rewritten whole.
  const historyKb = (baselineSeries(config.rules).length * HISTORY_HOURS * HISTORY_VALUE_BYTES + 500) / 1000;
  const historyWrites = hours * models * (Math.ceil(historyKb) + 1); // the history, then the expectations item
  const historyReads = hours * models * Math.ceil(historyKb / 4) * 0.5; // eventually consistent
  line('DynamoDB, baseline history rewrites', 'DynamoDB', historyWrites, 'WRU', historyWrites * prices.dynamodb.perWriteRequestUnit);
  line('DynamoDB, baseline history reads', 'DynamoDB', historyReads, 'RRU', historyReads * prices.dynamodb.perReadRequestUnit);
  // Ingest: one UpdateItem per model and minute each delivery touches.
  const logsGb = input.logsGb ?? 0;
  const records = (logsGb * 1e9) / LOG_RECORD_BYTES;
  const deliveries = Math.min(records, INGEST_DELIVERIES_PER_PLACE * places);
  if (logsGb > 0) {
    const bucketWrites = deliveries * Math.min(input.models, records / Math.max(1, deliveries)) * BUCKET_WRITE_UNITS;
    line('DynamoDB, ingest bucket writes', 'DynamoDB', bucketWrites, 'WRU', bucketWrites * prices.dynamodb.perWriteRequestUnit);
  }
  const gb = (models * (input.storageBytesPerModel + historyKb * 1000)) / 1e9;
  line('DynamoDB storage', 'DynamoDB', gb, 'GB-month', gb * prices.dynamodb.storagePerGbMonth);
  line('DynamoDB point-in-time recovery', 'DynamoDB', gb, 'GB-month', gb * prices.dynamodb.pitrPerGbMonth);

  const fixed = input.fixed ?? { alarmMetrics: 0, kmsKeys: 0, dashboards: 0 };
  line('self-monitoring alarms (from the template)', 'CloudWatch alarms', fixed.alarmMetrics, 'alarm metrics', fixed.alarmMetrics * cw.alarmPerMetricMonth + (fixed.compositeAlarms ?? 0) * cw.compositeAlarmMonth);
  const custom = input.customMetrics ?? { perTick: 0, onEvent: 0, eventHours: 0 };
  line('custom metrics written every tick', 'Custom metrics (EMF)', custom.perTick, 'metrics', custom.perTick * cw.customMetricMonth);
  const eventMetricMonths = (custom.onEvent * Math.min(hours, custom.eventHours)) / hours;
  line('custom metrics written when events happen', 'Custom metrics (EMF)', eventMetricMonths, 'metric-months', eventMetricMonths * cw.customMetricMonth);
  // The alert topic's key, and a data key for each publish to it (SNS asks KMS; counted as one request each).
  const kmsRequests = input.notifications;
  line('KMS key of the alert topic', 'KMS', fixed.kmsKeys, 'keys', fixed.kmsKeys * prices.kms.keyMonth + kmsRequests * prices.kms.perRequest);
  line('dashboard', 'Dashboard', fixed.dashboards, 'dashboards', fixed.dashboards * cw.dashboardMonth);

  line('SNS publishes', 'SNS', input.notifications, 'publishes', input.notifications * prices.sns.perPublish);
  const ownGb = (ticks * input.logBytesPerTick) / 1e9;
  line("functions' own logs (ingested, kept 30 days)", 'CloudWatch Logs', ownGb, 'GB', ownGb * (cw.logsIngestionPerGb + cw.logsStoragePerGbMonth));
  if (logsGb > 0) line('Bedrock invocation logging (ingested, a month kept)', 'CloudWatch Logs', logsGb, 'GB', logsGb * (cw.logsIngestionPerGb + cw.logsStoragePerGbMonth));
  // Other regions' and accounts' invocation logs reach ingest through one Kinesis stream (README, Several regions and accounts).
  if (logsGb > 0 && places > 1) {
    const remote = (logsGb * (places - 1)) / places;
    const shards = Math.max(1, Math.ceil((4 * remote * 1e3) / (MONTH_MS / 1000))); // peak 4× the average MB/s, 1 MB/s a shard
    const putUnits = (remote * 1e9) / 25_000 + deliveries;
    line('Kinesis stream, other places\' invocation logs', 'Kinesis', shards * hours, 'shard-hours', shards * hours * prices.kinesis.shardHour + (putUnits / 1e6) * prices.kinesis.perMillionPutUnits);
  }
  return { lines, total: lines.reduce((s, l) => s + l.usd, 0), metricsPerTick: perTick };
}
