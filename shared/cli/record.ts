/**
 * `bedrock-watch record`: the account's own Bedrock traffic as traces (FORMAT.md) that `backtest`
 * replays unchanged. Metrics: GetMetricData through the CloudWatch source (≤ 500 MetricStat
 * queries a call, NextToken followed), a chunk of hours at a time; invocation logs: FilterLogEvents,
 * an hour at a time, prompt and completion text stripped before anything is written.
 *
 * Resumable: each finished chunk is appended to FILE.partial and counted in FILE.checkpoint.json
 * (with the byte length written), so a run that is interrupted — Ctrl-C, expired credentials, a
 * throttling storm — continues where it stopped, over the same window, when run again.
 */
import { existsSync, openSync, closeSync, ftruncateSync, appendFileSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { stripRecord } from '../logs/strip';
import { CloudWatchSource } from '../sources/cloudwatch';
import { parseSeriesKey, type SeriesKey } from '../core/series';
import { modelIdOf, targetKey } from '../core/target';
import { DAY, HOUR, MINUTE } from '../core/time';
import { awsError, withBackoff } from './aws-errors';
import { CommandError, UsageError, err, help, out, plural, progressOption, str, type Command } from './command';
import { discoverModels } from './init';
import { progress as makeProgress, type Progress } from './progress';

/** Everything FORMAT.md lists, so any rules file can be backtested on the recording. */
export const RECORD_KEYS: SeriesKey[] = [
  'Invocations:Sum',
  'InvocationThrottles:Sum',
  'InvocationServerErrors:Sum',
  'InvocationClientErrors:Sum',
  'InvocationLatency:Average',
  'InvocationLatency:p95',
  'TimeToFirstToken:Average',
  'InputTokenCount:Sum',
  'OutputTokenCount:Sum',
  'EstimatedTPMQuotaUsage:Sum',
];

/** CloudWatch keeps one-minute datapoints for 15 days; older ones only at 5 minutes, which traces do not hold. */
export const MAX_DAYS = 15;
const METRIC_CHUNK = 6 * HOUR;
const LOG_CHUNK = HOUR;
/** The newest minutes are not all published yet. */
const PUBLICATION_DELAY = 3 * MINUTE;

interface Checkpoint {
  version: 1;
  region: string;
  logGroup: string | null;
  from: number;
  to: number;
  models: string[];
  keys: SeriesKey[];
  /** Chunks finished and the bytes of the partial file they fill. */
  metrics: { chunks: number; bytes: number };
  logs: { chunks: number; bytes: number; records: number; skipped: number };
}

export interface RecordOptions {
  cloudwatch: CloudWatchClient;
  logsClient?: CloudWatchLogsClient;
  region: string;
  /**
   * Other regions to record in the same trace, each with its client: every line then carries its
   * `region` (FORMAT.md), so the same model in two regions replays as two series.
   */
  moreRegions?: { region: string; cloudwatch: CloudWatchClient }[];
  /** Label every line with this account (FORMAT.md `account`), to merge recordings of several accounts. */
  account?: string;
  days: number;
  out: string;
  /** Invocation-log group, and where its trace goes. */
  logGroup?: string;
  logsOut?: string;
  now: number;
  progress?: Progress;
  sleep?: (ms: number) => Promise<void>;
}

export interface RecordReport {
  from: number;
  to: number;
  models: string[];
  datapoints: number;
  calls: number;
  resumed: boolean;
  logRecords: number;
  logSkipped: number;
}

/** `x-metrics.jsonl.gz` → `x-invocations.jsonl.gz`; anything else gets `-invocations` before its extension. */
export function logsFileFor(metricsFile: string): string {
  if (/-metrics\.jsonl(\.gz)?$/.test(metricsFile)) return metricsFile.replace(/-metrics(\.jsonl(\.gz)?)$/, '-invocations$1');
  const m = /^(.*?)(\.jsonl(\.gz)?)?$/.exec(metricsFile)!;
  return `${m[1]}-invocations${m[2] ?? '.jsonl.gz'}`;
}

export const checkpointFile = (out: string): string => `${out}.checkpoint.json`;
const partialFile = (file: string): string => `${file}.partial`;

function loadCheckpoint(file: string, region: string, days: number, logGroup: string | null): Checkpoint | null {
  if (!existsSync(file)) return null;
  try {
    const c = JSON.parse(readFileSync(file, 'utf8')) as Checkpoint;
    if (c.version !== 1 || c.region !== region || c.logGroup !== logGroup || Math.round((c.to - c.from) / DAY) !== days) return null;
    return c;
  } catch {
    return null;
  }
}

/** The partial file cut back to what the checkpoint vouches for (a chunk half written when the run died is dropped). */
function truncateTo(file: string, bytes: number): void {
  if (!existsSync(file)) {
    if (bytes > 0) throw new CommandError(`${file} is missing: delete ${file.replace(/\.partial$/, '')}.checkpoint.json to start over`);
    writeFileSync(file, '');
    return;
  }
  if (statSync(file).size < bytes) throw new CommandError(`${file} is shorter than its checkpoint says: delete the checkpoint to start over`);
  const fd = openSync(file, 'r+');
  try {
    ftruncateSync(fd, bytes);
  } finally {
    closeSync(fd);
  }
}

function finish(partial: string, file: string): void {
  if (file.endsWith('.gz')) {
    writeFileSync(file, gzipSync(readFileSync(partial)));
    rmSync(partial);
  } else renameSync(partial, file);
}

export async function record(opts: RecordOptions): Promise<RecordReport> {
  const { region, days } = opts;
  const places = [{ region, cloudwatch: opts.cloudwatch }, ...(opts.moreRegions ?? [])];
  const several = places.length > 1;
  const regionsText = places.map((p) => p.region).join(',');
  const logGroup = opts.logGroup ?? null;
  const logsOut = logGroup ? (opts.logsOut ?? logsFileFor(opts.out)) : null;
  const cpFile = checkpointFile(opts.out);
  const bar = opts.progress ?? makeProgress(false);
  const backoff = { sleep: opts.sleep, onRetry: (n: number) => err(`  throttled, retrying (attempt ${n + 1})…`) };

  let cp = loadCheckpoint(cpFile, regionsText, days, logGroup);
  const resumed = cp !== null;
  if (!cp) {
    const to = Math.floor((opts.now - PUBLICATION_DELAY) / MINUTE) * MINUTE;
    // Several regions: "region||model" (core/target keys), so each region's models are read there.
    const models: string[] = [];
    for (const p of places) for (const m of await discoverModels(p.cloudwatch, p.region)) models.push(several ? targetKey({ modelId: m, region: p.region }) : m);
    cp = { version: 1, region: regionsText, logGroup, from: to - days * DAY, to, models, keys: RECORD_KEYS, metrics: { chunks: 0, bytes: 0 }, logs: { chunks: 0, bytes: 0, records: 0, skipped: 0 } };
  } else {
    err(`Resuming the recording of ${new Date(cp.from).toISOString()} → ${new Date(cp.to).toISOString()} from ${cpFile}`);
  }
  const save = () => writeFileSync(cpFile, JSON.stringify(cp));
  save();

  const metricChunks = Math.ceil((cp.to - cp.from) / METRIC_CHUNK);
  const logChunks = logGroup ? Math.ceil((cp.to - cp.from) / LOG_CHUNK) : 0;
  const total = metricChunks + logChunks;
  const sources = places.map((p) => ({ ...p, source: new CloudWatchSource({ client: p.cloudwatch, discovery: false, ...(several ? { place: { region: p.region } } : {}) }) }));
  let datapoints = 0;

  const metricsPartial = partialFile(opts.out);
  truncateTo(metricsPartial, cp.metrics.bytes);
  for (let i = cp.metrics.chunks; i < metricChunks && cp.models.length; i++) {
    const from = cp.from + i * METRIC_CHUNK;
    const to = Math.min(cp.to, from + METRIC_CHUNK);
    bar.update(i, total, `recording metrics ${new Date(from).toISOString().slice(0, 16)}Z, ${plural(cp.models.length, 'model')}`);
    const lines: string[] = [];
    for (const p of sources) {
      const frame = await withBackoff(() => p.source.fetch({ keys: cp.keys, from, to, period: MINUTE, knownModels: cp.models }), backoff).catch((e) => {
        throw awsError(`CloudWatch GetMetricData in ${p.region}`, e, 'cloudwatch:GetMetricData');
      });
      // FORMAT.md: region and account, when present, come before the namespace.
      const where = { ...(several ? { region: p.region } : {}), ...(opts.account ? { account: opts.account } : {}) };
      for (let slot = 0; slot < frame.length; slot++) {
        const timestamp = new Date(frame.from + slot * frame.period).toISOString();
        for (const target of Object.keys(frame.models).sort()) {
          for (const key of cp.keys) {
            const value = frame.models[target]![key]?.[slot];
            if (value === null || value === undefined) continue;
            const { metric, stat } = parseSeriesKey(key);
            lines.push(JSON.stringify({ timestamp, ...where, namespace: 'AWS/Bedrock', metric, dimensions: { ModelId: modelIdOf(target) }, stat, period: 60, value }));
          }
        }
      }
    }
    const text = lines.length ? `${lines.join('\n')}\n` : '';
    appendFileSync(metricsPartial, text);
    datapoints += lines.length;
    cp.metrics = { chunks: i + 1, bytes: cp.metrics.bytes + Buffer.byteLength(text) };
    save();
  }
  if (!cp.models.length) cp.metrics.chunks = metricChunks;

  if (logGroup && logsOut) {
    const client = opts.logsClient ?? new CloudWatchLogsClient({ region });
    const logsPartial = partialFile(logsOut);
    truncateTo(logsPartial, cp.logs.bytes);
    for (let i = cp.logs.chunks; i < logChunks; i++) {
      const from = cp.from + i * LOG_CHUNK;
      const to = Math.min(cp.to, from + LOG_CHUNK);
      bar.update(metricChunks + i, total, `recording invocation logs ${new Date(from).toISOString().slice(0, 16)}Z (${cp.logs.records} records)`);
      const lines: string[] = [];
      let skipped = 0;
      let token: string | undefined;
      do {
        const page = await withBackoff(() => client.send(new FilterLogEventsCommand({ logGroupName: logGroup, startTime: from, endTime: to - 1, nextToken: token })), backoff).catch((e) => {
          throw awsError(`CloudWatch Logs FilterLogEvents on ${logGroup} in ${region}`, e, 'logs:FilterLogEvents');
        });
        for (const ev of page.events ?? []) {
          let parsed: unknown;
          try {
            parsed = JSON.parse(ev.message ?? '');
          } catch {
            parsed = undefined;
          }
          // Only invocation records, and only once stripped: nothing else in the group is written.
          if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || (parsed as { schemaType?: unknown }).schemaType !== 'ModelInvocationLog') {
            skipped++;
            continue;
          }
          lines.push(JSON.stringify(stripRecord(parsed as Record<string, unknown>)));
        }
        token = page.nextToken || undefined;
      } while (token);
      const text = lines.length ? `${lines.join('\n')}\n` : '';
      appendFileSync(logsPartial, text);
      cp.logs = { chunks: i + 1, bytes: cp.logs.bytes + Buffer.byteLength(text), records: cp.logs.records + lines.length, skipped: cp.logs.skipped + skipped };
      save();
    }
    bar.done();
    if (cp.logs.records === 0) throw new CommandError(`no invocation-log records in ${logGroup} between ${new Date(cp.from).toISOString()} and ${new Date(cp.to).toISOString()}: is model invocation logging on, to this group?`);
    finish(logsPartial, logsOut);
  }
  bar.done();
  const recorded = statSync(metricsPartial).size;
  if (recorded === 0) {
    rmSync(cpFile);
    rmSync(metricsPartial);
    throw new CommandError(`no Bedrock datapoints in ${regionsText} in the last ${plural(days, 'day')}: is this the region your applications call?`);
  }
  finish(metricsPartial, opts.out);
  rmSync(cpFile);
  return { from: cp.from, to: cp.to, models: cp.models, datapoints, calls: sources.reduce((n, p) => n + p.source.stats.calls, 0), resumed, logRecords: cp.logs.records, logSkipped: cp.logs.skipped };
}

export const recordCommand: Command = {
  summary: "record the account's Bedrock metrics (and invocation logs) as traces to backtest",
  usage: `bedrock-watch record --days N --out FILE [--logs LOG_GROUP] [--logs-out FILE] [--region R[,R2…]] [--account ID]

Pull the last N days (at most ${MAX_DAYS}: CloudWatch keeps one-minute data that long) of the account's
AWS/Bedrock metrics into a metric trace (FORMAT.md; gzip when FILE ends in .gz), for
  npx bedrock-watch backtest --metrics FILE [--logs LOGS_FILE] --html out/report.html
With --logs, also the model-invocation log records of LOG_GROUP, with prompt and completion text
stripped before anything is written (to --logs-out, default FILE with -invocations).

An interrupted run resumes where it stopped when run again with the same arguments (state in
FILE.checkpoint.json). Needs cloudwatch:ListMetrics, cloudwatch:GetMetricData and, with --logs,
logs:FilterLogEvents. GetMetricData bills $0.01 per 1,000 metrics requested: ${RECORD_KEYS.length} metrics per model
per 6-hour chunk, ${RECORD_KEYS.length * 4} per model per day recorded (a cent for 25 model-days).

  --days N          days to record, 1 to ${MAX_DAYS}
  --out FILE        the metric trace, e.g. account-metrics.jsonl.gz
  --logs GROUP      the invocation-log group (Bedrock → Settings → Model invocation logging)
  --logs-out FILE   where the log trace goes
  --region R[,R2…]  the region (default: your AWS profile's); several, comma-separated, record
                    each region's models with a "region" field on every line (with --logs,
                    the log group is read in the first region; records name their own region)
  --account ID      label every line with this 12-digit account id, so recordings made in
                    several accounts concatenate into one trace: cat a.jsonl.gz b.jsonl.gz > all.jsonl.gz
  --force           replace existing output files
  --progress        show progress even when stderr is not a terminal`,
  options: { ...help, ...progressOption, days: { type: 'string' }, out: { type: 'string' }, logs: { type: 'string' }, 'logs-out': { type: 'string' }, region: { type: 'string' }, account: { type: 'string' }, force: { type: 'boolean' } },
  maxPositionals: 0,
  run: async (v) => {
    const file = str(v.out);
    if (!file) throw new UsageError('needs --out FILE (e.g. --out account-metrics.jsonl.gz)');
    const days = Number(str(v.days));
    if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) throw new UsageError(`--days must be a whole number from 1 to ${MAX_DAYS}, not "${str(v.days) ?? ''}"`);
    const logGroup = str(v.logs);
    const logsOut = logGroup ? (str(v['logs-out']) ?? logsFileFor(file)) : undefined;
    for (const f of [file, logsOut]) if (f && existsSync(f) && !v.force) throw new CommandError(`${f} exists: pass --force to replace it, or another --out`);
    const regions = (str(v.region) ?? '').split(',').map((r) => r.trim()).filter(Boolean);
    for (const r of regions) if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(r)) throw new UsageError(`--region: "${r}" is not a region name like us-east-1`);
    if (new Set(regions).size !== regions.length) throw new UsageError('--region: a region is listed twice');
    const account = str(v.account);
    if (account !== undefined && !/^\d{12}$/.test(account)) throw new UsageError(`--account must be a 12-digit account id, not "${account}"`);
    const region = regions[0];
    const cloudwatch = new CloudWatchClient(region ? { region } : {});
    const where = region ?? (await cloudwatch.config.region().catch(() => undefined));
    if (!where) throw new CommandError('no AWS region: pass --region or set AWS_REGION (or a region in your AWS profile)');
    const moreRegions = regions.slice(1).map((r) => ({ region: r, cloudwatch: new CloudWatchClient({ region: r }) }));
    const report = await record({ cloudwatch, region: where, moreRegions, account, days, out: file, logGroup, logsOut, now: Date.now(), progress: makeProgress(Boolean(v.progress)) });
    out(`${report.resumed ? 'Resumed and finished' : 'Recorded'} ${new Date(report.from).toISOString()} → ${new Date(report.to).toISOString()} in ${[where, ...moreRegions.map((m) => m.region)].join(', ')}: ${plural(report.models.length, 'model')} (${report.models.join(', ')}), ${report.calls} GetMetricData calls`);
    out(`  ${file}`);
    if (logsOut) out(`  ${logsOut}: ${report.logRecords} invocation records, prompt and completion text removed${report.logSkipped ? ` (${report.logSkipped} other lines skipped)` : ''}`);
    out(`Backtest it: npx bedrock-watch backtest --metrics ${file}${logsOut ? ` --logs ${logsOut}` : ''} --html out/report.html`);
    return 0;
  },
};
