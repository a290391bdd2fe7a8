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
  /** What was sent, or the exact failure. */
  detail: string;
}

export async function testNotify(config: Config, opts: { receiver?: string; deps?: NotifierDeps; now?: number } = {}): Promise<NotifyResult[]> {
  const receivers = opts.receiver ? config.receivers.filter((r) => r.name === opts.receiver) : config.receivers;
  if (opts.receiver && !receivers.length) {
    throw new UsageError(`no receiver named "${opts.receiver}" in the rules file (receivers: ${config.receivers.map((r) => r.name).join(', ') || 'none'})`);
  }
  const now = opts.now ?? Date.now();
  const results: NotifyResult[] = [];
  for (const r of receivers) {
    try {
      const notifier = await createNotifier(r, opts.deps);
      await notifier.send(testNotification(r.name, 'trigger', now));
      if (r.type === 'pagerduty') await notifier.send(testNotification(r.name, 'resolve', now));
      const what = r.type === 'pagerduty' ? 'test incident triggered and resolved' : r.type === 'slack' ? 'test message posted' : `test message published to ${r.topic_arn ?? 'the stack topic (ALERT_TOPIC_ARN)'}`;
      results.push({ receiver: r.name, type: r.type, ok: true, detail: what });
    } catch (e) {
      results.push({ receiver: r.name, type: r.type, ok: false, detail: e instanceof Error ? e.message : String(e) });
    }
  }
  return results;
}

export const testNotifyCommand: Command = {
  summary: 'send a test alert through each receiver and report the result',
  usage: `bedrock-watch test-notify [--receiver NAME] [--rules FILE]

Send one message marked [TEST] through each receiver of the rules file (default rules.yml), or only
--receiver NAME, with the real secrets: { ssm: NAME } is read from SSM Parameter Store with your
AWS credentials (ssm:GetParameter, kms:Decrypt), { env: VAR } from the environment. A PagerDuty
test event is resolved right after it is triggered. Prints each receiver's result — delivered, or
the HTTP status and the service's error text, never the secret — and exits 1 if any failed.
An SNS receiver without topic_arn uses ALERT_TOPIC_ARN (the stack output AlertTopicArn).`,
  options: { ...help, receiver: { type: 'string' }, rules: { type: 'string' } },
  maxPositionals: 0,
  run: async (v) => {
    const file = str(v.rules) ?? 'rules.yml';
    const config = loadRulesFile(file);
    const results = await testNotify(config, { receiver: str(v.receiver) });
    if (!results.length) {
      out(`${file} has no receivers: add one under receivers: (see npx bedrock-watch init)`);
      return 1;
    }
    const width = Math.max(...results.map((r) => r.receiver.length));
    for (const r of results) out(`${r.ok ? 'ok  ' : 'FAIL'} ${r.receiver.padEnd(width)}  ${r.type.padEnd(9)}  ${r.detail}`);
    const failed = results.filter((r) => !r.ok).length;
    out(failed ? `${plural(failed, 'receiver')} of ${results.length} failed` : `all ${plural(results.length, 'receiver')} reached`);
    return failed ? 1 : 0;
  },
};
