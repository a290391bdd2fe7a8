import type { Rule } from '../rules/schema';

/** What a rule watches, for the backtest contract and routing: set in the file or derived from its metrics. */
export function signalOf(rule: Rule): string {
  if (rule.signal) return rule.signal;
  if (rule.kind === 'completion') return 'completion';
  if (rule.kind === 'absent') return 'availability';
  if (rule.kind === 'cost') return 'cost';
  if (rule.kind === 'budget') return 'budget';
  const metrics = rule.kind === 'ratio' ? rule.numerator : rule.kind === 'threshold' ? [rule.metric] : [];
  const has = (m: string) => metrics.includes(m as never);
  if (has('InvocationThrottles')) return 'throttles';
  if (has('InvocationServerErrors') && has('InvocationClientErrors')) return 'errors';
  if (has('InvocationServerErrors')) return 'server_errors';
  if (has('InvocationClientErrors')) return 'client_errors';
  if (has('InvocationLatency') || has('TimeToFirstToken')) return 'latency';
  if (has('InputTokenCount') || has('OutputTokenCount') || has('EstimatedTPMQuotaUsage')) return 'tokens';
  return 'other';
}
