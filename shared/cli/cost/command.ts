/**
 * `bedrock-watch cost`: every line the deployed stack bills a month, under a traffic profile
 * (quiet, typical, busy), next to the equivalent native CloudWatch alarms, and what the fetch
 * design (settings.detail_every) trades for it. The JSON and the table print the same lines.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parseDuration } from '../../rules/units';
import type { Config } from '../../rules/schema';
import { BUCKET_WRITE_UNITS, estimateMonthly, INGEST_DELIVERIES_PER_PLACE, LOG_RECORD_BYTES, MONTH_MS, type CostEstimate, type CostInput, type FetchDesign, type Service } from './monthly';
import { fixedResources, stackResources, type StackResource } from './template';
import { ON_EVENT_METRICS, PER_TICK_METRICS } from '../../core/self-metrics';
import { baselineSeries } from '../../engine/needs';
import { HISTORY_HOURS } from '../../baselines/history';
import { nativeAlarms, nativeAlarmsMonthly } from './native-alarms';
import prices from '../../pricing/aws-prices.json';
import { groupRules, waitsByMeasure } from '../../engine/cadence';
import { ROOT } from '../root';


/** One GetMetricData round trip in a real account (the issue's 0.4–1 s for a tick's two calls): an assumption, printed. */
export const GET_METRIC_DATA_MS = 300;
/** A DynamoDB call from Lambda in the same region; a tick makes about 4 (state, expectations, cursor, outbox). */
export const DYNAMO_CALL_MS = 15;
/** The engine's own work per tick when no bench figure is at hand (the local replay measures ~13 ms). */
export const DEFAULT_COMPUTE_MS = 15;
/** Kept for callers that passed a whole tick duration: what a quiet tick takes under the model above. */
export const DEFAULT_EVALUATE_MS = DEFAULT_COMPUTE_MS + 2 * GET_METRIC_DATA_MS + 4 * DYNAMO_CALL_MS;

export type Profile = 'quiet' | 'typical' | 'busy';
/**
 * `countShare`: the share of models whose error counts a read with new errors still asks for per
 * model, the others proven unable to reach a tier by the account-wide bound (engine/cadence
 * countTargetsToRead), as measured by the replay: on the bundled sample (3 models, errors in a few
 * minutes an hour) 0.44 per-model count metrics a tick instead of 2.49 (0.18); on the bench's busy
 * 20-model workload 53.3 instead of 59.7 (0.89). test/run/fetch-plan.test.ts replays both.
 */
export const PROFILES: Record<Profile, { errors: number; moving: number; countShare: number; notifications: number; what: string }> = {
  quiet: { errors: 0, moving: 0, countShare: 1, notifications: 50, what: 'no error of any kind in any minute, no spend rule on the move; 50 notifications a month' },
  typical: {
    errors: 0.1,
    moving: 0.05,
    countShare: 0.18,
    notifications: 200,
    what: "errors somewhere in 10% of minutes (the middle of 5–15%), then 18% of the models' counts read per model (the account-wide bound clears the rest: the sample's replay), a spend rule on the move 5% of the time; 200 notifications a month",
  },
  busy: {
    errors: 1,
    moving: 0.1,
    countShare: 0.89,
    notifications: 1000,
    what: "errors somewhere every minute, 89% of the models' counts read per model every tick (the bench's busy 20-model workload), a spend rule on the move 10% of the time; 1,000 notifications a month",
  },
};

export interface CostLineOut {
  name: string;
  service: Service;
  quantity: number;
  unit: string;
  usd: number;
}

export interface CostReport {
  /** Models per place. */
  models: number;
  profile: Profile;
  /** Regions and accounts read (each pair a place with its own series and reads). */
  regions: number;
  accounts: number;
  interval: number;
  dashboard: boolean;
  logsGb: number;
  /** Every line the deployed stack bills under the profile and settings.detail_every. */
  lines: CostLineOut[];
  totalUsd: number;
  nativeUsd: number;
  ratio: number;
  metricsPerTick: number;
  evaluateMs: number;
  native: ReturnType<typeof nativeAlarmsMonthly> & { uncounted: { rule: string; why: string }[]; perModel: number };
  /** Other fetch designs under the same profile, and what they delay. */
  designs: { name: string; metricsPerTick: number; getMetricDataUsd: number; totalUsd: number; ratio: number; detection: string }[];
  assumptions: string[];
}

/** Lambda memory per function from serverless.yml (provider default, function override). */
export function lambdaMemory(file = join(ROOT, 'serverless.yml')): Record<string, number> {
  const out: Record<string, number> = { evaluate: 256, baseline: 256, digest: 256, ingest: 512, ack: 256 };
  if (!existsSync(file)) return out;
  // CloudFormation tags (!Ref …) are not YAML the plain parser knows: keep them as strings.
  const doc = parse(readFileSync(file, 'utf8'), { customTags: [], logLevel: 'silent', strict: false }) as {
    provider?: { memorySize?: number };
    functions?: Record<string, { memorySize?: number }>;
  };
  for (const fn of Object.keys(out)) out[fn] = doc.functions?.[fn]?.memorySize ?? doc.provider?.memorySize ?? out[fn];
  return out;
}

/** Regions and accounts the settings read: settings.regions (else the stack's), this account and settings.accounts. */
export function placesOf(config: Config): { regions: number; accounts: number } {
  return { regions: config.settings.regions?.length ?? 1, accounts: 1 + (config.settings.accounts?.length ?? 0) };
}

/** The fetch design of settings.detail_every under a profile: a slow read covers detail_every minutes, so it sees errors more often. */
export function profileDesign(profile: Profile, detailEvery: number, interval: number): FetchDesign {
  const p = PROFILES[profile];
  const slowErrors = 1 - (1 - p.errors) ** Math.max(1, detailEvery / interval);
  return { kind: 'tiered', detailEvery, errors: p.errors, moving: p.moving, slowErrors, countShare: p.countShare };
}

export function costReport(opts: {
  config: Config;
  /** Models watched in each region and account. */
  models: number;
  profile?: Profile;
  interval?: number;
  /** A measured evaluate duration per tick; default: modelled (engine work + GetMetricData and DynamoDB round trips). */
  evaluateMs?: number;
  /** The engine's own work per tick (the bench's replay), added to the modelled round trips. */
  computeMs?: number;
  memory?: Record<string, number>;
  /** Default: the rules' settings (placesOf). */
  regions?: number;
  accounts?: number;
  /** Invocation logs a month, GB (0: not subscribed). */
  logsGb?: number;
  /** Deployed with --param dashboard=true. */
  dashboard?: boolean;
  resources?: StackResource[];
}): CostReport {
  const { config, models } = opts;
  const profile = opts.profile ?? 'quiet';
  const prof = PROFILES[profile];
  const regions = opts.regions ?? placesOf(config).regions;
  const accounts = opts.accounts ?? placesOf(config).accounts;
  const places = regions * accounts;
  const interval = opts.interval ?? config.settings.schedule;
  const memory = opts.memory ?? lambdaMemory();
  const logsGb = opts.logsGb ?? 0;
  const dashboard = opts.dashboard ?? false;
  const computeMs = opts.computeMs ?? DEFAULT_COMPUTE_MS;
  const detail = config.settings.detail_every;
  const ticks = MONTH_MS / interval;
  // Places are read in parallel; each tick makes 2 calls (account-wide counts, then the series), a third when counts are read per model.
  const calls = 2 + (models < 2 ? 0 : Math.min(1, prof.errors));
  const evaluateMs = opts.evaluateMs ?? computeMs + calls * GET_METRIC_DATA_MS + 4 * DYNAMO_CALL_MS;
  const resources = opts.resources ?? stackResources();
  const fixed = fixedResources(resources, { HasDashboard: dashboard, HasInvocationLogGroup: logsGb > 0, HasInvocationLogStream: logsGb > 0 && places > 1, HasMemberRoles: accounts > 1 });
  if (fixed.unknown.length) throw new Error(`${fixed.unknown[0].file}: resource ${fixed.unknown[0].name} has type ${fixed.unknown[0].type}, which shared/cli/cost/template.ts BILLING does not price`);
  const records = (logsGb * 1e9) / LOG_RECORD_BYTES;
  const deliveries = Math.min(records, INGEST_DELIVERIES_PER_PLACE * places);
  const lambdaIn = {
    evaluate: { memoryMb: memory.evaluate, durationMs: evaluateMs, invocations: ticks },
    baseline: { memoryMb: memory.baseline, durationMs: 2000 + 100 * models * places, invocations: 720 },
    digest: { memoryMb: memory.digest, durationMs: 1000, invocations: 30 },
    ingest: { memoryMb: memory.ingest, durationMs: deliveries ? 150 + (2 * records) / deliveries : 0, invocations: deliveries },
    ack: { memoryMb: memory.ack, durationMs: 300, invocations: prof.notifications / 4 },
  };
  const base: Omit<CostInput, 'design'> = {
    config,
    models,
    places,
    interval,
    lambda: lambdaIn,
    notifications: prof.notifications,
    // The tick's log line and Lambda's START/END/REPORT (~700 bytes), and the EMF document (~250 bytes + 60 a metric).
    logBytesPerTick: 700 + 250 + 60 * PER_TICK_METRICS.length,
    storageBytesPerModel: 20_000,
    fixed: { alarmMetrics: fixed.alarmMetrics, compositeAlarms: fixed.alarms.filter((a) => a.type === 'AWS::CloudWatch::CompositeAlarm').length, kmsKeys: fixed.kmsKeys.length, dashboards: fixed.dashboards.length },
    // In an hour with a notification: NotificationsSent. The other event metrics (errors, failed or dropped deliveries) only when something fails.
    customMetrics: { perTick: PER_TICK_METRICS.length, onEvent: 1, eventHours: prof.notifications },
    logsGb,
  };
  const estimate = estimateMonthly({ ...base, design: profileDesign(profile, detail, interval) });
  const eq = nativeAlarms(config);
  const native = { ...nativeAlarmsMonthly(eq, models * places), uncounted: eq.uncounted, perModel: nativeAlarmsMonthly(eq, 1).usd };
  const ratio = (usd: number) => (native.usd > 0 ? usd / native.usd : Infinity);
  const delay = (every: number) => {
    const slow = groupRules(config.rules, every, interval).slow;
    if (!slow.length) return 'every rule judged every tick';
    const late = slow.filter((r) => waitsByMeasure(r)).map((r) => r.name);
    const wait = (every - interval) / 60_000;
    return `${late.length ? `${late.join(', ')} up to ${wait} min later` : 'none later'}${slow.length > late.length ? `, ${slow.length - late.length} more on the same tick` : ''}`;
  };
  const gmd = (e: CostEstimate) => e.lines.filter((l) => l.service === 'GetMetricData').reduce((s, l) => s + l.usd, 0);
  const designs: CostReport['designs'] = [
    { name: 'every series per model, every tick', design: { kind: 'every-tick' } as FetchDesign, detection: 'reference' },
    ...[...new Set([detail, 5 * 60_000, 10 * 60_000, 15 * 60_000])]
      .sort((a, b) => a - b)
      .map((every) => ({ name: `tiered, tokens every ${every / 60_000} min${every === detail ? ' (settings.detail_every)' : ''}`, design: profileDesign(profile, every, interval), detection: delay(every) })),
  ].map((d) => {
    const e = estimateMonthly({ ...base, design: d.design });
    return { name: d.name, metricsPerTick: e.metricsPerTick, getMetricDataUsd: gmd(e), totalUsd: e.total, ratio: ratio(e.total), detection: d.detection };
  });
  const lines = estimate.lines.map((l) => ({ name: l.name, service: l.service, quantity: l.quantity, unit: l.unit, usd: l.usd }));
  return {
    models,
    profile,
    regions,
    accounts,
    interval,
    dashboard,
    logsGb,
    lines,
    totalUsd: lines.reduce((s, l) => s + l.usd, 0),
    nativeUsd: native.usd,
    ratio: ratio(estimate.total),
    metricsPerTick: estimate.metricsPerTick,
    evaluateMs,
    native,
    designs,
    assumptions: [
      `prices: ${prices.region}, checked ${prices.checked} (shared/pricing/aws-prices.json); free tiers not subtracted`,
      `profile ${profile}: ${prof.what}`,
      `Lambda evaluate ${memory.evaluate} MB, arm64, ${Math.round(evaluateMs)} ms a tick${opts.evaluateMs === undefined ? ` (modelled: ${computeMs.toFixed(0)} ms of engine work, ${calls.toFixed(1)} GetMetricData round trips of ${GET_METRIC_DATA_MS} ms, 4 DynamoDB calls of ${DYNAMO_CALL_MS} ms; places read in parallel)` : ' (given)'}`,
      `fixed lines counted from serverless.yml and resources/*.yml: ${fixed.alarms.length} alarms (${fixed.alarmMetrics} alarm metrics), ${fixed.kmsKeys.length} KMS key, ${fixed.dashboards.length} dashboard${dashboard ? '' : ' (opt-in: --param dashboard=true, then cost --dashboard)'}`,
      `custom metrics: ${PER_TICK_METRICS.join(', ')} written every tick (shared/core/self-metrics.ts); ${ON_EVENT_METRICS.join(', ')} only in hours they happen (NotificationsSent in an hour per notification here)`,
      `baseline history: ${baselineSeries(config.rules).length} series × ${HISTORY_HOURS} hours per model, read and rewritten every hour`,
      logsGb > 0
        ? `invocation logs: ${logsGb} GB a month, ${LOG_RECORD_BYTES / 1000} KB a record, delivered to ingest every 10 s per place, one bucket write (${BUCKET_WRITE_UNITS} WRU) per model and delivery${places > 1 ? '; other places through one Kinesis stream (provisioned, peak 4× average)' : ''}`
        : 'invocation logs not subscribed (--logs GB to price invocation logging, the ingest path and, with several places, its Kinesis stream)',
      'GetMetricData is billed per metric requested, however many datapoints: a read covering every minute since the last one costs one metric per series',
      `error counts: one account-wide metric each per tick and place; per model only when a minute not seen before is not zero account-wide, and then only for models whose count, taken as the whole account-wide sum, could bring a rule to a tier`,
      ...(places > 1 ? [`${regions} region${regions === 1 ? '' : 's'} × ${accounts} account${accounts === 1 ? '' : 's'}: ${models} models in each, every read made in each (native alarms too)`] : []),
      'not billed: the schedules (EventBridge), the failed-invocations queue (empty unless something fails), IAM, SSM standard parameters',
    ],
  };
}

export function costLines(r: CostReport, align: (rows: string[][]) => string[]): string[] {
  const usd = (x: number) => `$${x.toFixed(2)}`;
  const qty = (x: number) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : Number(x.toFixed(3)).toString());
  const where = r.regions * r.accounts > 1 ? ` in each of ${r.regions} region${r.regions === 1 ? '' : 's'} × ${r.accounts} account${r.accounts === 1 ? '' : 's'}` : '';
  const lines = [`Monthly cost for ${r.models} model${r.models === 1 ? '' : 's'}${where}, ${r.profile} account, a tick every ${r.interval / 60_000} min (30 days):`, ''];
  lines.push(...align([['  line', 'service', 'quantity', 'USD'], ...r.lines.map((l) => [`  ${l.name}`, l.service, `${qty(l.quantity)} ${l.unit}`, usd(l.usd)]), ['  total', '', '', usd(r.totalUsd)]]));
  lines.push('', `  native CloudWatch alarms: ${r.native.alarmMetrics} alarm metrics${r.native.composites ? ` + ${r.native.composites} composite alarms` : ''} = ${usd(r.nativeUsd)} (${usd(r.native.perModel)} a model); bedrock-watch ${r.ratio.toFixed(2)}× native`);
  for (const u of r.native.uncounted) lines.push(`    not counted: ${u.rule} (${u.why})`);
  lines.push('', `  fetch designs, ${r.profile} account:`);
  lines.push(...align([['    design', 'metrics/tick', 'GetMetricData', 'total', '× native', 'later than every tick'], ...r.designs.map((d) => [`    ${d.name}`, d.metricsPerTick.toFixed(1), usd(d.getMetricDataUsd), usd(d.totalUsd), `${d.ratio.toFixed(2)}×`, d.detection])]));
  lines.push('', ...r.assumptions.map((a) => `  (${a})`));
  return lines;
}

/** `--interval 1m` → ms, or the reason it is not a duration. */
export function parseInterval(s: string): number | string {
  const ms = parseDuration(s);
  return typeof ms === 'number' && ms < 60_000 ? 'must be at least 1m (CloudWatch minute data)' : ms;
}
