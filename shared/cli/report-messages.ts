/**
 * Previews of the messages the receivers got, rendered from the payloads the real notifiers build
 * (captured in the replay): Slack Block Kit as Slack lays it out, the PagerDuty event's fields,
 * the SNS subject and body. One per receiver type, rule and action.
 */
import type { Captured } from '../local/capture';
import { escapeHtml } from './html';

/** Slack mrkdwn → HTML, for what the alert messages use: *bold*, `code`, <url|text>, line breaks. */
export function mrkdwn(text: string): string {
  // Slack escapes &, <, > itself in mrkdwn: undo those, then escape for HTML once.
  const raw = text.replace(/&lt;/g, '\u0001').replace(/&gt;/g, '\u0002').replace(/&amp;/g, '&');
  return escapeHtml(raw)
    .replace(/&lt;([^|&]+)\|([^&]+)&gt;/g, '<u title="$1">$2</u>')
    .replace(/\*([^*\n]+)\*/g, '<b>$1</b>')
    .replace(/`([^`\n]+)`/g, '<code>$1</code>')
    .replace(/\n/g, '<br>')
    .replace(/\u0001/g, '&lt;')
    .replace(/\u0002/g, '&gt;');
}

type Block = { type: string; text?: { type: string; text: string }; fields?: { text: string }[]; elements?: { text?: string }[] };

function slackPreview(payload: { text: string; blocks: Block[] }): string {
  const body = payload.blocks
    .map((b) => {
      if (b.type === 'header') return `<div class="sl-h">${escapeHtml(b.text?.text ?? '')}</div>`;
      if (b.type === 'section')
        return `<div class="sl-s">${b.text ? `<div>${mrkdwn(b.text.text)}</div>` : ''}${b.fields ? `<div class="sl-f">${b.fields.map((f) => `<div>${mrkdwn(f.text)}</div>`).join('')}</div>` : ''}</div>`;
      if (b.type === 'context') return `<div class="sl-c">${(b.elements ?? []).map((e) => mrkdwn(e.text ?? '')).join(' · ')}</div>`;
      return '';
    })
    .join('');
  return `<div class="msg slack"><div class="who">bedrock-watch <span>APP</span></div>${body}</div>`;
}

function pagerDutyPreview(p: { event_action: string; dedup_key: string; payload?: Record<string, unknown> }): string {
  const rows: [string, unknown][] = [
    ['event_action', p.event_action],
    ['dedup_key', p.dedup_key],
  ];
  if (p.payload) for (const k of ['summary', 'severity', 'source', 'component', 'group', 'class', 'timestamp']) rows.push([`payload.${k}`, p.payload[k]]);
  const details = p.payload?.custom_details ? `<pre>${escapeHtml(JSON.stringify(p.payload.custom_details, null, 2))}</pre>` : '';
  const routing = '<tr><th>routing_key</th><td class="muted">(the secret, not shown)</td></tr>';
  return `<div class="msg pd"><table>${routing}${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v ?? '')}</td></tr>`).join('')}</table>${details}</div>`;
}

function snsPreview(p: { Subject?: string; Message?: string }): string {
  let message = p.Message ?? '';
  try {
    message = JSON.stringify(JSON.parse(message), null, 2);
  } catch {
    // plain text body
  }
  return `<div class="msg sns"><div><b>Subject:</b> ${escapeHtml(p.Subject ?? '')}</div><pre>${escapeHtml(message)}</pre></div>`;
}

export function messagePreviews(captured: Captured[]): string {
  const seen = new Set<string>();
  const picked = captured.filter((c) => {
    const key = `${c.type} ${c.notification.alert.rule} ${c.notification.action}`;
    if (seen.has(key) || c.payload === null || c.payload === undefined) return false;
    seen.add(key);
    return true;
  });
  if (!picked.length) return '';
  const order = { slack: 0, pagerduty: 1, sns: 2 } as Record<string, number>;
  picked.sort((a, b) => order[a.type] - order[b.type] || a.notification.alert.rule.localeCompare(b.notification.alert.rule) || a.notification.at.localeCompare(b.notification.at));
  const items = picked.map((c) => {
    const n = c.notification;
    const head = `${c.type} · ${n.action} · ${n.alert.rule} → ${c.receiver} (${n.at})`;
    const body = c.type === 'slack' ? slackPreview(c.payload as never) : c.type === 'pagerduty' ? pagerDutyPreview(c.payload as never) : snsPreview(c.payload as never);
    return `<details class="preview" data-type="${escapeHtml(c.type)}"><summary>${escapeHtml(head)}</summary>${body}</details>`;
  });
  return `<h2>Messages as sent</h2><p class="muted">One of each kind (receiver type, rule, action), rendered from the payload the real notifier builds.</p>${items.join('\n')}`;
}
