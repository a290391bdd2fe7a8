import { httpFailure, postJson, requestTimeout } from './deliver';
import { describeTarget, targetOfLabels } from '../core/target';
import type { AlertView, Notification } from '../core/notification';
import type { Notifier, SendOptions } from './types';
import type { Tier } from '../core/alert';
import { firingOf, listSubject, messageTier, oneLine, placesOf, resolvedOf, titleOf, whereOf, whereOfAll } from './text';
import type { Digest } from '../core/digest';
import { digestSlack } from './digest-render';
import { ackButtonBlock } from '../core/ack';
import { StreamKeys } from '../core/stream-keys';

/** Slack Block Kit limits (https://api.slack.com/reference/block-kit). */
export const SLACK_LIMITS = { blocks: 50, headerText: 150, sectionText: 3000, field: 2000, contextElements: 10, fallbackText: 3000 };

const EMOJI: Record<Tier | 'resolved', string> = { critical: '🚨', warning: '⚠️', info: 'ℹ️', resolved: '✅' };
const ACTION_NOTE = { trigger: '', repeat: ' (still firing)', escalate: ' (escalated)', update: ' (lowered)', resolve: '' } as const;

type Text = { type: 'plain_text'; text: string; emoji?: boolean } | { type: 'mrkdwn'; text: string };
type Block =
  | { type: 'header'; text: Text }
  | { type: 'section'; text: Text; fields?: Text[] }
  | { type: 'context'; elements: Text[] }
  | ReturnType<typeof ackButtonBlock>;

/** `keys`: signs the button's value (the stream's external key); unsigned without a deployment secret. */
type SlackOptions = { ackButton?: boolean; keys?: StreamKeys };

const buttonValue = (n: Notification, opts: SlackOptions) => (opts.keys ?? StreamKeys.UNSIGNED).button(n.key);

/** `ackButton`: firing messages carry an Acknowledge button (the Slack app's interactivity points at the ack function). */
export function slackMessage(n: Notification, opts: SlackOptions = {}): { text: string; blocks: Block[] } {
  return n.alerts.length > 1 ? groupMessage(n, opts) : singleMessage(n, opts);
}

function singleMessage(n: Notification, opts: SlackOptions): { text: string; blocks: Block[] } {
  const a = n.alert;
  const resolved = n.action === 'resolve' || a.status === 'resolved';
  const target = targetOfLabels(a.labels);
  const model = target && describeTarget(target);
  const emoji = EMOJI[resolved ? 'resolved' : a.tier];
  const title = resolved
    ? `${emoji} RESOLVED · ${a.tier.toUpperCase()} · ${model ?? a.rule}`
    : `${emoji} ${a.tier.toUpperCase()}${ACTION_NOTE[n.action]} · ${model ?? a.rule}`;
  const duration = formatDuration(Date.parse(a.endsAt ?? n.at) - Date.parse(a.since ?? a.startsAt));

  const fields = [mrkdwn(`*Value*\n${escape(a.valueText)}`, SLACK_LIMITS.field), mrkdwn(`*Since*\n${slackDate(a.since ?? a.startsAt)}`, SLACK_LIMITS.field)];
  if (resolved) fields.push(mrkdwn(`*Resolved after*\n${duration}${a.resolveReason ? ` (${escape(a.resolveReason)}: not a recovery)` : ''}`, SLACK_LIMITS.field));
  const where = whereOf(a);
  if (where) fields.push(mrkdwn(`*Account · Region*\n${escape(where)}`, SLACK_LIMITS.field));

  const blocks: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(title, SLACK_LIMITS.headerText, false), emoji: true } },
    { type: 'section', text: mrkdwn(escape(a.summary) || '(no summary)', SLACK_LIMITS.sectionText), fields },
  ];
  if (!resolved && a.nextCheck) blocks.push({ type: 'section', text: mrkdwn(`*Next check:* ${escape(a.nextCheck)}`, SLACK_LIMITS.sectionText) });
  blocks.push({ type: 'context', elements: contextOf([a]) });
  const episode = Date.parse(a.startsAt);
  if (opts.ackButton && !resolved && Number.isFinite(episode)) blocks.push(ackButtonBlock(buttonValue(n, opts)));

  const fallback = resolved ? `${title}: resolved after ${duration}: ${a.summary}` : `${title}: ${a.summary}`;
  return { text: truncate(escape(fallback), SLACK_LIMITS.fallbackText), blocks: blocks.slice(0, SLACK_LIMITS.blocks) };
}

/** Room for the header, the count, the next check, the context and the Acknowledge button. */
const LIST_BLOCKS = SLACK_LIMITS.blocks - 5;

/** Several alerts in one message: a count, one compact line each (packed into sections), the first next check. */
function groupMessage(n: Notification, opts: SlackOptions): { text: string; blocks: Block[] } {
  const firing = firingOf(n);
  const resolved = resolvedOf(n);
  const allResolved = firing.length === 0;
  const tier = messageTier(n);
  const titles = [...new Set(n.alerts.map(titleOf))];
  const what = titles.length === 1 ? titles[0] : `${titles.length} kinds of alert`;
  const head = allResolved
    ? `${EMOJI.resolved} RESOLVED · ${what} · ${n.alerts.length} alerts`
    : `${EMOJI[tier]} ${tier.toUpperCase()}${ACTION_NOTE[n.action]} · ${what} · ${firing.length} firing`;
  // Alerts in several accounts or regions: the header counts the places, each line names its own.
  const places = placesOf(n.alerts);
  const where = whereOfAll(n.alerts);
  const counts = [`*${firing.length} firing*`, resolved.length ? `${resolved.length} resolved` : ''].filter(Boolean).join(', ');
  const blocks: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(head, SLACK_LIMITS.headerText, false), emoji: true } },
    { type: 'section', text: mrkdwn(`${counts}${where ? ` · ${escape(where)}` : ''}`, SLACK_LIMITS.sectionText) },
  ];

  const lines = n.alerts.map((a) => {
    const who = escape(listSubject(a, places));
    const label = titles.length > 1 ? `${escape(titleOf(a))} · ` : '';
    if (a.status === 'resolved') {
      const after = formatDuration(Date.parse(a.endsAt ?? n.at) - Date.parse(a.since));
      return `${EMOJI.resolved} ~${who}~ ${label}resolved after ${after}${a.resolveReason ? ` (${escape(a.resolveReason)})` : ''}`;
    }
    return `${EMOJI[a.tier]} *${who}* ${label}${a.tier}: ${escape(a.valueText)} · since ${slackDate(a.since)}`;
  });
  // Pack lines into sections under Slack's text limit; what does not fit is counted, not cut mid-line.
  let current: string[] = [];
  let shown = 0;
  const sections: string[] = [];
  for (const line of lines) {
    const candidate = [...current, truncate(line, 1000)].join('\n');
    if (candidate.length > SLACK_LIMITS.sectionText - 40) {
      sections.push(current.join('\n'));
      current = [];
      if (sections.length >= LIST_BLOCKS) break;
    }
    current.push(truncate(line, 1000));
    shown++;
  }
  if (current.length && sections.length < LIST_BLOCKS) sections.push(current.join('\n'));
  else if (current.length) shown -= current.length;
  const more = lines.length - shown;
  if (more > 0) sections[sections.length - 1] += `\n…and ${more} more`;
  for (const text of sections) blocks.push({ type: 'section', text: mrkdwn(text, SLACK_LIMITS.sectionText) });

  const lead = firing[0];
  if (lead?.nextCheck) blocks.push({ type: 'section', text: mrkdwn(`*Next check:* ${escape(lead.nextCheck)}`, SLACK_LIMITS.sectionText) });
  blocks.push({ type: 'context', elements: contextOf(n.alerts) });
  // The button acknowledges the group (every alert it lists, and its escalation); a list that is not a group, the lead alert.
  const episode = lead ? Date.parse(lead.startsAt) : NaN;
  if (opts.ackButton && lead && Number.isFinite(episode)) blocks.push(ackButtonBlock(buttonValue(n, opts)));
  return { text: truncate(escape(oneLine(n)), SLACK_LIMITS.fallbackText), blocks: blocks.slice(0, SLACK_LIMITS.blocks) };
}

function contextOf(alerts: AlertView[]): Text[] {
  const rules = [...new Set(alerts.map((a) => a.rule))];
  const signals = [...new Set(alerts.map((a) => a.signal))];
  const context = [mrkdwn(`rule ${rules.map((r) => `\`${escape(r)}\``).join(', ')} · signal ${signals.map((x) => `\`${escape(x)}\``).join(', ')}`, SLACK_LIMITS.sectionText)];
  const runbooks = [...new Set(alerts.flatMap((a) => (a.runbook ? [a.runbook] : [])))].slice(0, SLACK_LIMITS.contextElements - 1);
  for (const r of runbooks) {
    const name = `Runbook${runbooks.length > 1 ? ` (${escape(rules.find((x) => r.includes(x)) ?? '')})` : ''}`;
    // A repository path (no settings.runbook_base_url) is shown as text: Slack cannot link it.
    context.push(mrkdwn(/^https?:\/\//.test(r) ? `:book: <${escape(r).replace(/\|/g, '%7C')}|${name}>` : `:book: ${name}: ${escape(r)}`, SLACK_LIMITS.sectionText));
  }
  return context.slice(0, SLACK_LIMITS.contextElements);
}

export class SlackNotifier implements Notifier {
  private readonly webhookUrl: string;
  private readonly fetch: typeof fetch;
  private readonly timeoutMs?: number;
  private readonly ackButton: boolean;
  private readonly keys?: StreamKeys;

  constructor(opts: { webhookUrl: string; fetch?: typeof fetch; timeoutMs?: number; ackButton?: boolean; keys?: StreamKeys }) {
    this.webhookUrl = opts.webhookUrl;
    this.ackButton = opts.ackButton ?? false;
    this.keys = opts.keys;
    this.fetch = opts.fetch ?? globalThis.fetch;
    this.timeoutMs = opts.timeoutMs;
  }

  async send(n: Notification, opts?: SendOptions): Promise<void> {
    const who = `slack receiver "${n.receiver}"`;
    const reply = await postJson(this.fetch, this.webhookUrl, slackMessage(n, { ackButton: this.ackButton, keys: this.keys }), who, this.webhookUrl, requestTimeout(this.timeoutMs, opts));
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
