/**
 * `backtest --silences FILE`: a maintenance window replayed. The file (YAML or JSON) is a list of
 * silences as `bedrock-watch silence add` would store them:
 *
 *   - matchers: ['ModelId=~"meta.*"', 'severity!="critical"']   # or one string
 *     start: 2026-10-05T22:00:00Z
 *     end: 2026-10-06T02:00:00Z        # or `for: 4h`
 *     comment: Llama upgrade
 *     author: ana                       # optional
 *
 * (a top-level `silences:` key holding the list is accepted too). Every problem is reported with
 * its place, like `silences.yml: silences[1].end must be after start`.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { Silence } from '../core/silence';
import { formatMatcher, parseMatchers } from '../rules/matchers';
import { parseSilenceMatchers } from '../route/silences';
import { parseDuration } from '../rules/units';
import { CommandError } from './command';

const FIELDS = new Set(['id', 'matchers', 'match', 'start', 'startsAt', 'end', 'endsAt', 'for', 'comment', 'author']);

export function loadSilencesFile(file: string): Silence[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CommandError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new CommandError(`${file}: not YAML or JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  return parseSilences(doc, file);
}

export function parseSilences(doc: unknown, file: string): Silence[] {
  const list = Array.isArray(doc) ? doc : doc && typeof doc === 'object' && Array.isArray((doc as { silences?: unknown }).silences) ? (doc as { silences: unknown[] }).silences : null;
  if (!list) throw new CommandError(`${file}: expected a list of silences (matchers, start, end, comment)`);
  const problems: string[] = [];
  const out: Silence[] = [];
  list.forEach((raw, i) => {
    const at = `silences[${i}]`;
    const bad = (field: string, why: string) => problems.push(`${at}${field ? `.${field}` : ''} ${why}`);
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return bad('', 'must be a mapping with matchers, start, end and comment');
    const s = raw as Record<string, unknown>;
    for (const k of Object.keys(s)) if (!FIELDS.has(k)) bad(k, `is not a silence field (use matchers, start, end or for, comment, author)`);
    const given = s.matchers ?? s.match;
    const texts = typeof given === 'string' ? [given] : Array.isArray(given) ? given : null;
    const matchers: string[] = [];
    if (!texts?.length) bad('matchers', 'must list at least one matcher, like \'ModelId=~"meta.*"\'');
    let parsedAll = true;
    texts?.forEach((t, j) => {
      const m = typeof t === 'string' ? parseMatchers(t) : 'must be a string like \'ModelId=~"meta.*"\'';
      if (typeof m === 'string') {
        bad(`matchers[${j}]`, m);
        parsedAll = false;
      } else matchers.push(...m.map(formatMatcher));
    });
    if (parsedAll && texts?.length) {
      const all = parseSilenceMatchers(matchers);
      if (typeof all === 'string') bad('matchers', all);
    }
    const time = (field: string, v: unknown): number | null => {
      const ms = v instanceof Date ? v.getTime() : typeof v === 'string' ? Date.parse(v) : NaN;
      if (!Number.isFinite(ms)) {
        bad(field, `must be an ISO time like 2026-10-05T22:00:00Z${v === undefined ? '' : `, not ${JSON.stringify(v)}`}`);
        return null;
      }
      return ms;
    };
    const startsAt = time(s.start !== undefined ? 'start' : 'startsAt', s.start ?? s.startsAt);
    let endsAt: number | null = null;
    if (s.for !== undefined && (s.end ?? s.endsAt) === undefined) {
      const d = parseDuration(s.for);
      if (typeof d === 'string') bad('for', d);
      else if (startsAt !== null) endsAt = startsAt + d;
    } else {
      endsAt = time(s.end !== undefined ? 'end' : 'endsAt', s.end ?? s.endsAt);
    }
    if (startsAt !== null && endsAt !== null && endsAt <= startsAt) bad('end', 'must be after start');
    const comment = typeof s.comment === 'string' ? s.comment.trim() : '';
    if (!comment) bad('comment', 'must say why (the report shows it next to what the silence held back)');
    if (s.author !== undefined && typeof s.author !== 'string') bad('author', 'must be a string');
    if (startsAt === null || endsAt === null || !comment || !parsedAll || !texts?.length || typeof parseSilenceMatchers(matchers) === 'string') return;
    out.push({ id: typeof s.id === 'string' && s.id ? s.id : `file-${i + 1}`, matchers, author: typeof s.author === 'string' ? s.author : 'backtest', comment, startsAt, endsAt, createdAt: startsAt });
  });
  if (problems.length) throw new CommandError(`${file}: ${problems.join('; ')}`);
  return out;
}
