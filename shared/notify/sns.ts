import type { Digest } from '../core/digest';
import { digestLines, digestText } from './digest-render';
import { PublishCommand, type PublishCommandInput, type SNSClient } from '@aws-sdk/client-sns';
import { DeliveryError, type Notifier } from './types';
import type { Notification } from '../core/notification';
import { firingOf, messageTier, oneLine, whereOf } from './text';

// SNS: "Subjects must be ASCII text ... no line breaks or control characters, and less than 100 characters long."
const MAX_SUBJECT = 99;
const NOTE = { trigger: '', repeat: ' still firing', escalate: ' escalated', resolve: '' } as const;

/**
 * One Publish per message: a readable text for people (email, SMS subscriptions) and the full
 * message as JSON for programs (SQS, Lambda, HTTP subscriptions), through MessageStructure json.
 */
export function snsPublishInput(n: Notification, topicArn: string): PublishCommandInput {
  const a = n.alert;
  const allResolved = !firingOf(n).length;
  const tier = messageTier(n);
  const tag = n.action === 'resolve' || allResolved ? 'RESOLVED' : `${tier.toUpperCase()}${NOTE[n.action]}`;
  const attributes: Record<string, string | undefined> = {
    severity: tier,
    rule: [...new Set(n.alerts.map((x) => x.rule))].join(','),
    modelId: n.alerts.length === 1 ? a.labels.ModelId : undefined,
    action: n.action,
    alerts: n.alerts.length > 1 ? String(n.alerts.length) : undefined,
    region: a.labels.Region,
    accountId: a.labels.AccountId,
  };
  const json = JSON.stringify({ action: n.action, receiver: n.receiver, at: n.at, key: n.key, alert: a, alerts: n.alerts });
  return {
    TopicArn: topicArn,
    Subject: subject(n.alerts.length > 1 ? oneLine(n) : `[${tag}] ${a.summary || a.rule}`),
    MessageStructure: 'json',
    Message: JSON.stringify({ default: snsText(n), email: snsText(n), sqs: json, lambda: json, http: json, https: json, firehose: json }),
    MessageAttributes: Object.fromEntries(
      // SNS rejects empty attribute values.
      Object.entries(attributes)
        .filter((e): e is [string, string] => !!e[1])
        .map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
    ),
  };
}

/** The message as a person reads it in an email. */
export function snsText(n: Notification): string {
  const lines = [oneLine(n), ''];
  for (const a of n.alerts) {
    lines.push(`- ${a.status === 'firing' ? a.tier.toUpperCase() : 'RESOLVED'} ${a.summary}`);
    lines.push(`  since ${a.since}${a.endsAt ? `, resolved ${a.endsAt}${a.resolveReason ? ` (${a.resolveReason}: not a recovery)` : ''}` : ''}`);
  }
  const where = whereOf(n.alert);
  if (where) lines.push('', `Account · region: ${where}`);
  const lead = firingOf(n)[0];
  if (lead?.nextCheck) lines.push('', `Next check: ${lead.nextCheck}`);
  const runbooks = [...new Set(n.alerts.flatMap((a) => (a.runbook ? [a.runbook] : [])))];
  for (const r of runbooks) lines.push(`Runbook: ${r}`);
  return lines.join('\n');
}

/** Printable ASCII only: accents stripped, typographic quotes and dashes made plain, anything else dropped. */
export function subject(text: string): string {
  const ascii = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[‘’‚‛]/g, "'")
    .replace(/[“”„‟]/g, '"')
    .replace(/[‐-―]/g, '-')
    .replace(/\s+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '')
    .replace(/ {2,}/g, ' ')
    .trim();
  return ascii.length <= MAX_SUBJECT ? ascii : `${ascii.slice(0, MAX_SUBJECT - 3).trimEnd()}...`;
}

export class SnsNotifier implements Notifier {
  private readonly topicArn: string;
  private readonly client: SNSClient;

  constructor(opts: { topicArn: string; client: SNSClient }) {
    this.topicArn = opts.topicArn;
    this.client = opts.client;
  }

  async send(n: Notification): Promise<void> {
    try {
      await this.client.send(new PublishCommand(snsPublishInput(n, this.topicArn)));
    } catch (e) {
      const err = e as { name?: string; message?: string };
      throw new DeliveryError(`sns receiver "${n.receiver}": Publish failed: ${err.name ?? 'Error'}: ${err.message ?? String(e)}`, isTransient(e));
    }
  }

  async sendDigest(d: Digest, receiver: string): Promise<void> {
    try {
      await this.client.send(
        new PublishCommand({
          TopicArn: this.topicArn,
          Subject: subject(digestLines(d).title),
          Message: digestText(d),
          MessageAttributes: { severity: { DataType: 'String', StringValue: 'info' }, rule: { DataType: 'String', StringValue: 'daily-digest' } },
        }),
      );
    } catch (e) {
      const err = e as { name?: string; message?: string };
      throw new DeliveryError(`sns receiver "${receiver}": Publish failed: ${err.name ?? 'Error'}: ${err.message ?? String(e)}`, isTransient(e));
    }
  }
}

const THROTTLING = new Set(['Throttling', 'ThrottlingException', 'ThrottledException', 'TooManyRequestsException', 'RequestLimitExceeded', 'KMSThrottlingException']);
const NETWORK = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE']);

function isTransient(e: unknown): boolean {
  const err = e as { name?: string; code?: string; $fault?: string; $metadata?: { httpStatusCode?: number } };
  const status = err.$metadata?.httpStatusCode;
  if (THROTTLING.has(err.name ?? '') || status === 429) return true;
  if (err.$fault === 'server' || (status !== undefined && status >= 500)) return true;
  // No HTTP answer at all (the SDK already retried): the connection, not the request, was the problem.
  return status === undefined && (NETWORK.has(err.name ?? '') || NETWORK.has(err.code ?? ''));
}
