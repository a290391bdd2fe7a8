/**
 * Alertmanager's inhibition, silence-validation and time-interval tables, ported:
 * inhibit/inhibit_test.go (TestInhibitRuleMatches, TestInhibitRuleMatchers, TestInhibit),
 * silence/silence_test.go (TestValidateMatcher/TestValidateSilence: "at least one matcher must not
 * match the empty string"), timeinterval/timeinterval_test.go (timeIntervalTestCases,
 * timeStringTestCases, yamlUnmarshalTestCases, completeTestCases), and config checks Alertmanager
 * makes at load (root `continue`, repeated group_by labels, duplicate time interval names). Each
 * case is named after its origin. Refusals are checked through the real loader, with file:line and field.
 */
import { parse } from 'yaml';
import { RulesError } from '../../../shared/rules/errors';
import { parseRules } from '../../../shared/rules/load';
import { Inhibit, TimeInterval } from '../../../shared/rules/route-schema';
import { inhibitedBy } from '../../../shared/route/inhibit';
import { parseSilenceMatchers, silencedBy } from '../../../shared/route/silences';
import { inTimeInterval } from '../../../shared/route/time-intervals';

describe('inhibit/inhibit_test.go', () => {
  // Two rules; the firing sources: one matching only rule1's source, one matching both source and target of rule2.
  const sources: { fingerprint: string; labels: Record<string, string> }[] = [
    { fingerprint: 'src1', labels: { s1: '1', t1: '2', e: '1' } },
    { fingerprint: 'src2', labels: { s2: '1', t2: '1', e: '1' } },
  ];
  const mutes = (rules: ReturnType<typeof Inhibit.parse>[], target: Record<string, string>) => inhibitedBy({ fingerprint: 'target', labels: target }, sources, rules) !== null;

  const matchRules = [
    Inhibit.parse({ source_match: { s1: '1' }, target_match: { t1: '1' }, equal: ['e'] }),
    Inhibit.parse({ source_match: { s2: '1' }, target_match: { t2: '1' }, equal: ['e'] }),
  ];
  it.each([
    ['matches target filter of rule1, inhibited', { t1: '1', e: '1' }, true],
    ['matches target filter of rule2, inhibited', { t2: '1', e: '1' }, true],
    ['matches target filter of rule1 (plus noise), inhibited', { t1: '1', t3: '1', e: '1' }, true],
    ['matches target filter of rule1 plus rule2, inhibited', { t1: '1', t2: '1', e: '1' }, true],
    ["doesn't match target filter, not inhibited", { t1: '0', e: '1' }, false],
    ['matches both source and target of rule1, inhibited: sourceAlert1 matches only the source', { s1: '1', t1: '1', e: '1' }, true],
    ['matches both source and target of rule2, not inhibited: sourceAlert2 matches both too', { s2: '1', t2: '1', e: '1' }, false],
    ["matches target filter, equal label doesn't match, not inhibited", { t1: '1', e: '0' }, false],
  ])('inhibit_test.go TestInhibitRuleMatches: %s', (_case, target, want) => {
    expect(mutes(matchRules, target)).toBe(want);
  });

  const matcherRules = [
    Inhibit.parse({ source_matchers: ['s1="1"'], target_matchers: ['t1!="1"'], equal: ['e'] }),
    Inhibit.parse({ source_matchers: ['s2="1"'], target_matchers: ['t2="1"'], equal: ['e'] }),
  ];
  it.each([
    [{ t1: '1', e: '1' }, false],
    [{ t2: '1', e: '1' }, true],
    [{ t1: '1', t3: '1', e: '1' }, false],
    [{ t1: '1', t2: '1', e: '1' }, true],
    [{ t1: '0', e: '1' }, true],
    [{ s1: '1', t1: '1', e: '1' }, false],
    [{ s2: '1', t2: '1', e: '1' }, true],
    [{ t1: '1', e: '0' }, false],
  ])('inhibit_test.go TestInhibitRuleMatchers %j', (target, want) => {
    expect(mutes(matcherRules, target)).toBe(want);
  });

  it('inhibit_test.go TestInhibit: muted only while the source fires', () => {
    const rule = Inhibit.parse({ source_match: { s: '1' }, target_match: { t: '1' }, equal: ['e'] });
    const one = { fingerprint: 'one', labels: { t: '1', e: 'f' } };
    const two = { fingerprint: 'two', labels: { s: '1', e: 'f' } };
    // The caller passes the firing alerts only: a resolved source is not among them.
    expect(inhibitedBy(one, [one], [rule])).toBeNull();
    expect(inhibitedBy(one, [one, two], [rule])).toBe(two);
    expect(inhibitedBy(two, [one, two], [rule])).toBeNull();
  });

  it('two alerts that each match both sides of a rule never mute each other (bedrock-watch muted both before)', () => {
    const rule = Inhibit.parse({ source_matchers: ['signal=~"latency|throttles"'], target_matchers: ['signal=~"latency|throttles"'], equal: ['ModelId'] });
    const a = { fingerprint: 'a', labels: { signal: 'latency', ModelId: 'm' } };
    const b = { fingerprint: 'b', labels: { signal: 'throttles', ModelId: 'm' } };
    expect([inhibitedBy(a, [a, b], [rule]), inhibitedBy(b, [a, b], [rule])]).toEqual([null, null]);
  });
});

describe('silence/silence_test.go', () => {
  it.each([
    [['a=""'], 'at least one matcher must not match the empty string'],
    [['a=~".*"'], 'at least one matcher must not match the empty string'],
    [['a=""', 'b=~".*"'], 'at least one matcher must not match the empty string'],
    [['a!="x"'], 'at least one matcher must not match the empty string'],
    [['{a="", b!~".+"}'], 'at least one matcher must not match the empty string'],
    [[], 'at least one matcher'],
  ])('silence_test.go TestValidateSilence: %j is refused', (texts, says) => {
    expect(parseSilenceMatchers(texts)).toEqual(expect.stringContaining(says));
  });

  it.each([[['a="b"']], [['a=""', 'b="c"']], [['a=~".+"']], [['{a="", b=~"c.*"}']]])('silence_test.go TestValidateSilence: %j is accepted', (texts) => {
    expect(Array.isArray(parseSilenceMatchers(texts))).toBe(true);
  });

  it('silence_test.go: a stored silence matching every alert silences nothing (refused when read, too)', () => {
    const s = { id: 'x', matchers: ['a=""', 'b=~".*"'], author: 'a', comment: 'c', startsAt: 0, endsAt: 10, createdAt: 0 };
    expect(silencedBy([s], { rule: 'bedrock-throttles' }, 5)).toBeNull();
  });

  it('silence_test.go TestSilenceMutes: a silence mutes what its matchers select, while it is active', () => {
    const s = { id: 'x', matchers: ['{ModelId=~"meta\\\\..*", severity!="critical"}'], author: 'a', comment: 'c', startsAt: 0, endsAt: 10, createdAt: 0 };
    expect(silencedBy([s], { ModelId: 'meta.llama3', severity: 'warning' }, 5)).toBe(s);
    expect(silencedBy([s], { ModelId: 'metaXllama3', severity: 'warning' }, 5)).toBeNull();
    expect(silencedBy([s], { ModelId: 'meta.llama3', severity: 'critical' }, 5)).toBeNull();
    expect(silencedBy([s], { ModelId: 'meta.llama3', severity: 'warning' }, 10)).toBeNull();
  });
});

// RFC822Z "02 Jan 06 15:04 +0000" → ms.
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
function t(s: string): number {
  const [d, mon, yy, hm, zone] = s.split(' ');
  const [h, mi] = hm.split(':').map(Number);
  const off = (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3)));
  return Date.UTC(2000 + Number(yy), MONTHS.indexOf(mon), Number(d), h, mi) - off * 60_000;
}
const ti = (yaml: unknown) => TimeInterval.parse(typeof yaml === 'string' ? parse(yaml) : yaml);
const contains = (i: ReturnType<typeof ti>, s: string) => inTimeInterval(i, t(s), 'UTC');

describe('timeinterval/timeinterval_test.go', () => {
  // timeIntervalTestCases, written as YAML.
  const CASES: [string, unknown, string[], string[]][] = [
    ['empty interval', {}, ['02 Jan 06 15:04 +0000', '03 Jan 07 10:04 +0000', '04 Jan 06 09:04 +0000'], []],
    [
      '9am to 5pm, monday to friday',
      { times: [{ start_time: '09:00', end_time: '17:00' }], weekdays: ['monday:friday'] },
      ['04 May 20 15:04 +0000', '05 May 20 10:04 +0000', '09 Jun 20 09:04 +0000'],
      ['03 May 20 15:04 +0000', '04 May 20 08:59 +0000', '05 May 20 05:00 +0000'],
    ],
    [
      'Easter 2020',
      { days_of_month: ['4:6'], months: ['april'], years: ['2020'] },
      ['04 Apr 20 15:04 +0000', '05 Apr 20 00:00 +0000', '06 Apr 20 23:05 +0000'],
      ['03 May 18 15:04 +0000', '03 Apr 20 23:59 +0000', '04 Jun 20 23:59 +0000', '06 Apr 19 23:59 +0000', '07 Apr 20 00:00 +0000'],
    ],
    [
      'negative days of month, last 3 days of each month',
      { days_of_month: ['-3:-1'] },
      ['31 Jan 20 15:04 +0000', '30 Jan 20 15:04 +0000', '29 Jan 20 15:04 +0000', '30 Jun 20 00:00 +0000', '29 Feb 20 23:05 +0000'],
      ['03 May 18 15:04 +0000', '27 Jan 20 15:04 +0000', '03 Apr 20 23:59 +0000', '04 Jun 20 23:59 +0000', '06 Apr 19 23:59 +0000', '07 Apr 20 00:00 +0000', '01 Mar 20 00:00 +0000'],
    ],
    // The Go case builds -31:31 as a struct; Alertmanager's own YAML loader refuses it (start negative, end positive), as
    // bedrock-watch does (see the refusals below). The clamping it checks is held with ranges both loaders accept.
    ['out of bound days are clamped to month boundaries (1:31)', { months: ['6'], days_of_month: ['1:31'] }, ['30 Jun 20 00:00 +0000', '01 Jun 20 00:00 +0000'], ['31 May 20 00:00 +0000', '01 Jul 20 00:00 +0000']],
    ['out of bound days are clamped to month boundaries (-31:-1)', { months: ['6'], days_of_month: ['-31:-1'] }, ['30 Jun 20 00:00 +0000', '01 Jun 20 00:00 +0000'], ['31 May 20 00:00 +0000', '01 Jul 20 00:00 +0000']],
    [
      'alternative time zone: AEST 9AM to 5PM, Monday to Friday',
      { times: [{ start_time: '09:00', end_time: '17:00' }], weekdays: ['monday:friday'], location: 'Australia/Sydney' },
      ['06 Apr 21 13:00 +1000'],
      ['06 Apr 21 13:00 +0000'],
    ],
    [
      'alternative time zone during daylight saving time',
      { times: [{ start_time: '09:00', end_time: '17:00' }], weekdays: ['monday:friday'], months: ['november'], location: 'Australia/Sydney' },
      ['01 Nov 21 09:00 +1100', '31 Oct 21 22:00 +0000'],
      ['31 Oct 21 21:00 +0000'],
    ],
  ];
  it.each(CASES)('timeinterval_test.go timeIntervalTestCases: %s', (_name, yaml, inside, outside) => {
    const i = ti(yaml);
    expect(inside.filter((s) => !contains(i, s))).toEqual([]);
    expect(outside.filter((s) => contains(i, s))).toEqual([]);
  });

  it.each([
    [{ start_time: '00:00', end_time: '24:00' }, true],
    [{ start_time: '01:35', end_time: '17:39' }, true],
    [{ start_time: '09:35', end_time: '09:39' }, true],
    [{ start_time: '17:31', end_time: '17:31' }, false],
    [{ start_time: '12:30', end_time: '24:01' }, false],
    [{ start_time: '09:30', end_time: '07:41' }, false],
    [{ start_time: '24:00', end_time: '17:41' }, false],
    [{ start_time: '14:03' }, false],
  ])('timeinterval_test.go timeStringTestCases %j', (range, ok) => {
    expect(TimeInterval.safeParse({ times: [range] }).success).toBe(ok);
  });

  it.each([
    ['simple business hours', { weekdays: ['monday:friday'], times: [{ start_time: '09:00', end_time: '17:00' }] }, ['08 Jul 20 09:00 +0000', '08 Jul 20 16:59 +0000'], ['08 Jul 20 05:00 +0000', '08 Jul 20 08:59 +0000']],
    [
      'negative indices and ranges',
      { weekdays: ['monday:friday', 'sunday'], months: ['january:march'], days_of_month: ['-7:-1'], years: ['2020:2025', '2030:2035'], times: [{ start_time: '09:00', end_time: '17:00' }] },
      ['27 Jan 21 09:00 +0000', '28 Jan 21 16:59 +0000', '29 Jan 21 13:00 +0000', '31 Mar 25 13:00 +0000', '31 Jan 35 13:00 +0000'],
      ['30 Jan 21 13:00 +0000', '01 Apr 21 13:00 +0000', '30 Jan 26 13:00 +0000', '31 Jan 35 17:01 +0000'],
    ],
    ['negative indices work', { days_of_month: ['1:-1'] }, ['15 Feb 21 10:00 +0000'], []],
    ['months regardless of case', { months: ['January:december'] }, ['15 Aug 21 10:00 +0000'], []],
    ['years with a location', { years: ['2020:2022'], location: 'Australia/Sydney' }, ['31 Dec 22 12:00 +0000'], ['31 Dec 22 14:00 +0000']],
  ])('timeinterval_test.go yamlUnmarshalTestCases: %s', (_name, yaml, inside, outside) => {
    const i = ti(yaml);
    expect(inside.filter((s) => !contains(i, s))).toEqual([]);
    expect(outside.filter((s) => contains(i, s))).toEqual([]);
  });

  it.each([
    ['invalid start time', { times: [{ start_time: '01:99', end_time: '23:59' }] }, 'must be a time HH:MM'],
    ['invalid end time', { times: [{ start_time: '00:00', end_time: '99:99' }] }, 'must be a time HH:MM'],
    ['start day before end day', { weekdays: ['friday:monday'] }, 'ends before it starts'],
    ['invalid weekdays', { weekdays: ['blurgsday:flurgsday'] }, '"blurgsday:flurgsday" is not a weekday name'],
    ["numeric weekdays aren't allowed", { weekdays: ['1:3'] }, '"1:3" is not a weekday name'],
    ["negative numeric weekdays aren't allowed", { weekdays: ['-2:-1'] }, '"-2:-1" is not a weekday name'],
    ['0 day of month', { days_of_month: ['0'] }, 'day 0 is not a day of the month'],
    ['timeIntervalTestCases -31:31 (a struct in Go; refused by its YAML loader)', { days_of_month: ['-31:31'] }, 'the end day must be negative when the start day is'],
    ['start day of month < 0', { days_of_month: ['-50:-20'] }, '"-50:-20" is not a day of the month'],
    ['end day of month > 31', { days_of_month: ['1:50'] }, '"1:50" is not a day of the month'],
    ['end day must be negative if begin day is negative', { days_of_month: ['-15:5'] }, 'the end day must be negative when the start day is'],
    ['negative end date before positive start date', { days_of_month: ['10:-25'] }, 'the end day is before the start day'],
    ['invalid start month', { months: ['martius:june'] }, '"martius:june" is not a month'],
    ['invalid end month', { months: ['march:junius'] }, '"march:junius" is not a month'],
    ['start month after end month', { months: ['december:january'] }, 'ends before it starts'],
    ['start year after end year', { years: ['2022:2020'] }, 'ends before it starts'],
  ])('timeinterval_test.go yamlUnmarshalTestCases: %s is refused', (_name, yaml, says) => {
    const r = TimeInterval.safeParse(yaml);
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.message).join('\n')).toContain(says);
  });

  it.each([
    [
      'weekdays, times, days, years and months together',
      { weekdays: ['monday:wednesday', 'saturday', 'sunday'], times: [{ start_time: '13:00', end_time: '15:00' }], days_of_month: ['1', '10', '20:-1'], years: ['2020:2023'], months: ['january:march'] },
      ['10 Jan 21 13:00 +0000', '30 Jan 21 14:24 +0000'],
      ['09 Jan 21 13:00 +0000', '20 Jan 21 12:59 +0000', '02 Feb 21 13:00 +0000'],
    ],
    ['broken clamping: a begin day after the end of the month', { days_of_month: ['30:31'], years: ['2020:2023'], months: ['february'] }, [], ['28 Feb 21 13:00 +0000']],
  ])('timeinterval_test.go completeTestCases: %s', (_name, yaml, inside, outside) => {
    const i = ti(yaml);
    expect(inside.filter((s) => !contains(i, s))).toEqual([]);
    expect(outside.filter((s) => contains(i, s))).toEqual([]);
  });
});

describe('config checks Alertmanager makes at load (config/config.go), refused with file:line and field', () => {
  const BASE = `receivers:
  - { name: slack, type: slack, webhook_url: { env: X } }
rules:
  - name: bedrock-throttles
    kind: ratio
    numerator: InvocationThrottles
    denominator: Invocations
    next_check: quota
    tiers: { critical: { above: 10% } }
`;
  const problems = (extra: string) => {
    try {
      parseRules(`${BASE}${extra}`);
      return [];
    } catch (e) {
      if (!(e instanceof RulesError)) throw e;
      return e.problems.map((p) => `${p.file}:${p.line}:${p.col} ${p.path} ${p.message}`);
    }
  };
  it.each([
    ['continue on the root route', 'route:\n  receiver: slack\n  continue: true\n', 'rules.yml:12:13 route.continue the root route cannot have continue'],
    ['a repeated group_by label', 'route:\n  receiver: slack\n  group_by: [rule, ModelId, rule]\n', 'rules.yml:12:29 route.group_by[2] label "rule" is repeated in group_by'],
    [
      'two time intervals with the same name',
      "time_intervals:\n  - name: nights\n    time_intervals: [{ weekdays: ['monday'] }]\n  - name: nights\n    time_intervals: [{ weekdays: ['friday'] }]\n",
      'rules.yml:13:11 time_intervals[1].name time interval "nights" is defined twice',
    ],
    ['a numeric weekday', "time_intervals:\n  - name: n\n    time_intervals: [{ weekdays: ['1:5'] }]\n", 'time_intervals[0].time_intervals[0].weekdays[0] "1:5" is not a weekday name'],
    ['a silence-proof regex in match_re', "route:\n  receiver: slack\n  routes:\n    - match_re: { ModelId: 'meta.(' }\n", 'invalid regular expression'],
  ])('refuses %s', (_case, extra, says) => {
    expect(problems(extra).join('\n')).toContain(says);
  });

  it('accepts what Alertmanager accepts: {…} selectors, comma lists, (?i), match:/match_re:, negative days, years', () => {
    expect(
      problems(`route:
  receiver: slack
  routes:
    - matchers: ['{rule="bedrock-throttles", ModelId=~"(?i)META.*"}', 'severity="critical",signal="throttles"']
      receiver: slack
    - match: { rule: bedrock-throttles }
      match_re: { ModelId: 'amazon\\..*' }
      receiver: slack
      mute_time_intervals: [month-end]
time_intervals:
  - name: month-end
    time_intervals: [{ days_of_month: ['-3:-1'], years: ['2026:2027'] }]
`),
    ).toEqual([]);
  });
});
