/**
 * Who gets paged, when and once, in the situations mutation testing (issue 17) found no test for:
 * one policy used by two tiers, several alerts in the short form, a rule's own labels (team) choosing
 * the policy, an alert that resolves and fires again while its group is still open, a receiver both
 * routed and stepped, and the upgrade from per-alert escalation records that do not fit. On the
 * simulated clock: route + escalate, one tick a minute, as a tick runs them.
 */
import { fingerprint } from '../../shared/engine/fingerprint';
import { initialState } from '../../shared/engine/machine';
import type { AlertState, Tier, Transition } from '../../shared/core/alert';
import type { EscalationGroup, Escalations } from '../../shared/core/group';
import type { Notification } from '../../shared/core/notification';
import type { Config, Rule } from '../../shared/rules/schema';
import { parseRules } from '../../shared/rules/load';
import { escalate, routePolicies } from '../../shared/route/escalate';
import { route } from '../../shared/route/route';
import { episodeKey, type Groups } from '../../shared/route/groups';
import type { Silence } from '../../shared/route/silences';

const T0 = Date.parse('2026-10-05T16:00:00.000Z');
const MIN = 60_000;
const RULES = `
rules:
  - { name: throttles, kind: ratio, numerator: InvocationThrottles, denominator: Invocations, next_check: x, tiers: { warning: { above: 1% }, critical: { above: 10% } } }
  - { name: payments-errors, kind: ratio, numerator: InvocationServerErrors, denominator: Invocations, next_check: x, labels: { team: payments }, tiers: { warning: { above: 1% }, critical: { above: 5% } } }
`;
const RECEIVERS = `
receivers:
  - { name: slack-alerts, type: slack, webhook_url: { env: SLACK_URL } }
  - { name: slack-oncall, type: slack, webhook_url: { env: SLACK_ONCALL } }
  - { name: pagerduty-oncall, type: pagerduty, routing_key: { env: PD_KEY } }
  - { name: pagerduty-payments, type: pagerduty, routing_key: { env: PD_PAYMENTS } }
  - { name: sns-management, type: sns, topic_arn: { env: MANAGEMENT_TOPIC_ARN } }
`;

function firing(cfg: Config, model: string, startsAt: number, tier: Tier = 'critical', rule: Rule = cfg.rules[0]): AlertState {
  const labels = { ModelId: model };
  return { ...initialState(fingerprint(rule.name, labels), rule, 'throttles', labels), status: 'firing', tier, maxTier: tier, startsAt, conditionSince: startsAt - 5 * MIN, text: '23%' };
}

/** The models in the order their alerts (of the rule) join a group: by fingerprint. */
const joinOrder = (rule: Rule, models: string[]) => [...models].sort((a, b) => fingerprint(rule.name, { ModelId: a }).localeCompare(fingerprint(rule.name, { ModelId: b })));

const silence = (id: string, matchers: string[], startsAt: number, endsAt: number): Silence => ({ id, matchers, author: 'ana', comment: 'maintenance', startsAt, endsAt, createdAt: startsAt });

const resolve = (s: AlertState, now: number): Transition[] => {
  const fromTier = s.tier;
  Object.assign(s, { status: 'inactive', tier: null, endsAt: now });
  return [{ kind: 'resolved', at: now, minute: now - 3 * MIN, fromTier, state: s }];
};

/** Minute-by-minute from `from`: `at` runs before each tick (change states, acks); every notification decided (one per id, as the outbox keeps them) and the groups left. */
function run(cfg: Config, minutes: number, states: Record<string, AlertState>, at: (m: number, now: number) => Transition[] | void = () => undefined, from = 0, silences: Silence[] = [], carried: Escalations = {}) {
  let groups: Groups = {};
  let escalations: Escalations = carried;
  const sent = new Map<string, Notification>();
  for (let m = from; m <= minutes; m++) {
    const now = T0 + m * MIN;
    const transitions = at(m, now) ?? [];
    const r = route({ config: cfg, states, transitions, groups, silences, now });
    groups = r.groups;
    const e = escalate({ policies: cfg.escalation, policyFor: routePolicies(cfg), rules: cfg.rules, states, transitions, groups: escalations, silences, now });
    escalations = e.groups;
    for (const n of [...r.notifications, ...e.notifications]) if (!sent.has(n.id)) sent.set(n.id, n);
  }
  const list = [...sent.values()];
  const line = (n: Notification) => `${(Date.parse(n.at) - T0) / MIN} ${n.action} → ${n.receiver}`;
  return { sent: list, escalations, lines: list.map(line), to: (receiver: string) => list.filter((n) => n.receiver === receiver).map(line) };
}

describe('the short form', () => {
  const cfg = parseRules(`${RECEIVERS}
routes:
  critical: [slack-alerts]
  warning: [slack-alerts]
  repeat_interval: 4h
  escalation: { warning: p, critical: p }
escalation:
  p:
    steps:
      - { after: 0m, receivers: [slack-oncall] }
      - { after: 15m, receivers: [pagerduty-oncall] }
${RULES}`);

  it('one policy for two tiers: an alert rising from warning to critical is not started over (paged 15 minutes after it fired, once each)', () => {
    const s = firing(cfg, 'm1', T0, 'warning');
    const { to } = run(cfg, 40, { [s.fingerprint]: s }, (m) => {
      if (m === 10) Object.assign(s, { tier: 'critical', maxTier: 'critical' });
    });
    expect(to('slack-oncall')).toEqual(['0 trigger → slack-oncall']);
    expect(to('pagerduty-oncall')).toEqual(['15 escalate → pagerduty-oncall']);
  });

  it('keeps every alert alone: two critical alerts are two pages, two PagerDuty incidents, each listing its own model', () => {
    const a = firing(cfg, 'm1', T0);
    const b = firing(cfg, 'm2', T0);
    const { sent } = run(cfg, 20, { [a.fingerprint]: a, [b.fingerprint]: b });
    const pd = sent.filter((n) => n.receiver === 'pagerduty-oncall');
    expect(pd.map((n) => n.alerts.map((x) => x.labels.ModelId)).sort()).toEqual([['m1'], ['m2']]);
    expect(new Set(pd.map((n) => n.key)).size).toBe(2);
    expect(pd.every((n) => n.group === undefined)).toBe(true);
  });
});

describe('a rule’s own labels choose the policy', () => {
  const cfg = parseRules(`${RECEIVERS}
route:
  receiver: slack-alerts
  group_by: [rule]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
  routes:
    - matchers: ['team="payments"']
      escalation: payments
    - matchers: ['severity="critical"']
      escalation: p
escalation:
  payments:
    steps:
      - { after: 0m, receivers: [pagerduty-payments] }
  p:
    steps:
      - { after: 0m, receivers: [slack-oncall] }
${RULES}`);

  it('an alert of a rule labelled team: payments pages the payments on-call, not the general one', () => {
    const pay = firing(cfg, 'm1', T0, 'critical', cfg.rules[1]);
    const thr = firing(cfg, 'm1', T0, 'critical', cfg.rules[0]);
    // And a warning no route with a policy takes: it pages nobody.
    const warn = firing(cfg, 'm2', T0, 'warning', cfg.rules[0]);
    const { sent } = run(cfg, 5, { [pay.fingerprint]: pay, [thr.fingerprint]: thr, [warn.fingerprint]: warn });
    const paged = (r: string) => sent.filter((n) => n.receiver === r).map((n) => n.alerts.map((x) => x.rule));
    expect(paged('pagerduty-payments')).toEqual([['payments-errors']]);
    expect(paged('slack-oncall')).toEqual([['throttles']]);
  });
});

describe('an alert that resolves and fires again while its group is still open', () => {
  const cfg = parseRules(`${RECEIVERS}
route:
  receiver: slack-alerts
  group_by: [rule]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
  escalation: p
escalation:
  p:
    steps:
      - { after: 0m, receivers: [slack-oncall] }
      - { after: 15m, receivers: [pagerduty-oncall] }
      - { after: 30m, receivers: [sns-management] }
${RULES}`);

  /** m1 and m2 fire at 0 (critical); m1 resolves at 6 and fires again at 8, as a warning: a new episode. */
  const scene = (extra: (m: number, now: number, a: AlertState, b: AlertState) => void = () => undefined) => {
    const a = firing(cfg, 'm1', T0);
    const b = firing(cfg, 'm2', T0);
    const states = { [a.fingerprint]: a, [b.fingerprint]: b };
    const out = run(cfg, 40, states, (m, now) => {
      extra(m, now, a, b);
      if (m === 6) return resolve(a, now);
      if (m === 8) {
        Object.assign(a, { status: 'firing', tier: 'warning', maxTier: 'warning', startsAt: now, endsAt: null, conditionSince: now - 5 * MIN });
        return [{ kind: 'firing', at: now, minute: now - 3 * MIN, fromTier: null, state: a }];
      }
    });
    return { ...out, a, b };
  };

  it('the next step lists the earlier episode once as resolved (at the tier it was paged for) and the new one as firing', () => {
    const { sent } = scene();
    const pd = sent.filter((n) => n.receiver === 'pagerduty-oncall');
    expect(pd.map((n) => n.alerts.map((x) => `${x.labels.ModelId} ${x.status} ${x.tier}`))).toEqual([['m2 firing critical', 'm1 firing warning', 'm1 resolved critical']]);
    expect(pd[0].group).toEqual({ labels: { rule: 'throttles' }, route: 'route' });
    // The step after lists only what still fires.
    const sns = sent.filter((n) => n.receiver === 'sns-management');
    expect(sns.map((n) => n.alerts.map((x) => `${x.labels.ModelId} ${x.status}`))).toEqual([['m2 firing', 'm1 firing']]);
  });

  it('acknowledging the firing alerts (m1’s new episode and m2) stops the escalation: management is not paged', () => {
    const { to, escalations } = scene((m, now, a, b) => {
      if (m === 20) {
        a.ack = { ackedBy: 'ana', ackedAt: now, via: 'cli', episode: a.startsAt! };
        b.ack = { ackedBy: 'bo', ackedAt: now + 1, via: 'cli', episode: b.startsAt! };
      }
    });
    expect(to('pagerduty-oncall')).toEqual(['15 escalate → pagerduty-oncall']);
    expect(to('sns-management')).toEqual([]);
    expect(Object.values(escalations)[0].acked).toEqual({ by: 'bo', at: T0 + 20 * MIN + 1, via: 'cli' });
  });
});

describe('a receiver both routed and reached by a step', () => {
  const cfg = parseRules(`${RECEIVERS}
routes:
  critical: [slack-oncall]
  repeat_interval: 4h
  escalation: { critical: p }
escalation:
  p:
    steps:
      - { after: 0m, receivers: [slack-oncall] }
      - { after: 15m, receivers: [pagerduty-oncall] }
${RULES}`);

  it('hears the resolve once, not once from the route and once from the policy', () => {
    const s = firing(cfg, 'm1', T0);
    const { to } = run(cfg, 31, { [s.fingerprint]: s }, (m, now) => (m === 30 ? resolve(s, now) : undefined));
    expect(to('slack-oncall').filter((l) => l.includes('resolve'))).toEqual(['30 resolve → slack-oncall']);
    expect(to('pagerduty-oncall')).toEqual(['15 escalate → pagerduty-oncall', '30 resolve → pagerduty-oncall']);
  });
});

describe('upgrade from per-alert escalation records that do not fit', () => {
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
${RULES}`);

  const upgraded = (record: Partial<NonNullable<AlertState['escalation']>>) => {
    const s = firing(cfg, 'm1', T0);
    s.escalation = { episode: T0, policy: 'p', since: T0, sent: 1, lastAt: T0, reached: ['slack-oncall'], ...record };
    // The new version takes over at +5.
    return run(cfg, 25, { [s.fingerprint]: s }, () => undefined, 5).to;
  };

  it('a record of an earlier episode of the alert is not carried on: the policy starts when the new version first sees the episode', () => {
    const to = upgraded({ episode: T0 - 60 * MIN });
    expect(to('slack-oncall')).toEqual(['5 trigger → slack-oncall']);
    expect(to('pagerduty-oncall')).toEqual(['20 escalate → pagerduty-oncall']);
  });

  it('a record of another policy (renamed or replaced) is not carried on either', () => {
    const to = upgraded({ policy: 'old-policy' });
    expect(to('slack-oncall')).toEqual(['5 trigger → slack-oncall']);
    expect(to('pagerduty-oncall')).toEqual(['20 escalate → pagerduty-oncall']);
  });

  it('a fitting record whose alert resolves before the next step: the receivers the old version paged hear the resolve', () => {
    const s = firing(cfg, 'm1', T0);
    s.escalation = { episode: T0, policy: 'p', since: T0, sent: 1, lastAt: T0, reached: ['slack-oncall'] };
    const { to } = run(cfg, 20, { [s.fingerprint]: s }, (m, now) => (m === 10 ? resolve(s, now) : undefined), 5);
    expect(to('slack-oncall')).toEqual(['10 resolve → slack-oncall']);
    expect(to('pagerduty-oncall')).toEqual([]);
  });

  it('a fitting record is carried on: no step again, the next one on time', () => {
    const to = upgraded({});
    expect(to('slack-oncall')).toEqual([]);
    expect(to('pagerduty-oncall')).toEqual(['15 escalate → pagerduty-oncall']);
  });
});

describe('step notification ids', () => {
  const cfg = parseRules(`${RECEIVERS}
routes:
  critical: [slack-alerts]
  repeat_interval: 4h
  escalation: { critical: p }
escalation:
  p:
    steps:
      - { after: 0m, receivers: [slack-oncall, pagerduty-oncall] }
${RULES}`);

  it('are the same when a tick is run again (the outbox keeps one), distinct per receiver, and 32 hex characters like every outbox id (the table’s sort key is a string)', () => {
    const ids = () => {
      const s = firing(cfg, 'm1', T0);
      return escalate({ policies: cfg.escalation, policyFor: routePolicies(cfg), rules: cfg.rules, states: { [s.fingerprint]: s }, now: T0 }).notifications.map((n) => n.id);
    };
    expect(ids()).toEqual(ids());
    expect(new Set(ids()).size).toBe(2);
    for (const id of ids()) expect(id).toMatch(/^[0-9a-f]{32}$/);
  });
});

/** One policy at the root of a tree grouping by rule: on-call Slack at once, PagerDuty at 15 minutes, management at 30. */
const TREE = (extra = '', groupBy = '[rule]') =>
  parseRules(`${RECEIVERS}
route:
  receiver: slack-alerts
  group_by: ${groupBy}
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
  escalation: p
escalation:
  p:
    steps:
      - { after: 0m, receivers: [slack-oncall] }
      - { after: 15m, receivers: [pagerduty-oncall] }
      - { after: 30m, receivers: [sns-management] }
${extra}
${RULES}`);

const models = (n: Notification) => n.alerts.map((x) => `${x.labels.ModelId}${x.status === 'resolved' ? ' (resolved)' : ''}`);

describe('a silence stops the policy for the alerts it matches', () => {
  const cfg = TREE();
  const [first, second] = joinOrder(cfg.rules[0], ['m1', 'm2']);
  const pair = () => {
    const a = firing(cfg, first, T0);
    const b = firing(cfg, second, T0);
    return { a, b, states: { [a.fingerprint]: a, [b.fingerprint]: b } };
  };

  it('a silenced alert is left out of the next steps; the group goes on paging for the others', () => {
    const { states } = pair();
    const { sent } = run(cfg, 40, states, undefined, 0, [silence('s1', [`ModelId="${first}"`], T0 + 5 * MIN, T0 + 60 * MIN)]);
    expect(sent.filter((n) => n.receiver === 'slack-oncall').map(models)).toEqual([[first, second]]);
    expect(sent.filter((n) => n.receiver === 'pagerduty-oncall').map(models)).toEqual([[second]]);
    expect(sent.filter((n) => n.receiver === 'sns-management').map(models)).toEqual([[second]]);
  });

  it('silencing every alert of the group holds its steps back; when the silence ends and they still fire, the policy goes on where it was', () => {
    const { states } = pair();
    const { to } = run(cfg, 40, states, undefined, 0, [silence('s1', ['rule="throttles"'], T0 + 5 * MIN, T0 + 20 * MIN)]);
    expect(to('pagerduty-oncall')).toEqual(['20 escalate → pagerduty-oncall']);
    expect(to('sns-management')).toEqual(['30 escalate → sns-management']);
  });

  it('alerts resolving while silenced: their resolve is not sent to anyone the policy reached (as in Alertmanager)', () => {
    const { a, b, states } = pair();
    const { to } = run(cfg, 20, states, (m, now) => (m === 10 ? [...resolve(a, now), ...resolve(b, now)] : undefined), 0, [silence('s1', ['rule="throttles"'], T0 + 5 * MIN, T0 + 60 * MIN)]);
    expect(to('slack-oncall')).toEqual(['1 trigger → slack-oncall']);
    expect(to('pagerduty-oncall')).toEqual([]);
  });

  it('an alert that resolved under a silence is not listed as resolved once the silence ends', () => {
    const { a, states } = pair();
    const { sent } = run(cfg, 40, states, (m, now) => (m === 10 ? resolve(a, now) : undefined), 0, [silence('s1', [`ModelId="${first}"`], T0 + 5 * MIN, T0 + 20 * MIN)]);
    expect(sent.filter((n) => n.receiver === 'sns-management').map(models)).toEqual([[second]]);
  });
});

describe('which route’s policy applies', () => {
  it('a route with continue: true that names no policy does not hide the policy of a later route the alert matches too', () => {
    const cfg = parseRules(`${RECEIVERS}
route:
  receiver: slack-alerts
  group_by: [rule]
  group_wait: 30s
  routes:
    - matchers: ['team="payments"']
      receivers: [slack-alerts]
      continue: true
    - matchers: ['severity="critical"']
      escalation: p
escalation:
  p:
    steps:
      - { after: 0m, receivers: [pagerduty-oncall] }
${RULES}`);
    const s = firing(cfg, 'm1', T0, 'critical', cfg.rules[1]);
    const { to } = run(cfg, 5, { [s.fingerprint]: s });
    expect(to('pagerduty-oncall')).toEqual(['1 trigger → pagerduty-oncall']);
  });

  it('without any routing (no routes, no route) an alert pages nobody and breaks nothing', () => {
    const cfg = parseRules(`${RECEIVERS}${RULES}`);
    const s = firing(cfg, 'm1', T0);
    expect(escalate({ policies: cfg.escalation, policyFor: routePolicies(cfg), rules: cfg.rules, states: { [s.fingerprint]: s }, now: T0 }).notifications).toEqual([]);
  });

  it('a short form without escalation: alerts page nobody beyond their route, and break nothing', () => {
    const cfg = parseRules(`${RECEIVERS}
routes:
  critical: [slack-alerts]
${RULES}`);
    const s = firing(cfg, 'm1', T0);
    expect(run(cfg, 20, { [s.fingerprint]: s }).lines).toEqual(['0 trigger → slack-alerts']);
  });

  it('an alert rising to a tier whose route has its own policy joins that policy; the first group still pages for the others', () => {
    const cfg = parseRules(`${RECEIVERS}
route:
  receiver: slack-alerts
  group_by: [rule]
  group_wait: 30s
  repeat_interval: 4h
  escalation: p
  routes:
    - matchers: ['severity="critical"']
      escalation: q
escalation:
  p:
    steps:
      - { after: 0m, receivers: [slack-oncall] }
      - { after: 15m, receivers: [pagerduty-oncall] }
  q:
    steps:
      - { after: 0m, receivers: [pagerduty-payments] }
${RULES}`);
    const [first, second] = joinOrder(cfg.rules[0], ['m1', 'm2']);
    const a = firing(cfg, first, T0, 'warning');
    const b = firing(cfg, second, T0, 'warning');
    const { sent, to } = run(cfg, 20, { [a.fingerprint]: a, [b.fingerprint]: b }, (m) => {
      if (m === 3) Object.assign(a, { tier: 'critical', maxTier: 'critical' });
    });
    expect(sent.filter((n) => n.receiver === 'pagerduty-payments').map(models)).toEqual([[first]]);
    expect(to('pagerduty-oncall')).toEqual(['15 escalate → pagerduty-oncall']);
  });
});

describe('what the next message lists', () => {
  it('an alert joining after the first step and resolving before the next one is not listed in it (the on-call never heard of it)', () => {
    const cfg = TREE();
    const a = firing(cfg, 'm1', T0);
    const b = firing(cfg, 'm2', T0 + 5 * MIN);
    const states: Record<string, AlertState> = { [a.fingerprint]: a };
    const { sent } = run(cfg, 20, states, (m, now) => {
      if (m === 5) states[b.fingerprint] = b;
      if (m === 10) return resolve(b, now);
    });
    expect(sent.filter((n) => n.receiver === 'pagerduty-oncall').map(models)).toEqual([['m1']]);
  });

  it('a reminder that goes to nobody (every receiver reached is routed the alerts anyway) does not swallow a resolve the next step must list', () => {
    const cfg = parseRules(`${RECEIVERS}
route:
  receiver: slack-oncall
  group_by: [rule]
  group_wait: 30s
  repeat_interval: 4h
  escalation: p
escalation:
  p:
    repeat_interval: 10m
    steps:
      - { after: 0m, receivers: [slack-oncall] }
      - { after: 60m, receivers: [pagerduty-oncall] }
${RULES}`);
    const a = firing(cfg, 'm1', T0);
    const b = firing(cfg, 'm2', T0);
    const { sent } = run(cfg, 60, { [a.fingerprint]: a, [b.fingerprint]: b }, (m, now) => (m === 5 ? resolve(a, now) : undefined));
    expect(sent.filter((n) => n.receiver === 'pagerduty-oncall').map(models)).toEqual([['m2', 'm1 (resolved)']]);
  });

  it('the group a step names reports the severity its most severe alert fires at now (as the routed message does), not the first alert’s', () => {
    const cfg = TREE('', '[rule, severity]');
    const a = firing(cfg, 'm1', T0, 'warning');
    const b = firing(cfg, 'm2', T0, 'warning');
    const { sent } = run(cfg, 20, { [a.fingerprint]: a, [b.fingerprint]: b }, (m) => {
      if (m === 5) Object.assign(b, { tier: 'critical', maxTier: 'critical' });
    });
    const groupOf = (r: string) => sent.filter((n) => n.receiver === r).map((n) => n.group);
    expect(groupOf('slack-oncall')).toEqual([{ labels: { rule: 'throttles', severity: 'warning' }, route: 'route' }]);
    expect(groupOf('pagerduty-oncall')).toEqual([{ labels: { rule: 'throttles', severity: 'critical' }, route: 'route' }]);
  });

  it('a policy reminding every tick (repeat_interval 0m) sends the step alone in the tick of a step, no reminder with it', () => {
    const cfg = parseRules(`${RECEIVERS}
routes:
  critical: [slack-alerts]
  repeat_interval: 4h
  escalation: { critical: p }
escalation:
  p:
    repeat_interval: 0m
    steps:
      - { after: 0m, receivers: [slack-oncall] }
      - { after: 2m, receivers: [pagerduty-oncall] }
${RULES}`);
    const s = firing(cfg, 'm1', T0);
    const { to } = run(cfg, 3, { [s.fingerprint]: s });
    expect(to('slack-oncall')).toEqual(['0 trigger → slack-oncall', '1 repeat → slack-oncall', '3 repeat → slack-oncall']);
    expect(to('pagerduty-oncall')).toEqual(['2 escalate → pagerduty-oncall', '3 repeat → pagerduty-oncall']);
  });
});

describe('upgrade from short-form escalation groups kept per tier (older versions)', () => {
  const cfg = parseRules(`${RECEIVERS}
routes:
  critical: [slack-alerts]
  warning: [slack-alerts]
  repeat_interval: 4h
  escalation: { warning: p, critical: p }
escalation:
  p:
    steps:
      - { after: 0m, receivers: [slack-oncall] }
      - { after: 15m, receivers: [pagerduty-oncall] }
      - { after: 30m, receivers: [sns-management] }
${RULES}`);

  /** The group the older version kept for the alert at one tier, as the cursor stored it. */
  const old = (s: AlertState, tier: Tier, since: number, sent: number): [string, EscalationGroup] => [
    `escalation p routes.escalation.${tier}\n${s.fingerprint}@${s.startsAt}`,
    {
      key: episodeKey(s.fingerprint, s.startsAt),
      policy: 'p',
      route: `routes.escalation.${tier}`,
      labels: { ...s.labels },
      grouped: false,
      since,
      sent,
      lastAt: since + (sent > 1 ? 15 * MIN : 0),
      reached: ['slack-oncall', 'pagerduty-oncall', 'sns-management'].slice(0, sent),
      acked: null,
      members: { [`${s.fingerprint}@${s.startsAt}`]: { fingerprint: s.fingerprint, episode: s.startsAt!, firing: true, tier, joinedAt: since, told: 'firing' } },
    },
  ];

  it('a group mid-episode goes on where it was: no step again, the next on time, one resolve to everyone it reached', () => {
    const s = firing(cfg, 'm1', T0);
    const { to, escalations } = run(cfg, 20, { [s.fingerprint]: s }, (m, now) => (m === 20 ? resolve(s, now) : undefined), 5, [], Object.fromEntries([old(s, 'critical', T0, 1)]));
    expect(to('slack-oncall')).toEqual(['20 resolve → slack-oncall']);
    expect(to('pagerduty-oncall')).toEqual(['15 escalate → pagerduty-oncall', '20 resolve → pagerduty-oncall']);
    expect(escalations).toEqual({});
  });

  it('of the two groups an alert that changed tiers had, the one further on goes on', () => {
    const s = firing(cfg, 'm1', T0);
    const carried = Object.fromEntries([old(s, 'critical', T0 + 10 * MIN, 1), old(s, 'warning', T0, 2)]);
    const { to, escalations } = run(cfg, 35, { [s.fingerprint]: s }, () => undefined, 20, [], carried);
    expect(to('slack-oncall')).toEqual([]);
    expect(to('pagerduty-oncall')).toEqual([]);
    expect(to('sns-management')).toEqual(['30 escalate → sns-management']);
    expect(Object.values(escalations).map((g) => [g.route, g.since])).toEqual([['routes.escalation', T0]]);
  });

  it('the one further on goes on even when the other formed earlier (it stalled when the alert changed tiers)', () => {
    const s = firing(cfg, 'm1', T0);
    const critical = old(s, 'critical', T0 + 10 * MIN, 2);
    critical[1].lastAt = T0 + 25 * MIN;
    const carried = Object.fromEntries([critical, old(s, 'warning', T0, 1)]);
    const { to } = run(cfg, 41, { [s.fingerprint]: s }, () => undefined, 30, [], carried);
    expect(to('pagerduty-oncall')).toEqual([]);
    expect(to('sns-management')).toEqual(['40 escalate → sns-management']);
  });

  it('of two groups as far on, the earlier goes on (its steps count from when the alert first fired at a tier using the policy)', () => {
    const s = firing(cfg, 'm1', T0);
    const carried = Object.fromEntries([old(s, 'warning', T0, 1), old(s, 'critical', T0 + 10 * MIN, 1)]);
    const { to } = run(cfg, 30, { [s.fingerprint]: s }, () => undefined, 12, [], carried);
    expect(to('pagerduty-oncall')).toEqual(['15 escalate → pagerduty-oncall']);
    const reversed = Object.fromEntries([old(s, 'critical', T0 + 10 * MIN, 1), old(s, 'warning', T0, 1)]);
    expect(run(cfg, 30, { [s.fingerprint]: s }, () => undefined, 12, [], reversed).to('pagerduty-oncall')).toEqual(['15 escalate → pagerduty-oncall']);
  });
});
