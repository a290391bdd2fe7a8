/**
 * The routing tree, compiled from rules.yml (`route`, or the short form `routes` per tier) and
 * matched with Alertmanager's semantics: depth-first; a node matches when its matchers hold; the
 * first matching child handles the alert unless it says `continue: true`; a node none of whose
 * children match handles the alert itself. Children inherit every setting their parent has and
 * they do not set (except matchers, continue and time intervals, which are the node's own).
 * Pure: no clock, no I/O.
 */
import type { Config } from '../rules/schema';
import type { Matcher } from '../rules/matchers';
import { matchesAll } from '../rules/matchers';
import type { RouteInput } from '../rules/route-schema';

/** Alertmanager's defaults for a tree, the short form keeps its old immediate, per-alert behaviour. */
export const TREE_DEFAULTS = { group_by: [] as string[], group_wait: 30_000, group_interval: 300_000, repeat_interval: 4 * 3_600_000, send_resolved: true };
const SHORT_FORM_DEFAULTS = { group_by: ['...'], group_wait: 0, group_interval: 0 };

type Settings = Omit<RouteInput, 'matchers' | 'continue' | 'routes' | 'mute_time_intervals' | 'active_time_intervals' | 'receiver' | 'receivers'>;

/** A compiled route node: every inherited setting resolved. Extra settings added to ROUTE_SETTINGS come along as they are. */
export type RouteNode = Omit<Settings, keyof typeof TREE_DEFAULTS> &
  typeof TREE_DEFAULTS & {
    /** Stable id: the node's position, like "route.routes[1].routes[0]" (also names it in messages and reports). */
    id: string;
    receivers: string[];
    matchers: Matcher[];
    continue: boolean;
    mute_time_intervals: string[];
    active_time_intervals: string[];
    routes: RouteNode[];
  };

/** The tree the config describes: its `route`, or its short form compiled to one child per tier. */
export function compileRoute(config: Pick<Config, 'route' | 'routes'>): RouteNode {
  if (config.route) return compile(config.route, null, 'route');
  const r = config.routes ?? { info: [], warning: [], critical: [], repeat_interval: TREE_DEFAULTS.repeat_interval };
  // The short form's escalation is per tier (tierPolicies in escalate.ts), not a route setting.
  const { info, warning, critical, escalation: _perTier, ...settings } = { escalation: undefined, ...r };
  const tier = (name: 'critical' | 'warning' | 'info', receivers: string[]): RouteInput => ({
    matchers: [{ name: 'severity', op: '=', value: name }],
    continue: false,
    receivers,
  });
  const root: RouteInput = { ...SHORT_FORM_DEFAULTS, ...strip(settings), receivers: [], continue: false, routes: [tier('critical', critical), tier('warning', warning), tier('info', info)] };
  return compile(root, null, 'routes');
}

function compile(input: RouteInput, parent: RouteNode | null, id: string): RouteNode {
  const { matchers, continue: cont, routes, mute_time_intervals, active_time_intervals, receiver, receivers, ...own } = input;
  const inherited = parent
    ? (Object.fromEntries(Object.entries(parent).filter(([k]) => !NOT_INHERITED.has(k))) as Omit<RouteNode, 'id' | 'matchers' | 'continue' | 'routes' | 'mute_time_intervals' | 'active_time_intervals'>)
    : { ...TREE_DEFAULTS, receivers: [] as string[] };
  const given = receiver || receivers ? [...(receiver ? [receiver] : []), ...(receivers ?? [])] : null;
  const node: RouteNode = {
    ...inherited,
    ...strip(own),
    receivers: given ?? inherited.receivers,
    id,
    matchers: matchers ?? [],
    continue: cont ?? false,
    mute_time_intervals: mute_time_intervals ?? [],
    active_time_intervals: active_time_intervals ?? [],
    routes: [],
  };
  node.routes = (routes ?? []).map((child, i) => compile(child, node, `${id}.routes[${i}]`));
  return node;
}

const NOT_INHERITED = new Set(['id', 'matchers', 'continue', 'routes', 'mute_time_intervals', 'active_time_intervals']);

function strip<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * The nodes that handle an alert with these labels, in tree order (Alertmanager's Route.Match):
 * the root always matches; each matching node hands the alert to its first matching child (and
 * to later ones while children say continue), and handles it itself when no child matches.
 */
export function matchRoutes(root: RouteNode, labels: Readonly<Record<string, string>>): RouteNode[] {
  const visit = (node: RouteNode): RouteNode[] => {
    if (!matchesAll(node.matchers, labels)) return [];
    const out: RouteNode[] = [];
    for (const child of node.routes) {
      const got = visit(child);
      out.push(...got);
      if (got.length && !child.continue) break;
    }
    return out.length ? out : [node];
  };
  return visit(root);
}

/** Every receiver the tree can send to (for the digest default and checks). */
export function allReceivers(root: RouteNode): string[] {
  const out = new Set<string>(root.receivers);
  for (const c of root.routes) for (const r of allReceivers(c)) out.add(r);
  return [...out];
}
