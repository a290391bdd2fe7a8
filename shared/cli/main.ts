/**
 * bedrock-watch commands: validate, backtest, demo, bench. `bin/bedrock-watch.js` runs `main()`
 * through tsx; it returns the exit code (0 ok, 1 failed, 2 usage).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { inflateRawSync } from 'node:zlib';
import { seriesNeeded } from '../engine/needs';
import type { Episode } from '../local/episodes';
import type { LogTrace } from '../local/log-trace';
import type { ReplayOptions, ReplayResult } from '../local/replay-run';
import { RulesError, formatPath, formatProblem } from '../rules/errors';
import { loadRules, loadRulesFile } from '../rules/load';
import { unmatchedIncludes } from '../engine/select';
import type { Config } from '../rules/schema';
import { TraceError, loadMetricTrace } from '../sources/trace';
import { getMetricDataCost } from '../sources/cloudwatch-cost';
import { IncidentsError, loadIncidents, score, type Incident } from './incidents';
import { durationText, isoSeconds, renderReport } from './report';

const ROOT = resolve(__dirname, '..', '..');
const SAMPLES = join(ROOT, 'events', 'traces');
const DAY = 86_400_000;

/** The replay pulls in the AWS SDK, middy and dynalite: load it only for the commands that replay (validate stays quick). */
const replay = (opts: ReplayOptions): Promise<ReplayResult> =>
  (require('../local/replay-run') as typeof import('../local/replay-run')).replay(opts);
const loadLogs = (file: string): LogTrace => (require('../local/log-trace') as typeof import('../local/log-trace')).loadLogTrace(file);

type Values = Record<string, string | boolean | string[] | undefined>;
type Options = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

interface Command {
  summary: string;
  usage: string;
  options: Options;
  maxPositionals: number;
  run(values: Values, positionals: string[]): Promise<number>;
}

class UsageError extends Error {}

const out = (line = '') => process.stdout.write(`${line}\n`);
const err = (line = '') => process.stderr.write(`${line}\n`);
const help = { help: { type: 'boolean', short: 'h' } } as const;

const COMMANDS: Record<string, Command> = {
  silence: {
    summary: 'silence alerts for a while (add, list, expire)',
    usage: `bedrock-watch silence add --match MATCHER [--match …] --for DURATION --comment TEXT [--start ISO] [--author NAME] [--table NAME]
bedrock-watch silence list [--all] [--table NAME]
bedrock-watch silence expire ID [--table NAME]

Silences live in the stack's DynamoDB table (--table, or TABLE_NAME; the name is in the stack
outputs: npx sls info --verbose) and apply from the next evaluate tick. A silenced alert keeps its
state: if it still fires when the silence ends, it is announced then.

  --match MATCHER  Alertmanager matcher on alert labels: 'ModelId=~"meta.*"', 'rule="bedrock-throttles"',
                   'severity!="critical"', 'team="ml"'; several must all hold
  --for DURATION   how long, like 2h or 30m (at most 90d)
  --comment TEXT   why (shown to the next on-call)
  --start ISO      start later, e.g. a maintenance window (default: now)
  --author NAME    who (default: your user name)
  --all            list: also show expired silences`,
    options: {
      ...help,
      match: { type: 'string', multiple: true },
      for: { type: 'string' },
      comment: { type: 'string' },
      start: { type: 'string' },
      author: { type: 'string' },
      table: { type: 'string' },
      region: { type: 'string' },
      all: { type: 'boolean' },
    },
    maxPositionals: 2,
    run: async (v, positionals) => {
      const { silenceCommand } = require('./silence') as typeof import('./silence');
      const str = (x: unknown) => (typeof x === 'string' ? x : undefined);
      const [action, id] = positionals;
      return silenceCommand(
        { action, id, match: Array.isArray(v.match) ? v.match : [], for: str(v.for), comment: str(v.comment), start: str(v.start), author: str(v.author), table: str(v.table), region: str(v.region), all: v.all === true },
        out,
      );
    },
  },
  baseline: {
    summary: 'learn baselines from CloudWatch history now (baseline bootstrap)',
    usage: `bedrock-watch baseline bootstrap [--table NAME] [--region REGION] [--rules FILE]

Learn every model's baselines from the last 14 days of the account's CloudWatch history (hourly
GetMetricData) into the stack's table, as the baseline function's first run does, so a fresh
deploy is useful at once. Uses your AWS credentials; the table name is in the stack outputs
(npx sls info --verbose) or TABLE_NAME.`,
    options: { ...help, table: { type: 'string' }, region: { type: 'string' }, rules: { type: 'string' } },
    maxPositionals: 1,
    run: async (v, positionals) => {
      if (positionals[0] !== 'bootstrap') throw new UsageError('the baseline command has one action: bootstrap');
      if (typeof v.table !== 'string' && !process.env.TABLE_NAME)
        throw new UsageError("name the stack's DynamoDB table with --table NAME (it is in the stack outputs: npx sls info --verbose) or TABLE_NAME");
      const { bootstrapBaselines } = require('./baseline') as typeof import('./baseline');
      const str = (x: unknown) => (typeof x === 'string' ? x : undefined);
      const report = await bootstrapBaselines({ rulesFile: str(v.rules) ?? 'rules.yml', table: str(v.table), region: str(v.region) });
      out(`Baselines learned as of ${report.asOf}: ${plural(report.models, 'model')}, ${report.hoursLearned} model-hours (${report.excludedHours} left out during alerts)${report.bootstrapped.length ? `; bootstrapped ${report.bootstrapped.join(', ')}` : ''}`);
      return 0;
    },
  },
  validate: {
    summary: 'check a rules file',
    usage: `bedrock-watch validate [FILE] [--metrics FILE]

Check a rules file (default rules.yml). Prints "FILE: OK (N rules, M receivers)" and exits 0,
or prints each problem as file:line:col: path message on stderr and exits 1.

  --metrics FILE   a metric trace (FORMAT.md) of the account: also warn about models.include
                   patterns that match none of its models (a warning: the exit code stays 0)`,
    options: { ...help, metrics: { type: 'string' } },
    maxPositionals: 1,
    run: async (v, positionals) => validate(positionals[0] ?? 'rules.yml', typeof v.metrics === 'string' ? v.metrics : undefined),
  },
  backtest: {
    summary: 'replay a recorded trace through the rules',
    usage: `bedrock-watch backtest --metrics FILE [--logs FILE] [options]

Replay recorded traces (FORMAT.md, .jsonl or .jsonl.gz) through the real evaluate
handler on a simulated clock, and report the alerts and notifications it would have produced.

  --metrics FILE   metric trace (FORMAT.md: *-metrics.jsonl[.gz])
  --logs FILE      invocation-log trace (*-invocations.jsonl[.gz]); either trace alone is enough
  --rules FILE     rules file (default rules.yml)
  --from ISO       start of the replay (default: the trace's start)
  --to ISO         end of the replay (default: the trace's end)
  --store KIND     memory (default, fast) or dynalite (DynamoDB API in-process)
  --json           print only the backtest object {"alerts":[...],"notifications":[...]} on stdout`,
    options: { ...help, metrics: { type: 'string' }, logs: { type: 'string' }, rules: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean' }, store: { type: 'string' } },
    maxPositionals: 0,
    run: (v) => backtest(v),
  },
  demo: {
    summary: 'replay the bundled sample week through dynalite (npm start)',
    usage: `bedrock-watch demo [--out DIR]

Replay the bundled samples (events/traces/sample-metrics.jsonl.gz: 9 days, 3 models, and
sample-invocations.jsonl.gz: 1 day of invocation logs) with the repository's rules.yml through
dynalite, compare the alerts with the injected incidents (the *-incidents.json files), and
write DIR/backtest.json and DIR/report.html (default DIR: out).`,
    options: { ...help, out: { type: 'string' } },
    maxPositionals: 0,
    run: (v) => demo(typeof v.out === 'string' ? v.out : 'out'),
  },
  bench: {
    summary: 'print speed and cost figures',
    usage: `bedrock-watch bench

Print figures (not assertions): ms per simulated tick with the memory and dynalite stores on one
day of the sample, the import time of the packaged evaluate function, and the GetMetricData
metrics per tick with their monthly cost next to native CloudWatch alarms for the same coverage.`,
    options: { ...help },
    maxPositionals: 0,
    run: () => bench(),
  },
};

const USAGE = `usage: bedrock-watch <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`)
  .join('\n')}

Run "bedrock-watch <command> --help" for a command's options.`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    err(USAGE);
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    out(USAGE);
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    err(`bedrock-watch: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true }) as { values: Values; positionals: string[] });
    if (values.help) {
      out(command.usage);
      return 0;
    }
    if (positionals.length > command.maxPositionals) throw new UsageError(`unexpected argument "${positionals[command.maxPositionals]}"`);
    return await command.run(values, positionals);
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      err(`bedrock-watch ${name}: ${(e as Error).message}\n\n${command.usage}`);
      return 2;
    }
    if (e instanceof RulesError) {
      for (const p of e.problems) err(formatProblem(p));
      return 1;
    }
    if (e instanceof TraceError || e instanceof IncidentsError) {
      err(`bedrock-watch ${name}: ${e.message}`);
      return 1;
    }
    if (name === 'silence') {
      const { SilenceUsageError } = require('./silence') as typeof import('./silence');
      const x = e as { name?: string; message?: string };
      // A usage mistake, or an AWS failure (credentials, missing table): one line, no stack trace.
      err(e instanceof SilenceUsageError ? `bedrock-watch silence: ${x.message}` : `bedrock-watch silence: DynamoDB: ${x.name ?? 'Error'}: ${x.message ?? String(e)}`);
      return 2;
    }
    // Anything else (AWS credentials, the network, a bug): one line, the stack only on request.
    err(debug() ? `bedrock-watch ${name}: ${(e as Error)?.stack ?? String(e)}` : `bedrock-watch ${name}: ${oneLine(e)} (set BEDROCK_WATCH_DEBUG=1 for the stack trace)`);
    return 1;
  }
}

const debug = () => process.env.BEDROCK_WATCH_DEBUG === '1';

function oneLine(e: unknown): string {
  const text = e instanceof Error ? `${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e.message}` : String(e);
  return text.split('\n')[0];
}

// ── validate ────────────────────────────────────────────────────────────────

async function validate(file: string, metricsFile?: string): Promise<number> {
  const { config, locate } = loadRules(file); // a RulesError prints its problems and exits 1 (main)
  if (metricsFile) {
    // A pattern matching nothing is not an error (the model may not be called yet), but likely a typo.
    const models = Object.keys(loadMetricTrace(metricsFile).series).sort();
    for (const u of unmatchedIncludes(config.rules, models)) {
      const { line, col } = locate(u.path);
      err(`${file}:${line}:${col}: warning: ${formatPath(u.path)} "${u.pattern}" matches no model in ${metricsFile}; models seen: ${models.join(', ')}`);
    }
  }
  out(`${file}: OK (${plural(config.rules.length, 'rule')}, ${plural(config.receivers.length, 'receiver')})`);
  return 0;
}

// ── backtest ────────────────────────────────────────────────────────────────

/** The backtest contract (FORMAT.md): firing episodes that paged, and every notification. */
export function backtestJson(result: Pick<ReplayResult, 'episodes' | 'captured'>) {
  return {
    alerts: result.episodes
      .filter((e) => !e.suppressedBy)
      .map((e) => ({
        rule: e.rule,
        signal: e.signal,
        severity: e.severity,
        labels: e.labels,
        startsAt: isoSeconds(e.startsAt),
        endsAt: e.endsAt === null ? null : isoSeconds(e.endsAt),
      })),
    // Sorted: delivery order within a tick depends on the store, the decisions do not.
    notifications: result.captured
      .map((c) => ({ receiver: c.receiver, action: c.notification.action, at: isoSeconds(c.notification.at), alerts: c.notification.alerts.length }))
      .sort((a, b) => a.at.localeCompare(b.at) || a.receiver.localeCompare(b.receiver) || a.action.localeCompare(b.action)),
  };
}

function isoOption(v: Values, name: string): number | undefined {
  const s = v[name];
  if (typeof s !== 'string') return undefined;
  const t = Date.parse(s);
  if (!Number.isFinite(t)) throw new UsageError(`--${name} must be an ISO time like 2026-10-05T00:00:00Z, not "${s}"`);
  return t;
}

async function backtest(v: Values): Promise<number> {
  if (typeof v.metrics !== 'string' && typeof v.logs !== 'string') throw new UsageError('needs --metrics FILE, --logs FILE, or both');
  const store = v.store ?? 'memory';
  if (store !== 'memory' && store !== 'dynalite') throw new UsageError(`--store must be memory or dynalite, not "${String(store)}"`);
  const from = isoOption(v, 'from');
  const to = isoOption(v, 'to');
  if (from !== undefined && to !== undefined && to <= from) throw new UsageError('--to must be after --from');
  const rulesFile = typeof v.rules === 'string' ? v.rules : 'rules.yml';
  const config = loadRulesFile(rulesFile);
  const metrics = typeof v.metrics === 'string' ? loadMetricTrace(v.metrics) : undefined;
  const logs = typeof v.logs === 'string' ? loadLogs(v.logs) : undefined;
  checkRange([metrics, logs], from, to);
  const opts: ReplayOptions = { config, metrics, logs, from, to, store, onProgress: process.stderr.isTTY ? progress('replayed', config.settings.schedule) : undefined };
  const result = await replay(opts);
  if (opts.onProgress) process.stderr.write('\r\x1b[K');
  if (result.ticks === 0) throw new TraceError(`the range ${isoSeconds(from ?? result.from)} → ${isoSeconds(to ?? result.to)} is too short for one evaluate tick (every ${durationText(config.settings.schedule)})`);
  if (v.json) {
    out(JSON.stringify(backtestJson(result)));
    return 0;
  }
  const traces = [v.metrics, v.logs].filter((f): f is string => typeof f === 'string').join(' + ');
  out(`Backtest of ${traces} with ${rulesFile}: ${plural(result.models.length, 'model')}, ticks ${isoSeconds(result.from)} → ${isoSeconds(result.to)}`);
  out();
  for (const line of summary(result, config, store)) out(line);
  return 0;
}

/** A range that holds none of the trace would print an empty result that looks like "no alerts". */
function checkRange(traces: ({ from: number; to: number } | undefined)[], from: number | undefined, to: number | undefined): void {
  const spans = traces.filter((t): t is { from: number; to: number } => t !== undefined);
  const start = Math.min(...spans.map((t) => t.from));
  const end = Math.max(...spans.map((t) => t.to));
  const covers = `the trace covers ${isoSeconds(start)} → ${isoSeconds(end)}`;
  if (from !== undefined && from >= end) throw new TraceError(`--from ${isoSeconds(from)} is after the end of the trace: ${covers}`);
  if (to !== undefined && to <= start) throw new TraceError(`--to ${isoSeconds(to)} is before the start of the trace: ${covers}`);
}

// ── demo ────────────────────────────────────────────────────────────────────

/** Days replayed tick by tick through dynalite in the demo; the rest of the sample is history. */
const DEMO_DAYS = 2;

async function demo(outDir: string): Promise<number> {
  const metricsFile = join(SAMPLES, 'sample-metrics.jsonl.gz');
  const logsFile = join(SAMPLES, 'sample-invocations.jsonl.gz');
  const incidentFiles = [join(SAMPLES, 'sample-incidents.json'), join(SAMPLES, 'sample-invocations-incidents.json')].filter((f) => existsSync(f));
  const rulesFile = join(ROOT, 'rules.yml');
  const show = (p: string) => relative(process.cwd(), p) || p;
  const t0 = performance.now();
  const withLogs = existsSync(logsFile);
  err(`bedrock-watch demo: loading ${show(metricsFile)}${withLogs ? ` and ${show(logsFile)}` : ''}…`);
  const config = loadRulesFile(rulesFile);
  const metrics = loadMetricTrace(metricsFile);
  const logs = withLogs ? loadLogs(logsFile) : undefined;
  const incidents = incidentFiles.flatMap((f) => loadIncidents(f));
  const days = Math.round((metrics.to - metrics.from) / DAY);
  const logDays = logs ? Math.round((logs.to - logs.from) / DAY) : 0;
  err(
    `replaying ${days} days of metrics${logs ? ` and ${logDays} day${logDays === 1 ? '' : 's'} of invocation logs` : ''} for ${plural(Object.keys(metrics.series).length, 'model')} ` +
      `with ${show(rulesFile)} (${plural(config.rules.length, 'rule')}) through dynalite, one tick per ${config.settings.schedule / 60_000} min…`,
  );
  // Like a fresh deploy: the baseline function's first run learns the earlier days from (replayed)
  // CloudWatch history, and the handlers run minute by minute over the last two days.
  const from = Math.max(metrics.from, metrics.to - DEMO_DAYS * DAY);
  err(`  baselines bootstrapped from the ${Math.round((from - metrics.from) / DAY)} days before ${isoSeconds(from).slice(0, 10)}, as the first baseline run does from CloudWatch`);
  const onProgress = progress('  replayed', config.settings.schedule);
  const result = await replay({ config, metrics, logs, from, store: 'dynalite', onProgress });
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  const seconds = (performance.now() - t0) / 1000;
  err(`done in ${seconds.toFixed(1)} s`);

  out();
  for (const line of summary(result, config, 'dynalite')) out(line);
  out();
  for (const line of scoreSummary(result.episodes, incidents, incidentFiles.map(show).join(' + '))) out(line);

  mkdirSync(outDir, { recursive: true });
  const jsonFile = join(outDir, 'backtest.json');
  const htmlFile = join(outDir, 'report.html');
  writeFileSync(jsonFile, `${JSON.stringify(backtestJson(result), null, 2)}\n`);
  writeFileSync(htmlFile, renderReport({ result, trace: metrics, config, incidents, title: 'bedrock-watch demo: sample week', logBuckets: logs?.aggregate.buckets }));
  out();
  out(`Wrote ${jsonFile} and ${htmlFile}`);
  return 0;
}

// ── bench ───────────────────────────────────────────────────────────────────

async function bench(): Promise<number> {
  const config = loadRulesFile(join(ROOT, 'rules.yml'));
  const metrics = loadMetricTrace(join(SAMPLES, 'sample-metrics.jsonl.gz'));
  const models = Object.keys(metrics.series).length;
  const from = Math.max(metrics.from, metrics.to - DAY);
  const tick = config.settings.schedule;
  err('bench: replaying one day of the sample with each store…');
  await replay({ config, metrics, from, to: from + 3_600_000, store: 'memory' }); // warm-up (JIT, module loading)
  const memory = await replay({ config, metrics, from, to: metrics.to, store: 'memory' });
  const dynalite = await replay({ config, metrics, from, to: metrics.to, store: 'dynalite' });

  const rows: string[][] = [];
  out(`Replay of ${isoSeconds(from).slice(0, 10)} (${memory.ticks} ticks, ${plural(models, 'model')}, ${plural(config.rules.length, 'rule')})`);
  rows.push(['  memory store', `${memory.msPerTick.toFixed(2)} ms/tick`, '']);
  rows.push(['  dynalite store', `${dynalite.msPerTick.toFixed(2)} ms/tick`, `${ratio(dynalite.msPerTick, memory.msPerTick)} memory`]);
  for (const line of align(rows)) out(line);
  out();

  for (const line of importTime()) out(line);
  out();

  for (const line of await ingestBench()) out(line);
  out();

  // A native alarm has one threshold: one alarm per rule tier and model (a ratio rule's alarm is
  // metric math over each of its metrics). Other kinds (absent, cost, week-over-week, …) have no
  // plain-alarm equivalent, so the like-for-like comparison covers threshold and ratio rules only.
  let alarmMetrics = 0;
  const comparable: Config['rules'] = [];
  const uncounted: string[] = [];
  for (const r of config.rules) {
    const { name, kind } = r;
    const tiers = (['info', 'warning', 'critical'] as const).filter((t) => r.tiers[t]).length;
    if (r.kind === 'ratio') alarmMetrics += tiers * new Set([...r.numerator, ...r.denominator]).size * models;
    else if (r.kind === 'threshold') alarmMetrics += tiers * models;
    else {
      uncounted.push(`${name} (${kind})`);
      continue;
    }
    comparable.push(r);
  }
  const perMonth = (series: number) => series * models * ((30 * DAY) / tick);
  const gmd = (metricsRequested: number) => getMetricDataCost({ metricsRequested });
  const all = seriesNeeded(config.rules);
  const same = seriesNeeded(comparable);
  const alarmCost = alarmMetrics * 0.1;
  out(`GetMetricData metrics per evaluate tick: ${all.length} series × ${plural(models, 'model')} = ${all.length * models}`);
  out(`  (${all.join(', ')})`);
  out(`Monthly CloudWatch cost (30 days, a tick every ${tick / 60_000} min, ${plural(models, 'model')}):`);
  for (const line of align([
    ['  bedrock-watch, all rules', `${perMonth(all.length).toLocaleString('en-US')} metrics`, usd(gmd(perMonth(all.length))), ''],
    [`  bedrock-watch, threshold + ratio rules (${comparable.length})`, `${perMonth(same.length).toLocaleString('en-US')} metrics`, usd(gmd(perMonth(same.length))), ''],
    ['  native alarms, same rule × tier × model coverage', `${alarmMetrics} alarm-metrics`, usd(alarmCost), `bedrock-watch = ${ratio(gmd(perMonth(same.length)), alarmCost)} native`],
  ])) out(line);
  out('  (GetMetricData $0.01 per 1,000 metrics requested; alarms $0.10 per alarm-metric per month. Evaluate ticks only:');
  out('   the hourly baseline fetch, Lambda and DynamoDB are not included; baseline_ratio tiers would need');
  out('   anomaly-detection alarms, billed as 3 metrics each, not counted.)');
  if (uncounted.length) out(`  (no native alarm equivalent, left out of the comparison: ${uncounted.join(', ')})`);
  return 0;
}

/** Time a cold `require()` of the packaged evaluate bundle in a fresh node process. */
/** The ingest function's work on one large log batch: records/second and DynamoDB writes (per bucket, not per record). */
async function ingestBench(): Promise<string[]> {
  // Loaded here only: the other commands do not need them (the CLI loads lazily, like loadLogs above).
  const { startLocalDynamo } = require('../local/dynalite') as typeof import('../local/dynalite');
  const { ingestBatch } = require('../logs/ingest') as typeof import('../logs/ingest');
  const { dataMessage, encodeAwsLogs } = require('../logs/awslogs') as typeof import('../logs/awslogs');
  const logsFile = join(SAMPLES, 'sample-invocations.jsonl.gz');
  if (!existsSync(logsFile)) return ['ingest: no sample invocation logs, skipped'];
  const logs = loadLogs(logsFile);
  // 10,000 records spread over 10 minutes, as one subscription batch.
  const lines = [...logs.byMinute.values()].flat().slice(0, 10_000);
  const base = Date.parse('2026-10-05T12:00:00Z');
  const batch = lines.map((l, i) => {
    const r = JSON.parse(l.message) as { timestamp: string };
    const t = base + (i % 10) * 60_000 + (i % 60) * 1000;
    r.timestamp = new Date(t).toISOString();
    return { timestamp: t, message: JSON.stringify(r) };
  });
  const event = encodeAwsLogs(dataMessage(batch));
  const dynamo = await startLocalDynamo();
  try {
    const t0 = performance.now();
    const first = await ingestBatch(dynamo.table, event, base + 11 * 60_000);
    const ms = performance.now() - t0;
    const t1 = performance.now();
    const again = await ingestBatch(dynamo.table, event, base + 11 * 60_000);
    const msAgain = performance.now() - t1;
    return align([
      [`Ingest of one ${Math.round(JSON.stringify(event).length / 1024)} KB subscription batch (${first.records} records, dynalite)`, '', ''],
      ['  first delivery', `${Math.round(first.records / (ms / 1000)).toLocaleString('en-US')} records/s`, `${first.writes} bucket writes for ${first.buckets} buckets (${(first.records / Math.max(1, first.writes)).toFixed(0)} records per write)`],
      ['  redelivered (idempotent)', `${Math.round(again.records / (msAgain / 1000)).toLocaleString('en-US')} records/s`, `${again.writes} written, ${again.skipped} skipped`],
    ]);
  } finally {
    await dynamo.close();
  }
}

function importTime(): string[] {
  const zip = join(ROOT, '.serverless', 'evaluate.zip');
  if (!existsSync(join(ROOT, '.serverless'))) return ['Import of functions/evaluate: skipped (no .serverless; run `npm run package` first)'];
  const bundle = existsSync(zip) ? readZipEntry(zip, 'functions/evaluate.js') : null;
  if (!bundle) return ['Import of functions/evaluate: skipped (.serverless/evaluate.zip has no functions/evaluate.js; run `npm run package`)'];
  const dir = mkdtempSync(join(tmpdir(), 'bedrock-watch-bench-'));
  try {
    const file = join(dir, 'evaluate.js');
    writeFileSync(file, bundle);
    const env = { ...process.env, AWS_REGION: process.env.AWS_REGION ?? 'us-east-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
    const script = `const t=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
    const requires: number[] = [];
    const walls: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < 5; i++) {
      let t = performance.now();
      const r = spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8' });
      walls.push(performance.now() - t);
      if (r.status !== 0) return [`Import of functions/evaluate: failed (${(r.stderr || '').trim().split('\n')[0]})`];
      requires.push(Number(r.stdout));
      t = performance.now();
      spawnSync(process.execPath, ['-e', ''], { env });
      bare.push(performance.now() - t);
    }
    return [
      `Import of functions/evaluate (esbuild bundle from .serverless/evaluate.zip, ${(bundle.length / 1024).toFixed(0)} KB, median of 5 cold processes)`,
      ...align([
        ['  require()', `${median(requires).toFixed(0)} ms`, ''],
        ['  node process, bare', `${median(bare).toFixed(0)} ms`, ''],
        ['  node process + require()', `${median(walls).toFixed(0)} ms`, `${ratio(median(walls), median(bare))} bare`],
      ]),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One stored or deflated entry of a zip file (enough for the packages osls writes). */
function readZipEntry(zipFile: string, name: string): Buffer | null {
  const buf = readFileSync(zipFile);
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) return null;
  let p = buf.readUInt32LE(eocd + 16);
  const count = buf.readUInt16LE(eocd + 10);
  for (let i = 0; i < count && buf.readUInt32LE(p) === 0x02014b50; i++) {
    const method = buf.readUInt16LE(p + 10);
    const size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    if (buf.toString('utf8', p + 46, p + 46 + nameLen) === name) {
      const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
      const data = buf.subarray(start, start + size);
      return method === 0 ? Buffer.from(data) : method === 8 ? inflateRawSync(data) : null;
    }
    p += 46 + nameLen + extraLen + commentLen;
  }
  return null;
}

// ── summaries ───────────────────────────────────────────────────────────────

function summary(result: ReplayResult, config: Config, store: string): string[] {
  const lines: string[] = [];
  const fired = result.episodes.filter((e) => !e.suppressedBy);
  const resolved = fired.filter((e) => e.endsAt !== null).length;
  const suppressed = result.episodes.length - fired.length;
  lines.push(`Alerts: ${fired.length} fired, ${resolved} resolved${suppressed ? `, ${suppressed} suppressed by inhibition` : ''}`);
  const byModel = groupBy(result.episodes, (e) => e.labels.ModelId ?? '(no model)');
  for (const model of result.models) if (!byModel.has(model)) byModel.set(model, []);
  for (const model of [...byModel.keys()].sort()) {
    lines.push(`  ${model}${byModel.get(model)?.length ? '' : ': no alerts'}`);
    const byRule = groupBy(byModel.get(model) ?? [], (e) => e.rule);
    for (const [rule, eps] of byRule) {
      const f = eps.filter((e) => !e.suppressedBy);
      const s = eps.length - f.length;
      lines.push(`    ${rule}: ${f.length} fired, ${f.filter((e) => e.endsAt).length} resolved${s ? `, ${s} suppressed` : ''}`);
      for (const e of eps) lines.push(`      ${episodeLine(e)}`);
    }
  }
  const byReceiver = new Map(config.receivers.map((r) => [r.name, [] as ReplayResult['captured']]));
  for (const [receiver, sent] of groupBy(result.captured, (c) => c.receiver)) byReceiver.set(receiver, sent);
  lines.push(`Notifications: ${result.captured.length}`);
  lines.push(
    ...align(
      [...byReceiver].map(([receiver, sent]) => {
        const actions = [...groupBy(sent, (c) => c.notification.action)].map(([a, l]) => `${l.length} ${a}`);
        return [`  ${receiver}`, String(sent.length), actions.length ? `(${actions.join(', ')})` : ''];
      }),
    ),
  );
  const held = result.muted ?? [];
  if (held.length) {
    const kinds = [...groupBy(held, (m) => m.kind.replace('_', ' '))].map(([k, l]) => `${l.length} ${k}`);
    lines.push(`Held back: ${held.length} (${kinds.join(', ')}); the HTML report lists each with its reason`);
  }
  lines.push(`Replay: ${result.ticks} ticks, ${result.msPerTick.toFixed(2)} ms/tick (${store} store)`);
  return lines;
}

function episodeLine(e: Episode): string {
  const end = e.endsAt ? isoSeconds(e.endsAt) : 'still firing';
  const dur = e.endsAt ? ` (${durationText(Date.parse(e.endsAt) - Date.parse(e.startsAt))})` : '';
  return `${e.severity.padEnd(8)} ${isoSeconds(e.startsAt)} → ${end}${dur}  ${e.text}${e.suppressedBy ? '  [suppressed]' : ''}`;
}

function scoreSummary(episodes: Episode[], incidents: Incident[], file: string): string[] {
  const s = score(episodes.filter((e) => !e.suppressedBy), incidents);
  const rows = s.incidents.map((r) => {
    const i = r.incident;
    const verdict =
      i.severity === 'none'
        ? r.detected ? `paged at ${r.severity} (noise: should not page)` : 'quiet (ok: noise that must not page)'
        : r.detected ? `detected at ${r.severity} after ${r.delayMinutes} min` : 'MISSED';
    return [`  ${i.kind}`, i.modelId, isoSeconds(i.start), `expected ${i.severity}`, verdict];
  });
  const real = s.incidents.filter((r) => r.incident.severity !== 'none');
  const lines = [`Against ${file}: ${real.filter((r) => r.detected).length} of ${real.length} incidents detected, ${plural(s.unexpected.length, 'unexpected alert')}`];
  lines.push(...align(rows));
  if (s.unexpected.length) {
    lines.push('Unexpected alerts (matching no incident that should page):');
    for (const e of s.unexpected) lines.push(`  ${e.rule} on ${e.labels.ModelId ?? '(no model)'}: ${episodeLine(e)}`);
  }
  return lines;
}

// ── small helpers ───────────────────────────────────────────────────────────

/** Progress on stderr in simulated days: a rewritten line on a terminal, a line per 10% otherwise. */
function progress(label: string, stepMs: number): (done: number, total: number) => void {
  let shown = -1;
  return (done, total) => {
    const pct = Math.floor((done / total) * 100);
    const text = `${label} ${((done * stepMs) / DAY).toFixed(1)} of ${((total * stepMs) / DAY).toFixed(1)} days (${pct}%)`;
    if (process.stderr.isTTY) process.stderr.write(`\r${text}`);
    else if (Math.floor(pct / 10) > shown) {
      shown = Math.floor(pct / 10);
      process.stderr.write(`${text}\n`);
    }
  };
}

function align(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd());
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = m.get(k);
    if (list) list.push(it);
    else m.set(k, [it]);
  }
  return m;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(a / b >= 10 ? 0 : 2)}×` : 'n/a');
const usd = (x: number) => `$${x.toFixed(2)}`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
