/**
 * The noise forecast: per rule and model, how many warnings and pages a week the rules would have
 * sent on a recorded history, against each tier's false-alarm budget (settings.false_alarms, or the
 * rule's own). `backtest` prints it (and carries it in --json as `forecast`), `explain` shows the
 * explained rule's, and `validate --history FILE` warns before deploy about a tier over its budget.
 */
import type { Config, Rule } from '../rules/schema';
import { DEFAULT_FALSE_ALARMS, budgetText } from '../engine/false-alarms';

const WEEK = 7 * 86_400_000;

export interface ForecastRow {
  rule: string;
  model: string;
  /** Episodes whose highest tier was warning, and episodes that paged (reached critical), in the history. */
  warnings: number;
  pages: number;
  warningsPerWeek: number;
  pagesPerWeek: number;
  /** The tiers' budgets, alarms per model per week (null: the rule has no such tier). */
  budget: { warningsPerWeek: number | null; pagesPerWeek: number | null };
  /** More warnings or pages than the budget allows over the history's length. */
  overBudget: boolean;
}

/** The part of an alert episode the forecast reads (an `Episode` or a backtest `alerts` entry). */
interface Counted {
  rule: string;
  severity: string;
  labels: Record<string, string>;
  suppressedBy?: string | null;
}

/** A tier's budget, alarms per week: the rule's own (resolved with the settings at load), else the settings'. */
export function tierBudget(config: Pick<Config, 'settings'>, rule: Rule, tier: 'warning' | 'critical'): number | null {
  if (!(rule.tiers as Record<string, unknown>)[tier]) return null;
  const own = (rule as { false_alarms?: Partial<Record<string, number>> }).false_alarms?.[tier];
  return own ?? config.settings.false_alarms?.[tier] ?? DEFAULT_FALSE_ALARMS[tier];
}

const round = (x: number) => Math.round(x * 100) / 100;

/**
 * One row per rule with a warning or critical tier and per model seen (rules without a model label,
 * such as account budgets, as model "(all)"); alerts muted by inhibition or a silence notify no one
 * and are not counted.
 */
export function noiseForecast(config: Pick<Config, 'settings' | 'rules'>, episodes: readonly Counted[], models: readonly string[], span: { from: number; to: number }): ForecastRow[] {
  const weeks = Math.max(span.to - span.from, 60_000) / WEEK;
  const rows: ForecastRow[] = [];
  for (const rule of config.rules) {
    const budget = { warningsPerWeek: tierBudget(config, rule, 'warning'), pagesPerWeek: tierBudget(config, rule, 'critical') };
    if (budget.warningsPerWeek === null && budget.pagesPerWeek === null) continue;
    const mine = episodes.filter((e) => e.rule === rule.name && !e.suppressedBy);
    const keys = [...new Set([...models, ...mine.map((e) => e.labels.ModelId ?? '(all)')])].sort();
    for (const model of keys) {
      const eps = mine.filter((e) => (e.labels.ModelId ?? '(all)') === model);
      const warnings = eps.filter((e) => e.severity === 'warning').length;
      const pages = eps.filter((e) => e.severity === 'critical').length;
      const over = (n: number, b: number | null) => n > 0 && (b === null || n > b * weeks);
      rows.push({
        rule: rule.name,
        model,
        warnings,
        pages,
        warningsPerWeek: round(warnings / weeks),
        pagesPerWeek: round(pages / weeks),
        budget: { warningsPerWeek: budget.warningsPerWeek === null ? null : round4(budget.warningsPerWeek), pagesPerWeek: budget.pagesPerWeek === null ? null : round4(budget.pagesPerWeek) },
        overBudget: over(warnings, budget.warningsPerWeek) || over(pages, budget.pagesPerWeek),
      });
    }
  }
  return rows;
}

const round4 = (x: number) => Number(x.toPrecision(4));

/** Readable lines: the rows with any alert, and a line for the quiet rest. */
export function forecastLines(rows: readonly ForecastRow[], span: { from: number; to: number }): string[] {
  const days = (span.to - span.from) / 86_400_000;
  const noisy = rows.filter((r) => r.warnings || r.pages);
  const lines = [`Noise forecast: warnings and pages a week per rule and model on this history (${days.toFixed(1)} days), against each tier's false-alarm budget`];
  if (!noisy.length) {
    lines.push(`  none: no rule warned or paged on any of ${new Set(rows.map((r) => r.model)).size} models`);
    return lines;
  }
  const table = [['  rule', 'model', 'warnings/week', 'pages/week', 'budget (warning, page)', '']];
  for (const r of noisy) {
    const b = (x: number | null) => (x === null ? '-' : budgetText(x));
    table.push([`  ${r.rule}`, r.model, `${r.warningsPerWeek} (${r.warnings})`, `${r.pagesPerWeek} (${r.pages})`, `${b(r.budget.warningsPerWeek)}, ${b(r.budget.pagesPerWeek)}`, r.overBudget ? 'OVER BUDGET' : 'within']);
  }
  lines.push(...align(table));
  lines.push(`  every other rule and model: no warning, no page (${rows.length - noisy.length} pairs)`);
  if (days < 7) lines.push('  (less than a week of history: one alert already reads as several a week; record a longer trace to judge a budget of one a month)');
  return lines;
}

function align(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd());
}
