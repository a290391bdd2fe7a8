/**
 * Alertmanager label matchers in its string syntax: `severity="critical"`, `ModelId=~"meta.*"`,
 * `team!="ml"`, `rule!~"bedrock-(cost|budget).*"`, several at once as `{a="b", c=~"d.*"}` or
 * `a=b,c!=d`. Same semantics as Alertmanager's pkg/labels (ParseMatcher, ParseMatchers), so users
 * bring their habits and their files:
 * - regexes are anchored (`^(?:…)$`), and a missing label reads as the empty string;
 * - in a value, a backslash escapes only `\`, `"` and `n` (a newline); any other backslash is kept,
 *   so `code=~"5\d\d"` is the regex `5\d\d`;
 * - Go's inline flags at the start of a regex, `(?i)`, `(?s)`, `(?m)` (and combined, `(?is)`),
 *   become JavaScript flags; flags anywhere else, or `(?U)`, are refused with a message.
 * One difference kept on purpose: a value in single quotes (`team='ml'`) is read as `ml`, as older
 * bedrock-watch files wrote it (Alertmanager would keep the quotes).
 */

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface Matcher {
  name: string;
  op: MatchOp;
  value: string;
  /** Compiled, anchored, for =~ and !~. */
  re?: RegExp;
}

const SYNTAX = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|!~|!=|=)\s*([\s\S]*?)\s*$/;
const LABEL_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** One matcher (Alertmanager's ParseMatcher), or the reason the text is not one. */
export function parseMatcher(text: string): Matcher | string {
  const m = SYNTAX.exec(text);
  if (!m) return `"${text}" is not a matcher: write name="value", name!="value", name=~"regex" or name!~"regex"`;
  const [, name, op, raw] = m;
  if (raw === '') return `"${text}": the matcher has no value (write ${name}${op}"" to match a missing or empty label)`;
  const value = raw.length >= 2 && raw.startsWith("'") && raw.endsWith("'") && !raw.slice(1, -1).includes("'") ? raw.slice(1, -1) : unescape(raw);
  if (value === null) return `"${text}": the value has an unescaped double quote (write \\" inside a quoted value)`;
  const matcher: Matcher = { name, op: op as MatchOp, value };
  if (op === '=~' || op === '!~') {
    const re = compileRegex(value);
    if (typeof re === 'string') return `"${text}": ${re}`;
    matcher.re = re;
  }
  return matcher;
}

/** Alertmanager's unescaping of a matcher value: `\\`, `\"` and `\n`; any other backslash stays. Null: a stray double quote. */
function unescape(raw: string): string | null {
  let s = raw;
  let expectTrailingQuote = false;
  if (s.startsWith('"')) {
    s = s.slice(1);
    expectTrailingQuote = true;
  }
  const chars = [...s];
  let out = '';
  let escaped = false;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (escaped) {
      escaped = false;
      out += c === 'n' ? '\n' : c === '"' || c === '\\' ? c : `\\${c}`;
      continue;
    }
    if (c === '\\') {
      if (i < chars.length - 1) escaped = true;
      else out += '\\';
      continue;
    }
    if (c === '"') {
      if (!expectTrailingQuote || i < chars.length - 1) return null;
      expectTrailingQuote = false;
      continue;
    }
    out += c;
  }
  return expectTrailingQuote ? null : out;
}

const GO_FLAGS = /^\(\?([a-zA-Z]+)\)/;

/** The anchored regex for a matcher value, Go's leading inline flags made JavaScript flags; or why it is not one. */
export function compileRegex(value: string): RegExp | string {
  let body = value;
  let flags = '';
  const lead = GO_FLAGS.exec(body);
  if (lead) {
    for (const f of lead[1]) {
      if (!'ims'.includes(f)) return `inline flag "${f}" in "(?${lead[1]})" is not supported (use i, m or s)`;
      if (!flags.includes(f)) flags += f;
    }
    body = body.slice(lead[0].length);
  }
  if (/\(\?[a-zA-Z-]+[):]/.test(body)) return 'inline regex flags like (?i) are supported only at the start of the regex';
  // Go scopes a leading flag to the group Alertmanager wraps the value in: with (?m) the anchors of
  // that wrapper still mean the whole value's start and end, not a line's.
  const [start, end] = flags.includes('m') ? ['(?<![\\s\\S])', '(?![\\s\\S])'] : ['^', '$'];
  try {
    return new RegExp(`${start}(?:${body})${end}`, flags);
  } catch (e) {
    return `invalid regular expression: ${(e as Error).message}`;
  }
}

/**
 * Several matchers in one string (Alertmanager's ParseMatchers): `{a="b", c!~"d.*"}`, `a=b,c!=d`;
 * commas inside double quotes belong to the value; a trailing comma is allowed.
 */
export function parseMatchers(text: string): Matcher[] | string {
  let s = text.trim();
  if (s.startsWith('{')) s = s.slice(1);
  if (s.endsWith('}')) s = s.slice(0, -1);
  const tokens: string[] = [];
  let token = '';
  let inside = false;
  let escaped = false;
  for (const c of s) {
    if (c === ',' && !inside) {
      tokens.push(token);
      token = '';
      continue;
    }
    if (c === '"') {
      if (!escaped) inside = !inside;
      else escaped = false;
    } else if (c === '\\') escaped = !escaped;
    else escaped = false;
    token += c;
  }
  if (token.trim() !== '') tokens.push(token);
  const out: Matcher[] = [];
  for (const t of tokens) {
    const m = parseMatcher(t);
    if (typeof m === 'string') return m;
    out.push(m);
  }
  if (!out.length) return `"${text}" has no matcher: write name="value", name!="value", name=~"regex" or name!~"regex"`;
  return out;
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

/** True when the matchers hold for an alert with no labels at all (a silence like that would silence everything). */
export const matchesEmpty = (m: Matcher): boolean => matchesOne(m, {});

/** Alertmanager's String(): the value in double quotes with `\`, `"` and newlines escaped; a name that is not a plain label name quoted. */
export const formatMatcher = (m: Pick<Matcher, 'name' | 'op' | 'value'>): string =>
  `${LABEL_NAME.test(m.name) ? m.name : quote(m.name)}${m.op}${quote(m.value)}`;

const quote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
