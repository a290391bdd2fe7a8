/**
 * `bedrock-watch ack FINGERPRINT|RULE[/LABEL=VALUE,...]`: acknowledge a firing alert from a terminal,
 * with the caller's AWS credentials, into the stack's table — the same conditional write as the
 * Slack button and the PagerDuty webhook, so escalation and reminders stop the same way.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { loadRulesFile } from '../rules/load';
import type { AlertState } from '../core/alert';
import { AckStore, type AckOutcome } from '../state/acks';
import { docClient } from '../dynamo/table';
import { unknownRule } from '../rules/references';

export class AckCliError extends Error {}

export interface CliAckOptions {
  target: string;
  table?: string;
  by?: string;
  region?: string;
  /** The rules file (default rules.yml, when present): its rule names tell a misspelt rule. */
  rules?: string;
  now?: number;
  dynamo?: DynamoDBClient;
}

const describe = (a: AlertState) => `${a.fingerprint}  ${a.rule}/${Object.entries(a.labels).map(([k, v]) => `${k}=${v}`).join(',')}  (${a.status}${a.tier ? `, ${a.tier}` : ''})`;

/**
 * FINGERPRINT, or RULE/LABEL=VALUE,... (labels may be left out when they pick one alert).
 * `rules`: the rule names of the rules file, to tell a misspelt rule from one that is quiet; without
 * them, the rules of the stored alerts.
 */
export function findAlert(target: string, alerts: AlertState[], rules?: readonly string[]): AlertState {
  if (/^[0-9a-f]{24}$/.test(target)) {
    const a = alerts.find((x) => x.fingerprint === target);
    if (!a) throw new AckCliError(`no alert with fingerprint ${target}`);
    return a;
  }
  const slash = target.indexOf('/');
  const rule = slash < 0 ? target : target.slice(0, slash);
  const labels: Record<string, string> = {};
  if (slash >= 0) {
    for (const pair of target.slice(slash + 1).split(',').filter(Boolean)) {
      const eq = pair.indexOf('=');
      if (eq < 1) throw new AckCliError(`"${pair}" is not LABEL=VALUE (e.g. bedrock-throttles/ModelId=amazon.nova-lite-v1:0)`);
      labels[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  // A misspelt rule is "no such rule", not "nothing is firing". Without the rules file, only a near miss of a stored alert's rule can tell.
  const noRule = unknownRule(rule, { rules: rules ?? [...new Set(alerts.map((a) => a.rule))].sort(), labels: [] });
  if (noRule && (rules || noRule.includes('did you mean'))) throw new AckCliError(`no such rule ${noRule.replace(/^unknown rule /, '')}`);
  const matching = alerts.filter((a) => a.rule === rule && Object.entries(labels).every(([k, v]) => a.labels[k] === v));
  // Several stored alerts can match loosely; only the firing ones can be acknowledged.
  const firing = matching.filter((a) => a.status === 'firing');
  const pick = firing.length ? firing : matching;
  if (pick.length === 1) return pick[0];
  const now = alerts.filter((a) => a.status === 'firing');
  if (!pick.length)
    throw new AckCliError(`no alert matches ${target}${now.length ? `; firing now:\n  ${now.map(describe).join('\n  ')}` : '; nothing is firing'}`);
  throw new AckCliError(`${pick.length} alerts match ${target}; name one by fingerprint or with more labels:\n  ${pick.map(describe).join('\n  ')}`);
}

export async function ackFromCli(o: CliAckOptions): Promise<{ alert: AlertState; outcome: AckOutcome }> {
  const name = o.table ?? process.env.TABLE_NAME;
  if (!name) throw new AckCliError("name the stack's DynamoDB table with --table (it is in the stack outputs: npx sls info --verbose)");
  const acks = new AckStore({ doc: docClient(o.dynamo ?? new DynamoDBClient({ region: o.region })), name });
  const alert = findAlert(o.target, await acks.alerts(), ruleNames(o.rules));
  const by = o.by ?? (process.env.USER || userInfo().username);
  return { alert, outcome: await acks.acknowledge(alert.fingerprint, null, { ackedBy: by, via: 'cli' }, o.now ?? Date.now()) };
}

/** One line for the terminal, and whether it counts as success. */
export function ackResultText(alert: AlertState, outcome: AckOutcome): { ok: boolean; text: string } {
  const what = `${alert.rule} ${Object.values(alert.labels).join(' ')}`.trim();
  switch (outcome.status) {
    case 'acked':
      return { ok: true, text: `Acknowledged ${what} (${alert.fingerprint}) as ${outcome.ack.ackedBy} at ${new Date(outcome.ack.ackedAt).toISOString()}: escalation and reminders stop for this episode.` };
    case 'already':
      return { ok: true, text: `Already acknowledged: ${what} by ${outcome.ack.ackedBy} via ${outcome.ack.via} at ${new Date(outcome.ack.ackedAt).toISOString()}.` };
    case 'not-firing':
      return { ok: false, text: `${what} (${alert.fingerprint}) is not firing: nothing to acknowledge.` };
    default:
      return { ok: false, text: `${what} (${alert.fingerprint}) is no longer stored.` };
  }
}

function ruleNames(file: string | undefined): string[] | undefined {
  const path = file ?? 'rules.yml';
  if (!file && !existsSync(path)) return undefined;
  try {
    return loadRulesFile(path).rules.map((r) => r.name);
  } catch {
    return undefined;
  }
}
