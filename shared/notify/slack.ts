import { httpFailure, postJson, requestTimeout } from './deliver';
import { describeTarget, targetOfLabels } from '../core/target';
import type { Notification } from '../core/notification';
import type { Notifier, SendOptions } from './types';
import type { Tier } from '../core/alert';
import type { Digest } from '../core/digest';
import { digestSlack } from './digest-render';
import { ackButtonBlock } from '../core/ack';

/** Slack Block Kit limits (https://api.slack.com/reference/block-kit). */
export const SLACK_LIMITS = { blocks: 50, headerText: 150, sectionText: 3000, field: 2000, contextElements: 10, fallbackText: 3000 };

const EMOJI: Record<Tier | 'resolved', string> = { critical: '🚨', warning: '⚠️', info: 'ℹ️', resolved: '✅' };
const ACTION_NOTE = { trigger: '', repeat: ' (still firing)', escalate: ' (escalated)', resolve: '' } as const;

type Text = { type: 'plain_text'; text: string; emoji?: boolean } | { type: 'mrkdwn'; text: string };
type Block =
  | { type: 'header'; text: Text }
  | { type: 'section'; text: Text; fields?: Text[] }
  | { type: 'context'; elements: Text[] }
  | ReturnType<typeof ackButtonBlock>;

/** `ackButton`: firing messages carry an Acknowledge button (the Slack app's interactivity points at the ack function). */
export function slackMessage(n: Notification, opts: { ackButton?: boolean } = {}): { text: string; blocks: Block[] } {
  const a = n.alert;
  const resolved = n.action === 'resolve';
  const target = targetOfLabels(a.labels);
  const model = target && describeTarget(target);
  const emoji = EMOJI[resolved ? 'resolved' : a.tier];
  const title = resolved
    ? `${emoji} RESOLVED · ${a.tier.toUpperCase()} · ${model ?? a.rule}`
    : `${emoji} ${a.tier.toUpperCase()}${ACTION_NOTE[n.action]} · ${model ?? a.rule}`;
  const duration = formatDuration(Date.parse(a.endsAt ?? n.at) - Date.parse(a.startsAt));

  const fields = [mrkdwn(`*Value*\n${escape(a.valueText)}`, SLACK_LIMITS.field), mrkdwn(`*Since*\n${slackDate(a.startsAt)}`, SLACK_LIMITS.field)];
  if (resolved) fields.push(mrkdwn(`*Resolved after*\n${duration}`, SLACK_LIMITS.field));

  const context = [mrkdwn(`rule \`${escape(a.rule)}\` · signal \`${escape(a.signal)}\``, SLACK_LIMITS.sectionText)];
  if (a.runbook) context.push(mrkdwn(`:book: <${escape(a.runbook).replace(/\|/g, '%7C')}|Runbook>`, SLACK_LIMITS.sectionText));

  const blocks: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(title, SLACK_LIMITS.headerText, false), emoji: true } },
    { type: 'section', text: mrkdwn(escape(a.summary) || '(no summary)', SLACK_LIMITS.sectionText), fields },
  ];
  if (!resolved && a.nextCheck) blocks.push({ type: 'section', text: mrkdwn(`*Next check:* ${escape(a.nextCheck)}`, SLACK_LIMITS.sectionText) });
  blocks.push({ type: 'context', elements: context.slice(0, SLACK_LIMITS.contextElements) });
  const episode = Date.parse(a.startsAt);
  if (opts.ackButton && !resolved && Number.isFinite(episode)) blocks.push(ackButtonBlock(a.fingerprint, episode));

  const fallback = resolved ? `${title}: resolved after ${duration}: ${a.summary}` : `${title}: ${a.summary}`;
  return { text: truncate(escape(fallback), SLACK_LIMITS.fallbackText), blocks: blocks.slice(0, SLACK_LIMITS.blocks) };
}

export class SlackNotifier implements Notifier {
  private readonly webhookUrl: string;
  private readonly fetch: typeof fetch;
  private readonly timeoutMs?: number;
  private readonly ackButton: boolean;

  constructor(opts: { webhookUrl: string; fetch?: typeof fetch; timeoutMs?: number; ackButton?: boolean }) {
    this.webhookUrl = opts.webhookUrl;
    this.ackButton = opts.ackButton ?? false;
    this.fetch = opts.fetch ?? globalThis.fetch;
    this.timeoutMs = opts.timeoutMs;
  }

  async send(n: Notification, opts?: SendOptions): Promise<void> {
    const who = `slack receiver "${n.receiver}"`;
    const reply = await postJson(this.fetch, this.webhookUrl, slackMessage(n, { ackButton: this.ackButton }), who, this.webhookUrl, requestTimeout(this.timeoutMs, opts));
    if (reply.status >= 200 && reply.status < 300) return;
    // Slack answers with a short plain-text code: invalid_blocks, no_service, channel_not_found, ...
    throw httpFailure(reply, who, reply.text.slice(0, 200), [this.webhookUrl]);
  }

  async sendDigest(d: Digest, receiver: string, opts?: SendOptions): Promise<void> {
    const who = `slack receiver "${receiver}"`;
    const reply = await postJson(this.fetch, this.webhookUrl, digestSlack(d), who, this.webhookUrl, requestTimeout(this.timeoutMs, opts));
    if (reply.status < 200 || reply.status >= 300) throw httpFailure(reply, who, reply.text.slice(0, 200), [this.webhookUrl]);
  }
}

function mrkdwn(text: string, max: number): Text {
  return { type: 'mrkdwn', text: truncate(text, max) };
}

/** Slack mrkdwn needs only &, < and > escaped. */
function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Cut to `max` UTF-16 units (never fewer than Slack's own count) with an ellipsis,
 * never splitting a surrogate pair or, in mrkdwn, an &entity; or a <link>.
 */
export function truncate(text: string, max: number, markup = true): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max - 1);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  if (markup) {
    cut = cut.replace(/&[a-z]*$/, '');
    if (cut.lastIndexOf('<') > cut.lastIndexOf('>')) cut = cut.slice(0, cut.lastIndexOf('<'));
  }
  return `${cut}…`;
}

/** Renders in the reader's time zone; the ISO text is the fallback. */
function slackDate(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return escape(iso);
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time}|${iso}>`;
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return 'unknown';
  const s = Math.round(ms / 1000);
  const parts: [number, string][] = [
    [Math.floor(s / 86400), 'd'],
    [Math.floor((s % 86400) / 3600), 'h'],
    [Math.floor((s % 3600) / 60), 'm'],
    [s % 60, 's'],
  ];
  const first = parts.findIndex(([v]) => v > 0);
  if (first < 0) return '0s';
  return parts.slice(first, first + 2).filter(([v]) => v > 0).map(([v, u]) => `${v}${u}`).join(' ');
}
