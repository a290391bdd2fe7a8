/**
 * The backtest as one self-contained HTML page (no network: uPlot and the data are inlined):
 * per model, charts of what each rule judged with its tier limits and baseline, alert episodes
 * shaded by severity and notifications as markers, zoomed to where the alerts are; the table of
 * alerts; previews of the messages sent; the notifications per receiver and, with ground truth,
 * the score.
 */
import { targetOfLabels } from '../core/target';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { digestText } from '../notify/digest-render';
import { fingerprint } from '../engine/fingerprint';
import type { Bucket } from '../core/logs';
import { Pricing } from '../pricing/pricing';
import type { Episode } from '../local/episodes';
import type { ObservationLog } from '../local/observations';
import type { ReplayResult } from '../local/replay-run';
import type { Muted } from '../route/route';
import type { Config } from '../rules/schema';
import type { MetricTrace } from '../sources/trace';
import { escapeHtml, scriptJson } from './html';
import { score, type Incident } from './incidents';
import { modelCharts } from './report-charts';
import { messagePreviews } from './report-messages';
import { CLI_DIR } from './root';

export { escapeHtml };

export interface ReportInput {
  result: Pick<ReplayResult, 'episodes' | 'captured' | 'ticks' | 'msPerTick' | 'models'> & Partial<Pick<ReplayResult, 'digests' | 'from' | 'to' | 'muted'>>;
  trace: MetricTrace;
  config: Config;
  incidents?: Incident[];
  title?: string;
  /** Invocation-log buckets, for the spend-by-caller table. */
  logBuckets?: Bucket[];
  /** What each rule judged, minute by minute (the replay's onObservation), for the rule charts. */
  observations?: ObservationLog;
}

const COLOURS: Record<string, string> = { critical: '#d62728', warning: '#f0a500', info: '#1f77b4' };

/** ISO time to the second: 2026-10-05T15:42:00Z. */
export const isoSeconds = (t: string | number): string => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');

export const durationText = (ms: number): string => {
  const m = Math.round(ms / 60_000);
  return m < 60 ? `${m} min` : m < 1440 ? `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min` : `${(m / 1440).toFixed(1)} d`;
};

const UPLOT_DIR = join(require.resolve('uplot/package.json'), '..', 'dist');
const asset = (file: string): string => readFileSync(file, 'utf8');

/** The messages that carried an episode (alone or in a group), in the order they were decided. */
export function messagesOf(ep: Episode, captured: ReportInput['result']['captured']): ReportInput['result']['captured'] {
  const fp = fingerprint(ep.rule, ep.labels);
  const start = Date.parse(ep.startsAt);
  return captured.filter((c) => c.notification.alerts.some((a) => a.fingerprint === fp && Date.parse(a.startsAt) === start));
}

/** What routing held back for an episode (silences, inhibition, mute windows), with the reason. */
export function heldBackOf(ep: Episode, muted: readonly Muted[]): Muted[] {
  const fp = fingerprint(ep.rule, ep.labels);
  const from = Date.parse(ep.startsAt);
  const to = ep.endsAt ? Date.parse(ep.endsAt) : Infinity;
  return muted.filter((m) => m.fingerprint === fp && m.at >= from && m.at <= to);
}

/** Receivers that got a message for an episode. */
function receiversOf(ep: Episode, captured: ReportInput['result']['captured']): string[] {
  return [...new Set(messagesOf(ep, captured).map((c) => c.receiver))];
}

/** At most this many episodes get a timeline (a long trace can have thousands). */
const TIMELINES = 300;

/**
 * Per alert, what happened to it over time: every message that carried it (trigger, escalation
 * steps, repeats, resolve; alone or in a group of N) and everything held back, with the reason.
 */
function timelineRows(input: ReportInput): string {
  const eps = input.result.episodes;
  if (!eps.length) return '';
  const muted = input.result.muted ?? [];
  const items = eps.slice(0, TIMELINES).map((ep) => {
    const fp = fingerprint(ep.rule, ep.labels);
    const sent = messagesOf(ep, input.result.captured).map((c) => {
      const n = c.notification;
      const firing = n.alerts.filter((a) => a.status === 'firing').length;
      const how = n.alerts.length > 1 ? `in a group of ${n.alerts.length} (${firing} firing)` : 'alone';
      const mine = n.alerts.find((a) => a.fingerprint === fp);
      return { at: Date.parse(n.at), row: `<tr><td class="t">${escapeHtml(isoSeconds(n.at))}</td><td>${escapeHtml(n.action)}</td><td>${escapeHtml(c.receiver)}</td><td>${escapeHtml(`${mine ? `${mine.status === 'resolved' ? 'resolved' : mine.tier} · ` : ''}${how}`)}</td></tr>` };
    });
    const held = heldBackOf(ep, muted).map((m) => ({
      at: m.at,
      row: `<tr class="held"><td class="t">${escapeHtml(isoSeconds(m.at))}</td><td>${escapeHtml(m.kind.replace('_', ' '))}</td><td>${escapeHtml(m.receiver ?? 'all')}</td><td>${escapeHtml(m.reason)}</td></tr>`,
    }));
    const rows = [...sent, ...held].sort((a, b) => a.at - b.at).map((r) => r.row);
    const what = `${ep.rule} · ${ep.labels.ModelId ?? Object.values(ep.labels).join(', ')} · ${ep.severity} · ${isoSeconds(ep.startsAt)}`;
    const counts = `${sent.length} message${sent.length === 1 ? '' : 's'}${held.length ? `, ${held.length} held back` : ''}`;
    return `<details class="timeline"><summary>${escapeHtml(what)} <span class="muted">— ${escapeHtml(counts)}</span></summary>${
      rows.length ? `<table><thead><tr><th>at</th><th>what</th><th>receiver</th><th>detail</th></tr></thead><tbody>${rows.join('')}</tbody></table>` : '<p class="muted">Nothing was sent or held back.</p>'
    }</details>`;
  });
  const more = eps.length > TIMELINES ? `<p class="muted">…and ${eps.length - TIMELINES} more alerts</p>` : '';
  return `<h2>Per alert, over time</h2><p class="muted">Each alert's messages (trigger, escalation steps, repeats, resolve; alone or in a group) and what was held back, with the reason.</p>${items.join('')}${more}`;
}

function episodeRows(episodes: Episode[], captured: ReportInput['result']['captured'], withModel = false): string {
  if (!episodes.length) return '<p class="muted">No alerts.</p>';
  const rows = episodes.map((ep) => {
    const s = Date.parse(ep.startsAt);
    const dur = ep.endsAt ? durationText(Date.parse(ep.endsAt) - s) : 'still firing';
    const sev = `<span class="sev ${escapeHtml(ep.suppressedBy ? 'suppressed' : ep.severity)}">${escapeHtml(ep.severity)}</span>${ep.suppressedBy ? ' <span class="muted">suppressed</span>' : ''}`;
    const receivers = receiversOf(ep, captured);
    const model = withModel ? `<td class="t">${escapeHtml(ep.labels.ModelId ?? Object.values(ep.labels).join(', '))}</td>` : '';
    return `<tr><td class="t">${escapeHtml(ep.rule)}</td>${model}<td class="t">${sev}</td><td class="t">${escapeHtml(isoSeconds(s))}</td><td class="t">${escapeHtml(dur)}</td><td>${escapeHtml(ep.text)}</td><td>${receivers.length ? escapeHtml(receivers.join(', ')) : '<span class="muted">none</span>'}</td></tr>`;
  });
  // Fixed layout within the page width (a long model id or value wraps): at 1280 px the receivers column stays in view.
  const widths = withModel ? [15, 14, 8, 14, 8, 0, 14] : [17, 8, 15, 9, 0, 16];
  const cols = `<colgroup>${widths.map((w) => (w ? `<col style="width:${w}%">` : '<col>')).join('')}</colgroup>`;
  return `<table class="alerts">${cols}<thead><tr><th>rule</th>${withModel ? '<th>model</th>' : ''}<th>tier</th><th>start</th><th>duration</th><th>value</th><th>receivers</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function notificationRows(input: ReportInput): string {
  const byReceiver = new Map<string, Map<string, number>>();
  for (const r of input.config.receivers) byReceiver.set(r.name, new Map());
  for (const c of input.result.captured) {
    const m = byReceiver.get(c.receiver) ?? new Map<string, number>();
    m.set(c.notification.action, (m.get(c.notification.action) ?? 0) + 1);
    byReceiver.set(c.receiver, m);
  }
  const actions = ['trigger', 'escalate', 'update', 'repeat', 'resolve'];
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
        : r.detected
          ? `<span class="good">detected</span> ${escapeHtml(r.severity)} after ${r.delayMinutes} min`
          : `<span class="bad">missed</span>${r.severity ? ` (only ${escapeHtml(r.severity)})` : ''}`;
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
th{font-weight:600;background:#f7f7f7}.t{white-space:nowrap}
table.alerts{table-layout:fixed}table.alerts td{overflow-wrap:anywhere}table.alerts td.t{white-space:normal}.muted{color:#777}.good{color:#2a7d2a;font-weight:600}.bad{color:#c0392b;font-weight:600}
.sev{padding:0 5px;border-radius:3px;color:#fff}.sev.critical{background:#d62728}.sev.warning{background:#f0a500}.sev.info{background:#1f77b4}.sev.suppressed{background:#999}
.legend span{display:inline-block;margin-right:1em}.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-2px}
.chart{margin:.3em 0 .8em}.uplot .u-title{font-size:13px;font-weight:600;text-align:left}.tools button{font:inherit;font-size:12px}
.timeline{margin:.2em 0}.timeline summary{cursor:pointer;font-size:13px}.timeline tr.held td{color:#777;font-style:italic}.preview{margin:.4em 0}.preview summary{cursor:pointer;font-family:ui-monospace,monospace;font-size:12px}
.msg{border:1px solid #ddd;border-radius:6px;padding:.6em .8em;margin:.4em 0 .8em;max-width:640px;background:#fff}
.slack .who{font-weight:700}.slack .who span{font-size:10px;background:#eee;padding:0 3px;border-radius:2px;color:#555}
.sl-h{font-weight:700;font-size:15px;margin:.3em 0}.sl-s{margin:.3em 0}.sl-f{display:grid;grid-template-columns:1fr 1fr;gap:.3em 1em;margin-top:.3em}
.sl-c{color:#666;font-size:12px}.msg code{background:#f2f2f2;padding:0 3px;border-radius:3px}.pd th{width:11em;background:none;font-weight:600}`;

/** How many requests the invocation-log trace holds against the metrics' Invocations over the same span. */
export function logCoverage(trace: MetricTrace, buckets: Bucket[]): { from: number; to: number; logRequests: number; metricRequests: number } {
  const logRequests = buckets.reduce((a, b) => a + b.requests, 0);
  const from = Math.min(...buckets.map((b) => b.minute));
  const to = Math.max(...buckets.map((b) => b.minute)) + 60_000;
  let metricRequests = 0;
  for (const byKey of Object.values(trace.series)) {
    const inv = byKey['Invocations:Sum'] ?? [];
    for (let i = Math.max(0, (from - trace.from) / 60_000); i < Math.min(inv.length, (to - trace.from) / 60_000); i++) metricRequests += inv[i] ?? 0;
  }
  return { from, to, logRequests, metricRequests };
}

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
  // The caller table reads the invocation-log trace, the digests the metrics: say how much of the traffic the logs hold.
  const { from, to, logRequests, metricRequests } = logCoverage(input.trace, input.logBuckets);
  const share = metricRequests > 0 ? `: ${Math.round(logRequests).toLocaleString('en-US')} records against ${Math.round(metricRequests).toLocaleString('en-US')} invocations in the metrics over the same time (${Math.round((logRequests / metricRequests) * 100)}%)` : '';
  const note = `<p class="muted">From the invocation-log trace, ${escapeHtml(isoSeconds(from))} → ${escapeHtml(isoSeconds(to))}${escapeHtml(share)}. The daily digests' totals come from the CloudWatch metrics, which count every request; the caller figures count only the requests in the logs${metricRequests > 0 && logRequests < metricRequests * 0.9 ? ', so they are smaller' : ''}.</p>`;
  return `<h2>Top spenders by caller (invocation logs)</h2>${note}<table><thead><tr><th>caller</th><th>model</th><th>requests</th><th>tokens</th><th>cost</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
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
  const charts = models.map((model) =>
    modelCharts(model, trace, input.config, result.episodes.filter((e) => targetOfLabels(e.labels) === model), result.captured.filter((c) => c.notification.alerts.some((a) => targetOfLabels(a.labels) === model)), input.observations),
  );
  const sections = models.map((model, i) => {
    const eps = result.episodes.filter((e) => targetOfLabels(e.labels) === model);
    const fired = eps.filter((e) => !e.suppressedBy).length;
    return `<section class="model" data-index="${i}" data-model="${escapeHtml(model)}"><h3>${escapeHtml(model)}</h3>
<p class="tools"><button class="zoom" type="button">zoom to the alerts</button> <button class="all" type="button">whole trace</button> <span class="muted">${fired ? `${n(fired, 'alert')}; ` : 'no alerts; '}drag on a chart to zoom, double-click to reset</span></p>
<div class="charts"></div></section>`;
  });
  const other = result.episodes.filter((e) => { const t = targetOfLabels(e.labels); return !t || !models.includes(t); });
  const fired = result.episodes.filter((e) => !e.suppressedBy).length;
  const span = result.from !== undefined && result.to !== undefined ? ` · replayed ${isoSeconds(result.from)} → ${isoSeconds(result.to)}` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${asset(join(UPLOT_DIR, 'uPlot.min.css'))}</style><style>${CSS}</style></head>
<body>
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(`trace ${isoSeconds(trace.from)} → ${isoSeconds(trace.to)}${span} · ${n(models.length, 'model')} · ${n(input.config.rules.length, 'rule')} · ${n(result.ticks, 'tick')} (${result.msPerTick.toFixed(2)} ms/tick) · ${n(fired, 'alert')}, ${result.episodes.length - fired} suppressed · ${n(result.captured.length, 'notification')}`)}</p>
<p class="legend"><span><i style="background:${COLOURS.critical};opacity:.35"></i>critical episode</span><span><i style="background:${COLOURS.warning};opacity:.35"></i>warning</span><span><i style="background:${COLOURS.info};opacity:.35"></i>info</span><span><i style="background:#999;opacity:.4"></i>suppressed</span><span><i style="border-top:2px dashed ${COLOURS.critical};height:0"></i>tier limit</span><span><i style="background:rgba(42,157,143,.25)"></i>baseline to first limit</span><span><i style="border-left:2px dotted #c0392b;width:2px"></i>notification (▼ trigger red, escalate purple, repeat grey, resolve green)</span></p>
<h2>Alerts</h2>
${episodeRows(result.episodes, result.captured, true)}
${timelineRows(input)}
<h2>Models</h2>
<p class="muted">The first chart of each model is its traffic over the whole trace; the others are what each rule judged, minute by minute, over the replayed ticks, against its tier limits and the model's learned baseline.</p>
${sections.join('\n')}
${other.length ? `<h2>Alerts without a model</h2>${episodeRows(other, result.captured)}` : ''}
${messagePreviews(result.captured)}
<h2>Notifications</h2>
${notificationRows(input)}
${heldBackRows(input)}
${scoreRows(input)}
${callerRows(input)}
${digestRows(input)}
<script type="application/json" id="bw-data">${scriptJson({ models: charts })}</script>
<script>${asset(join(UPLOT_DIR, 'uPlot.iife.min.js'))}</script>
<script>${asset(join(CLI_DIR, 'report-client.js'))}</script>
</body></html>
`;
}
