/**
 * False-alarm budgets: how often a rule's tier may fire for one model on traffic like the history
 * (settings.false_alarms, or the rule's own `false_alarms`), and the evidence bar that follows. Pure.
 *
 * A tier is judged once per published minute: 10,080 judgements per model per week. A one-sided
 * CUSUM whose score must reach h has, on traffic that follows its null model, an average run length
 * to a false alarm of at least e^h judgements (Lorden), whatever the overlap between the runs it
 * scans — the dependence of overlapping windows is inside that bound, not ignored. So a budget of r
 * alarms a week sets e^h = 10,080 / r, and the per-judgement tail probability the evidence must beat
 * is r / 10,080: a warning at most once a month is 1 in 43,830 minutes (h = 10.7), a page at most
 * once a year 1 in 525,960 (h = 13.2).
 */
import type { Tier } from '../core/alert';

export const MINUTES_PER_WEEK = 7 * 24 * 60;
/** Alarms per week (the defaults of settings.false_alarms): info once a week, warning once a month, critical once a year. */
export const DEFAULT_FALSE_ALARMS: Record<Tier, number> = { info: 1, warning: 12 / (365.25 / 7), critical: 7 / 365.25 };

interface Budgeted {
  false_alarms?: Partial<Record<Tier, number | undefined>>;
  evidence_odds?: number;
}

/** The tier's budget, alarms per model per week. */
export const alarmsPerWeek = (rule: Budgeted, tier: Tier): number => rule.false_alarms?.[tier] ?? DEFAULT_FALSE_ALARMS[tier];

/** The per-judgement (per published minute) tail probability a tier's evidence must be below. */
export const tailProbability = (perWeek: number): number => Math.min(1, perWeek / MINUTES_PER_WEEK);

/** The CUSUM bar (a log-likelihood ratio) of a tier: ln(1 / tail probability), or ln(evidence_odds) when the rule sets it. */
export function evidenceBar(rule: Budgeted, tier: Tier): number {
  if (rule.evidence_odds !== undefined) return Math.log(rule.evidence_odds);
  return Math.log(1 / tailProbability(alarmsPerWeek(rule, tier)));
}

/** A budget as people say it: "1 a month", "1 a year", "2.0 a week". */
export function budgetText(perWeek: number): string {
  const near = (x: number) => Math.abs(x - Math.round(x)) < 0.01 && Math.round(x) >= 1;
  if (near(perWeek)) return `${Math.round(perWeek)} a week`;
  const month = perWeek / DEFAULT_FALSE_ALARMS.warning;
  if (near(month)) return `${Math.round(month)} a month`;
  const year = perWeek / DEFAULT_FALSE_ALARMS.critical;
  if (near(year)) return `${Math.round(year)} a year`;
  return `${+perWeek.toPrecision(2)} a week`;
}
