/** Routing references that cannot resolve are located errors (file:line:col and field), not silent no-ops. */
import { RulesError } from '../../shared/rules/errors';
import { parseRules } from '../../shared/rules/load';

const BASE = `receivers:
  - { name: slack, type: slack, webhook_url: { env: X } }
rules:
  - name: bedrock-throttles
    kind: ratio
    numerator: InvocationThrottles
    denominator: Invocations
    next_check: quota
    labels: { team: ml }
    tiers: { critical: { above: 10% } }
`;

const problems = (extra: string) => {
  try {
    parseRules(`${BASE}${extra}`);
    return [];
  } catch (e) {
    if (!(e instanceof RulesError)) throw e;
    return e.problems.map((p) => `${p.line}:${p.col} ${p.path} ${p.message}`);
  }
};

describe('route, inhibit and time interval references', () => {
  it('accepts a tree using built-in labels, a rule’s own label, and a named interval', () => {
    expect(
      problems(`route:
  receiver: slack
  group_by: [rule, team]
  routes:
    - matchers: ['team="ml"', 'ModelId=~"meta.*"', 'severity!="info"']
      mute_time_intervals: [nights]
time_intervals:
  - name: nights
    time_intervals: [{ times: [{ start_time: '22:00', end_time: '24:00' }], weekdays: ['monday:friday'], location: Europe/Berlin }]
inhibit:
  - source_matchers: ['rule="bedrock-throttles"']
    target_matchers: ['signal="latency"']
    equal: [ModelId, Region]
`),
    ).toEqual([]);
  });

  it.each([
    ['an unknown receiver', `route:\n  receiver: pager\n`, '12:13 route.receiver unknown receiver "pager" (receivers: slack)'],
    ['a label no alert has', `route:\n  receiver: slack\n  routes:\n    - matchers: ['tema="ml"']\n`, '14:18 route.routes[0].matchers[0] no alert carries the label "tema"'],
    ['a rule that does not exist', `route:\n  receiver: slack\n  routes:\n    - matchers: ['rule="bedrock-trottles"']\n`, '14:18 route.routes[0].matchers[0] unknown rule "bedrock-trottles": did you mean "bedrock-throttles"?'],
    ['a severity that does not exist', `route:\n  receiver: slack\n  routes:\n    - matchers: 'severity="page"'\n`, '14:17 route.routes[0].matchers[0] no severity is "page" (one of: info, warning, critical)'],
    ['a matcher that does not parse', `route:\n  receiver: slack\n  routes:\n    - matchers: ['team ml']\n`, '14:17 route.routes[0].matchers "team ml" is not a matcher'],
    ['an unknown time interval', `route:\n  receiver: slack\n  routes:\n    - mute_time_intervals: [night]\n`, '14:29 route.routes[0].mute_time_intervals[0] unknown time interval "night" (time_intervals: none)'],
    ['a group_by label no alert has', `route:\n  receiver: slack\n  group_by: [model]\n`, '13:14 route.group_by[0] no alert carries the label "model"'],
    ['a root without receiver', `route:\n  group_by: [rule]\n`, '12:3 route the root route needs a receiver'],
    ['both forms at once', `route: { receiver: slack }\nroutes: { critical: [slack] }\n`, '12:9 routes use either `routes` (short form) or `route` (tree), not both'],
    ['an inhibit rule naming a missing rule', `inhibit:\n  - source_matchers: ['rule="nope"']\n    target_matchers: ['rule="bedrock-throttles"']\n`, '12:23 inhibit[0].source_matchers[0] unknown rule "nope": the rules are "bedrock-throttles"'],
    ['an inhibit equal label no alert has', `inhibit:\n  - source: { rule: bedrock-throttles }\n    target: { signal: latency }\n    equal: [model]\n`, '14:13 inhibit[0].equal[0] no alert carries the label "model"'],
    ['a legacy inhibit naming a missing rule', `inhibit:\n  - source: { rule: nope }\n    target: { rule: bedrock-throttles }\n`, '12:21 inhibit[0].source.rule unknown rule "nope"'],
    ['a night window crossing midnight', `time_intervals:\n  - name: n\n    time_intervals: [{ times: [{ start_time: '22:00', end_time: '06:00' }] }]\n`, 'split a night window into 22:00–24:00 and 00:00–06:00'],
    ['a weekday that is not one', `time_intervals:\n  - name: n\n    time_intervals: [{ weekdays: ['mon:fri'] }]\n`, '"mon:fri" is not a weekday'],
    ['a time zone that does not exist', `time_intervals:\n  - name: n\n    time_intervals: [{ location: Europe/Berlln }]\n`, 'must be an IANA time zone'],
    ['a rule label shadowing a built-in one', '', ''],
  ])('refuses %s', (_case, extra, says) => {
    if (!extra) {
      expect(problems('').length).toBe(0);
      expect(() => parseRules(BASE.replace('labels: { team: ml }', 'labels: { severity: low }'))).toThrow(/rules\[0\]\.labels\.severity "severity" is set by bedrock-watch itself/);
      return;
    }
    expect(problems(extra).join('\n')).toContain(says);
  });
});
