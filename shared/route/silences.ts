/** Silences (Alertmanager's): matchers with a start and an end, made with `bedrock-watch silence add`. Pure matching and checks. */
import { formatMatcher, matchesAll, matchesEmpty, parseMatchers, type Matcher } from '../rules/matchers';
import { unknownLabel, unknownRule, type KnownNames } from '../rules/references';

export type { Silence } from '../core/silence';
import type { Silence } from '../core/silence';

const parsed = new Map<string, Matcher[] | null>();

/**
 * The matchers of a silence as written (each string may hold several, `{a="b", c="d"}`), or why
 * they cannot make one. As Alertmanager: at least one matcher, and at least one that does not match
 * the empty string (a silence of `a=""` or `b=~".*"` alone would silence every alert).
 */
export function parseSilenceMatchers(texts: readonly string[]): Matcher[] | string {
  const out: Matcher[] = [];
  for (const t of texts) {
    const ms = parseMatchers(t);
    if (typeof ms === 'string') return ms;
    out.push(...ms);
  }
  if (!out.length) return 'a silence needs at least one matcher';
  if (out.every(matchesEmpty))
    return `at least one matcher must not match the empty string: ${out.map(formatMatcher).join(', ')} would silence every alert (add one like rule="bedrock-throttles" or ModelId=~"meta.*")`;
  return out;
}

/** The silence's matchers, or null when they no longer parse or would match every alert (such a silence silences nothing). */
export function silenceMatchers(s: Pick<Silence, 'matchers'>): Matcher[] | null {
  const key = s.matchers.join('\n');
  if (!parsed.has(key)) {
    const ms = parseSilenceMatchers(s.matchers);
    parsed.set(key, typeof ms === 'string' ? null : ms);
  }
  return parsed.get(key) ?? null;
}

export const isActive = (s: Silence, now: number): boolean => s.startsAt <= now && now < s.endsAt;

/** The first active silence matching the labels, or null. */
export function silencedBy(silences: readonly Silence[], labels: Readonly<Record<string, string>>, now: number): Silence | null {
  for (const s of silences) {
    const ms = silenceMatchers(s);
    if (ms && isActive(s, now) && matchesAll(ms, labels)) return s;
  }
  return null;
}

/** A value written with = or != that reads like a regex (`meta.*`, `a|b`, `web-\d+`). Dots alone are not a sign: model ids have them. */
const REGEX_LOOKING = /\.\*|\.\+|[*+?|^$[\](){}]|\\[dws.]/;

/**
 * What a new user most likely got wrong in a silence that is otherwise valid: a label no rule
 * produces (it matches nothing), a rule name that does not exist, a literal value that looks like
 * a regex. `known`: the rules file's rules and the labels routing sees.
 */
export function silenceWarnings(matchers: readonly Matcher[], known: KnownNames): string[] {
  const out: string[] = [];
  for (const m of matchers) {
    const text = formatMatcher(m);
    const label = unknownLabel(m.name, known);
    // An alert without the label reads it as "": a matcher the empty string fails (team="x", team!="") matches no alert.
    if (label && !matchesEmpty(m)) out.push(`${text} matches nothing: ${label}`);
    else if (label) out.push(`${text}: ${label}`);
    if ((m.name === 'rule' || m.name === 'alertname') && m.op === '=' && !label) {
      const rule = unknownRule(m.value, known);
      if (rule) out.push(`${text}: ${rule}`);
    }
    if ((m.op === '=' || m.op === '!=') && REGEX_LOOKING.test(m.value))
      out.push(`${text}: "${m.value}" is compared as plain text; for a regex write ${formatMatcher({ ...m, op: m.op === '=' ? '=~' : '!~' })}`);
  }
  return out;
}
