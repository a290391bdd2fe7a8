/**
 * `bedrock-watch explain RULE|ALERT --metrics FILE [--at TIME]`: why an alert fired, or did not.
 * Replays the trace (up to --at) through the real handler and prints, for each model, what the
 * rule saw at that minute in the engine's own words (the observation text the notifications
 * carry), each tier's limit and how long it had held against its `for`, and what was sent.
 */
import { fingerprint } from '../engine/fingerprint';
import type { Judged } from '../engine/evaluate';
import { formatGap } from '../core/format';
import { TIERS } from '../core/alert';
import type { Config, Rule } from '../rules/schema';
import { loadRulesFile } from '../rules/load';
import { loadMetricTrace } from '../sources/trace';
import type { ReplayResult } from '../local/replay-run';
import { UsageError, help, isoOption, out, progressOption, str, type Command } from './command';
import { progress } from './progress';
import { isoSeconds } from './report';
import { formatRuleValue, tierLimitText } from './rule-units';
import { forecastLines, noiseForecast } from './forecast';

const hhmm = (t: number) => isoSeconds(t).slice(11, 16);

export interface Explanation {
  model: string;
  lines: string[];
}

/** Explain one rule for each model from its judgements (ascending) up to `at`. */
export function explainRule(rule: Rule, judged: Judged[], at: number, result: Pick<ReplayResult, 'captured' | 'episodes'>): string[] {
  const upTo = judged.filter((j) => j.at <= at);
  const j = upTo.at(-1);
  if (!j) return ['  not judged yet at that time (the replay starts later, or the rule does not apply to this model)'];
  const s = j.state;
  const o = j.observation;
  const lines: string[] = [];
  const episode = result.episodes.find((e) => e.rule === rule.name && fingerprint(e.rule, e.labels) === s.fingerprint && Date.parse(e.startsAt) <= at && (e.endsAt === null || Date.parse(e.endsAt) >= at));
  const status =
    s.status === 'firing'
      ? `FIRING ${s.tier} since ${isoSeconds(s.startsAt ?? j.at)}${s.suppressedBy ? ' (muted by an inhibiting alert)' : ''}`
      : s.status === 'pending'
        ? 'PENDING: a tier holds but not yet for long enough'
        : episode?.endsAt && Date.parse(episode.endsAt) === j.at ? 'RESOLVED at this tick' : 'not firing';
  lines.push(`  status: ${status}`);
  lines.push(`  saw (data minute ${hhmm(j.minute)}): ${sawText(j)}`);
  if (!o.evaluable) lines.push('  → not evaluable: the rule keeps its state (missing data policy) and cannot fire on this minute');
  lines.push('  tiers:');
  for (const tier of TIERS) {
    const limit = tierLimitText(rule, tier);
    if (!limit) continue;
    const since = s.runs[tier];
    const need = (rule.tiers[tier] as { for?: number }).for ?? 0;
    const verdict = !o.evaluable
      ? 'not judged'
      : o.breach[tier]
        ? since !== undefined
          ? `holds since ${hhmm(since)} (${formatGap(j.minute - since + 60_000)} of ${formatGap(need)} needed)${j.minute - since >= need ? ' → met' : ''}`
          : 'holds'
        : o.hold[tier] && s.tier === tier
          ? 'within hysteresis of its limit: still counts while firing'
          : 'does not hold';
    const capped = o.cap && TIERS.indexOf(tier) > TIERS.indexOf(o.cap) ? ` (capped at ${o.cap}: baseline not trusted yet)` : '';
    lines.push(`    ${tier.padEnd(8)} ${limit}: ${verdict}${capped}`);
  }
  if (o.baseline !== null) lines.push(`  baseline: ${formatRuleValue(rule, o.baseline)} (learned from past weeks at this hour)`);
  const details = Object.entries(o.details).filter(([k, v]) => v !== null && v !== '' && !SHOWN_ELSEWHERE.has(k));
  if (details.length) lines.push(`  evidence: ${details.map(([k, v]) => detailText(rule, k, v)).join(', ')}`);
  const recent = upTo.slice(-10).map((x) => `${hhmm(x.minute)} ${x.observation.evaluable && x.observation.value !== null ? formatRuleValue(rule, x.observation.value) : '–'}`);
  lines.push(`  last minutes: ${recent.join('  ')}`);
  // Every message that carried the alert, grouped ones too (it need not be their headline).
  const sent = result.captured.filter((c) => c.notification.alerts.some((a) => a.fingerprint === s.fingerprint) && Date.parse(c.notification.at) <= at);
  if (sent.length) {
    lines.push('  sent:');
    for (const c of sent.slice(-6)) {
      const n = c.notification;
      const mine = n.alerts.find((a) => a.fingerprint === s.fingerprint) ?? n.alert;
      lines.push(`    ${isoSeconds(n.at)} ${n.action} → ${c.receiver}: ${mine.summary}${n.alerts.length > 1 ? ` (in a group of ${n.alerts.length})` : ''}`);
    }
  } else lines.push('  sent: nothing for this alert so far');
  return lines;
}

/**
 * What the rule saw, in the words of the figure that decides: a firing alert's own text (the one its
 * messages carry, for the tier it fires at); else the text of the highest tier that breaches; else
 * the observation's.
 */
function sawText(j: Judged): string {
  const { state: s, observation: o } = j;
  if (s.status === 'firing' && s.text) return s.text;
  const breaching = [...TIERS].reverse().find((t) => o.breach[t] && o.byTier?.[t]);
  return breaching ? o.byTier![breaching]!.text : o.text;
}

/** Details already in the "saw" line's words. */
const SHOWN_ELSEWHERE = new Set(['events', 'requests', 'window_minutes']);

/** One detail of an observation in the words of the rules reference, not the engine's field names. */
function detailText(rule: Rule, key: string, v: unknown): string {
  const ev = /^(info|warning|critical)_evidence_minutes$/.exec(key);
  if (ev) return `${ev[1]}: evidence from the last ${v} min`;
  if (key === 'rate_lower_bound' && typeof v === 'number') {
    const confidence = (rule as { confidence?: number }).confidence;
    return `the rate is at least ${(v * 100).toFixed(2)}%${confidence ? ` with ${Math.round(confidence * 100)}% confidence` : ''} (Wilson lower bound)`;
  }
  return `${key.replace(/_/g, ' ')}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`;
}

export const explainCommand: Command = {
  summary: 'why an alert fired, or did not, on a recorded trace',
  usage: `bedrock-watch explain RULE|ALERT --metrics FILE [--logs FILE] [--at TIME] [--model ID] [--rules FILE]

Replay the trace (up to --at) and explain RULE (a rule name) or ALERT (an alert fingerprint, as in
PagerDuty's dedup key) for each model: the value the rule saw at that minute in the words of the
notifications, the baseline, each tier's limit and how long it had held against its "for", and the
notifications sent. Without --at: when the rule first fired, or the end of the trace if it never did.

  --at TIME      ISO time of the decision to explain, e.g. 2026-10-05T15:45:00Z
  --model ID     only this model
  --progress     show progress even when stderr is not a terminal`,
  options: { ...help, ...progressOption, metrics: { type: 'string' }, logs: { type: 'string' }, rules: { type: 'string' }, at: { type: 'string' }, model: { type: 'string' } },
  maxPositionals: 1,
  run: async (v, positionals) => {
    const target = positionals[0];
    if (!target) throw new UsageError('name a rule (or an alert fingerprint) to explain');
    if (typeof v.metrics !== 'string' && typeof v.logs !== 'string') throw new UsageError('needs --metrics FILE (and/or --logs FILE)');
    const at = isoOption(v, 'at');
    const config: Config = loadRulesFile(str(v.rules) ?? 'rules.yml');
    const byFingerprint = /^[0-9a-f]{24}$/.test(target);
    const rule = config.rules.find((r) => r.name === target);
    if (!rule && !byFingerprint) throw new UsageError(`no rule named "${target}" (rules: ${config.rules.map((r) => r.name).join(', ')})`);
    const bar = progress(Boolean(v.progress));
    if (typeof v.metrics === 'string') bar.update(0, 1, `reading ${v.metrics}`);
    const metrics = typeof v.metrics === 'string' ? loadMetricTrace(v.metrics) : undefined;
    const logs = typeof v.logs === 'string' ? (require('../local/log-trace') as typeof import('../local/log-trace')).loadLogTrace(v.logs) : undefined;
    const judged = new Map<string, Judged[]>();
    const { replay } = require('../local/replay-run') as typeof import('../local/replay-run');
    const result = await replay({
      config,
      metrics,
      logs,
      to: at,
      store: 'memory',
      onProgress: (d, t) => bar.update(d, t, 'replaying'),
      onObservation: (j) => {
        if (rule ? j.rule !== rule.name : fingerprint(j.rule, j.labels) !== target) return;
        if (typeof v.model === 'string' && j.labels.ModelId !== v.model) return;
        const fp = fingerprint(j.rule, j.labels);
        const list = judged.get(fp) ?? [];
        list.push(j);
        judged.set(fp, list);
      },
    });
    bar.done();
    if (!judged.size) {
      out(`${target}: never judged in this replay${typeof v.model === 'string' ? ` for ${v.model}` : ''} (no such alert, or the rule applies to no model in the trace)`);
      return 1;
    }
    for (const [fp, list] of [...judged].sort(([, a], [, b]) => (a[0].labels.ModelId ?? '').localeCompare(b[0].labels.ModelId ?? ''))) {
      const r = (rule ?? config.rules.find((x) => x.name === list[0].rule))!;
      const eps = result.episodes.filter((e) => fingerprint(e.rule, e.labels) === fp);
      const when = at ?? (eps.length ? Date.parse(eps[0].startsAt) : list.at(-1)!.at);
      const labels = Object.entries(list[0].labels).map(([k, x]) => (k === 'ModelId' ? x : `${k}=${x}`)).join(', ');
      const why = at !== undefined ? '' : eps.length ? ' (when it first fired)' : ' (end of the trace: it never fired)';
      out(`${r.name} on ${labels || 'all models'} at ${isoSeconds(when)}${why} — alert ${fp}`);
      for (const line of explainRule(r, list, when, result)) out(line);
      if (at === undefined && eps.length > 1) out(`  (fired ${eps.length} times; pass --at to explain another: ${eps.slice(1, 4).map((e) => e.startsAt).join(', ')})`);
      out();
    }
    // How noisy the rule would have been on this trace (up to --at), against its false-alarm budget.
    const explained = rule ?? config.rules.find((x) => x.name === [...judged.values()][0][0].rule);
    if (explained) {
      const models = typeof v.model === 'string' ? [v.model] : result.models;
      const eps = result.episodes.filter((e) => typeof v.model !== 'string' || e.labels.ModelId === v.model);
      for (const line of forecastLines(noiseForecast({ settings: config.settings, rules: [explained] }, eps, models, result), result)) out(line);
    }
    return 0;
  },
};
