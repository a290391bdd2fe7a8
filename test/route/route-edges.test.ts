/**
 * The router's less travelled paths (shared/route/route.ts): what a tick persists, a silence after
 * the announcement, a held-back episode's reasons, the order of a message's alerts, a re-fire
 * before the resolve was told, acknowledged reminders, child timers, catch-up transitions.
 */
import { fingerprint } from '../../shared/engine/fingerprint';
import { initialState } from '../../shared/engine/machine';
import { signalOf } from '../../shared/engine/signal';
import type { AlertState, Transition } from '../../shared/core/alert';
import type { AlertView } from '../../shared/core/notification';
import type { Groups } from '../../shared/route/groups';
import { parseRules } from '../../shared/rules/load';
import type { Config } from '../../shared/rules/schema';
import { messageOrder, route, type RouteResult } from '../../shared/route/route';
import type { Silence } from '../../shared/route/silences';

const NOW = Date.parse('2026-10-05T16:00:00.000Z'); // a Monday
const MIN = 60_000;
const SONNET = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
const LLAMA = 'meta.llama3-1-70b-instruct-v1:0';

const RULES = `
rules:
  - name: bedrock-throttles
    kind: ratio
    description: Throttling
    numerator: InvocationThrottles
    denominator: [Invocations, InvocationThrottles]
    next_check: Compare with the quota.
    tiers: { warning: { above: 1% }, critical: { above: 10% } }
  - name: bedrock-latency-p95
    kind: threshold
    metric: InvocationLatency
    stat: p95
    next_check: Look at OutputTokenCount.
    tiers: { critical: { above: 10s } }
`;
const RECEIVERS = `
receivers:
  - { name: pagerduty-oncall, type: pagerduty, routing_key: { env: PD_KEY } }
  - { name: slack-alerts, type: slack, webhook_url: { env: SLACK_URL } }
`;
const shortForm = parseRules(`${RECEIVERS}
routes:
  critical: [pagerduty-oncall, slack-alerts]
  warning: [slack-alerts]
  repeat_interval: 4h
inhibit:
  - source_matchers: ['rule="bedrock-latency-p95"']
    target_matchers: ['rule="bedrock-throttles"']
    equal: [ModelId]
${RULES}`);
const grouped = parseRules(`${RECEIVERS}
route:
  receiver: slack-alerts
  group_by: [rule, severity]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
${RULES}`);

function alert(config: Config, rule: string, model: string, over: Partial<AlertState> = {}): AlertState {
  const r = config.rules.find((x) => x.name === rule)!;
  const labels = { ModelId: model };
  return { ...initialState(fingerprint(rule, labels), r, signalOf(r), labels), status: 'firing', tier: 'critical', maxTier: 'critical', startsAt: NOW, conditionSince: NOW - 8 * MIN, text: 'now', headline: 'peak', ...over };
}
const resolve = (s: AlertState, at: number) => Object.assign(s, { status: 'inactive', tier: null, endsAt: at });
const byFp = (...states: AlertState[]) => Object.fromEntries(states.map((s) => [s.fingerprint, s]));
const lines = (r: RouteResult) => r.notifications.map((n) => `${n.action} ${n.alert.tier} → ${n.receiver} (${n.alerts.length})`).sort();

class Clock {
  groups: Groups = {};
  constructor(
    readonly config: Config,
    public silences: Silence[] = [],
  ) {}
  tick(states: Record<string, AlertState>, now: number, transitions?: Transition[]): RouteResult {
    const r = route({ config: this.config, states, groups: this.groups, silences: this.silences, transitions, now });
    this.groups = r.groups;
    return r;
  }
}
const silence = (matchers: string[], from: number, to: number): Silence => ({ id: 's1', matchers, author: 'ana', comment: 'migration', startsAt: from, endsAt: to, createdAt: from });

describe('what a tick persists', () => {
  it('names the alerts it announced in touched', () => {
    const s = alert(shortForm, 'bedrock-throttles', SONNET);
    const r = new Clock(shortForm).tick(byFp(s), NOW);
    expect(r.touched).toEqual([s.fingerprint]);
  });
});

describe('routing by the tier firing now', () => {
  it('an alert first seen at warning after a critical peak goes to the warning route, told as warning', () => {
    const s = alert(shortForm, 'bedrock-throttles', SONNET, { tier: 'warning', maxTier: 'critical' });
    const r = new Clock(shortForm).tick(byFp(s), NOW);
    expect(lines(r)).toEqual(['trigger warning → slack-alerts (1)']);
  });
});

describe('silences and inhibition over time', () => {
  it('a silence after the announcement holds back the repeats, and is not reported as holding back the episode', () => {
    const clock = new Clock(shortForm);
    const s = alert(shortForm, 'bedrock-throttles', LLAMA);
    clock.tick(byFp(s), NOW);
    clock.silences = [silence(['ModelId=~"meta.*"'], NOW + MIN, NOW + 10 * 60 * MIN)];
    const r = clock.tick(byFp(s), NOW + 2 * MIN);
    expect(r.muted).toEqual([]);
    expect(s.suppressedBy).toBeNull();
    expect(r.touched).toEqual([]);
    expect(lines(clock.tick(byFp(s), NOW + 4 * 60 * MIN + MIN))).toEqual([]);
    // Without the silence the repeat is due.
    clock.silences = [];
    expect(lines(clock.tick(byFp(s), NOW + 4 * 60 * MIN + 2 * MIN))).toEqual(['repeat critical → pagerduty-oncall (1)', 'repeat critical → slack-alerts (1)']);
  });

  it('reports a held-back episode once, persists it once per reason, and follows the reason as it changes', () => {
    const clock = new Clock(shortForm, [silence(['ModelId=~"meta.*"'], NOW - MIN, NOW + 5 * MIN)]);
    const s = alert(shortForm, 'bedrock-throttles', LLAMA);
    const first = clock.tick(byFp(s), NOW);
    expect(first.muted.map((m) => m.kind)).toEqual(['silenced']);
    expect(first.touched).toEqual([s.fingerprint]);
    const second = clock.tick(byFp(s), NOW + MIN);
    expect(second.muted).toEqual([]);
    expect(second.touched).toEqual([]);
    // The silence ends while a latency alert on the same model inhibits it: the new reason is kept, not reported again.
    const slow = alert(shortForm, 'bedrock-latency-p95', LLAMA, { startsAt: NOW + 6 * MIN });
    const third = clock.tick(byFp(s, slow), NOW + 6 * MIN);
    expect(third.muted).toEqual([]);
    expect(s.suppressedBy).toMatch(/^inhibited by bedrock-latency-p95/);
    expect(third.touched).toContain(s.fingerprint);
  });
});

describe('time windows', () => {
  const config = parseRules(`${RECEIVERS}
time_intervals:
  - name: office
    time_intervals: [{ weekdays: ['monday:friday'], times: [{ start_time: '09:00', end_time: '17:00' }] }]
  - name: weekend
    time_intervals: [{ weekdays: ['saturday', 'sunday'] }]
route:
  receiver: slack-alerts
  group_by: ['...']
  group_wait: 0s
  group_interval: 1m
  routes:
    - matchers: ['severity="warning"']
      receiver: slack-alerts
      active_time_intervals: [office, weekend]
${RULES}`);

  it('says which active windows a held-back message waits for, as a time_interval mute', () => {
    const s = alert(config, 'bedrock-throttles', SONNET, { tier: 'warning', maxTier: 'warning', startsAt: NOW + 3 * 60 * MIN });
    const r = new Clock(config).tick(byFp(s), NOW + 3 * 60 * MIN); // Monday 19:00 UTC
    expect(r.notifications).toEqual([]);
    expect(r.muted).toEqual([expect.objectContaining({ kind: 'time_interval', reason: 'outside active time intervals "office", "weekend" (route route.routes[0])', receiver: 'slack-alerts', fingerprint: s.fingerprint })]);
  });
});

describe('the order of a message’s alerts', () => {
  const view = (over: Partial<AlertView>): AlertView => ({ fingerprint: 'f', status: 'firing', tier: 'warning', since: '2026-10-05T16:00:00.000Z', ...over }) as AlertView;
  it('firing before resolved, then the most severe, then the oldest, then by fingerprint', () => {
    const a = view({ fingerprint: 'a', status: 'resolved', tier: 'critical' });
    const b = view({ fingerprint: 'b', tier: 'info' });
    const c = view({ fingerprint: 'c', tier: 'critical', since: '2026-10-05T16:05:00.000Z' });
    const d = view({ fingerprint: 'd', tier: 'critical', since: '2026-10-05T15:00:00.000Z' });
    const e = view({ fingerprint: 'e', tier: 'warning' });
    const f = view({ fingerprint: 'f0', tier: 'warning' });
    const g = view({ fingerprint: 'g', status: 'resolved', tier: 'warning' });
    expect([g, a, f, b, e, c, d].sort(messageOrder).map((v) => v.fingerprint)).toEqual(['d', 'c', 'e', 'f0', 'b', 'a', 'g']);
    expect([a, b].sort(messageOrder).map((v) => v.fingerprint)).toEqual(['b', 'a']);
    expect([b, a].sort(messageOrder).map((v) => v.fingerprint)).toEqual(['b', 'a']);
    expect(messageOrder(e, e)).toBe(0);
  });

  it('a grouped message leads with its most severe alert, and its group labels say that severity', () => {
    const clock = new Clock(grouped);
    const warn = alert(grouped, 'bedrock-throttles', LLAMA, { tier: 'warning', maxTier: 'warning' });
    clock.tick(byFp(warn), NOW);
    const crit = alert(grouped, 'bedrock-throttles', SONNET, { startsAt: NOW + 10_000 });
    const [n] = clock.tick(byFp(warn, crit), NOW + MIN).notifications;
    expect(n.alerts.map((a) => a.tier)).toEqual(['critical', 'warning']);
    expect(n.alert.labels.ModelId).toBe(SONNET);
    expect(n.group?.labels).toEqual({ rule: 'bedrock-throttles', severity: 'critical' });
  });
});

describe('a re-fire before the resolve was told', () => {
  it('tells the old episode resolved at the tier it was told, and the new one firing', () => {
    const clock = new Clock(grouped);
    const s = alert(grouped, 'bedrock-throttles', SONNET);
    clock.tick(byFp(s), NOW);
    clock.tick(byFp(s), NOW + MIN); // told: critical
    resolve(s, NOW + 2 * MIN);
    clock.tick(byFp(s), NOW + 2 * MIN); // not due yet (group_interval)
    Object.assign(s, { status: 'firing', tier: 'warning', maxTier: 'warning', startsAt: NOW + 3 * MIN, endsAt: null });
    const r = clock.tick(byFp(s), NOW + 6 * MIN);
    const [n] = r.notifications;
    expect(n.alerts.map((a) => `${a.status} ${a.tier} ${a.startsAt}`)).toEqual([`firing warning ${new Date(NOW + 3 * MIN).toISOString()}`, `resolved critical ${new Date(NOW + 3 * MIN).toISOString()}`]);
  });
});

describe('reminders of acknowledged alerts', () => {
  it('are still sent while any member of the group is not acknowledged, and not once all are', () => {
    const clock = new Clock(grouped);
    const a = alert(grouped, 'bedrock-throttles', SONNET);
    const b = alert(grouped, 'bedrock-throttles', LLAMA);
    clock.tick(byFp(a, b), NOW);
    clock.tick(byFp(a, b), NOW + MIN);
    a.ack = { ackedBy: 'ana', ackedAt: NOW, via: 'slack', episode: NOW };
    const later = NOW + MIN + 4 * 60 * MIN;
    expect(lines(clock.tick(byFp(a, b), later))).toEqual(['repeat critical → slack-alerts (2)']);
    b.ack = { ackedBy: 'ana', ackedAt: NOW, via: 'slack', episode: NOW };
    expect(lines(clock.tick(byFp(a, b), later + 4 * 60 * MIN))).toEqual([]);
  });
});

describe('a child route’s own timers', () => {
  it('a child that waits less than the root sends on its own group_wait', () => {
    const config = parseRules(`${RECEIVERS}
route:
  receiver: slack-alerts
  group_by: [rule]
  group_wait: 5m
  routes:
    - matchers: ['severity="critical"']
      receiver: pagerduty-oncall
      group_wait: 0s
${RULES}`);
    const s = alert(config, 'bedrock-throttles', SONNET);
    expect(lines(new Clock(config).tick(byFp(s), NOW))).toEqual(['trigger critical → pagerduty-oncall (1)']);
  });
});

describe('catch-up transitions', () => {
  it('a resolve this tick is not a caught-up episode: the resolve waits for group_interval', () => {
    const clock = new Clock(grouped);
    const s = alert(grouped, 'bedrock-throttles', SONNET);
    clock.tick(byFp(s), NOW);
    clock.tick(byFp(s), NOW + MIN);
    const before = { ...s };
    resolve(s, NOW + 2 * MIN);
    const t: Transition = { kind: 'resolved', at: NOW + 2 * MIN, minute: NOW + MIN, fromTier: 'critical', state: before };
    expect(clock.tick(byFp(s), NOW + 2 * MIN, [t]).notifications).toEqual([]);
    expect(lines(clock.tick(byFp(s), NOW + 6 * MIN))).toEqual(['resolve critical → slack-alerts (1)']);
  });

  it('ignores a firing transition of an earlier episode, or of an alert no longer kept', () => {
    const s = alert(grouped, 'bedrock-throttles', SONNET, { startsAt: NOW - 60 * MIN });
    resolve(s, NOW);
    const old = { ...s, status: 'firing' as const, startsAt: NOW - 120 * MIN };
    const gone = { ...alert(grouped, 'bedrock-throttles', LLAMA) };
    const ts: Transition[] = [
      { kind: 'firing', at: NOW, minute: NOW, fromTier: null, state: old },
      { kind: 'firing', at: NOW, minute: NOW, fromTier: null, state: gone },
    ];
    const r = route({ config: grouped, states: byFp(s), transitions: ts, groups: {}, now: NOW });
    expect(r.notifications).toEqual([]);
    expect(r.groups).toEqual({});
  });
});
