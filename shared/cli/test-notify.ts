/**
 * `bedrock-watch test-notify`: one clearly marked test alert through each receiver of the rules
 * file, with the real secrets (the same resolution as the deployed functions: SSM or environment),
 * and the exact outcome of each: delivered, or the HTTP status and the service's own error text.
 * Secrets are never printed (the notifiers redact them from every message).
 * A PagerDuty test is triggered and resolved at once, so it leaves no open incident.
 */
import { hostname } from 'node:os';
import { loadRulesFile } from '../rules/load';
import type { Config } from '../rules/schema';
import { createNotifier, type NotifierDeps } from '../notify/receivers';
import { resolveSecret } from '../notify/secrets';
import { secretsNeeded } from '../rules/secrets-needed';
import { awsCause } from './aws-errors';
import type { AlertView, Notification } from '../core/notification';
import { UsageError, help, out, plural, str, type Command } from './command';

export const TEST_RULE = 'bedrock-watch-test';

export function testNotification(receiver: string, action: 'trigger' | 'resolve', now: number): Notification {
  const at = new Date(now).toISOString();
  const key = `${TEST_RULE}/${receiver}/${at}`;
  const alert: AlertView = {
      fingerprint: key,
      rule: TEST_RULE,
      signal: 'other',
      tier: 'info',
      status: action === 'resolve' ? 'resolved' : 'firing',
      labels: {},
      summary: `[TEST] bedrock-watch test alert to "${receiver}" from ${hostname()}: delivery works, no action needed`,
      valueText: 'test message (not a real alert)',
      value: null,
      threshold: null,
      baseline: null,
      startsAt: at,
      since: at,
      endsAt: action === 'resolve' ? at : null,
      nextCheck: 'Nothing to do: this checks that bedrock-watch can reach this receiver (npx bedrock-watch test-notify).',
      details: { test: true },
  };
  return { id: `${key}/${action}`, key, receiver, action, at, alert, alerts: [alert] };
}

export interface NotifyResult {
  receiver: string;
  type: string;
  ok: boolean;
  /** Not tried: a receiver whose topic the stack creates, before the stack is deployed. */
  skipped?: boolean;
  /** What was sent, or the exact failure. */
  detail: string;
}

/** The stack outputs that stack-owned receivers read, by the environment variable the functions get them in. */
export const STACK_OUTPUTS: Record<string, string> = { ALERT_TOPIC_ARN: 'AlertTopicArn', MANAGEMENT_TOPIC_ARN: 'ManagementTopicArn' };

/** The stack variable an sns receiver publishes through (its topic is the stack's), or undefined. */
export function stackVariable(r: Config['receivers'][number]): string | undefined {
  if (r.type !== 'sns') return undefined;
  if (r.topic_arn === undefined) return 'ALERT_TOPIC_ARN';
  return typeof r.topic_arn === 'object' && r.topic_arn.env in STACK_OUTPUTS ? r.topic_arn.env : undefined;
}

/** The deployed stack: its name, and its outputs (null when it does not exist yet). */
export interface StackLookup {
  name: string;
  outputs(): Promise<Record<string, string> | null>;
}

export async function testNotify(config: Config, opts: { receiver?: string; deps?: NotifierDeps; now?: number; stack?: StackLookup } = {}): Promise<NotifyResult[]> {
  const receivers = opts.receiver ? config.receivers.filter((r) => r.name === opts.receiver) : config.receivers;
  if (opts.receiver && !receivers.length) {
    throw new UsageError(`no receiver named "${opts.receiver}" in the rules file (receivers: ${config.receivers.map((r) => r.name).join(', ') || 'none'})`);
  }
  const now = opts.now ?? Date.now();
  const env = opts.deps?.env ?? process.env;
  let outputs: Promise<Record<string, string> | null> | undefined;
  const results: NotifyResult[] = [];
  for (const r of receivers) {
    try {
      let deps = opts.deps;
      const variable = stackVariable(r);
      if (variable && !env[variable] && opts.stack) {
        const output = STACK_OUTPUTS[variable];
        const values = await (outputs ??= opts.stack.outputs());
        if (!values) {
          results.push({ receiver: r.name, type: r.type, ok: true, skipped: true, detail: `skipped: its topic is the stack's output ${output}, and stack ${opts.stack.name} is not deployed yet (run test-notify again after sls deploy)` });
          continue;
        }
        if (!values[output]) throw new Error(`stack ${opts.stack.name} has no output ${output} (deployed from an older serverless.yml?)`);
        deps = { ...opts.deps, env: { ...env, [variable]: values[output] } };
      }
      const notifier = await createNotifier(r, deps);
      await notifier.send(testNotification(r.name, 'trigger', now));
      if (r.type === 'pagerduty') await notifier.send(testNotification(r.name, 'resolve', now));
      const topic = r.type === 'sns' ? (typeof r.topic_arn === 'string' ? r.topic_arn : (deps?.env ?? env)[variable ?? (r.topic_arn as { env: string } | undefined)?.env ?? 'ALERT_TOPIC_ARN']) : undefined;
      const what = r.type === 'pagerduty' ? 'test incident triggered and resolved' : r.type === 'slack' ? 'test message posted' : `test message published to ${topic ?? 'the stack topic (ALERT_TOPIC_ARN)'}`;
      results.push({ receiver: r.name, type: r.type, ok: true, detail: what });
    } catch (e) {
      results.push({ receiver: r.name, type: r.type, ok: false, detail: awsCause(e) ?? (e instanceof Error ? e.message : String(e)) });
    }
  }
  // The SSM secrets outside the receivers (the ack function's signing secrets): each must exist.
  if (!opts.receiver) {
    const resolve = opts.deps?.resolve ?? resolveSecret;
    for (const n of secretsNeeded(config).filter((x) => x.ssm && !x.receiver)) {
      try {
        await resolve({ ssm: n.ssm! }, n.path, { env: opts.deps?.env });
        results.push({ receiver: n.path, type: 'secret', ok: true, detail: `SSM parameter ${n.ssm} exists` });
      } catch (e) {
        results.push({ receiver: n.path, type: 'secret', ok: false, detail: awsCause(e) ?? (e instanceof Error ? e.message : String(e)) });
      }
    }
  }
  return results;
}

/** Outputs of a CloudFormation stack through DescribeStacks (null: no such stack). */
export function cloudFormationStack(name: string, region?: string): StackLookup {
  return {
    name,
    async outputs() {
      const { CloudFormationClient, DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
      try {
        const r = await new CloudFormationClient({ region }).send(new DescribeStacksCommand({ StackName: name }));
        const stack = r.Stacks?.[0];
        if (!stack || stack.StackStatus === 'DELETE_COMPLETE' || stack.StackStatus === 'REVIEW_IN_PROGRESS') return null;
        return Object.fromEntries((stack.Outputs ?? []).flatMap((o) => (o.OutputKey && o.OutputValue ? [[o.OutputKey, o.OutputValue]] : [])));
      } catch (e) {
        if ((e as Error).name === 'ValidationError' && /does not exist/.test((e as Error).message)) return null;
        throw new Error(`CloudFormation DescribeStacks ${name}: ${awsCause(e) ?? (e as Error).message}`, { cause: e });
      }
    },
  };
}

export const testNotifyCommand: Command = {
  summary: 'send a test alert through each receiver and report the result',
  usage: `bedrock-watch test-notify [--receiver NAME] [--rules FILE] [--stage STAGE | --stack NAME] [--region REGION]

Send one message marked [TEST] through each receiver of the rules file (default rules.yml), or only
--receiver NAME, with the real secrets: { ssm: NAME } is read from SSM Parameter Store with your
AWS credentials (ssm:GetParameter, kms:Decrypt), { env: VAR } from the environment. A PagerDuty
test event is resolved right after it is triggered. The file's other SSM secrets (the ack
function's signing secrets) are checked to exist. Prints each result — delivered, or the HTTP
status and the service's error text, never the secret — and exits 1 if any failed.
An SNS receiver publishing to a topic of the stack (no topic_arn: ALERT_TOPIC_ARN;
{ env: MANAGEMENT_TOPIC_ARN }) takes it from that environment variable, or else from the stack's
outputs (AlertTopicArn, ManagementTopicArn) of --stack NAME (default bedrock-watch-STAGE, --stage
default dev; cloudformation:DescribeStacks); before the stack is deployed it is skipped, saying so.`,
  options: { ...help, receiver: { type: 'string' }, rules: { type: 'string' }, stage: { type: 'string' }, stack: { type: 'string' }, region: { type: 'string' } },
  maxPositionals: 0,
  run: async (v) => {
    const file = str(v.rules) ?? 'rules.yml';
    const config = loadRulesFile(file);
    const stack = cloudFormationStack(str(v.stack) ?? `bedrock-watch-${str(v.stage) ?? 'dev'}`, str(v.region));
    const results = await testNotify(config, { receiver: str(v.receiver), stack });
    if (!results.length) {
      out(`${file} has no receivers: add one under receivers: (see npx bedrock-watch init)`);
      return 1;
    }
    const width = Math.max(...results.map((r) => r.receiver.length));
    for (const r of results) out(`${r.skipped ? 'skip' : r.ok ? 'ok  ' : 'FAIL'} ${r.receiver.padEnd(width)}  ${r.type.padEnd(9)}  ${r.detail}`);
    const receivers = results.filter((r) => r.type !== 'secret');
    const failed = receivers.filter((r) => !r.ok).length;
    const skipped = receivers.filter((r) => r.skipped).length;
    const missing = results.filter((r) => r.type === 'secret' && !r.ok).length;
    const parts = [
      failed ? `${plural(failed, 'receiver')} of ${receivers.length} failed` : `all ${plural(receivers.length - skipped, 'receiver')} reached`,
      ...(skipped ? [`${skipped} skipped until the stack is deployed`] : []),
      ...(missing ? [`${plural(missing, 'secret')} missing`] : []),
    ];
    out(parts.join(', '));
    return failed || missing ? 1 : 0;
  },
};
