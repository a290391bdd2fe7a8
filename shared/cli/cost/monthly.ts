/**
 * The monthly bill of running bedrock-watch for N models: Lambda (GB-seconds at the configured
 * memory and a measured duration, plus requests), GetMetricData metrics requested by the
 * evaluate and baseline schedules under a fetch design, DynamoDB on-demand request units and
 * storage, SNS publishes, and CloudWatch Logs ingestion of its own logs. Pure arithmetic over
 * aws-prices.json; every assumption is an input with the default the command prints.
 */
import type { Config } from '../../rules/schema';
import { groupRules, SENTINEL_SERIES } from '../../engine/cadence';
import { baselineSeries, needsLogs, seriesNeeded } from '../../engine/needs';
import prices from '../../pricing/aws-prices.json';

export const MONTH_MS = 30 * 86_400_000;
const HOUR = 3_600_000;

/** How evaluate reads per-model metrics. */
export type FetchDesign =
  /** Every series per model every tick (what bedrock-watch did before settings.detail_every). */
  | { kind: 'every-tick' }
  /** Series of rules that must be judged every minute every tick, the others every `detailEvery` (engine/cadence.ts). */
  | {
      kind: 'tiered';
      detailEvery: number;
      /** Share of slow reads whose account-wide error counts are not zero (then read per model). Default 0. */
      errors?: number;
      /** Share of ticks with a slow rule on the move (then its series are read every tick). Default 0. */
      moving?: number;
    };

export interface CostInput {
  config: Pick<Config, 'rules' | 'settings'>;
  models: number;
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
  /** GetMetricData metrics per evaluate tick (average over the month under the design). */
  metricsPerTick: number;
}

/** GetMetricData metrics one evaluate tick requests on average under a design. */
export function metricsPerTick(config: Pick<Config, 'rules' | 'settings'>, models: number, interval: number, design: FetchDesign): number {
  const all = seriesNeeded(config.rules);
  if (design.kind === 'every-tick') return all.length * models;
  const { fast } = groupRules(config.rules, design.detailEvery, interval);
  const always = fast.length ? seriesNeeded(fast) : [];
  const rest = all.filter((k) => !always.includes(k));
  const sentinel = rest.filter((k) => SENTINEL_SERIES.has(k)).length;
  const slow = rest.length - sentinel;
  const share = (x: number | undefined) => Math.min(1, Math.max(0, x ?? 0));
  // A slow read: sentinel account-wide, the slow series per model, the error counts per model when not proven zero.
  const slowRead = rest.length ? sentinel + slow * models + share(design.errors) * sentinel * models : 0;
  const slowReads = Math.min(1, share(design.moving) + interval / Math.max(interval, design.detailEvery));
  return always.length * models + slowReads * slowRead;
}

export function estimateMonthly(input: CostInput): CostEstimate {
  const { config, models, interval } = input;
  const ticks = MONTH_MS / interval;
  const perTick = metricsPerTick(config, models, interval, input.design);
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
