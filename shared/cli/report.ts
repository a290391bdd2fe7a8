/**
 * The backtest as one self-contained HTML page (inline CSS and SVG, no external assets):
 * per model a timeline of invocations with alert episodes as bands and ground-truth incidents
 * as markers, then the episodes, the notifications and, with ground truth, the score.
 */
import { targetOfLabels } from '../core/target';
import { digestText } from '../notify/digest-render';
import type { Bucket } from '../core/logs';
import { Pricing } from '../pricing/pricing';
import type { Episode } from '../local/episodes';
import type { ReplayResult } from '../local/replay-run';
import type { Config } from '../rules/schema';
import type { MetricTrace } from '../sources/trace';
import { score, type Incident } from './incidents';

export interface ReportInput {
  result: Pick<ReplayResult, 'episodes' | 'captured' | 'ticks' | 'msPerTick' | 'models'> & Partial<Pick<ReplayResult, 'digests' | 'muted'>>;
  trace: MetricTrace;
  config: Config;
  incidents?: Incident[];
  title?: string;
  /** Invocation-log buckets, for the spend-by-caller table. */
  logBuckets?: Bucket[];
}

/** At most this many points per timeline. */
export const MAX_POINTS = 1500;

const W = 1000;
const H = 160;
const PAD = { left: 46, right: 8, top: 10, bottom: 22 };
const COLOURS: Record<string, string> = { critical: '#d62728', warning: '#f0a500', info: '#1f77b4' };

/** ISO time to the second: 2026-10-05T15:42:00Z. */
export const isoSeconds = (t: string | number): string => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function escapeHtml(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** Mean of each bucket of consecutive values (nulls ignored; an all-null bucket stays null), ≤ max buckets. */
export function downsample(values: readonly (number | null)[], max = MAX_POINTS): { step: number; points: (number | null)[] } {
  const step = Math.max(1, Math.ceil(values.length / max));
  const points: (number | null)[] = [];
  for (let i = 0; i < values.length; i += step) {
    let sum = 0;
    let n = 0;
    for (let j = i; j < Math.min(i + step, values.length); j++) {
      const v = values[j];
      if (v !== null) {
        sum += v;
        n++;
      }
    }
    points.push(n ? sum / n : null);
  }
  return { step, points };
}

export const durationText = (ms: number): string => {
  const m = Math.round(ms / 60_000);
  return m < 60 ? `${m} min` : m < 1440 ? `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min` : `${(m / 1440).toFixed(1)} d`;
};

function timeline(model: string, index: number, input: ReportInput, episodes: Episode[]): string {
  const { trace } = input;
  const span = trace.to - trace.from;
  const invocations = trace.series[model]?.['Invocations:Sum'] ?? [];
  const { step, points } = downsample(invocations);
  const top = Math.max(1, ...points.map((v) => v ?? 0));
  const x = (t: number) => PAD.left + (Math.min(Math.max(t, trace.from), trace.to) - trace.from) / span * (W - PAD.left - PAD.right);
  const y = (v: number) => PAD.top + (1 - v / top) * (H - PAD.top - PAD.bottom);
  const f = (n: number) => n.toFixed(1);

  let path = '';
  let pen = false;
  points.forEach((v, i) => {
    if (v === null) {
      pen = false;
      return;
    }
    path += `${pen ? 'L' : 'M'}${f(x(trace.from + (i * step + step / 2) * 60_000))},${f(y(v))}`;
    pen = true;
  });

  const bands = episodes.map((ep) => {
    const s = Date.parse(ep.startsAt);
    const e = ep.endsAt ? Date.parse(ep.endsAt) : trace.to;
    const fill = ep.suppressedBy ? `url(#hatch-${index})` : COLOURS[ep.severity] ?? '#888';
    const label = `${ep.rule} ${ep.severity}${ep.suppressedBy ? ' (suppressed)' : ''}: ${isoSeconds(s)} → ${ep.endsAt ? isoSeconds(e) : 'still firing'} — ${ep.text}`;
    return `<rect x="${f(x(s))}" y="${PAD.top}" width="${f(Math.max(3, x(e) - x(s)))}" height="${H - PAD.top - PAD.bottom}" fill="${fill}" fill-opacity="${ep.suppressedBy ? 1 : 0.45}"><title>${escapeHtml(label)}</title></rect>`;
  });

  const markers = (input.incidents ?? [])
    .filter((inc) => inc.modelId === model)
    .map((inc) => {
      const s = Date.parse(inc.start);
      const x0 = x(s);
      const x1 = Math.max(x0 + 2, x(s + inc.minutes * 60_000));
      const label = `incident ${inc.kind} (${inc.severity}): ${isoSeconds(s)}, ${inc.minutes} min`;
      const yb = H - PAD.bottom;
      return `<g class="incident"><title>${escapeHtml(label)}</title><rect x="${f(x0)}" y="${yb - 4}" width="${f(x1 - x0)}" height="4" fill="#222"/><path d="M${f(x0)},${yb - 4}l-4,-7h8z" fill="#222"/></g>`;
    });

  const days: string[] = [];
  const DAY = 86_400_000;
  const dayStep = span > 20 * DAY ? 7 * DAY : DAY;
  for (let t = Math.ceil(trace.from / DAY) * DAY; t < trace.to; t += dayStep) {
    const xd = f(x(t));
    days.push(`<line x1="${xd}" x2="${xd}" y1="${PAD.top}" y2="${H - PAD.bottom}" class="grid"/><text x="${xd}" y="${H - 6}" class="axis" text-anchor="middle">${escapeHtml(isoSeconds(t).slice(5, 10))}</text>`);
  }

  return `<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(`Invocations per minute for ${model}`)}" xmlns="http://www.w3.org/2000/svg">
<defs><pattern id="hatch-${index}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#eee"/><line x1="0" y1="0" x2="0" y2="6" stroke="#999" stroke-width="3"/></pattern></defs>
${days.join('')}
${bands.join('\n')}
<path d="${path}" fill="none" stroke="#333" stroke-width="1"/>
${markers.join('\n')}
<text x="${PAD.left - 4}" y="${PAD.top + 8}" class="axis" text-anchor="end">${escapeHtml(Math.round(top))}</text>
<text x="${PAD.left - 4}" y="${H - PAD.bottom}" class="axis" text-anchor="end">0</text>
</svg>`;
}

function episodeRows(episodes: Episode[]): string {
  if (!episodes.length) return '<p class="muted">No alerts.</p>';
  const rows = episodes.map((ep) => {
    const s = Date.parse(ep.startsAt);
    const end = ep.endsAt ? isoSeconds(ep.endsAt) : 'still firing';
    const dur = ep.endsAt ? durationText(Date.parse(ep.endsAt) - s) : '';
    const sev = `<span class="sev ${escapeHtml(ep.suppressedBy ? 'suppressed' : ep.severity)}">${escapeHtml(ep.severity)}</span>${ep.suppressedBy ? ' <span class="muted">suppressed</span>' : ''}`;
    return `<tr><td class="t">${escapeHtml(ep.rule)}</td><td class="t">${sev}</td><td class="t">${escapeHtml(isoSeconds(s))}</td><td class="t">${escapeHtml(end)}</td><td class="t">${escapeHtml(dur)}</td><td>${escapeHtml(ep.text)}</td></tr>`;
  });
  return `<table><thead><tr><th>rule</th><th>severity</th><th>start</th><th>end</th><th>duration</th><th>value</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function notificationRows(input: ReportInput): string {
  const byReceiver = new Map<string, Map<string, number>>();
  for (const r of input.config.receivers) byReceiver.set(r.name, new Map());
  for (const c of input.result.captured) {
    const m = byReceiver.get(c.receiver) ?? new Map<string, number>();
    m.set(c.notification.action, (m.get(c.notification.action) ?? 0) + 1);
    byReceiver.set(c.receiver, m);
  }
  const actions = ['trigger', 'escalate', 'repeat', 'resolve'];
  const rows = [...byReceiver].map(([name, m]) => {
    const total = [...m.values()].reduce((a, b) => a + b, 0);
    return `<tr><td>${escapeHtml(name)}</td><td>${total}</td>${actions.map((a) => `<td>${m.get(a) ?? 0}</td>`).join('')}</tr>`;
  });
  return `<table><thead><tr><th>receiver</th><th>sent</th>${actions.map((a) => `<th>${a}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** Messages the routing held back (silences, inhibition, mute windows) and why: what would have paged otherwise. */
function heldBackRows(input: ReportInput): string {
  const muted = input.result.muted ?? [];
  if (!muted.length) return '<p class="muted">No notification was silenced, inhibited or muted.</p>';
  const rows = muted
    .slice(0, 500)
    .map((m) => `<tr><td class="t">${escapeHtml(isoSeconds(new Date(m.at).toISOString()))}</td><td>${escapeHtml(m.kind.replace('_', ' '))}</td><td>${escapeHtml(m.rule)}</td><td>${escapeHtml(m.labels.ModelId ?? Object.values(m.labels).join(' '))}</td><td>${escapeHtml(m.receiver ?? 'all')}</td><td>${escapeHtml(m.reason)}</td></tr>`);
  return `<h3>Held back (${muted.length})</h3><table><thead><tr><th>at</th><th>why</th><th>rule</th><th>model</th><th>receiver</th><th>reason</th></tr></thead><tbody>${rows.join('')}</tbody></table>${muted.length > 500 ? `<p class="muted">…and ${muted.length - 500} more</p>` : ''}`;
}

function scoreRows(input: ReportInput): string {
  if (!input.incidents) return '';
  const alerts = input.result.episodes.filter((e) => !e.suppressedBy);
  const s = score(alerts, input.incidents);
  const rows = s.incidents.map((r) => {
    const i = r.incident;
    const verdict =
      i.severity === 'none'
        ? r.detected ? '<span class="bad">paged (noise)</span>' : '<span class="good">quiet</span>'
        : r.detected ? `<span class="good">detected</span> ${escapeHtml(r.severity)} after ${r.delayMinutes} min` : '<span class="bad">missed</span>';
    return `<tr><td>${escapeHtml(i.kind)}</td><td>${escapeHtml(i.modelId)}</td><td>${escapeHtml(i.severity)}</td><td>${escapeHtml(isoSeconds(i.start))}</td><td>${i.minutes} min</td><td>${verdict}</td></tr>`;
  });
  const unexpected = s.unexpected.length
    ? `<p>Unexpected alerts: ${s.unexpected.map((e) => escapeHtml(`${e.rule} on ${e.labels.ModelId ?? '?'} at ${isoSeconds(e.startsAt)}`)).join('; ')}</p>`
    : '<p class="muted">No unexpected alerts.</p>';
  return `<h2>Against the ground truth</h2><table><thead><tr><th>incident</th><th>model</th><th>expected</th><th>start</th><th>length</th><th>result</th></tr></thead><tbody>${rows.join('')}</tbody></table>${unexpected}`;
}

const CSS = `pre{background:#f6f6f6;padding:.6em;white-space:pre-wrap;font-size:12px}body{font:14px/1.4 system-ui,sans-serif;margin:1.5em auto;max-width:1040px;padding:0 1em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}h3{font-size:1em;margin:1.2em 0 .3em;font-family:ui-monospace,monospace}
svg{width:100%;height:auto;border:1px solid #ddd;background:#fff}.grid{stroke:#eee}.axis{font-size:10px;fill:#666}
table{border-collapse:collapse;width:100%;margin:.4em 0}td,th{border-bottom:1px solid #e5e5e5;padding:3px 6px;text-align:left;vertical-align:top}
th{font-weight:600;background:#f7f7f7}.t{white-space:nowrap}.muted{color:#777}.good{color:#2a7d2a;font-weight:600}.bad{color:#c0392b;font-weight:600}
.sev{padding:0 5px;border-radius:3px;color:#fff}.sev.critical{background:#d62728}.sev.warning{background:#f0a500}.sev.info{background:#1f77b4}.sev.suppressed{background:#999}
.legend span{display:inline-block;margin-right:1em}.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-2px}`;

/** The top spenders by caller identity over the whole log trace. */
function callerRows(input: ReportInput): string {
  if (!input.logBuckets?.length) return '';
  const pricing = new Pricing(input.config.pricing);
  const sums = new Map<string, { model: string; caller: string; requests: number; tokens: number; cost: number | null }>();
  for (const b of input.logBuckets) {
    for (const [caller, u] of Object.entries(b.callers)) {
      const key = `${b.modelId} ${caller}`;
      const s = sums.get(key) ?? { model: b.modelId, caller, requests: 0, tokens: 0, cost: 0 };
      const c = pricing.cost(b.modelId, u.inputTokens, u.outputTokens);
      s.requests += u.requests;
      s.tokens += u.inputTokens + u.outputTokens;
      s.cost = s.cost === null || c === null ? null : s.cost + c;
      sums.set(key, s);
    }
  }
  const rows = [...sums.values()]
    .sort((a, b) => (b.cost ?? -1) - (a.cost ?? -1) || b.tokens - a.tokens)
    .slice(0, 10)
    .map((r) => `<tr><td>${escapeHtml(r.caller)}</td><td>${escapeHtml(r.model)}</td><td>${r.requests}</td><td>${r.tokens.toLocaleString('en-US')}</td><td>${r.cost === null ? 'no price' : `$${r.cost.toFixed(2)}`}</td></tr>`);
  return `<h2>Top spenders by caller (invocation logs)</h2><table><thead><tr><th>caller</th><th>model</th><th>requests</th><th>tokens</th><th>cost</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** The daily digests as the SNS receiver got them (one per day). */
function digestRows(input: ReportInput): string {
  const seen = new Set<string>();
  const texts = (input.result.digests ?? []).filter((d) => !seen.has(d.digest.day) && seen.add(d.digest.day)).map((d) => `<h3>${escapeHtml(d.digest.day)}</h3><pre>${escapeHtml(digestText(d.digest))}</pre>`);
  return texts.length ? `<h2>Daily digests</h2>${texts.join('')}` : '';
}

const n = (k: number, word: string) => `${k} ${word}${k === 1 ? '' : 's'}`;

export function renderReport(input: ReportInput): string {
  const { result, trace } = input;
  const models = [...new Set([...Object.keys(trace.series), ...result.models])].sort();
  const title = input.title ?? 'bedrock-watch backtest';
  const sections = models.map((model, i) => {
    const eps = result.episodes.filter((e) => targetOfLabels(e.labels) === model);
    return `<section><h3>${escapeHtml(model)}</h3>${timeline(model, i, input, eps)}${episodeRows(eps)}</section>`;
  });
  const other = result.episodes.filter((e) => { const t = targetOfLabels(e.labels); return !t || !models.includes(t); });
  const fired = result.episodes.filter((e) => !e.suppressedBy).length;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${CSS}</style></head>
<body>
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(`${isoSeconds(trace.from)} → ${isoSeconds(trace.to)} · ${n(models.length, 'model')} · ${n(input.config.rules.length, 'rule')} · ${n(result.ticks, 'tick')} (${result.msPerTick.toFixed(2)} ms/tick) · ${n(fired, 'alert')}, ${result.episodes.length - fired} suppressed · ${n(result.captured.length, 'notification')}`)}</p>
<p class="legend"><span><i style="background:${COLOURS.critical};opacity:.6"></i>critical</span><span><i style="background:${COLOURS.warning};opacity:.6"></i>warning</span><span><i style="background:${COLOURS.info};opacity:.6"></i>info</span><span><i style="background:repeating-linear-gradient(45deg,#999 0 2px,#eee 2px 5px)"></i>suppressed</span><span><i style="background:#222;height:4px;vertical-align:2px"></i>incident (ground truth)</span><span>line: invocations per minute</span></p>
${sections.join('\n')}
${other.length ? `<h2>Alerts without a model</h2>${episodeRows(other)}` : ''}
<h2>Notifications</h2>
${notificationRows(input)}
${heldBackRows(input)}
${scoreRows(input)}
${callerRows(input)}
${digestRows(input)}
</body></html>
`;
}
