/**
 * Which silence holds an alert back (found by mutation testing, issue 17): a silence with a matcher
 * that no longer parses, or with no matcher at all, silences nothing (rather than everything); one
 * starting now is in force now; two silences are never confused with each other.
 */
import { parseMatchers } from '../../shared/rules/matchers';
import { parseSilenceMatchers, silencedBy, silenceWarnings, type Silence } from '../../shared/route/silences';

const NOW = Date.parse('2026-10-05T16:00:00.000Z');
const labels = { ModelId: 'meta.llama3-70b', team: 'payments', severity: 'critical' };
const silence = (id: string, matchers: string[], startsAt = NOW - 60_000, endsAt = NOW + 3_600_000): Silence => ({ id, matchers, author: 'ana', comment: 'x', startsAt, endsAt, createdAt: startsAt });

describe('bad input: silences that cannot match', () => {
  it('one matcher that does not parse: the silence silences nothing, even if its other matchers match', () => {
    expect(silencedBy([silence('s1', ['team="payments"', 'ModelId=~"(unclosed"'])], labels, NOW)).toBeNull();
    expect(silencedBy([silence('s2', ['team="payments"', 'not a matcher'])], labels, NOW)).toBeNull();
  });

  it('no matchers at all: silences nothing', () => {
    expect(silencedBy([silence('s3', [])], labels, NOW)).toBeNull();
  });
});

describe('silences in force', () => {
  it('from the minute it starts (inclusive) to its end (exclusive)', () => {
    const s = silence('s4', ['team="payments"'], NOW, NOW + 60_000);
    expect(silencedBy([s], labels, NOW - 1)).toBeNull();
    expect(silencedBy([s], labels, NOW)?.id).toBe('s4');
    expect(silencedBy([s], labels, NOW + 60_000)).toBeNull();
  });

  it('two silences whose matcher texts run together alike are told apart', () => {
    const two = silence('s5', ['team="payments"', 'severity="critical"']);
    const one = silence('s6', ['team="payments"severity="critical"']);
    expect(silencedBy([two], labels, NOW)?.id).toBe('s5');
    expect(silencedBy([one], labels, NOW)).toBeNull();
  });
});

describe('`silence add` refuses a silence it could not honour, and says why', () => {
  it('a matcher that does not parse: the error, not the matchers that did', () => {
    const r = parseSilenceMatchers(['team="payments"', 'ModelId=~"(unclosed"']);
    expect(typeof r).toBe('string');
    expect(r).toEqual(parseMatchers('ModelId=~"(unclosed"'));
  });

  it('no matcher at all: it needs one', () => {
    expect(parseSilenceMatchers([])).toBe('a silence needs at least one matcher');
  });

  it('only matchers that match the empty string: it would silence every alert, listing them', () => {
    expect(parseSilenceMatchers(['team=""', 'ModelId=~".*"'])).toBe(
      'at least one matcher must not match the empty string: team="", ModelId=~".*" would silence every alert (add one like rule="bedrock-throttles" or ModelId=~"meta.*")',
    );
  });
});

describe('warnings for what a new user most likely got wrong', () => {
  const known = { rules: ['bedrock-throttles', 'bedrock-errors'], labels: ['ModelId', 'alertname', 'rule', 'severity', 'team'] };
  const warn = (text: string) => {
    const ms = parseMatchers(text);
    if (typeof ms === 'string') throw new Error(ms);
    return silenceWarnings(ms, known);
  };

  it.each([
    ['a label no alert carries, matched positively: it matches nothing', 'model=~"meta.*"', ['model=~"meta.*" matches nothing: no alert carries the label "model": the labels are "ModelId", "alertname", "rule", "severity", "team"']],
    ['the same with =', 'teams="payments"', ['teams="payments" matches nothing: no alert carries the label "teams": did you mean "team"?']],
    ['a label no alert carries, negated: named, but it does not match nothing (it matches every alert)', 'teams!="payments"', ['teams!="payments": no alert carries the label "teams": did you mean "team"?']],
    ['a label no alert carries, negated against the empty string: it matches nothing too', 'teams!=""', ['teams!="" matches nothing: no alert carries the label "teams": did you mean "team"?']],
    ['a label no alert carries, matched as empty (matches every alert, which lacks it)', 'teams=~"x|"', ['teams=~"x|": no alert carries the label "teams": did you mean "team"?']],
    ['a misspelt rule', 'rule="bedrock-throtles"', ['rule="bedrock-throtles": unknown rule "bedrock-throtles": did you mean "bedrock-throttles"?']],
    ['a misspelt rule under its Alertmanager name', 'alertname="bedrock-eror"', ['alertname="bedrock-eror": unknown rule "bedrock-eror": did you mean "bedrock-errors"?']],
    ['a rule negated or matched by regex is not checked as a name', 'rule!="bedrock-throtles"', []],
    ['nor a regex of rules', 'rule=~"bedrock-throtles"', []],
    ['a known rule', 'rule="bedrock-throttles"', []],
    ['a plain value that reads like a regex, with =', 'ModelId="meta.*"', ['ModelId="meta.*": "meta.*" is compared as plain text; for a regex write ModelId=~"meta.*"']],
    ['the same with !=', 'ModelId!="meta.*"', ['ModelId!="meta.*": "meta.*" is compared as plain text; for a regex write ModelId!~"meta.*"']],
    ['a regex written as one', 'ModelId=~"meta.*"', []],
    ['a model id: dots alone are not a regex', 'ModelId="amazon.nova-lite-v1:0"', []],
    ['a known label', 'team="payments"', []],
  ])('%s: %s', (_case, text, expected) => {
    expect(warn(text)).toEqual(expected);
  });
});
