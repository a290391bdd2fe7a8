import type { Digest } from '../core/digest';
import { digestLines, digestText } from './digest-render';
import { PublishCommand, SNSClient, type PublishCommandInput, type SNSClientConfig } from '@aws-sdk/client-sns';
import { DeliveryError, type DropNotice, type Notifier, type SendOptions } from './types';
import type { Notification } from '../core/notification';
import { firingOf, messageTier, oneLine, placesOf } from './text';

// SNS: "Subjects must be ASCII text ... no line breaks or control characters, and less than 100 characters long."
const MAX_SUBJECT = 99;
/** SNS Publish: the message with its subject and attributes, at most 256 KB (262,144 bytes) in UTF-8. */
export const SNS_MAX_BYTES = 262_144;
/** Alerts listed in full in one message; a storm's others are counted ("…and 180 more"). */
export const SNS_LISTED_ALERTS = 20;
const NOTE = { trigger: '', repeat: ' still firing', escalate: ' escalated', update: ' lowered', resolve: '' } as const;

/**
 * One Publish per message, compact: the message as JSON once (`default`: SQS, Lambda, HTTP(S),
 * Firehose and email-json subscriptions get it), a readable text for email, one line for SMS.
 * A storm lists its first SNS_LISTED_ALERTS alerts and counts the others, and the whole publish is
 * kept under SNS_MAX_BYTES (fewer listed alerts until it fits), so SNS never refuses it for size.
 */
export function snsPublishInput(n: Notification, topicArn: string): PublishCommandInput {
  for (let listed = SNS_LISTED_ALERTS; ; listed = Math.floor(listed / 2)) {
    const input = publishInput(n, topicArn, listed);
    if (listed <= 1 || publishBytes(input) <= SNS_MAX_BYTES) return input;
  }
}

/** What SNS counts against its size limit: message, subject, attribute names, types and values. */
export function publishBytes(input: PublishCommandInput): number {
  const attrs = Object.entries(input.MessageAttributes ?? {}).reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(v.DataType ?? '') + Buffer.byteLength(v.StringValue ?? ''), 0);
  return Buffer.byteLength(input.Message ?? '') + Buffer.byteLength(input.Subject ?? '') + attrs;
}

function publishInput(n: Notification, topicArn: string, listed: number): PublishCommandInput {
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
    // Attributes filter subscriptions: only when the whole message is in one region / account.
    region: one(n.alerts.map((x) => x.labels.Region)),
    accountId: one(n.alerts.map((x) => x.labels.AccountId)),
  };
  const more = Math.max(0, n.alerts.length - listed);
  const json = JSON.stringify({ action: n.action, receiver: n.receiver, at: n.at, key: n.key, alert: a, alerts: n.alerts.slice(0, listed), ...(more ? { more } : {}) });
  return {
    TopicArn: topicArn,
    Subject: subject(n.alerts.length > 1 ? oneLine(n) : `[${tag}] ${a.summary || a.rule}`),
    MessageStructure: 'json',
    Message: JSON.stringify({ default: json, email: snsText(n, listed), sms: oneLine(n).slice(0, 1000) }),
    MessageAttributes: Object.fromEntries(
      // SNS rejects empty attribute values.
      Object.entries(attributes)
        .filter((e): e is [string, string] => !!e[1])
        .map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
    ),
  };
}

const one = (values: (string | undefined)[]): string | undefined => (new Set(values).size === 1 ? values[0] : undefined);

/** The message as a person reads it in an email. */
export function snsText(n: Notification, listed = SNS_LISTED_ALERTS): string {
  const lines = [oneLine(n), ''];
  for (const a of n.alerts.slice(0, listed)) {
    lines.push(`- ${a.status === 'firing' ? a.tier.toUpperCase() : 'RESOLVED'} ${a.summary}`);
    lines.push(`  since ${a.since}${a.endsAt ? `, resolved ${a.endsAt}${a.resolveReason ? ` (${a.resolveReason}: not a recovery)` : ''}` : ''}`);
  }
  if (n.alerts.length > listed) lines.push(`…and ${n.alerts.length - listed} more`);
  const places = placesOf(n.alerts);
  if (places.length) lines.push('', `Account · region: ${places.join('; ')}`);
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

/**
 * SNS answers Publish in tens of milliseconds; without these a stalled connection would hold the
 * delivery for the SDK's default (no request timeout at all) while the Lambda's time runs out.
 * Without throwOnRequestTimeout the handler only logs a warning when requestTimeout passes, and keeps waiting.
 */
export const SNS_TIMEOUTS = { connectionTimeout: 3_000, requestTimeout: 5_000, throwOnRequestTimeout: true };

export function createSnsClient(config: SNSClientConfig = {}): SNSClient {
  return new SNSClient({ requestHandler: SNS_TIMEOUTS, ...config });
}

/** The caller's remaining time as an abort signal for one SDK call. */
const abortAfter = (opts?: SendOptions) => (opts?.timeoutMs !== undefined ? { abortSignal: AbortSignal.timeout(opts.timeoutMs) } : {});

export class SnsNotifier implements Notifier {
  private readonly topicArn: string;
  private readonly client: SNSClient;

  constructor(opts: { topicArn: string; client: SNSClient }) {
    this.topicArn = opts.topicArn;
    this.client = opts.client;
  }

  async send(n: Notification, opts?: SendOptions): Promise<void> {
    try {
      await this.client.send(new PublishCommand(snsPublishInput(n, this.topicArn)), abortAfter(opts));
    } catch (e) {
      const err = e as { name?: string; message?: string };
      throw new DeliveryError(`sns receiver "${n.receiver}": Publish failed: ${err.name ?? 'Error'}: ${err.message ?? String(e)}`, isTransient(e));
    }
  }

  async sendDigest(d: Digest, receiver: string, opts?: SendOptions): Promise<void> {
    try {
      await this.client.send(
        new PublishCommand({
          TopicArn: this.topicArn,
          Subject: subject(digestLines(d).title),
          Message: digestText(d),
          MessageAttributes: { severity: { DataType: 'String', StringValue: 'info' }, rule: { DataType: 'String', StringValue: 'daily-digest' } },
        }),
        abortAfter(opts),
      );
    } catch (e) {
      const err = e as { name?: string; message?: string };
      throw new DeliveryError(`sns receiver "${receiver}": Publish failed: ${err.name ?? 'Error'}: ${err.message ?? String(e)}`, isTransient(e));
    }
  }
}

/**
 * Tells the humans subscribed to the stack's own topic that a notification was given up on, so that a
 * dropped page is never only a log line. The receiver and the reason are named; the alert is attached.
 */
export class SnsDropNotice implements DropNotice {
  private readonly topicArn: string;
  private readonly client: SNSClient;

  constructor(opts: { topicArn: string; client: SNSClient }) {
    this.topicArn = opts.topicArn;
    this.client = opts.client;
  }

  async dropped(n: Notification, reason: string, opts?: SendOptions): Promise<void> {
    const a = n.alert;
    const what = `${n.action === 'resolve' ? 'resolve' : a.tier} notification`;
    const text = [
      `bedrock-watch gave up delivering a ${what} to receiver "${n.receiver}".`,
      `Why: ${reason}`,
      `Alert: ${a.summary || a.rule} (rule ${a.rule}, ${n.action}, decided ${n.at})`,
      `Notification id: ${n.id}`,
      '',
      'Check the receiver (its secret, URL or service) and whether the alert still needs attention.',
      '',
      // The notification as decided, a storm's alerts cut to the first few (the notice must fit in one publish).
      JSON.stringify({ notification: { ...n, alerts: n.alerts.slice(0, SNS_LISTED_ALERTS), ...(n.alerts.length > SNS_LISTED_ALERTS ? { more: n.alerts.length - SNS_LISTED_ALERTS } : {}) }, reason: reason.slice(0, 2000) }),
    ].join('\n');
    try {
      await this.client.send(
        new PublishCommand({
          TopicArn: this.topicArn,
          Subject: subject(`[DROPPED] ${what} for ${n.receiver}: ${a.summary || a.rule}`),
          Message: text,
          MessageAttributes: {
            severity: { DataType: 'String', StringValue: 'critical' },
            rule: { DataType: 'String', StringValue: 'notification-dropped' },
            receiver: { DataType: 'String', StringValue: n.receiver },
          },
        }),
        abortAfter(opts),
      );
    } catch (e) {
      const err = e as { name?: string; message?: string };
      throw new DeliveryError(`fallback topic: Publish failed: ${err.name ?? 'Error'}: ${err.message ?? String(e)}`, isTransient(e));
    }
  }
}

const THROTTLING = new Set(['Throttling', 'ThrottlingException', 'ThrottledException', 'TooManyRequestsException', 'RequestLimitExceeded', 'KMSThrottlingException']);
const NETWORK = new Set(['TimeoutError', 'AbortError', 'RequestTimeout', 'RequestTimeoutException', 'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE']);

function isTransient(e: unknown): boolean {
  const err = e as { name?: string; code?: string; $fault?: string; $metadata?: { httpStatusCode?: number } };
  const status = err.$metadata?.httpStatusCode;
  if (THROTTLING.has(err.name ?? '') || status === 429) return true;
  if (err.$fault === 'server' || (status !== undefined && status >= 500)) return true;
  // No HTTP answer at all (the SDK already retried): the connection, not the request, was the problem.
  return status === undefined && (NETWORK.has(err.name ?? '') || NETWORK.has(err.code ?? ''));
}
