/**
 * `bedrock-watch cost`: the monthly bill of running bedrock-watch next to the equivalent native
 * CloudWatch alarms, and what the fetch design (settings.detail_every) trades for it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { parseDuration } from '../../rules/units';
import type { Config } from '../../rules/schema';
import { estimateMonthly, MONTH_MS, type CostEstimate, type CostInput, type FetchDesign } from './monthly';
import { nativeAlarms, nativeAlarmsMonthly } from './native-alarms';
import prices from '../../pricing/aws-prices.json';
import { groupRules, waitsByMeasure } from '../../engine/cadence';

const ROOT = resolve(__dirname, '..', '..', '..');

/** Evaluate duration when no bench figure is at hand: a tick is mostly waiting on DynamoDB and CloudWatch. */
export const DEFAULT_EVALUATE_MS = 400;

export interface CostReport {
  /** Models per place. */
  models: number;
  /** Regions and accounts read (each pair a place with its own series and reads). */
  regions: number;
  accounts: number;
  interval: number;
  designs: { name: string; design: FetchDesign; estimate: CostEstimate; detectionNote: string }[];
  native: ReturnType<typeof nativeAlarmsMonthly> & { uncounted: { rule: string; why: string }[]; perModel: number };
  /** The chosen design (settings.detail_every) over native alarms. */
  ratioToNative: number;
  assumptions: string[];
}

/** Lambda memory per function from serverless.yml (provider default, function override). */
export function lambdaMemory(file = join(ROOT, 'serverless.yml')): Record<string, number> {
  const out: Record<string, number> = { evaluate: 256, baseline: 256, digest: 256, ingest: 512 };
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

export function costReport(opts: {
  config: Config;
  /** Models watched in each region and account. */
  models: number;
  interval?: number;
  evaluateMs?: number;
  memory?: Record<string, number>;
  /** Default: the rules' settings (placesOf). */
  regions?: number;
  accounts?: number;
}): CostReport {
  const { config, models } = opts;
  const regions = opts.regions ?? placesOf(config).regions;
  const accounts = opts.accounts ?? placesOf(config).accounts;
  const places = regions * accounts;
  const interval = opts.interval ?? config.settings.schedule;
  const memory = opts.memory ?? lambdaMemory();
  const evaluateMs = opts.evaluateMs ?? DEFAULT_EVALUATE_MS;
  const ticks = MONTH_MS / interval;
  const base: Omit<CostInput, 'design'> = {
    config,
    models,
    places,
    interval,
    lambda: {
      evaluate: { memoryMb: memory.evaluate, durationMs: evaluateMs, invocations: ticks },
      baseline: { memoryMb: memory.baseline, durationMs: 2000 + 100 * models * places, invocations: 720 },
      digest: { memoryMb: memory.digest, durationMs: 1000, invocations: 30 },
      ingest: { memoryMb: memory.ingest, durationMs: 200, invocations: 0 },
    },
    notifications: 200,
    logBytesPerTick: 700,
    storageBytesPerModel: 200_000,
  };
  const detail = config.settings.detail_every;
  const delay = (every: number) => {
    const slow = groupRules(config.rules, every, interval).slow;
    if (!slow.length) return 'every rule judged every tick';
    const late = slow.filter((r) => waitsByMeasure(r)).map((r) => r.name);
    const wait = (every - interval) / 60_000;
    return `counts, latency, availability every tick; ${late.length ? `${late.join(', ')} up to ${wait} min later` : 'none later'}${slow.length > late.length ? `, ${slow.length - late.length} more on the same tick (each tier's \`for\` ≥ ${wait} min)` : ''}`;
  };
  const plans: Omit<CostReport['designs'][number], 'estimate'>[] = [
    { name: 'every series per model, every tick', design: { kind: 'every-tick' }, detectionNote: 'reference' },
    ...[...new Set([detail, 5 * 60_000, 10 * 60_000, 15 * 60_000])]
      .sort((a, b) => a - b)
      .map((every) => ({
        name: `tiered, tokens every ${every / 60_000} min${every === detail ? ' (settings.detail_every)' : ''}, quiet account`,
        design: { kind: 'tiered', detailEvery: every } as FetchDesign,
        detectionNote: delay(every),
      })),
    {
      name: `tiered, every ${detail / 60_000} min, a new error count in 1 tick of 10`,
      design: { kind: 'tiered', detailEvery: detail, errors: 0.1 },
      detectionNote: 'sporadic errors: that count read per model once, then held',
    },
    {
      name: `tiered, every ${detail / 60_000} min, busy: errors every minute, a spend rule moving 10% of the time`,
      design: { kind: 'tiered', detailEvery: detail, errors: 1, moving: 0.1 },
      detectionNote: 'every error count read per model every tick (the account-wide read tried every 10 min): little saved over the reference',
    },
  ];
  const designs = plans.map((d) => ({ ...d, estimate: estimateMonthly({ ...base, design: d.design }) }));
  const eq = nativeAlarms(config);
  const native = { ...nativeAlarmsMonthly(eq, models * places), uncounted: eq.uncounted, perModel: nativeAlarmsMonthly(eq, 1).usd };
  const chosen = designs.find((d) => d.design.kind === 'tiered' && d.design.detailEvery === detail && !d.design.errors && !d.design.moving) as CostReport['designs'][number];
  return {
    models,
    regions,
    accounts,
    interval,
    designs,
    native,
    ratioToNative: native.usd > 0 ? chosen.estimate.total / native.usd : Infinity,
    assumptions: [
      `prices: ${prices.region}, checked ${prices.checked} (shared/pricing/aws-prices.json); free tiers not subtracted`,
      `Lambda ${memory.evaluate} MB evaluate at ${evaluateMs} ms a tick${opts.evaluateMs === undefined ? ' (default; the bench measures it)' : ''}, arm64`,
      `${base.notifications} notifications a month, ${base.logBytesPerTick} bytes of logs per tick, ${base.storageBytesPerModel / 1000} KB of state and baselines per model`,
      'GetMetricData is billed per metric requested, however many datapoints: a read covering every minute since the last one costs one metric per series',
      'error counts: one account-wide metric each per tick and place; per model only when a minute not seen before is not zero account-wide',
      `GetMetricData calls per tick: 2 in each of the ${places} place${places === 1 ? '' : 's'} (account-wide counts, then the series; a third when counts are read per model), billed by metric, not by call`,
      ...(places > 1 ? [`${regions} region${regions === 1 ? '' : 's'} × ${accounts} account${accounts === 1 ? '' : 's'}: ${models} models in each, every read made in each (native alarms too)`] : []),
    ],
  };
}

export function costLines(r: CostReport, align: (rows: string[][]) => string[]): string[] {
  const usd = (x: number) => `$${x.toFixed(2)}`;
  const where = r.regions * r.accounts > 1 ? ` in each of ${r.regions} region${r.regions === 1 ? '' : 's'} × ${r.accounts} account${r.accounts === 1 ? '' : 's'}` : '';
  const lines = [`Monthly cost for ${r.models} model${r.models === 1 ? '' : 's'}${where}, a tick every ${r.interval / 60_000} min (30 days):`, ''];
  lines.push(
    ...align([
      ['  fetch design', 'metrics/tick', 'GetMetricData', 'total', '× native', 'detection'],
      ...r.designs.map((d) => [
        `  ${d.name}`,
        d.estimate.metricsPerTick.toFixed(1),
        usd(d.estimate.lines.filter((l) => l.item.startsWith('GetMetricData')).reduce((s, l) => s + l.usd, 0)),
        usd(d.estimate.total),
        r.native.usd > 0 ? `${(d.estimate.total / r.native.usd).toFixed(2)}×` : 'n/a',
        d.detectionNote,
      ]),
    ]),
  );
  lines.push('', `  native CloudWatch alarms: ${r.native.alarmMetrics} alarm metrics${r.native.composites ? ` + ${r.native.composites} composite alarms` : ''} = ${usd(r.native.usd)} (${usd(r.native.perModel)} a model)`);
  for (const u of r.native.uncounted) lines.push(`    not counted: ${u.rule} (${u.why})`);
  const chosen = r.designs.find((d) => d.design.kind === 'tiered' && !d.design.errors && !d.design.moving && d.name.includes('settings.detail_every'));
  if (chosen) {
    lines.push('', '  breakdown of the settings.detail_every design:');
    lines.push(...align(chosen.estimate.lines.map((l) => [`    ${l.item}`, `${l.quantity >= 100 ? Math.round(l.quantity).toLocaleString('en-US') : l.quantity.toFixed(3)} ${l.unit}`, usd(l.usd)])));
  }
  lines.push('', ...r.assumptions.map((a) => `  (${a})`));
  return lines;
}

/** `--interval 1m` → ms, or the reason it is not a duration. */
export function parseInterval(s: string): number | string {
  const ms = parseDuration(s);
  return typeof ms === 'number' && ms < 60_000 ? 'must be at least 1m (CloudWatch minute data)' : ms;
}
