/**
 * Alertmanager's routing tables, ported from dispatch/route_test.go (TestRouteMatch,
 * TestRouteMatchers, TestRouteMatchersAndMatch, TestInheritParentGroupByAll): the same trees, read
 * by bedrock-watch's route schema (match:, match_re:, {…} selectors) and matched by its router.
 * Alertmanager's defaults are bedrock-watch's tree defaults: group_wait 30s, group_interval 5m,
 * repeat_interval 4h, no grouping.
 */
import { parse } from 'yaml';
import { Route } from '../../../shared/rules/route-schema';
import { compileRoute, matchRoutes, TREE_DEFAULTS, type RouteNode } from '../../../shared/route/tree';
import { groupIdentity } from '../../../shared/route/groups';

const TREE_MATCH = `
receiver: 'notify-def'
routes:
- match:
    owner: 'team-A'
  receiver: 'notify-A'
  routes:
  - match:
      env: 'testing'
    receiver: 'notify-testing'
    group_by: [...]
  - match:
      env: "production"
    receiver: 'notify-productionA'
    group_wait: 1m
    continue: true
  - match_re:
      env: "produ.*"
      job: ".*"
    receiver: 'notify-productionB'
    group_wait: 30s
    group_interval: 5m
    repeat_interval: 1h
    group_by: ['job']
- match_re:
    owner: 'team-(B|C)'
  group_by: ['foo', 'bar']
  group_wait: 2m
  receiver: 'notify-BC'
- match:
    group_by: 'role'
  group_by: ['role']
  routes:
  - match:
      env: 'testing'
    receiver: 'notify-testing'
    routes:
    - match:
        wait: 'long'
      group_wait: 2m
`;

const TREE_MATCHERS = `
receiver: 'notify-def'
routes:
- matchers: ['{owner="team-A"}', '{level!="critical"}']
  receiver: 'notify-A'
  routes:
  - matchers: ['{env="testing"}', '{baz!~".*quux"}']
    receiver: 'notify-testing'
    group_by: [...]
  - matchers: ['{env="production"}']
    receiver: 'notify-productionA'
    group_wait: 1m
    continue: true
  - matchers: [ env=~"produ.*", job=~".*"]
    receiver: 'notify-productionB'
    group_wait: 30s
    group_interval: 5m
    repeat_interval: 1h
    group_by: ['job']
- matchers: [owner=~"team-(B|C)"]
  group_by: ['foo', 'bar']
  group_wait: 2m
  receiver: 'notify-BC'
- matchers: [group_by="role"]
  group_by: ['role']
  routes:
  - matchers: ['{env="testing"}']
    receiver: 'notify-testing'
    routes:
    - matchers: [wait="long"]
      group_wait: 2m
`;

// TestRouteMatchersAndMatch mixes both forms in one tree.
const TREE_MIXED = TREE_MATCHERS.replace(`  - matchers: ['{env="production"}']`, `  - match:\n      env: "production"`).replace(`- matchers: [owner=~"team-(B|C)"]`, `- match_re:\n    owner: 'team-(B|C)'`);

const D = { group_by: [] as string[], group_wait: TREE_DEFAULTS.group_wait, group_interval: TREE_DEFAULTS.group_interval, repeat_interval: TREE_DEFAULTS.repeat_interval };
type Opts = { receiver: string; group_by: string[]; group_wait: number; group_interval: number; repeat_interval: number };
const o = (receiver: string, over: Partial<Opts> = {}): Opts => ({ receiver, ...D, ...over });
const MIN = 60_000;

// Each case: labels → the route options Alertmanager returns (RouteOpts), in order. '...' stands for GroupByAll.
const CASES: [Record<string, string>, Opts[]][] = [
  [{ owner: 'team-A' }, [o('notify-A')]],
  [{ owner: 'team-A', env: 'unset' }, [o('notify-A')]],
  [{ owner: 'team-C' }, [o('notify-BC', { group_by: ['foo', 'bar'], group_wait: 2 * MIN })]],
  [{ owner: 'team-A', env: 'testing' }, [o('notify-testing', { group_by: ['...'] })]],
  [
    { owner: 'team-A', env: 'production' },
    [o('notify-productionA', { group_wait: MIN }), o('notify-productionB', { group_by: ['job'], group_wait: 30_000, group_interval: 5 * MIN, repeat_interval: 60 * MIN })],
  ],
  [{ group_by: 'role' }, [o('notify-def', { group_by: ['role'] })]],
  [{ env: 'testing', group_by: 'role' }, [o('notify-testing', { group_by: ['role'] })]],
  [{ env: 'testing', group_by: 'role', wait: 'long' }, [o('notify-testing', { group_by: ['role'], group_wait: 2 * MIN })]],
];

const tree = (yaml: string): RouteNode => compileRoute({ route: Route.parse(parse(yaml)) });
const opts = (n: RouteNode): Opts => ({ receiver: n.receivers.join(','), group_by: n.group_by, group_wait: n.group_wait, group_interval: n.group_interval, repeat_interval: n.repeat_interval });

describe.each([
  ['TestRouteMatch', TREE_MATCH],
  ['TestRouteMatchers', TREE_MATCHERS],
  ['TestRouteMatchersAndMatch', TREE_MIXED],
])('dispatch/route_test.go %s', (test, yaml) => {
  it.each(CASES)(`dispatch/route_test.go ${test} %j`, (labels, want) => {
    expect(matchRoutes(tree(yaml), labels).map(opts)).toEqual(want);
  });
});

describe('dispatch/route_test.go TestRouteWalk', () => {
  it('dispatch/route_test.go TestRouteWalk: every node, depth first, with its inherited receiver', () => {
    const walk = (n: RouteNode): string[] => [n.receivers.join(','), ...n.routes.flatMap(walk)];
    expect(walk(tree(TREE_MATCH))).toEqual(['notify-def', 'notify-A', 'notify-testing', 'notify-productionA', 'notify-productionB', 'notify-BC', 'notify-def', 'notify-testing', 'notify-testing']);
  });
});

describe('dispatch/route_test.go TestInheritParentGroupByAll', () => {
  it("dispatch/route_test.go TestInheritParentGroupByAll: a child inherits group_by ['...'] unless it sets its own", () => {
    const t = tree(`
routes:
- match:
    env: 'parent'
  group_by: ['...']
  routes:
  - match:
      env: 'child1'
  - match:
      env: 'child2'
    group_by: ['foo']
`);
    const parent = t.routes[0];
    expect([parent.group_by, parent.routes[0].group_by, parent.routes[1].group_by]).toEqual([['...'], ['...'], ['foo']]);
  });
});

describe("group labels (Alertmanager's dispatcher labels a group_by ['...'] group with the alert's whole label set)", () => {
  it("each alert alone, its group labelled with all its labels; severity never splits a group", () => {
    const labels = { rule: 'bedrock-throttles', ModelId: 'm1', severity: 'warning' };
    expect(groupIdentity('r', ['...'], labels, 'fp1', 0).labels).toEqual(labels);
    // bedrock-watch: severity is the tier firing now, an attribute of the group, not part of its key.
    const warning = groupIdentity('r', ['rule', 'severity'], labels, 'fp1', 0);
    const critical = groupIdentity('r', ['rule', 'severity'], { ...labels, severity: 'critical' }, 'fp2', 0);
    expect(critical.id).toBe(warning.id);
    expect(warning.labels).toEqual({ rule: 'bedrock-throttles', severity: 'warning' });
    expect(groupIdentity('r', ['rule'], labels, 'fp1', 0).id).not.toBe(groupIdentity('r', ['rule'], { ...labels, rule: 'bedrock-latency' }, 'fp1', 0).id);
  });
});
