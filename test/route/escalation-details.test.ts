/**
 * Escalation details a user sees, on the simulated clock (route + escalate, one tick a minute),
 * each found by mutation testing (issue 17) as held by no test: a policy's own repeat interval, the
 * route's group_wait before a step due at once, the tier a page shows once an alert rose or fell,
 * who is named as having acknowledged a group, and an upgrade mid-episode that must not page again.
 */
import { fingerprint } from '../../shared/engine/fingerprint';
import { initialState } from '../../shared/engine/machine';
import type { AlertState, Tier, Transition } from '../../shared/core/alert';
import type { Escalations } from '../../shared/core/group';
import type { Notification } from '../../shared/core/notification';
import type { Config } from '../../shared/rules/schema';
import { parseRules } from '../../shared/rules/load';
import { escalate, routePolicies } from '../../shared/route/escalate';
import { route } from '../../shared/route/route';
import type { Groups } from '../../shared/route/groups';

const T0 = Date.parse('2026-10-05T16:00:00.000Z');
const MIN = 60_000;
const RULE = `
rules:
  - { name: throttles, kind: ratio, numerator: InvocationThrottles, denominator: Invocations, next_check: x, tiers: { warning: { above: 1% }, critical: { above: 10% } } }
`;
const RECEIVERS = `
receivers:
  - { name: slack-alerts, type: slack, webhook_url: { env: SLACK_URL } }
  - { name: slack-oncall, type: slack, webhook_url: { env: SLACK_ONCALL } }
  - { name: pagerduty-oncall, type: pagerduty, routing_key: { env: PD_KEY } }
`;

function firing(cfg: Config, model: string, startsAt: number, tier: Tier = 'critical'): AlertState {
  const rule = cfg.rules[0];
  const labels = { ModelId: model };
  return { ...initialState(fingerprint(rule.name, labels), rule, 'throttles', labels), status: 'firing', tier, maxTier: tier, startsAt, conditionSince: startsAt - 5 * MIN, text: '23%' };
}

/** Minute-by-minute: `at` runs before each tick (change states, acks); returns every notification decided and the groups left. */
function run(cfg: Config, minutes: number, states: Record<string, AlertState>, at: (m: number, now: number) => Transition[] | void = () => undefined) {
  let groups: Groups = {};
  let escalations: Escalations = {};
  const sent: Notification[] = [];
  for (let m = 0; m <= minutes; m++) {
    const now = T0 + m * MIN;
    const transitions = at(m, now) ?? [];
    const r = route({ config: cfg, states, transitions, groups, now });
    groups = r.groups;
    const e = escalate({ policies: cfg.escalation, policyFor: routePolicies(cfg), rules: cfg.rules, states, transitions, groups: escalations, now });
    escalations = e.groups;
    sent.push(...new Map([...r.notifications, ...e.notifications].map((n) => [n.id, n])).values());
  }
  return { sent, escalations, lines: sent.map((n) => `${(Date.parse(n.at) - T0) / MIN} ${n.action} → ${n.receiver}`) };
}

describe("a policy's own repeat_interval", () => {
  const cfg = parseRules(`${RECEIVERS}
routes:
  critical: [slack-alerts]
  repeat_interval: 4h
  escalation: { critical: p }
escalation:
  p:
    repeat_interval: 30m
    steps:
      - { after: 0m, receivers: [slack-oncall] }
${RULE}`);

  it('is used instead of the routes’ (short form): the on-call channel hears again every 30 minutes', () => {
    const s = firing(cfg, 'm1', T0);
    const { lines } = run(cfg, 100, { [s.fingerprint]: s });
    expect(lines.filter((l) => l.includes('repeat → slack-oncall'))).toEqual(['30 repeat → slack-oncall', '60 repeat → slack-oncall', '90 repeat → slack-oncall']);
  });
});

describe('which alerts a short-form policy applies to', () => {
  const cfg = parseRules(`${RECEIVERS}
routes:
  critical: [slack-alerts]
  warning: [slack-alerts]
  repeat_interval: 4h
  escalation: { critical: p }
escalation:
  p:
    steps:
      - { after: 0m, receivers: [slack-oncall] }
${RULE}`);

  it('a warning (no policy for its tier) pages nobody; a critical one does, named after its tier', () => {
    const w = firing(cfg, 'm1', T0, 'warning');
    const c = firing(cfg, 'm2', T0, 'critical');
    const { sent } = run(cfg, 5, { [w.fingerprint]: w, [c.fingerprint]: c });
    const steps = sent.filter((n) => n.receiver === 'slack-oncall');
    expect(steps.map((n) => n.alert.labels.ModelId)).toEqual(['m2']);
  });
});

describe('the route tree form', () => {
  const cfg = parseRules(`${RECEIVERS}
route:
  receiver: slack-alerts
  group_by: [rule]
  group_wait: 5m
  group_interval: 5m
  repeat_interval: 4h
  escalation: p
escalation:
  p:
    steps:
      - { after: 0m, receivers: [slack-oncall] }
      - { after: 15m, receivers: [pagerduty-oncall] }
${RULE}`);

  it('a step due at once still waits the route’s group_wait (5 min), so the first page lists the whole storm', () => {
    const a = firing(cfg, 'm1', T0);
    const b = firing(cfg, 'm2', T0 + 2 * MIN);
    const states: Record<string, AlertState> = { [a.fingerprint]: a };
    const { sent } = run(cfg, 20, states, (m) => {
      if (m === 2) states[b.fingerprint] = b;
    });
    const oncall = sent.filter((n) => n.receiver === 'slack-oncall');
    expect(oncall.map((n) => [(Date.parse(n.at) - T0) / MIN, n.alerts.length])).toEqual([[5, 2]]);
  });

  it('a page shows the tier the alert fires at now; the resolve shows the highest it reached', () => {
    const s = firing(cfg, 'm1', T0, 'warning');
    const states = { [s.fingerprint]: s };
    const { sent } = run(cfg, 40, states, (m, now) => {
      if (m === 3) Object.assign(s, { tier: 'critical', maxTier: 'critical' }); // rose while firing
      if (m === 25) Object.assign(s, { tier: 'warning' }); // fell back, still firing
      if (m === 30) {
        Object.assign(s, { status: 'inactive', tier: null, endsAt: now });
        return [{ kind: 'resolved', at: now, minute: now - 3 * MIN, fromTier: 'warning', state: s }];
      }
    });
    const pd = sent.filter((n) => n.receiver === 'pagerduty-oncall');
    expect(pd.map((n) => `${n.action} ${n.alerts[0].tier}`)).toEqual(['escalate critical', 'resolve critical']);
  });

  it('a group acknowledged member by member is shown as acknowledged by whoever completed it', () => {
    const a = firing(cfg, 'm1', T0);
    const b = firing(cfg, 'm2', T0);
    const states = { [a.fingerprint]: a, [b.fingerprint]: b };
    const { escalations, lines } = run(cfg, 30, states, (m, now) => {
      if (m === 8) a.ack = { ackedBy: 'ana', ackedAt: now, via: 'cli', episode: T0 };
      if (m === 10) b.ack = { ackedBy: 'bo', ackedAt: now, via: 'slack', episode: T0 };
    });
    expect(Object.values(escalations)[0].acked).toEqual({ by: 'bo', at: T0 + 10 * MIN, via: 'slack' });
    expect(lines.filter((l) => l.includes('pagerduty'))).toEqual([]);
    // The same with the members acknowledged in the other order.
    const c = firing(cfg, 'm1', T0);
    const d = firing(cfg, 'm2', T0);
    const other = run(cfg, 12, { [c.fingerprint]: c, [d.fingerprint]: d }, (m, now) => {
      if (m === 8) d.ack = { ackedBy: 'ana', ackedAt: now, via: 'cli', episode: T0 };
      if (m === 10) c.ack = { ackedBy: 'bo', ackedAt: now, via: 'slack', episode: T0 };
    });
    expect(Object.values(other.escalations)[0].acked).toMatchObject({ by: 'bo' });
  });

  it('a model that fired and resolved before the first step is not listed in it', () => {
    const a = firing(cfg, 'm1', T0);
    const b = firing(cfg, 'm2', T0 + MIN);
    const states: Record<string, AlertState> = { [a.fingerprint]: a };
    const { sent } = run(cfg, 6, states, (m, now) => {
      if (m === 1) states[b.fingerprint] = b;
      if (m === 3) {
        Object.assign(b, { status: 'inactive', tier: null, endsAt: now });
        return [{ kind: 'resolved', at: now, minute: now - 3 * MIN, fromTier: 'critical', state: b }];
      }
    });
    const first = sent.filter((n) => n.receiver === 'slack-oncall');
    expect(first.map((n) => n.alerts.map((x) => `${x.labels.ModelId} ${x.status}`))).toEqual([['m1 firing']]);
  });

  it('a member whose alert expired from the table is dropped from the group, the others still page', () => {
    const a = firing(cfg, 'm1', T0);
    const b = firing(cfg, 'm2', T0);
    const states: Record<string, AlertState> = { [a.fingerprint]: a, [b.fingerprint]: b };
    const { sent } = run(cfg, 16, states, (m) => {
      if (m === 10) delete states[b.fingerprint];
    });
    const pd = sent.filter((n) => n.receiver === 'pagerduty-oncall');
    expect(pd.map((n) => n.alerts.map((x) => x.labels.ModelId))).toEqual([['m1']]);
  });
});

describe('upgrade mid-episode from per-alert escalation', () => {
  const cfg = parseRules(`${RECEIVERS}
routes:
  critical: [slack-alerts]
  repeat_interval: 4h
  escalation: { critical: p }
escalation:
  p:
    steps:
      - { after: 0m, receivers: [slack-oncall] }
      - { after: 15m, receivers: [pagerduty-oncall] }
${RULE}`);

  it('progress recorded on the alert by the old version is carried on: no step sent again, the next one on time', () => {
    const s = firing(cfg, 'm1', T0);
    // The old version sent step 0 at T0 and was replaced at +5.
    s.escalation = { episode: T0, policy: 'p', since: T0, sent: 1, lastAt: T0, reached: ['slack-oncall'] };
    s.lastNotifiedAt = T0;
    const states = { [s.fingerprint]: s };
    let escalations: Escalations = {};
    const lines: string[] = [];
    for (let m = 5; m <= 20; m++) {
      const now = T0 + m * MIN;
      const e = escalate({ policies: cfg.escalation, policyFor: routePolicies(cfg), rules: cfg.rules, states, groups: escalations, now });
      escalations = e.groups;
      lines.push(...e.notifications.map((n) => `${m} ${n.action} → ${n.receiver}`));
    }
    expect(lines).toEqual(['15 escalate → pagerduty-oncall']);
    // And the resolve goes to everyone it reached, the old version's receiver included.
    Object.assign(s, { status: 'inactive', tier: null, endsAt: T0 + 21 * MIN });
    const end = escalate({ policies: cfg.escalation, policyFor: routePolicies(cfg), rules: cfg.rules, states, groups: escalations, now: T0 + 21 * MIN });
    expect(end.notifications.map((n) => `${n.action} → ${n.receiver}`).sort()).toEqual(['resolve → pagerduty-oncall', 'resolve → slack-oncall']);
  });
});
