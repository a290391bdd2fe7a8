/** Alert state → what a person reads: summary, value against the firing tier's limit, since when, where, next check. */
import type { AlertState, Tier } from '../core/alert';
import type { Rule } from '../rules/schema';
import { describeTarget, targetOfLabels } from '../core/target';
import type { AlertView } from '../core/notification';
import { viewLabels, type RouteEnv } from './labels';

const TITLES: Record<string, string> = {
  throttles: 'Throttling',
  server_errors: 'Server errors',
  client_errors: 'Client errors',
  errors: 'Errors',
  latency: 'Latency',
  availability: 'Model unavailable',
  cost: 'Cost',
  budget: 'Budget',
  tokens: 'Token usage',
  completion: 'Completion rate',
  other: 'Alert',
};

export interface ViewOptions {
  env?: RouteEnv;
  /** settings.runbook_base_url: where relative runbook links point. */
  runbookBase?: string;
}

/** A relative runbook link (docs/runbooks.md#rule) made absolute against the configured base, if any. */
export function runbookUrl(link: string | undefined, base: string | undefined): string | undefined {
  if (!link) return undefined;
  if (/^https?:\/\//.test(link) || !base) return link;
  try {
    return new URL(link.replace(/^\.?\//, ''), base.endsWith('/') ? base : `${base}/`).toString();
  } catch {
    return link;
  }
}

export function alertView(state: AlertState, rule: Rule | undefined, tier: Tier, resolved: boolean, opts: ViewOptions = {}): AlertView {
  const labels = viewLabels(state, rule, opts.env);
  const target = targetOfLabels(state.labels);
  const model = target ? describeTarget(target) : labels.ModelId;
  const title = rule?.description ?? TITLES[state.signal] ?? 'Alert';
  const reason = resolved && typeof state.details.resolved_because === 'string' ? state.details.resolved_because : undefined;
  const text = resolved ? state.headline || state.text : state.text;
  const startsAt = new Date(state.startsAt ?? 0).toISOString();
  return {
    fingerprint: state.fingerprint,
    rule: state.rule,
    signal: state.signal,
    tier,
    status: resolved ? 'resolved' : 'firing',
    labels,
    title,
    summary: `${resolved ? (reason ? 'Resolved for lack of data: ' : 'Resolved: ') : ''}${title}${model ? ` on ${model}` : ''}: ${text}`,
    valueText: text,
    value: state.value,
    threshold: state.threshold,
    baseline: state.baseline,
    startsAt,
    since: state.conditionSince != null ? new Date(Math.min(state.conditionSince, state.startsAt ?? Infinity)).toISOString() : startsAt,
    endsAt: state.endsAt && resolved ? new Date(state.endsAt).toISOString() : null,
    ...(reason ? { resolveReason: reason } : {}),
    nextCheck: rule?.next_check ?? 'Open the Bedrock CloudWatch dashboard for this model.',
    runbook: runbookUrl(rule?.runbook, opts.runbookBase),
    details: state.details,
  };
}
