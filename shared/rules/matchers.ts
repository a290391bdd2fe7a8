/**
 * Alertmanager label matchers in its string syntax: `severity="critical"`, `ModelId=~"meta.*"`,
 * `team!="ml"`, `rule!~"bedrock-(cost|budget).*"`. Same semantics, so users bring their habits:
 * regexes are anchored, and a missing label reads as the empty string.
 */

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface Matcher {
  name: string;
  op: MatchOp;
  value: string;
  /** Compiled, anchored, for =~ and !~. */
  re?: RegExp;
}

const SYNTAX = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([^\s"',{}]*))\s*$/;

/** A matcher, or the reason the text is not one. */
export function parseMatcher(text: string): Matcher | string {
  const m = SYNTAX.exec(text);
  if (!m) return `"${text}" is not a matcher: write name="value", name!="value", name=~"regex" or name!~"regex"`;
  const [, name, op, dq, sq, bare] = m;
  const value = (dq ?? sq ?? bare ?? '').replace(/\\(.)/g, '$1');
  const matcher: Matcher = { name, op: op as MatchOp, value };
  if (op === '=~' || op === '!~') {
    try {
      matcher.re = new RegExp(`^(?:${value})$`);
    } catch (e) {
      return `"${text}": invalid regular expression: ${(e as Error).message}`;
    }
  }
  return matcher;
}

export function matchesOne(m: Matcher, labels: Readonly<Record<string, string>>): boolean {
  const v = labels[m.name] ?? '';
  switch (m.op) {
    case '=':
      return v === m.value;
    case '!=':
      return v !== m.value;
    case '=~':
      return (m.re as RegExp).test(v);
    case '!~':
      return !(m.re as RegExp).test(v);
  }
}

/** Every matcher holds (an empty list matches everything, as Alertmanager's root route). */
export const matchesAll = (ms: readonly Matcher[], labels: Readonly<Record<string, string>>): boolean => ms.every((m) => matchesOne(m, labels));

export const formatMatcher = (m: Pick<Matcher, 'name' | 'op' | 'value'>): string => `${m.name}${m.op}${JSON.stringify(m.value)}`;
