/**
 * bedrock-watch commands: validate, backtest, demo, cost, bench. `bin/bedrock-watch.js` runs `main()`
 * through tsx; it returns the exit code (0 ok, 1 failed, 2 usage).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Episode } from '../local/episodes';
import type { LogTrace } from '../local/log-trace';
import type { ReplayOptions, ReplayResult } from '../local/replay-run';
import { RulesError, formatPath, formatProblem } from '../rules/errors';
import { loadRules, loadRulesFile } from '../rules/load';
import { secretsLines, secretsNeeded } from '../rules/secrets-needed';
import { timeZoneWarnings } from '../rules/timezones';
import { ackExampleWarnings } from '../rules/ack-examples';
import { unmatchedIncludes } from '../engine/select';
import type { Config } from '../rules/schema';
import { TraceError, loadMetricTrace } from '../sources/trace';
import { loadSilencesFile } from './silences-file';
import { costLines, costReport, GET_METRIC_DATA_MS, parseInterval, PROFILES, type Profile } from './cost/command';
import { IncidentsError, loadIncidents, score, type Incident } from './incidents';
import { durationText, isoSeconds, logCoverage, renderReport } from './report';
import { ROOT } from './root';

const SAMPLES = join(ROOT, 'events', 'traces');
const DAY = 86_400_000;

/** The replay pulls in the AWS SDK, middy and dynalite: load it only for the commands that replay (validate stays quick). */
const replay = (opts: ReplayOptions): Promise<ReplayResult> =>
  (require('../local/replay-run') as typeof import('../local/replay-run')).replay(opts);
const loadLogs = (file: string): LogTrace => (require('../local/log-trace') as typeof import('../local/log-trace')).loadLogTrace(file);

import { CommandError, UsageError, err, help, isoOption, out, progressOption, type Command, type Values } from './command';
import { compareEpisodes, compareLines } from './compare';
import { forecastLines, noiseForecast } from './forecast';
import { budgetText } from '../engine/false-alarms';
import { progress as progressBar } from './progress';
import { ObservationLog } from '../local/observations';

/** A command whose module (and the AWS clients it pulls in) is loaded only when that command runs or help lists it. */
function lazyCommand(load: () => Command): Command {
  let c: Command | undefined;
  const get = () => (c ??= load());
  return {
    get summary() {
      return get().summary;
    },
    get usage() {
      return get().usage;
    },
    get options() {
      return get().options;
    },
    get maxPositionals() {
      return get().maxPositionals;
    },
    run: (values, positionals) => get().run(values, positionals),
  };
}

const COMMANDS: Record<string, Command> = {
  init: lazyCommand(() => (require('./init') as typeof import('./init')).initCommand),
  record: lazyCommand(() => (require('./record') as typeof import('./record')).recordCommand),
  'test-notify': lazyCommand(() => (require('./test-notify') as typeof import('./test-notify')).testNotifyCommand),
  explain: lazyCommand(() => (require('./explain') as typeof import('./explain')).explainCommand),
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
  --rules FILE     check the matchers' labels and rule names against this file (default rules.yml)
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
      rules: { type: 'string' },
      all: { type: 'boolean' },
    },
    maxPositionals: 2,
    run: async (v, positionals) => {
      const { silenceCommand } = require('./silence') as typeof import('./silence');
      const str = (x: unknown) => (typeof x === 'string' ? x : undefined);
      const [action, id] = positionals;
      return silenceCommand(
        { action, id, match: Array.isArray(v.match) ? v.match : [], for: str(v.for), comment: str(v.comment), start: str(v.start), author: str(v.author), table: str(v.table), region: str(v.region), rules: str(v.rules), all: v.all === true },
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
      out(`Baselines learned as of ${report.asOf}: ${plural(report.models, 'model')}, ${report.hoursLearned} model-hours${report.bootstrapped.length ? `; bootstrapped ${report.bootstrapped.join(', ')}` : ''}`);
      return 0;
    },
  },
  ack: {
    summary: 'acknowledge a firing alert (stops escalation and reminders)',
    usage: `bedrock-watch ack FINGERPRINT|RULE[/LABEL=VALUE,...] [--table NAME] [--by NAME] [--region REGION] [--rules FILE]

Acknowledge the current episode of a firing alert in a deployed stack's table, as the Slack
button and the PagerDuty webhook do: its reminders stop until it resolves, and the escalation of
its group stops once every alert firing in the group is acknowledged.
Name the alert by fingerprint (in every message's details) or by rule and labels, e.g.
  bedrock-watch ack bedrock-throttles/ModelId=amazon.nova-lite-v1:0 --table bedrock-watch-prod
--by defaults to your user name; the table name is in the stack outputs (or TABLE_NAME).`,
    options: { ...help, table: { type: 'string' }, by: { type: 'string' }, region: { type: 'string' }, rules: { type: 'string' } },
    maxPositionals: 1,
    run: async (v, positionals) => {
      if (!positionals[0]) throw new UsageError('name the alert: FINGERPRINT or RULE/LABEL=VALUE');
      const str = (x: unknown) => (typeof x === 'string' ? x : undefined);
      if (!str(v.table) && !process.env.TABLE_NAME) throw new UsageError("name the stack's DynamoDB table with --table NAME (it is in the stack outputs: npx sls info --verbose) or TABLE_NAME");
      const { ackFromCli, ackResultText, AckCliError } = require('./ack') as typeof import('./ack');
      try {
        const { alert, outcome } = await ackFromCli({ target: positionals[0], table: str(v.table), by: str(v.by), region: str(v.region), rules: str(v.rules) });
        const r = ackResultText(alert, outcome);
        (r.ok ? out : err)(r.text);
        return r.ok ? 0 : 1;
      } catch (e) {
        // The failing call, never a stack trace: most often credentials, region or the table name.
        const table = str(v.table) ?? process.env.TABLE_NAME;
        const { awsCause } = require('./aws-errors') as typeof import('./aws-errors');
        const why = e instanceof AckCliError ? e.message : (awsCause(e, { table }) ?? `DynamoDB (table ${table}): ${(e as Error).name}: ${(e as Error).message}`);
        err(`bedrock-watch ack: ${why}`);
        return 1;
      }
    },
  },
  validate: {
    summary: 'check a rules file',
    usage: `bedrock-watch validate [FILE] [--metrics FILE] [--history FILE]

Check a rules file (default rules.yml). Prints "FILE: OK (N rules, M receivers)" and exits 0,
or prints each problem as file:line:col: path message on stderr and exits 1.

  --metrics FILE   a metric trace (FORMAT.md) of the account: also warn about models.include
                   patterns that match none of its models (a warning: the exit code stays 0)
  --history FILE   a metric trace of the account's own traffic (bedrock-watch record): replay
                   it through the rules and warn, per tier and model, where the rules would have
                   warned or paged more often than the tier's false-alarm budget (the noise
                   forecast; a warning: the exit code stays 0)`,
    options: { ...help, metrics: { type: 'string' }, history: { type: 'string' } },
    maxPositionals: 1,
    run: async (v, positionals) => validate(positionals[0] ?? 'rules.yml', typeof v.metrics === 'string' ? v.metrics : undefined, typeof v.history === 'string' ? v.history : undefined),
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
  --html FILE      also write the report (charts, alerts, message previews), as the demo does
  --compare FILE   also replay with another rules file and show, per rule, the alerts it adds or removes
  --silences FILE  replay with these silences in force (YAML or JSON list: matchers, start, end, comment),
                   e.g. a maintenance window; what they held back is in the summary and the report
  --json           print only the backtest object {"alerts":[...],"notifications":[...]} on stdout
  --progress       show progress even when stderr is not a terminal or with --json
                   (default: on a terminal, without --json)`,
    options: { ...help, ...progressOption, metrics: { type: 'string' }, logs: { type: 'string' }, rules: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean' }, store: { type: 'string' }, html: { type: 'string' }, compare: { type: 'string' }, silences: { type: 'string' } },
    maxPositionals: 0,
    run: (v) => backtest(v),
  },
  demo: {
    summary: 'replay the bundled sample week through dynalite (npm start)',
    usage: `bedrock-watch demo [--out DIR]

Replay the bundled samples (events/traces/sample-metrics.jsonl.gz: 9 days, 3 models, and
sample-invocations.jsonl.gz: 1 day of invocation logs) with the repository's rules.yml through
dynalite, compare the alerts with the injected incidents (the *-incidents.json files), and
write DIR/backtest.json and DIR/report.html (default DIR: out). Progress shows on a terminal,
or anywhere with --progress.`,
    options: { ...help, ...progressOption, out: { type: 'string' } },
    maxPositionals: 0,
    run: (v) => demo(typeof v.out === 'string' ? v.out : 'out', Boolean(v.progress)),
  },
  cost: {
    summary: 'monthly cost of running bedrock-watch (every line billed) next to native CloudWatch alarms',
    usage: `bedrock-watch cost --models N [--profile quiet|typical|busy] [--regions N] [--accounts N] [--logs GB] [--dashboard]
                   [--rules FILE] [--interval 1m] [--evaluate-ms MS] [--json]

Every line the deployed stack bills a month for N models (Lambda, GetMetricData, DynamoDB,
CloudWatch alarms, custom metrics, KMS, dashboard, CloudWatch Logs, SNS, Kinesis), next to the
native CloudWatch alarms that would cover the same rules, and the fetch designs compared.
Alarms, keys and the dashboard are counted from serverless.yml and resources/*.yml.
Prices: shared/pricing/aws-prices.json.

  --models N        number of Bedrock models watched in each region and account (required)
  --profile P       quiet (no errors), typical (errors in 10% of minutes), busy (errors every
                    minute); default quiet
  --regions N       regions read (default: the rules' settings.regions, else 1)
  --accounts N      accounts read, this one included (default: 1 + the rules' settings.accounts)
  --logs GB         invocation logs a month (all places): invocation logging, the ingest path and,
                    with several places, the Kinesis stream (default 0: not subscribed)
  --dashboard       the stack is deployed with --param dashboard=true (the dashboard is opt-in)
  --rules FILE      rules file (default rules.yml)
  --interval D      evaluate schedule (default: the rules' settings.schedule)
  --evaluate-ms MS  a measured evaluate duration per tick (default: modelled, engine work from
                    out/bench.json plus ${GET_METRIC_DATA_MS} ms a GetMetricData round trip)
  --json            {"models","profile","lines":[{"name","service","usd",…}],"totalUsd","nativeUsd","ratio",…}`,
    options: {
      ...help,
      models: { type: 'string' },
      profile: { type: 'string' },
      regions: { type: 'string' },
      accounts: { type: 'string' },
      logs: { type: 'string' },
      dashboard: { type: 'boolean' },
      rules: { type: 'string' },
      interval: { type: 'string' },
      'evaluate-ms': { type: 'string' },
      json: { type: 'boolean' },
    },
    maxPositionals: 0,
    run: (v) => cost(v),
  },
  bench: {
    summary: 'measure speed and cost figures (out/bench.json)',
    usage: `bedrock-watch bench [--quick] [--only SECTION,...]

Measure (not assert) engine, backtest, demo, cold-start and cost figures, each against its floor in
the same run; print a table and write out/bench.json. \`npm run bench:readme\` copies the figures into
the README's performance section. --quick skips the demo, the 14-day backtest and the 30-day
generated replay. --only runs the sections named (engine, coldStart, replay, api, cost, backtest,
generated, demo, ingest, detection) and keeps the other figures of out/bench.json.`,
    options: { ...help, quick: { type: 'boolean' }, only: { type: 'string' } },
    maxPositionals: 0,
    run: (v) => (require('./bench') as typeof import('./bench')).bench({ quick: v.quick === true, only: typeof v.only === 'string' ? v.only.split(',') : undefined }),
  },
};

const usage = () => `usage: bedrock-watch <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`)
  .join('\n')}

Run "bedrock-watch <command> --help" for a command's options; "bedrock-watch --version" for the version.`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    err(usage());
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    out(usage());
    return 0;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    out(`bedrock-watch ${version()}`);
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    err(`bedrock-watch: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  let values: Values = {};
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
    if (e instanceof TraceError || e instanceof IncidentsError || e instanceof CommandError) {
      err(`bedrock-watch ${name}: ${e.message}`);
      return 1;
    }
    if (name === 'silence') {
      const { SilenceUsageError } = require('./silence') as typeof import('./silence');
      // A usage mistake (exit 2), or an AWS failure (credentials, missing table; exit 1 below).
      if (e instanceof SilenceUsageError) {
        err(`bedrock-watch silence: ${e.message}`);
        return 2;
      }
    }
    // No region, no or unknown profile, no credentials, a table that is not there: what to set (exit 1).
    const { awsCause } = require('./aws-errors') as typeof import('./aws-errors');
    const cause = awsCause(e, { table: typeof values.table === 'string' ? values.table : process.env.TABLE_NAME });
    if (cause) {
      err(`bedrock-watch ${name}: ${cause}`);
      return 1;
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
/** The package version, read when asked (the CLI runs from the source tree, not a build). */
export const version = (): string => (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

// ── validate ────────────────────────────────────────────────────────────────

async function validate(file: string, metricsFile?: string, historyFile?: string): Promise<number> {
  const { config, locate } = loadRules(file); // a RulesError prints its problems and exits 1 (main)
  if (historyFile) {
    // The noise forecast before deploy: each tier against its budget on the account's own history.
    const result = await replay({ config, metrics: loadMetricTrace(historyFile), store: 'memory' });
    const rows = noiseForecast(config, result.episodes, result.models, result);
    const days = ((result.to - result.from) / DAY).toFixed(1);
    for (const r of rows.filter((x) => x.overBudget)) {
      const i = config.rules.findIndex((x) => x.name === r.rule);
      for (const [tier, n, perWeek, budget] of [
        ['warning', r.warnings, r.warningsPerWeek, r.budget.warningsPerWeek],
        ['critical', r.pages, r.pagesPerWeek, r.budget.pagesPerWeek],
      ] as const) {
        if (!n || (budget !== null && n <= budget * ((result.to - result.from) / (7 * DAY)))) continue;
        const path = budget === null ? ['rules', i, 'tiers'] : ['rules', i, 'tiers', tier];
        const { line, col } = locate(path);
        const what = tier === 'critical' ? 'page' : 'warning';
        err(
          `${file}:${line}:${col}: warning: ${formatPath(path)} (${r.rule}) would have sent ${n} ${what}${n === 1 ? '' : 's'} on ${r.model} in ${days} days of ${historyFile} ` +
            `(${perWeek} a week; budget ${budget === null ? 'none' : budgetText(budget)}): raise its limit, or its false_alarms budget if that is the noise you accept`,
        );
      }
    }
    out(`${historyFile}: noise forecast over ${days} days: ${rows.filter((x) => x.overBudget).length} rule/model pair(s) over budget (bedrock-watch backtest --metrics ${historyFile} shows the table)`);
  }
  if (metricsFile) {
    // A pattern matching nothing is not an error (the model may not be called yet), but likely a typo.
    const models = Object.keys(loadMetricTrace(metricsFile).series).sort();
    for (const u of unmatchedIncludes(config.rules, models)) {
      const { line, col } = locate(u.path);
      err(`${file}:${line}:${col}: warning: ${formatPath(u.path)} "${u.pattern}" matches no model in ${metricsFile}; models seen: ${models.join(', ')}`);
    }
  }
  // Valid but likely wrong: a fixed-offset time zone (EST has no daylight saving time).
  for (const w of timeZoneWarnings(config)) {
    const { line, col } = locate(w.path);
    err(`${file}:${line}:${col}: warning: ${formatPath(w.path)} ${w.message}`);
  }
  // The example ids of the shipped file (or README's snippet) left in the ack allowlists: every real press is refused.
  for (const w of ackExampleWarnings(config.ack)) {
    const { line, col } = locate(w.path);
    err(`${file}:${line}:${col}: warning: ${w.message}`);
  }
  // Relative runbook links reach Slack and PagerDuty as paths no one can open.
  const relative = config.settings.runbook_base_url ? [] : config.rules.flatMap((r, i) => (r.runbook && !/^https?:\/\//.test(r.runbook) ? [i] : []));
  if (relative.length) {
    const { line, col } = locate(['rules', relative[0], 'runbook']);
    err(
      `${file}:${line}:${col}: warning: ${plural(relative.length, 'rule')}' runbook links are relative (${config.rules[relative[0]].runbook}${relative.length > 1 ? ', …' : ''}) and settings.runbook_base_url is not set: messages would carry a path, not a link (set it to where the file lives, e.g. https://github.com/ORG/REPO/blob/main/)`,
    );
  }
  out(`${file}: OK (${plural(config.rules.length, 'rule')}, ${plural(config.receivers.length, 'receiver')})`);
  for (const line of secretsLines(secretsNeeded(config))) out(line);
  return 0;
}

// ── backtest ────────────────────────────────────────────────────────────────

/** The backtest contract (FORMAT.md): firing episodes that paged, and every notification. */
export function backtestJson(result: Pick<ReplayResult, 'episodes' | 'captured'> & Partial<Pick<ReplayResult, 'from' | 'to' | 'models'>>, config?: Pick<Config, 'settings' | 'rules'>) {
  // Additive to the contract: per rule and model, warnings and pages a week on this history against the budget.
  const forecast = config && result.from !== undefined && result.to !== undefined ? { forecast: noiseForecast(config, result.episodes, result.models ?? [], { from: result.from, to: result.to }) } : {};
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
        reached: reachedJson(e),
      })),
    // Sorted: delivery order within a tick depends on the store, the decisions do not.
    notifications: result.captured
      .map((c) => ({ receiver: c.receiver, action: c.notification.action, at: isoSeconds(c.notification.at), alerts: c.notification.alerts.length }))
      .sort((a, b) => a.at.localeCompare(b.at) || a.receiver.localeCompare(b.receiver) || a.action.localeCompare(b.action)),
    ...forecast,
  };
}

/** FORMAT.md `reached`: each tier the episode reached and when it first did, lowest tier first. */
export function reachedJson(e: Pick<Episode, 'reached' | 'severity' | 'startsAt'>): Record<string, string> {
  const reached = e.reached && Object.keys(e.reached).length ? e.reached : { [e.severity]: e.startsAt };
  const out: Record<string, string> = {};
  for (const tier of ['info', 'warning', 'critical']) {
    const at = reached[tier];
    if (at) out[tier] = isoSeconds(at);
  }
  return out;
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
  const other = typeof v.compare === 'string' ? loadRulesFile(v.compare) : undefined;
  // On a terminal by default; quiet when piped or with --json (unless --progress).
  const bar = progressBar(Boolean(v.progress), process.stderr, Boolean(v.json));
  if (typeof v.metrics === 'string') bar.update(0, 1, `reading ${v.metrics}`);
  const metrics = typeof v.metrics === 'string' ? loadMetricTrace(v.metrics) : undefined;
  if (typeof v.logs === 'string') bar.update(0, 1, `reading ${v.logs}`);
  const logs = typeof v.logs === 'string' ? loadLogs(v.logs) : undefined;
  checkRange([metrics, logs], from, to);
  const html = typeof v.html === 'string' ? v.html : undefined;
  const observations = html ? new ObservationLog() : undefined;
  const days = (done: number, total: number, label: string) => bar.update(done, total, `${label} ${((done * config.settings.schedule) / DAY).toFixed(1)} of ${((total * config.settings.schedule) / DAY).toFixed(1)} days`);
  const silences = typeof v.silences === 'string' ? loadSilencesFile(v.silences) : undefined;
  const opts: ReplayOptions = { config, metrics, logs, from, to, store, silences, onProgress: (d, t) => days(d, t, 'replayed'), onObservation: observations?.listen };
  const result = await replay(opts);
  const changed = other ? await replay({ ...opts, config: other, onObservation: undefined, onProgress: (d, t) => days(d, t, `replayed with ${v.compare}`) }) : undefined;
  bar.done();
  if (result.ticks === 0) throw new TraceError(`the range ${isoSeconds(from ?? result.from)} → ${isoSeconds(to ?? result.to)} is too short for one evaluate tick (every ${durationText(config.settings.schedule)})`);
  if (html) {
    mkdirSync(dirname(resolve(html)), { recursive: true });
    writeFileSync(html, renderReport({ result, trace: metrics ?? { from: result.from, to: result.to, namespace: 'AWS/Bedrock', series: {}, skipped: 0 }, config, title: `bedrock-watch backtest: ${[v.metrics, v.logs].filter(Boolean).join(' + ')}`, logBuckets: logs?.aggregate.buckets, observations }));
  }
  if (v.json) {
    out(JSON.stringify(backtestJson(result, config)));
    return 0;
  }
  const traces = [v.metrics, v.logs].filter((f): f is string => typeof f === 'string').join(' + ');
  out(`Backtest of ${traces} with ${rulesFile}: ${plural(result.models.length, 'model')}, ticks ${isoSeconds(result.from)} → ${isoSeconds(result.to)}`);
  out();
  for (const line of summary(result, config, store)) out(line);
  out();
  for (const line of forecastLines(noiseForecast(config, result.episodes, result.models, result), result)) out(line);
  if (changed && other && typeof v.compare === 'string') {
    out();
    for (const line of compareLines(compareEpisodes(result.episodes, changed.episodes, config.rules.map((r) => r.name), other.rules.map((r) => r.name)), rulesFile, v.compare)) out(line);
  }
  if (html) {
    out();
    out(`Wrote ${html}`);
  }
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

export async function demo(outDir: string, showProgress = false): Promise<number> {
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
  // Like a fresh deploy: the baseline function's first run learns the earlier days from (replayed)
  // CloudWatch history, and the handlers run minute by minute over the last two days.
  const from = Math.max(metrics.from, metrics.to - DEMO_DAYS * DAY);
  const history = Math.round((from - metrics.from) / DAY);
  const live = Math.round((metrics.to - from) / DAY);
  const coverage = logs ? logCoverage(metrics, logs.aggregate.buckets) : undefined;
  const logSpan = logs && coverage
    ? `${isoSeconds(logs.from).slice(0, 10)}${Math.round((logs.to - logs.from) / DAY) > 1 ? ` → ${isoSeconds(logs.to - 1).slice(0, 10)}` : ''}` +
      (coverage.metricRequests ? ` (${Math.round((coverage.logRequests / coverage.metricRequests) * 100)}% of that day's requests: the caller table in the report counts these, the digests' totals count every request from the metrics)` : '')
    : '';
  err(
    `the sample: ${days} days of metrics for ${plural(Object.keys(metrics.series).length, 'model')}${logs ? `, and invocation logs for ${logSpan}` : ''}; rules ${show(rulesFile)} (${plural(config.rules.length, 'rule')})`,
  );
  err(`  the first ${history} days (to ${isoSeconds(from).slice(0, 10)}) are history: the baseline function learns them at its first run, as it does from CloudWatch after a deploy`);
  err(`  the last ${live} days are replayed through the real handlers and dynalite, one tick per ${config.settings.schedule / 60_000} min…`);
  const observations = new ObservationLog();
  const bar = progressBar(showProgress);
  const onProgress = (done: number, total: number) => bar.update(done, total, `  replayed ${((done * config.settings.schedule) / DAY).toFixed(1)} of ${((total * config.settings.schedule) / DAY).toFixed(1)} days`);
  const result = await replay({ config, metrics, logs, from, store: 'dynalite', onProgress, onObservation: observations.listen });
  bar.done();
  const seconds = (performance.now() - t0) / 1000;
  err(`done in ${seconds.toFixed(1)} s`);

  out();
  for (const line of summary(result, config, 'dynalite')) out(line);
  out();
  for (const line of scoreSummary(result.episodes, incidents, incidentFiles.map(show).join(' + '))) out(line);

  mkdirSync(outDir, { recursive: true });
  const jsonFile = join(outDir, 'backtest.json');
  const htmlFile = join(outDir, 'report.html');
  writeFileSync(jsonFile, `${JSON.stringify(backtestJson(result, config), null, 2)}\n`);
  writeFileSync(htmlFile, renderReport({ result, trace: metrics, config, incidents, title: 'bedrock-watch demo: sample week', logBuckets: logs?.aggregate.buckets, observations }));
  out();
  out(`Wrote ${jsonFile} and ${htmlFile}`);
  return 0;
}

// ── cost ────────────────────────────────────────────────────────────────────

async function cost(v: Values): Promise<number> {
  const models = Number(v.models);
  if (typeof v.models !== 'string' || !Number.isInteger(models) || models < 1) throw new UsageError('--models must be a whole number of models, 1 or more');
  const config = loadRulesFile(typeof v.rules === 'string' ? v.rules : 'rules.yml');
  let interval: number | undefined;
  if (typeof v.interval === 'string') {
    const ms = parseInterval(v.interval);
    if (typeof ms === 'string') throw new UsageError(`--interval ${ms}`);
    interval = ms;
  }
  let evaluateMs: number | undefined;
  if (typeof v['evaluate-ms'] === 'string') {
    evaluateMs = Number(v['evaluate-ms']);
    if (!(evaluateMs > 0)) throw new UsageError('--evaluate-ms must be a positive number of milliseconds');
  }
  const count = (name: 'regions' | 'accounts'): number | undefined => {
    if (typeof v[name] !== 'string') return undefined;
    const n = Number(v[name]);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a whole number, 1 or more`);
    return n;
  };
  const profile = typeof v.profile === 'string' ? v.profile : 'quiet';
  if (!(profile in PROFILES)) throw new UsageError(`--profile must be one of ${Object.keys(PROFILES).join(', ')}, not "${profile}"`);
  let logsGb = 0;
  if (typeof v.logs === 'string') {
    logsGb = Number(v.logs);
    if (!(logsGb >= 0) || v.logs.trim() === '') throw new UsageError('--logs must be a number of GB a month, 0 or more');
  }
  const report = costReport({
    config,
    models,
    profile: profile as Profile,
    interval,
    evaluateMs,
    computeMs: benchEvaluateMs(),
    regions: count('regions'),
    accounts: count('accounts'),
    logsGb,
    dashboard: Boolean(v.dashboard),
  });
  if (v.json) out(JSON.stringify(report));
  else for (const line of costLines(report, align)) out(line);
  return 0;
}

/** The evaluate duration the last bench measured (dynalite replay, ms per tick), if any. */
function benchEvaluateMs(): number | undefined {
  try {
    const b = JSON.parse(readFileSync(join(ROOT, 'out', 'bench.json'), 'utf8')) as { replay?: { dynaliteMsPerTick?: number } };
    return b.replay?.dynaliteMsPerTick;
  } catch {
    return undefined;
  }
}

// ── summaries ───────────────────────────────────────────────────────────────

function summary(result: ReplayResult, config: Config, store: string): string[] {
  const lines: string[] = [];
  const fired = result.episodes.filter((e) => !e.suppressedBy);
  const resolved = fired.filter((e) => e.endsAt !== null).length;
  const suppressed = result.episodes.length - fired.length;
  lines.push(`Alerts: ${fired.length} fired, ${resolved} resolved${suppressed ? `, ${suppressed} held back (silenced or inhibited)` : ''}`);
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
        : r.detected ? `detected at ${r.severity} after ${r.delayMinutes} min` : r.severity ? `MISSED (only ${r.severity} on its signal)` : 'MISSED';
    return [`  ${i.kind}`, i.modelId, isoSeconds(i.start), `expected ${i.severity}`, verdict];
  });
  const real = s.incidents.filter((r) => r.incident.severity !== 'none');
  const lines = [`Against ${file}: ${real.filter((r) => r.detected).length} of ${real.length} incidents detected, ${plural(s.unexpected.length, 'unexpected alert')}`];
  lines.push(...align(rows));
  if (s.unexpected.length) {
    lines.push('Unexpected alerts (detecting no incident: noise, another signal, or too low a severity):');
    for (const e of s.unexpected) lines.push(`  ${e.rule} on ${e.labels.ModelId ?? '(no model)'}: ${episodeLine(e)}`);
  }
  return lines;
}

// ── small helpers ───────────────────────────────────────────────────────────

export function align(rows: string[][]): string[] {
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
