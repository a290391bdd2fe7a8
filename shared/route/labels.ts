/**
 * The labels routing, inhibition and silences see for an alert: the alert's own (ModelId, caller,
 * budget), those its rule sets (`labels:`, e.g. team), and the built-in ones: severity (the tier
 * firing now), rule (and its Alertmanager name, alertname), signal, and the account and region the
 * stack runs in. Region and AccountId never enter the fingerprint: they are the same for every
 * alert of one deployment.
 */
import type { AlertState, Tier } from '../core/alert';
import type { Rule } from '../rules/schema';

/** Where the stack runs: from the Lambda runtime (AWS_REGION, the function ARN's account). */
export interface RouteEnv {
  Region?: string;
  AccountId?: string;
}

/** The alert's descriptive labels: its own, its rule's, and the account and region. */
export function viewLabels(s: AlertState, rule: Rule | undefined, env: RouteEnv = {}): Record<string, string> {
  const out: Record<string, string> = { ...(rule?.labels ?? {}), ...s.labels };
  if (env.Region && !out.Region) out.Region = env.Region;
  if (env.AccountId && !out.AccountId) out.AccountId = env.AccountId;
  return out;
}

export function routingLabels(s: AlertState, rule: Rule | undefined, tier: Tier | null, env: RouteEnv = {}): Record<string, string> {
  return { ...viewLabels(s, rule, env), rule: s.rule, alertname: s.rule, signal: s.signal, severity: tier ?? s.maxTier ?? 'info' };
}

/** Region and account from the runtime: AWS_REGION (else the ARN's) and the invoked function's ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME). */
export function envFromRuntime(runtimeRegion: string | undefined, functionArn: string | undefined): RouteEnv {
  const parts = functionArn?.split(':') ?? [];
  const account = parts[4];
  const region = runtimeRegion || (parts[3] && /^[a-z]{2}(-[a-z]+)+-\d+$/.test(parts[3]) ? parts[3] : undefined);
  return { ...(region ? { Region: region } : {}), ...(account && /^\d{12}$/.test(account) ? { AccountId: account } : {}) };
}
