/**
 * Alertmanager's own matcher tables, ported: pkg/labels/parse_test.go (TestMatchers) and
 * pkg/labels/matcher_test.go (TestMatcher, TestMatcherString). Each case is named after its origin
 * (file, test, input). Every case either gives Alertmanager's answer or is refused with a message.
 * Where bedrock-watch words an error its own way, the case checks the refusal and the gist.
 */
import { compileRegex, formatMatcher, matchesOne, parseMatchers, type MatchOp, type Matcher } from '../../../shared/rules/matchers';

type Want = [name: string, op: MatchOp, value: string];
const m = (name: string, op: MatchOp, value: string): Want => [name, op, value];

// pkg/labels/parse_test.go TestMatchers: input → matchers, or the error's gist.
const PARSE: [string, Want[] | { err: RegExp }][] = [
  ['{foo="bar"}', [m('foo', '=', 'bar')]],
  ['{foo=~"bar.*"}', [m('foo', '=~', 'bar.*')]],
  ['{foo!="bar"}', [m('foo', '!=', 'bar')]],
  ['{foo!~"bar.*"}', [m('foo', '!~', 'bar.*')]],
  ['{foo="bar", baz!="quux"}', [m('foo', '=', 'bar'), m('baz', '!=', 'quux')]],
  ['{foo="bar", baz!~"quux.*"}', [m('foo', '=', 'bar'), m('baz', '!~', 'quux.*')]],
  ['{foo="bar",baz!~".*quux", derp="wat"}', [m('foo', '=', 'bar'), m('baz', '!~', '.*quux'), m('derp', '=', 'wat')]],
  ['{foo="bar", baz!="quux", derp="wat"}', [m('foo', '=', 'bar'), m('baz', '!=', 'quux'), m('derp', '=', 'wat')]],
  ['{foo="bar", baz!~".*quux.*", derp="wat"}', [m('foo', '=', 'bar'), m('baz', '!~', '.*quux.*'), m('derp', '=', 'wat')]],
  ['{foo="bar", instance=~"some-api.*"}', [m('foo', '=', 'bar'), m('instance', '=~', 'some-api.*')]],
  ['{foo=""}', [m('foo', '=', '')]],
  ['{foo="bar,quux", job="job1"}', [m('foo', '=', 'bar,quux'), m('job', '=', 'job1')]],
  ['{foo = "bar", dings != "bums", }', [m('foo', '=', 'bar'), m('dings', '!=', 'bums')]],
  ['foo=bar,dings!=bums', [m('foo', '=', 'bar'), m('dings', '!=', 'bums')]],
  ['{quote="She said: \\"Hi, ladies! That\'s gender-neutral…\\""}', [m('quote', '=', 'She said: "Hi, ladies! That\'s gender-neutral…"')]],
  ['statuscode=~"5.."', [m('statuscode', '=~', '5..')]],
  ['tricky=~~~', [m('tricky', '=~', '~~')]],
  ['trickier==\\\\=\\=\\"', [m('trickier', '=', '=\\=\\="')]],
  ['contains_quote != "\\"" , contains_comma !~ "foo,bar" , ', [m('contains_quote', '!=', '"'), m('contains_comma', '!~', 'foo,bar')]],
  ['job=', { err: /has no value/ }],
  ['job="value', { err: /unescaped double quote/ }],
  ['job=value"', { err: /unescaped double quote/ }],
  ['trickier==\\\\=\\=\\""', { err: /unescaped double quote/ }],
  ['contains_unescaped_quote = foo"bar', { err: /unescaped double quote/ }],
  ['{invalid-name = "valid label"}', { err: /is not a matcher/ }],
  ['{foo=~"invalid[regexp"}', { err: /invalid regular expression/ }],
  ['"{foo=\\"bar"}', { err: /is not a matcher/ }],
  ['"foo=\\"bar"', { err: /is not a matcher/ }],
  ['"foo=\\"bar\\""', { err: /is not a matcher/ }],
  ['"foo=\\"bar\\"', { err: /is not a matcher/ }],
  ['"{foo=\\"bar\\"}"', { err: /is not a matcher/ }],
  ['"foo="bar""', { err: /is not a matcher/ }],
];

describe('pkg/labels/parse_test.go TestMatchers', () => {
  it.each(PARSE)('parse_test.go TestMatchers %s', (input, want) => {
    const got = parseMatchers(input);
    if ('err' in want) {
      expect(got).toEqual(expect.stringMatching(want.err));
      return;
    }
    expect(typeof got).not.toBe('string');
    expect((got as Matcher[]).map((x) => [x.name, x.op, x.value])).toEqual(want);
  });
});

// pkg/labels/matcher_test.go TestMatcher: matcher (type, value) × label value → matches.
const MATCH: [MatchOp, string, string, boolean][] = [
  ['=', 'bar', 'bar', true],
  ['=', 'bar', 'foo-bar', false],
  ['!=', 'bar', 'bar', false],
  ['!=', 'bar', 'foo-bar', true],
  ['=~', 'bar', 'bar', true],
  ['=~', 'bar', 'foo-bar', false],
  ['=~', '.*bar', 'foo-bar', true],
  ['!~', 'bar', 'bar', false],
  ['!~', 'bar', 'foo-bar', true],
  ['!~', '.*bar', 'foo-bar', false],
  ['=~', 'foo.bar', 'foo-bar', true],
  ['=~', 'foo\\.bar', 'foo-bar', false],
  ['=~', 'foo\\.bar', 'foo.bar', true],
  ['=', 'foo\nbar', 'foo\nbar', true],
  ['=~', 'foo.bar', 'foo\nbar', false],
  ['=~', '(?s)foo.bar', 'foo\nbar', true],
  ['=', '~!="', '~!="', true],
];

describe('pkg/labels/matcher_test.go TestMatcher', () => {
  it.each(MATCH.map((c, i) => [i, ...c] as const))('matcher_test.go TestMatcher case %i: %s %j against %j', (_i, op, value, label, want) => {
    const re = op === '=~' || op === '!~' ? compileRegex(value) : undefined;
    expect(typeof re).not.toBe('string');
    expect(matchesOne({ name: 'x', op, value, re: re as RegExp | undefined }, { x: label })).toBe(want);
  });

  it('matcher_test.go TestMatcher cases, written as users write them (the backslash survives the parser)', () => {
    const [a] = parseMatchers('foo=~"foo\\.bar"') as Matcher[];
    expect([a.value, matchesOne(a, { foo: 'foo-bar' }), matchesOne(a, { foo: 'foo.bar' })]).toEqual(['foo\\.bar', false, true]);
    const [b] = parseMatchers('code=~"5\\d\\d"') as Matcher[];
    expect([b.value, matchesOne(b, { code: '503' }), matchesOne(b, { code: '5dd' })]).toEqual(['5\\d\\d', true, false]);
    const [c] = parseMatchers('instance=~"web-\\d+"') as Matcher[];
    expect(matchesOne(c, { instance: 'web-12' })).toBe(true);
    const [d] = parseMatchers('foo="new\\nline"') as Matcher[];
    expect(d.value).toBe('new\nline');
    const [e] = parseMatchers('foo="tab\\tstop"') as Matcher[];
    expect(e.value).toBe('tab\\tstop'); // \t is not an escape Alertmanager knows: kept as written
    const [f] = parseMatchers('ModelId=~"(?i)META.*"') as Matcher[];
    expect([matchesOne(f, { ModelId: 'meta.llama3' }), f.re?.flags]).toEqual([true, 'i']);
    // (?m) changes ^ and $ inside the value only: the value as a whole is still anchored.
    const [g] = parseMatchers('a=~"(?m)^foo$"') as Matcher[];
    expect([matchesOne(g, { a: 'foo' }), matchesOne(g, { a: 'foo\nbar' })]).toEqual([true, false]);
    const [h] = parseMatchers('a=~"(?m)foo$\\nbar"') as Matcher[];
    expect(matchesOne(h, { a: 'foo\nbar' })).toBe(true);
  });

  it('refuses inline flags it cannot translate, with a message', () => {
    expect(parseMatchers('a=~"x(?i)y"')).toEqual(expect.stringContaining('only at the start'));
    expect(parseMatchers('a=~"(?U)x"')).toEqual(expect.stringContaining('inline flag "U"'));
  });
});

// pkg/labels/matcher_test.go TestMatcherString.
const STRINGS: [string, MatchOp, string, string][] = [
  ['foo', '=', 'bar', 'foo="bar"'],
  ['foo', '!=', 'bar', 'foo!="bar"'],
  ['foo', '=~', 'bar', 'foo=~"bar"'],
  ['foo', '!~', 'bar', 'foo!~"bar"'],
  ['foo', '=', 'back\\slash', 'foo="back\\\\slash"'],
  ['foo', '=', 'double"quote', 'foo="double\\"quote"'],
  ['foo', '=', 'new\nline', 'foo="new\\nline"'],
  ['foo', '=', 'tab\tstop', 'foo="tab\tstop"'],
  ['foo', '=', '🙂', 'foo="🙂"'],
  ['foo!', '!=', 'bar', '"foo!"!="bar"'],
  ['foo bar', '=', 'baz', '"foo bar"="baz"'],
];

describe('pkg/labels/matcher_test.go TestMatcherString', () => {
  it.each(STRINGS)('matcher_test.go TestMatcherString %s %s %j', (name, op, value, want) => {
    expect(formatMatcher({ name, op, value })).toBe(want);
  });

  it('a printed matcher parses back to itself (silences are stored as text)', () => {
    for (const [name, op, value] of STRINGS.filter(([n]) => /^[a-z]+$/.test(n))) {
      const [back] = parseMatchers(formatMatcher({ name, op, value })) as Matcher[];
      expect([back.name, back.op, back.value]).toEqual([name, op, value]);
    }
  });
});
