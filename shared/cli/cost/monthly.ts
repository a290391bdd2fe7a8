/**
 * The monthly bill of running bedrock-watch for N models: Lambda (GB-seconds at the configured
 * memory and a measured duration, plus requests), GetMetricData metrics requested by the
 * evaluate and baseline schedules under a fetch design, DynamoDB on-demand request units and
 * storage, SNS publishes, and CloudWatch Logs ingestion of its own logs. Pure arithmetic over
 * aws-prices.json; every assumption is an input with the default the command prints.
 */
import type { Config } from '../../rules/schema';
import { BUSY_FOR, planFetch } from '../../engine/cadence';
import { baselineSeries, needsLogs, seriesNeeded } from '../../engine/needs';
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
  // With errors in every window a count is read per model directly, its account-wide read tried once every BUSY_FOR.
  const account = models < 2 ? 0 : errors >= 1 ? interval / (BUSY_FOR + interval) : 1;
  // Every tick: the fast series per model, the fast error counts account-wide, and per model when new errors show.
  const everyTick = s.always.length * models + s.fastSentinel.length * (account + errors * models);
  // A slow read: the slow series per model, the slow-only error counts account-wide (per model when new errors show).
  const slowRead = s.waiting.length ? s.slow.length * models + s.sentinel.length * (account + errors * models) : 0;
  const slowReads = Math.min(1, share(design.moving) + interval / Math.max(interval, design.detailEvery));
  return everyTick + slowReads * slowRead;
}

export interface CostInput {
  config: Pick<Config, 'rules' | 'settings'>;
  /** Models watched in each place. */
  models: number;
  /** Places read: regions × accounts (each its own GetMetricData calls, series and account-wide reads). Default 1. */
  places?: number;
  /** Evaluate schedule, ms (settings.schedule unless --interval). */
  interval: number;
  design: FetchDesign;
  /** Lambda memory (MB) and measured duration (ms) per invocation, per function. */
  lambda: Record<'evaluate' | 'baseline' | 'digest' | 'ingest', { memoryMb: number; durationMs: number; invocations: number }>;
  /** Notifications a month (each one SNS publish at most). */
  notifications: number;
  /** Bytes bedrock-watch logs per evaluate tick (its log line plus Lambda's START/END/REPORT). */
  logBytesPerTick: number;
  /** Baselines and state kept per model, bytes. */
  storageBytesPerModel: number;
  arch?: 'arm64' | 'x86_64';
}

export interface CostLine {
  item: string;
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

export function estimateMonthly(input: CostInput): CostEstimate {
  const { config, interval } = input;
  const places = input.places ?? 1;
  const models = input.models * places;
  const ticks = MONTH_MS / interval;
  const perTick = metricsPerTick(config, input.models, interval, input.design) * places;
  const baselineMetrics = baselineSeries(config.rules).length * models * (MONTH_MS / HOUR);
  const gbSecond = input.arch === 'x86_64' ? prices.lambda.x86PerGbSecond : prices.lambda.arm64PerGbSecond;
  const lines: CostLine[] = [];
  const line = (item: string, quantity: number, unit: string, usd: number) => lines.push({ item, quantity, unit, usd });

  line('GetMetricData, evaluate', perTick * ticks, 'metrics', perTick * ticks * prices.cloudwatch.getMetricDataPerMetric);
  line('GetMetricData, baseline (hourly)', baselineMetrics, 'metrics', baselineMetrics * prices.cloudwatch.getMetricDataPerMetric);
  for (const [fn, l] of Object.entries(input.lambda)) {
    const gbs = l.invocations * (l.memoryMb / 1024) * (l.durationMs / 1000);
    line(`Lambda ${fn}`, gbs, 'GB-s', gbs * gbSecond + l.invocations * prices.lambda.perRequest);
  }
  // DynamoDB per tick: one strongly consistent Query of the state partition (1 RRU per 4 KB, the
  // cursor plus live alerts: ~1 KB per model at most) and the cursor update (1 WRU per KB, spend per model);
  // log-based rules add a Query of each model's minute buckets.
  const stateKb = 1 + models * 0.2;
  const reads = ticks * (Math.ceil(stateKb / 4) + (needsLogs(config.rules) ? models * 0.5 : 0));
  const writes = ticks * Math.ceil(stateKb) + input.notifications * 3; // outbox put, claim, mark sent
  line('DynamoDB reads', reads, 'RRU', reads * prices.dynamodb.perReadRequestUnit);
  line('DynamoDB writes', writes, 'WRU', writes * prices.dynamodb.perWriteRequestUnit);
  const gb = (models * input.storageBytesPerModel) / 1e9;
  line('DynamoDB storage', gb, 'GB-month', gb * prices.dynamodb.storagePerGbMonth);
  line('SNS publishes', input.notifications, 'publishes', input.notifications * prices.sns.perPublish);
  const logGb = (ticks * input.logBytesPerTick) / 1e9;
  line('CloudWatch Logs ingestion', logGb, 'GB', logGb * prices.cloudwatch.logsIngestionPerGb);
  return { lines, total: lines.reduce((s, l) => s + l.usd, 0), metricsPerTick: perTick };
}
