/**
 * Detection side by side, for `npm run bench`: per incident kind, the delay from onset to the first
 * notification of bedrock-watch (the real evaluate handler replayed on a simulated clock) and of
 * native CloudWatch alarms with the same thresholds (period 60 s, 3 of 3 datapoints), on the bundled
 * sample and on generated scenarios; misses; and false pages and warnings on incident-free workloads.
 * Scoring is FORMAT.md's: an alert counts only on the incident's signal and at its severity.
 *
 * Run alone: `npx tsx shared/cli/bench-detection.ts [rules.yml]`.
 */
import type { BenchSection, DetectionBenchContext } from './bench';
import { join } from 'node:path';
import type { Config, Rule } from '../rules/schema';
import { loadRulesFile } from '../rules/load';
import { signalOf } from '../engine/signal';
import { loadMetricTrace, type MetricTrace } from '../sources/trace';
import { DAY, MINUTE } from '../core/time';
import { replay } from '../local/replay-run';
import { incidentScenario, quietScenario, type Scenario } from '../local/scenarios';
import { quietWorkload } from '../local/quiet';
import { loadIncidents, score, type Incident, type ScoredEpisode } from './incidents';
import { noiseForecast, type ForecastRow } from './forecast';
import { ROOT } from './root';

const SAMPLES = join(ROOT, 'events', 'traces');

export interface DetectionRow {
  scenario: string;
  kind: string;
  modelId: string;
  expected: string;
  /** Minutes onset → the expected severity first reached (`reached`: a page from `reached.critical`); null: missed. */
  watch: number | null;
  native: number | null;
  /** Minutes onset → the first warning or page on the incident's signal (`reached.warning`); null: none. */
  watchWarn: number | null;
  nativeWarn: number | null;
}

export interface QuietRow {
  scenario: string;
  days: number;
  watch: { pages: number; warnings: number };
  native: { pages: number; warnings: number };
  /** bedrock-watch per rule: pages and warnings over the judged days. */
  byRule: Record<string, { pages: number; warnings: number }>;
  /** Episodes that fired again within 15 minutes of the resolve of the same rule and model. */
  refires: number;
  /** bedrock-watch per rule and model, a week (the noise forecast), the pairs that alerted. */
  perRule: ForecastRow[];
}

export interface DetectionComparison {
  rows: DetectionRow[];
  quiet: QuietRow[];
  /** Alerts on the incident scenarios that detect no incident (another signal, noise, too low a severity). */
  unexpected: { watch: number; native: number };
  lines: string[];
}

interface Case {
  name: string;
  trace: MetricTrace;
  incidents: Incident[];
  /** First data minute judged. */
  from: number;
}

/**
 * What native alarms with the same thresholds would have fired: one alarm per threshold/ratio rule
 * tier and model (a ratio as metric math, per minute), ALARM after 3 of 3 breaching one-minute
 * datapoints, OK at the first one that is not; an absent rule as an Invocations alarm with missing
 * data treated as breaching. Baseline ratios have no plain-alarm equivalent: only the absolute limit
 * is kept. Decisions are taken when the third datapoint is published.
 */
export function nativeAlarms(config: Config, trace: MetricTrace, from: number): ScoredEpisode[] {
  const out: ScoredEpisode[] = [];
  const length = Math.round((trace.to - trace.from) / MINUTE);
  const first = Math.max(0, Math.round((from - trace.from) / MINUTE));
  const decidedAt = (i: number) => new Date(trace.from + (i + 1) * MINUTE + config.settings.publication_delay).toISOString();
  for (const [model, s] of Object.entries(trace.series)) {
    const get = (key: string, i: number) => s[key]?.[i] ?? null;
    const sumAt = (metrics: string[], i: number) => {
      let any = false;
      let total = 0;
      for (const m of metrics) {
        const v = get(`${m}:Sum`, i);
        if (v !== null) {
          any = true;
          total += v;
        }
      }
      return any ? total : null;
    };
    for (const rule of config.rules) {
      const tiers = (['info', 'warning', 'critical'] as const).filter((t) => rule.tiers[t as keyof typeof rule.tiers]);
      for (const tier of tiers) {
        const breaching = nativeCondition(rule, tier, sumAt, get);
        if (!breaching) continue;
        let run = 0;
        let open: ScoredEpisode | null = null;
        for (let i = first; i < length; i++) {
          const b = breaching(i);
          run = b ? run + 1 : 0;
          if (run >= 3 && !open) {
            open = { labels: { ModelId: model }, signal: signalOf(rule), severity: tier, startsAt: decidedAt(i), endsAt: null, reached: { [tier]: decidedAt(i) } };
            out.push(open);
          } else if (!b && open) {
            open.endsAt = decidedAt(i);
            open = null;
          }
        }
      }
    }
  }
  return out;
}

function nativeCondition(
  rule: Rule,
  tier: 'info' | 'warning' | 'critical',
  sumAt: (metrics: string[], i: number) => number | null,
  get: (key: string, i: number) => number | null,
): ((i: number) => boolean) | null {
  if (rule.kind === 'ratio') {
    const above = rule.tiers[tier]?.above;
    if (above === undefined) return null;
    return (i) => {
      const den = sumAt(rule.denominator, i);
      if (!den) return false; // missing data: not breaching (the alarm default)
      return (sumAt(rule.numerator, i) ?? 0) / den > above;
    };
  }
  if (rule.kind === 'threshold') {
    const t = rule.tiers[tier];
    if (!t || (t.above === undefined && t.below === undefined)) return null;
    const key = `${rule.metric}:${rule.stat}`;
    return (i) => {
      const v = get(key, i);
      if (v === null) return false;
      return (t.above === undefined || v > t.above) && (t.below === undefined || v < t.below);
    };
  }
  if (rule.kind === 'absent') return (i) => get('Invocations:Sum', i) === null; // treatMissingData: breaching
  return null;
}

const RANK: Record<string, number> = { info: 1, warning: 2, critical: 3 };

async function runCase(config: Config, c: Case): Promise<{ rows: DetectionRow[]; watch: ScoredEpisode[]; native: ScoredEpisode[]; byRule: QuietRow['byRule']; refires: number; perRule: ForecastRow[] }> {
  const result = await replay({ config, metrics: c.trace, from: c.from, store: 'memory' });
  const perRule = noiseForecast(config, result.episodes, result.models, { from: c.from, to: c.trace.to }).filter((r) => r.warnings || r.pages);
  const watch = result.episodes.filter((e) => !e.suppressedBy);
  const byRule: QuietRow['byRule'] = {};
  for (const e of watch) {
    const r = (byRule[e.rule] ??= { pages: 0, warnings: 0 });
    if (RANK[e.severity] >= 3) r.pages++;
    else if (RANK[e.severity] === 2) r.warnings++;
  }
  const refires = watch.filter((e) =>
    watch.some((p) => p !== e && p.rule === e.rule && p.labels.ModelId === e.labels.ModelId && p.endsAt !== null && Date.parse(e.startsAt) >= Date.parse(p.endsAt) && Date.parse(e.startsAt) - Date.parse(p.endsAt) < 15 * MINUTE),
  ).length;
  const native = nativeAlarms(config, c.trace, c.from);
  const [sw, sn] = [score(watch, c.incidents), score(native, c.incidents)];
  const rows = sw.incidents.map((r, i) => ({
    scenario: c.name,
    kind: r.incident.kind,
    modelId: r.incident.modelId,
    expected: r.incident.severity,
    watch: r.detected ? r.delayMinutes : null,
    native: sn.incidents[i].detected ? sn.incidents[i].delayMinutes : null,
    watchWarn: r.warnMinutes,
    nativeWarn: sn.incidents[i].warnMinutes,
  }));
  return { rows, watch: sw.unexpected, native: sn.unexpected, byRule, refires, perRule };
}

const toIncidents = (s: Scenario): Incident[] => s.workload.incidents.map(({ kind, modelId, start, minutes, severity }) => ({ kind, modelId, start, minutes, severity }));
const judgedFrom = (s: Scenario) => s.workload.trace.to - s.judgedDays * DAY;

/**
 * The scenarios the bench runs: the bundled sample's last two days, three generated incident workloads, and
 * incident-free ones: the older two-week one and the three-week quiet workloads (shared/local/quiet.ts: a local
 * clock across both DST changes, a weekend rest, lasting +20 % and −30 % steps, a nightly batch, heavy tails, a
 * long-output model, a 0.4 request/minute model, an embedding model).
 */
export function defaultCases(): { incidents: Case[]; quiet: (Case & { days: number })[] } {
  const sample = loadMetricTrace(join(SAMPLES, 'sample-metrics.jsonl.gz'));
  const generated = [incidentScenario(1, 1), incidentScenario(2, 0.5), incidentScenario(3, 2)];
  const quiet = [quietScenario(11), quietWorkload(1, 'spring'), quietWorkload(2, 'autumn')];
  return {
    incidents: [
      { name: 'bundled sample', trace: sample, incidents: loadIncidents(join(SAMPLES, 'sample-incidents.json')), from: sample.to - 2 * DAY },
      ...generated.map((s) => ({ name: s.name, trace: s.workload.trace, incidents: toIncidents(s), from: judgedFrom(s) })),
    ],
    quiet: quiet.map((s) => ({ name: s.name, trace: s.workload.trace, incidents: toIncidents(s), from: judgedFrom(s), days: s.judgedDays })),
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : null;
};

/** Runs every case and returns the table rows, the incident-free counts and printable lines. */
export async function detectionComparison(config: Config, cases = defaultCases(), progress?: (name: string) => void): Promise<DetectionComparison> {
  const rows: DetectionRow[] = [];
  const unexpected = { watch: 0, native: 0 };
  for (const c of cases.incidents) {
    progress?.(c.name);
    const r = await runCase(config, c);
    rows.push(...r.rows.filter((row) => row.expected !== 'none'));
    unexpected.watch += r.watch.length;
    unexpected.native += r.native.length;
  }
  const quiet: QuietRow[] = [];
  for (const c of cases.quiet) {
    progress?.(c.name);
    const r = await runCase(config, { ...c, incidents: [] });
    const count = (eps: ScoredEpisode[]) => ({ pages: eps.filter((e) => RANK[e.severity] >= 3).length, warnings: eps.filter((e) => RANK[e.severity] === 2).length });
    quiet.push({ scenario: c.name, days: c.days, watch: count(r.watch), native: count(r.native), byRule: r.byRule, refires: r.refires, perRule: r.perRule });
  }
  return { rows, quiet, unexpected, lines: render(rows, quiet, unexpected) };
}

function render(rows: DetectionRow[], quiet: QuietRow[], unexpected: DetectionComparison['unexpected']): string[] {
  const fmt = (d: number | null) => (d === null ? 'missed' : `${d} min`);
  const lines = [
    'Detection: minutes from onset to the expected severity, from each alert\'s `reached` (publication delay included;',
    'an episode that starts as a warning pages at reached.critical); "warn" is onset to reached.warning (or to the page)',
  ];
  const kinds = [...new Set(rows.map((r) => r.kind))];
  const summary = kinds.map((kind) => {
    const of = rows.filter((r) => r.kind === kind);
    const side = (pick: (r: DetectionRow) => number | null) => {
      const d = of.map(pick).filter((x): x is number => x !== null);
      const missed = of.length - d.length;
      return d.length ? `median ${median(d)}, max ${Math.max(...d)}${missed ? `, ${missed} missed` : ''}` : `all ${missed} missed`;
    };
    return [`  ${kind}`, String(of.length), side((r) => r.watch), side((r) => r.native)];
  });
  lines.push(...align([['  incident kind', 'n', 'bedrock-watch', 'native alarms (60 s, 3 of 3)'], ...summary]));
  lines.push('', 'Per incident:');
  const warn = (d: number | null) => (d === null ? '-' : `${d} min`);
  lines.push(
    ...align([
      ['  scenario', 'kind', 'model', 'expected', 'bedrock-watch', 'warn', 'native', 'warn'],
      ...rows.map((r) => [`  ${r.scenario}`, r.kind, r.modelId, r.expected, fmt(r.watch), warn(r.watchWarn), fmt(r.native), warn(r.nativeWarn)]),
    ]),
  );
  lines.push(`Alerts detecting no incident on those workloads (another signal, noise, or too low a severity): bedrock-watch ${unexpected.watch}, native ${unexpected.native}`);
  lines.push('', 'Incident-free workloads (heavy tails, nightly batch, local clock across DST, weekend rest, p95 > 10 s, embeddings, 1–2 min blips):');
  lines.push(
    ...align([
      ['  scenario', 'days', 'bedrock-watch pages', 'warnings', 'native pages', 'warnings'],
      ...quiet.map((q) => [`  ${q.scenario}`, String(q.days), String(q.watch.pages), String(q.watch.warnings), String(q.native.pages), String(q.native.warnings)]),
    ]),
  );
  lines.push('  (native: same absolute thresholds per rule tier and model; baseline ratios, cost, drift and completion have no plain-alarm equivalent and are left out)');
  const days = quiet.reduce((a, q) => a + q.days, 0);
  const rules = [...new Set(quiet.flatMap((q) => Object.keys(q.byRule)))].sort();
  const perWeek = (n: number) => (days ? ((n * 7) / days).toFixed(2) : '-');
  lines.push('', `bedrock-watch per rule on those workloads, per week (${days} judged days; re-fires within 15 min of a resolve: ${quiet.reduce((a, q) => a + q.refires, 0)}):`);
  lines.push(
    ...align([
      ['  rule', 'pages/week', 'warnings/week'],
      ...(rules.length ? rules : ['(none)']).map((rule) => {
        const sum = (k: 'pages' | 'warnings') => quiet.reduce((a, q) => a + (q.byRule[rule]?.[k] ?? 0), 0);
        return [`  ${rule}`, perWeek(sum('pages')), perWeek(sum('warnings'))];
      }),
    ]),
  );
  const noisy = quiet.flatMap((q) => q.perRule.map((r) => [`  ${q.scenario}`, r.rule, r.model, String(r.warningsPerWeek), String(r.pagesPerWeek), r.overBudget ? 'over budget' : 'within budget']));
  lines.push('', 'bedrock-watch per rule and model on those workloads, a week (every pair not listed: none):');
  lines.push(...(noisy.length ? align([['  scenario', 'rule', 'model', 'warnings/week', 'pages/week', ''], ...noisy]) : ['  none']));
  return lines;
}

function align(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd());
}

if (require.main === module) {
  const config = loadRulesFile(process.argv[2] ?? join(ROOT, 'rules.yml'));
  detectionComparison(config, defaultCases(), (name) => process.stderr.write(`replaying ${name}…\n`)).then(
    (c) => process.stdout.write(`${c.lines.join('\n')}\n`),
    (e) => {
      process.stderr.write(`${(e as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}

/** The detection section of `npm run bench` (shared/cli/bench.ts): the table, and its figures for out/bench.json. */
export async function detectionBench(ctx: DetectionBenchContext): Promise<BenchSection> {
  const c = await detectionComparison(ctx.config, defaultCases(), (name) => process.stderr.write(`bench: detection, replaying ${name}…\n`));
  return { title: 'Detection: minutes from onset to the first page, bedrock-watch against native alarms (60 s, 3 of 3)', rows: c.lines.map((l) => [l]), figures: { rows: c.rows, quiet: c.quiet, unexpected: c.unexpected } };
}
