/**
 * `backtest --compare OTHER`: the same trace through a second rules file, and per rule what the
 * change would add or remove. Two alerts are the same when rule, labels and tier match and their
 * episodes overlap in time.
 */
import type { Episode } from '../local/episodes';
import { durationText, isoSeconds } from './report';

export interface RuleDiff {
  rule: string;
  before: number;
  after: number;
  added: Episode[];
  removed: Episode[];
  /** Only in one of the files. */
  only?: 'before' | 'after';
}

const sameLabels = (a: Episode, b: Episode) => JSON.stringify(Object.entries(a.labels).sort()) === JSON.stringify(Object.entries(b.labels).sort());
const end = (e: Episode) => (e.endsAt ? Date.parse(e.endsAt) : Infinity);
const overlaps = (a: Episode, b: Episode) => Date.parse(a.startsAt) <= end(b) && Date.parse(b.startsAt) <= end(a);

export function compareEpisodes(before: Episode[], after: Episode[], rulesBefore: string[], rulesAfter: string[]): RuleDiff[] {
  const fired = (eps: Episode[]) => eps.filter((e) => !e.suppressedBy);
  const a = fired(before);
  const b = fired(after);
  const rules = [...new Set([...rulesBefore, ...rulesAfter])];
  return rules.map((rule) => {
    const ra = a.filter((e) => e.rule === rule);
    const rb = b.filter((e) => e.rule === rule);
    const match = (x: Episode, pool: Episode[]) => pool.some((y) => sameLabels(x, y) && x.severity === y.severity && overlaps(x, y));
    return {
      rule,
      before: ra.length,
      after: rb.length,
      added: rb.filter((e) => !match(e, ra)),
      removed: ra.filter((e) => !match(e, rb)),
      only: !rulesAfter.includes(rule) ? 'before' : !rulesBefore.includes(rule) ? 'after' : undefined,
    };
  });
}

export function compareLines(diffs: RuleDiff[], fileBefore: string, fileAfter: string): string[] {
  const line = (sign: string, e: Episode) =>
    `    ${sign} ${e.severity.padEnd(8)} ${e.labels.ModelId ?? Object.values(e.labels).join(',')}  ${isoSeconds(e.startsAt)}${e.endsAt ? ` (${durationText(end(e) - Date.parse(e.startsAt))})` : ' (still firing)'}  ${e.text}`;
  const changed = diffs.filter((d) => d.added.length || d.removed.length || d.only);
  const lines = [`Changing ${fileBefore} → ${fileAfter}: ${changed.length ? `${changed.length} of ${diffs.length} rules alert differently` : 'the same alerts'}`];
  for (const d of diffs) {
    const tag = d.only === 'before' ? ' (rule removed)' : d.only === 'after' ? ' (new rule)' : '';
    const delta = d.after - d.before;
    lines.push(`  ${d.rule}${tag}: ${d.before} → ${d.after} alerts${delta ? ` (${delta > 0 ? '+' : ''}${delta})` : ''}${!d.added.length && !d.removed.length ? ', unchanged' : ''}`);
    for (const e of d.removed) lines.push(line('-', e));
    for (const e of d.added) lines.push(line('+', e));
  }
  return lines;
}
