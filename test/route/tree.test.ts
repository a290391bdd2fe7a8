/**
 * Route matching and inheritance as tables. The tree is the one Alertmanager's own routing tests
 * use (dispatch/route_test.go), so the answers are the ones Alertmanager users expect.
 */
import { parse } from 'yaml';
import { formatMatcher, matchesAll, parseMatcher, type Matcher } from '../../shared/rules/matchers';
import { Route } from '../../shared/rules/route-schema';
import { allReceivers, compileRoute, matchRoutes, TREE_DEFAULTS } from '../../shared/route/tree';

// Compiled inside each test (not at import): mutation testing attributes the compile to the tests that use it.
const tree = () =>
  compileRoute({
  route: Route.parse(
    parse(`
receiver: notify-def
group_by: [alertname]
routes:
  - matchers: ['owner="team-A"']
    receiver: notify-A
    routes:
      - matchers: ['env="testing"']
        receiver: notify-testing
        group_by: ['...']
      - matchers: ['env="production"']
        receiver: notify-productionA
        group_wait: 1m
        continue: true
      - matchers: ['env=~"produ.*"', 'job=~".*"']
        receiver: notify-productionB
        group_wait: 30s
        group_interval: 5m
        repeat_interval: 1h
        group_by: [job]
  - matchers: ['owner=~"team-(B|C)"']
    group_by: [foo, bar]
    group_wait: 2m
    receiver: notify-BC
  - matchers: ['group_by="role"']
    group_by: [role]
    routes:
      - matchers: ['env="testing"']
        receiver: notify-testing
        routes:
          - matchers: ['wait="long"']
            group_wait: 2m
`),
  ),
});

const DEF = { group_wait: TREE_DEFAULTS.group_wait, group_interval: TREE_DEFAULTS.group_interval, repeat_interval: TREE_DEFAULTS.repeat_interval };
const match = (labels: Record<string, string>) =>
  matchRoutes(tree(), labels).map((n) => ({ receivers: n.receivers, group_by: n.group_by, group_wait: n.group_wait, group_interval: n.group_interval, repeat_interval: n.repeat_interval }));

describe('routing tree (Alertmanager semantics)', () => {
  it.each([
    ['a child matches: it takes the alert, inheriting the root’s grouping and timers', { owner: 'team-A' }, [{ receivers: ['notify-A'], group_by: ['alertname'], ...DEF }]],
    ['a node whose children all miss handles the alert itself', { owner: 'team-A', env: 'staging' }, [{ receivers: ['notify-A'], group_by: ['alertname'], ...DEF }]],
    ['a regex matcher is anchored and matches alternatives', { owner: 'team-C' }, [{ receivers: ['notify-BC'], group_by: ['foo', 'bar'], ...DEF, group_wait: 120_000 }]],
    ['a regex is anchored: team-CD does not match team-(B|C)', { owner: 'team-CD' }, [{ receivers: ['notify-def'], group_by: ['alertname'], ...DEF }]],
    [
      'continue: true lets the next sibling match too, each with its own settings',
      { owner: 'team-A', env: 'production' },
      [
        { receivers: ['notify-productionA'], group_by: ['alertname'], ...DEF, group_wait: 60_000 },
        { receivers: ['notify-productionB'], group_by: ['job'], group_wait: 30_000, group_interval: 300_000, repeat_interval: 3_600_000 },
      ],
    ],
    ['without continue, the first match wins: ... means no grouping', { owner: 'team-A', env: 'testing' }, [{ receivers: ['notify-testing'], group_by: ['...'], ...DEF }]],
    ['a route without a receiver inherits its parent’s', { group_by: 'role' }, [{ receivers: ['notify-def'], group_by: ['role'], ...DEF }]],
    ['grand-children inherit through two levels', { group_by: 'role', env: 'testing' }, [{ receivers: ['notify-testing'], group_by: ['role'], ...DEF }]],
    ['and override only what they set', { group_by: 'role', env: 'testing', wait: 'long' }, [{ receivers: ['notify-testing'], group_by: ['role'], ...DEF, group_wait: 120_000 }]],
    ['nothing matches: the root handles it', { owner: 'team-X' }, [{ receivers: ['notify-def'], group_by: ['alertname'], ...DEF }]],
  ])('%s', (_case, labels, expected) => {
    expect(match(labels)).toEqual(expected);
  });

  it('names nodes by their place in the file, so reports can point at them', () => {
    expect(matchRoutes(tree(), { owner: 'team-A', env: 'production' }).map((n) => n.id)).toEqual(['route.routes[0].routes[1]', 'route.routes[0].routes[2]']);
  });

  it('carries extra route settings to matched nodes and inherits them (room for escalation policies)', () => {
    const t = compileRoute({ route: { receiver: 'r', continue: false, routes: [{ continue: false, matchers: [eq('x', '1')] }], ...({ escalation: 'oncall' } as object) } });
    expect((matchRoutes(t, { x: '1' })[0] as unknown as { escalation: string }).escalation).toBe('oncall');
  });
});

describe('the short form compiles to one route per tier', () => {
  const short = () => compileRoute({ routes: { critical: ['pd', 'slack'], warning: ['slack'], info: [], repeat_interval: 3_600_000 } });
  it.each([
    ['critical', ['pd', 'slack']],
    ['warning', ['slack']],
    ['info', []],
  ])('severity=%s → %j, each alert alone, sent at once', (severity, receivers) => {
    const [node] = matchRoutes(short(), { severity });
    expect(node).toMatchObject({ receivers, group_by: ['...'], group_wait: 0, group_interval: 0, repeat_interval: 3_600_000, send_resolved: true });
  });
});

const eq = (name: string, value: string): Matcher => ({ name, op: '=', value });

describe('matchers', () => {
  it.each([
    ['severity="critical"', { severity: 'critical' }, true],
    ['severity="critical"', { severity: 'warning' }, false],
    ['severity!="critical"', { severity: 'warning' }, true],
    ['ModelId=~"meta.*"', { ModelId: 'meta.llama3-70b' }, true],
    ['ModelId=~"meta"', { ModelId: 'meta.llama3-70b' }, false],
    ['ModelId!~"meta.*"', { ModelId: 'amazon.nova-lite-v1:0' }, true],
    ['team=""', {}, true],
    ['team!=""', {}, false],
    ['team!="ml"', {}, true],
    ["rule='bedrock-throttles'", { rule: 'bedrock-throttles' }, true],
    ['rule=bedrock-throttles', { rule: 'bedrock-throttles' }, true],
    ['  signal =~ "cost|budget" ', { signal: 'budget' }, true],
    ['summary="a \\"quoted\\" word"', { summary: 'a "quoted" word' }, true],
  ])('%s on %j → %s', (text, labels, expected) => {
    const m = parseMatcher(text);
    expect(typeof m).toBe('object');
    expect(matchesAll([m as Matcher], labels)).toBe(expected);
  });

  it.each([
    ['severity', 'is not a matcher'],
    ['severity=="critical"', 'unescaped double quote'],
    ['1abc="x"', 'is not a matcher'],
    ['ModelId=~"meta.("', 'invalid regular expression'],
  ])('refuses %s', (text, says) => {
    expect(parseMatcher(text)).toEqual(expect.stringContaining(says));
  });

  it('prints matchers back in the syntax they are written in', () => {
    expect(formatMatcher(parseMatcher('ModelId=~"meta.*"') as Matcher)).toBe('ModelId=~"meta.*"');
  });
});

describe('compiled nodes', () => {
  it('the short form: a root that sends nowhere itself, one route per tier', () => {
    const t = compileRoute({ routes: { critical: ['pd', 'slack'], warning: ['slack'], info: [], repeat_interval: 3_600_000 } });
    expect(t).toMatchObject({ id: 'routes', receivers: [], continue: false, matchers: [], mute_time_intervals: [], active_time_intervals: [] });
    expect(t.routes.map((n) => [n.id, n.receivers, n.continue])).toEqual([
      ['routes.routes[0]', ['pd', 'slack'], false],
      ['routes.routes[1]', ['slack'], false],
      ['routes.routes[2]', [], false],
    ]);
    expect(allReceivers(t)).toEqual(['pd', 'slack']);
  });

  it('no routes at all: every tier sends nowhere, with the default repeat', () => {
    const t = compileRoute({});
    expect(t.routes.map((n) => n.receivers)).toEqual([[], [], []]);
    expect(allReceivers(t)).toEqual([]);
    expect(matchRoutes(t, { severity: 'critical' })[0]).toMatchObject({ receivers: [], repeat_interval: TREE_DEFAULTS.repeat_interval });
  });

  it('a node’s own settings: no continue, matchers or windows unless it says so', () => {
    const t = compileRoute({ route: Route.parse({ receiver: 'a', routes: [{ matchers: ['x="1"'], receiver: 'b', continue: true, mute_time_intervals: ['nights'] }, { receiver: 'c' }] }) });
    expect(t.routes[0]).toMatchObject({ continue: true, mute_time_intervals: ['nights'], active_time_intervals: [] });
    expect(t.routes[1]).toMatchObject({ continue: false, matchers: [], mute_time_intervals: [], active_time_intervals: [], routes: [] });
    expect(matchRoutes(t, { x: '1' }).map((n) => n.receivers[0])).toEqual(['b', 'c']);
    expect(matchRoutes(t, { x: '2' }).map((n) => n.receivers[0])).toEqual(['c']);
  });

  it('without continue, the first matching child takes the alert even when later ones match too', () => {
    const t = compileRoute({ route: Route.parse({ receiver: 'a', routes: [{ matchers: ['x="1"'], receiver: 'b' }, { matchers: ['x=~".+"'], receiver: 'c' }, { receiver: 'd' }] }) });
    expect(matchRoutes(t, { x: '1' }).map((n) => n.receivers[0])).toEqual(['b']);
    expect(matchRoutes(t, { x: '2' }).map((n) => n.receivers[0])).toEqual(['c']);
  });

  it('allReceivers: every receiver of the tree once, the root’s first', () => {
    const t = compileRoute({ route: Route.parse({ receiver: 'root', routes: [{ receiver: 'a', routes: [{ receivers: ['b', 'root'] }] }, { receiver: 'a' }] }) });
    expect(allReceivers(t)).toEqual(['root', 'a', 'b']);
  });
});
