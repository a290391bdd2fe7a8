/** Alert state → what a person reads: summary, value against threshold and baseline, next check. */
import type { AlertState, Tier, Transition } from '../core/alert';
import type { Rule } from '../rules/schema';
import { describeTarget, targetOfLabels } from '../core/target';
import type { AlertView } from '../core/notification';

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

export function alertView(state: AlertState, rule: Rule | undefined, tier: Tier, resolved: boolean): AlertView {
  const target = targetOfLabels(state.labels);
  const model = target && describeTarget(target);
  const title = rule?.description ?? TITLES[state.signal] ?? 'Alert';
  return {
    fingerprint: state.fingerprint,
    rule: state.rule,
    signal: state.signal,
    tier,
    status: resolved ? 'resolved' : 'firing',
    labels: state.labels,
    summary: `${resolved ? 'Resolved: ' : ''}${title}${model ? ` on ${model}` : ''}: ${state.text}`,
    valueText: state.text,
    value: state.value,
    threshold: state.threshold,
    baseline: state.baseline,
    startsAt: new Date(state.startsAt ?? 0).toISOString(),
    endsAt: state.endsAt && resolved ? new Date(state.endsAt).toISOString() : null,
    nextCheck: rule?.next_check ?? 'Open the Bedrock CloudWatch dashboard for this model.',
    runbook: rule?.runbook,
    details: state.details,
  };
}

export const viewOfTransition = (t: Transition, rule: Rule | undefined): AlertView =>
  alertView(t.state, rule, (t.kind === 'resolved' ? t.state.maxTier : t.state.tier) ?? 'info', t.kind === 'resolved');
