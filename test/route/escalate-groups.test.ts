/**
 * Escalation per notification group, on the simulated clock (route + escalate, as a tick runs them):
 * a storm of four models grouped into one message escalates once per step per receiver, listing
 * the four; a model joining later rides along in the next step; an acknowledgement of the group
 * (or of every member) stops later steps; the group's resolve comes once every member resolved.
 */
import { fingerprint } from '../../shared/engine/fingerprint';
import { initialState } from '../../shared/engine/machine';
import type { AlertState, Transition } from '../../shared/core/alert';
import type { Escalations, GroupAck } from '../../shared/core/group';
import type { Notification } from '../../shared/core/notification';
import { parseRules } from '../../shared/rules/load';
import { escalate, routePolicies } from '../../shared/route/escalate';
import { route } from '../../shared/route/route';
import type { Groups } from '../../shared/route/groups';

const T0 = Date.parse('2026-10-05T16:00:00.000Z');
const MIN = 60_000;
const MODELS = ['amazon.nova-lite-v1:0', 'amazon.nova-pro-v1:0', 'anthropic.claude-3-haiku-20240307-v1:0', 'meta.llama3-70b-instruct-v1:0'];
const LATE = 'mistral.mistral-large-2402-v1:0';

const config = parseRules(`
receivers:
  - { name: slack-alerts, type: slack, webhook_url: { env: SLACK_URL } }
  - { name: slack-oncall, type: slack, webhook_url: { env: SLACK_ONCALL } }
  - { name: pagerduty-oncall, type: pagerduty, routing_key: { env: PD_KEY } }
  - { name: sns-management, type: sns, topic_arn: { env: MANAGEMENT_TOPIC_ARN } }
route:
  receiver: slack-alerts
  group_by: [rule, severity]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
  routes:
    - matchers: ['severity="critical"']
      receivers: [slack-alerts]
      escalation: default-critical
escalation:
  default-critical:
    steps:
      - { after: 0m, receivers: [slack-oncall] }
      - { after: 15m, receivers: [pagerduty-oncall] }
      - { after: 30m, receivers: [sns-management] }
rules:
  - name: bedrock-throttles
    kind: ratio
    numerator: InvocationThrottles
    denominator: Invocations
    next_check: Compare the model's token rate with its quota.
    runbook: https://wiki.example.com/runbooks/throttles
    tiers: { warning: { above: 1% }, critical: { above: 10% } }
`);
const rule = config.rules[0];

function alert(model: string, startsAt: number): AlertState {
  const labels = { ModelId: model };
  return { ...initialState(fingerprint(rule.name, labels), rule, 'throttles', labels), status: 'firing', tier: 'critical', maxTier: 'critical', startsAt, conditionSince: startsAt - 5 * MIN, text: '23% throttled' };
}

interface Script {
  /** Minute → models that start firing then. */
  fire?: Record<number, string[]>;
  /** Minute → models that resolve then. */
  resolve?: Record<number, string[]>;
  /** Minute → an acknowledgement of the group (as the ack function records it), or of these models one by one. */
  ackGroup?: number;
  ackModels?: Record<number, string[]>;
}

/** One tick a minute up to `minutes`; returns every notification decided ("minute action → receiver: models, sorted"), and the groups left. */
function run(minutes: number, script: Script): { sent: Notification[]; lines: string[]; escalations: Escalations } {
  const states: Record<string, AlertState> = {};
  let groups: Groups = {};
  let escalations: Escalations = {};
  const groupAcks: Record<string, GroupAck> = {};
  const sent: Notification[] = [];
  const byModel = (m: string) => Object.values(states).find((s) => s.labels.ModelId === m)!;
  for (let m = 0; m <= minutes; m++) {
    const now = T0 + m * MIN;
    const transitions: Transition[] = [];
    for (const model of script.fire?.[m] ?? []) {
      const s = alert(model, now);
      states[s.fingerprint] = s;
      transitions.push({ kind: 'firing', at: now, minute: now - 3 * MIN, fromTier: null, state: s });
    }
    for (const model of script.resolve?.[m] ?? []) {
      const s = byModel(model);
      Object.assign(s, { status: 'inactive', tier: null, endsAt: now });
      transitions.push({ kind: 'resolved', at: now, minute: now - 3 * MIN, fromTier: 'critical', state: s });
    }
    if (script.ackGroup === m) {
      // What a press of the group's button or its PagerDuty incident records: the group key.
      const key = Object.values(escalations)[0].key;
      groupAcks[key] = { key, ackedBy: 'ana', ackedAt: now, via: 'pagerduty' };
    }
    for (const model of script.ackModels?.[m] ?? []) {
      const s = byModel(model);
      s.ack = { ackedBy: 'ana', ackedAt: now, via: 'cli', episode: s.startsAt! };
    }
    const r = route({ config, states, transitions, groups, now });
    groups = r.groups;
    const e = escalate({ policies: config.escalation, policyFor: routePolicies(config), rules: config.rules, states, transitions, groups: escalations, groupAcks, now });
    escalations = e.groups;
    sent.push(...new Map([...r.notifications, ...e.notifications].map((n) => [n.id, n])).values());
  }
  const lines = sent.map((n) => `${(Date.parse(n.at) - T0) / MIN} ${n.action} → ${n.receiver}: ${n.alerts.map((a) => `${a.labels.ModelId.split('.')[1].split('-')[0]}${a.status === 'resolved' ? ' (resolved)' : ''}`).sort().join(', ')}`);
  return { sent, lines, escalations };
}

const storm = { fire: { 0: MODELS } };

describe('escalation per notification group', () => {
  it('a four-model storm escalates once per step per receiver, each message listing the four', () => {
    const { lines, sent } = run(60, storm);
    expect(lines).toEqual([
      '1 trigger → slack-alerts: claude, llama3, nova, nova',
      '1 trigger → slack-oncall: claude, llama3, nova, nova',
      '15 escalate → pagerduty-oncall: claude, llama3, nova, nova',
      '30 escalate → sns-management: claude, llama3, nova, nova',
    ]);
    // One stream per group at each step receiver: PagerDuty opens one incident for the storm.
    const steps = sent.filter((n) => n.receiver !== 'slack-alerts');
    expect(new Set(steps.map((n) => n.key)).size).toBe(1);
    expect(steps[0].key).toMatch(/^g[0-9a-f]{20}@\d+$/);
    expect(steps[0].group).toEqual({ labels: { rule: 'bedrock-throttles', severity: 'critical' }, route: 'route.routes[0]' });
  });

  it('waits the route group_wait before the first step, so the storm is one message with the grouped one', () => {
    const { lines } = run(20, { fire: { 0: MODELS.slice(0, 2), 1: MODELS.slice(2) } });
    // Models firing a minute apart: the group formed at 0, the first messages leave at 1 with all four.
    expect(lines.slice(0, 2)).toEqual(['1 trigger → slack-alerts: claude, llama3, nova, nova', '1 trigger → slack-oncall: claude, llama3, nova, nova']);
    expect(lines.filter((l) => l.includes('oncall'))).toHaveLength(2);
  });

  it('a model joining an escalated group is listed in the next step, not escalated from step 0', () => {
    const { lines } = run(40, { fire: { 0: MODELS, 20: [LATE] } });
    const steps = lines.filter((l) => !l.includes('slack-alerts'));
    expect(steps).toEqual([
      '1 trigger → slack-oncall: claude, llama3, nova, nova',
      '15 escalate → pagerduty-oncall: claude, llama3, nova, nova',
      '30 escalate → sns-management: claude, llama3, mistral, nova, nova',
    ]);
    // The routed channel hears of it on its own timers (group_interval).
    expect(lines).toContain('20 trigger → slack-alerts: claude, llama3, mistral, nova, nova');
  });

  it('an acknowledgement of the group (its button or its incident) stops the later steps and the repeats', () => {
    const { lines, escalations } = run(6 * 60, { ...storm, ackGroup: 20 });
    expect(lines.filter((l) => !l.includes('slack-alerts'))).toEqual(['1 trigger → slack-oncall: claude, llama3, nova, nova', '15 escalate → pagerduty-oncall: claude, llama3, nova, nova']);
    expect(Object.values(escalations)[0].acked).toEqual({ by: 'ana', at: T0 + 20 * MIN, via: 'pagerduty' });
  });

  it('acknowledging the members one by one stops the group once every firing member is acknowledged', () => {
    const some = run(40, { ...storm, ackModels: { 20: MODELS.slice(0, 3) } }).lines.filter((l) => l.includes('sns-management'));
    expect(some).toEqual(['30 escalate → sns-management: claude, llama3, nova, nova']);
    const all = run(40, { ...storm, ackModels: { 20: MODELS.slice(0, 3), 25: MODELS.slice(3) } }).lines.filter((l) => l.includes('sns-management'));
    expect(all).toEqual([]);
  });

  it('a model joining an acknowledged group does not restart the policy', () => {
    const { lines } = run(60, { ...storm, ackGroup: 10, fire: { 0: MODELS, 12: [LATE] } });
    expect(lines.filter((l) => !l.includes('slack-alerts'))).toEqual(['1 trigger → slack-oncall: claude, llama3, nova, nova']);
  });

  it('resolves once every member has resolved: one resolve per receiver reached, and no later step', () => {
    const { lines, escalations } = run(60, { ...storm, resolve: { 18: MODELS.slice(0, 2), 22: MODELS.slice(2) } });
    expect(lines.filter((l) => !l.includes('slack-alerts'))).toEqual([
      '1 trigger → slack-oncall: claude, llama3, nova, nova',
      '15 escalate → pagerduty-oncall: claude, llama3, nova, nova',
      '22 resolve → slack-oncall: claude (resolved), llama3 (resolved), nova (resolved), nova (resolved)',
      '22 resolve → pagerduty-oncall: claude (resolved), llama3 (resolved), nova (resolved), nova (resolved)',
    ]);
    expect(escalations).toEqual({});
  });

  it('an acknowledged group is still resolved to everyone it reached', () => {
    const { lines } = run(60, { ...storm, ackGroup: 16, resolve: { 40: MODELS } });
    expect(lines.filter((l) => l.startsWith('40 ') && !l.includes('slack-alerts')).map((l) => l.split(':')[0])).toEqual(['40 resolve → slack-oncall', '40 resolve → pagerduty-oncall']);
  });

  it('step messages name the account and region, the firing tier, since when, and the runbook, as routed ones do', () => {
    const states = Object.fromEntries(MODELS.map((m) => alert(m, T0)).map((s) => [s.fingerprint, s]));
    const cfg = { ...config, rules: [{ ...rule, runbook: 'docs/runbooks.md#bedrock-throttles' }] };
    const esc = (groups: Escalations, now: number) =>
      escalate({ policies: cfg.escalation, policyFor: routePolicies(cfg), rules: cfg.rules, states, groups, env: { Region: 'eu-west-1', AccountId: '123456789012' }, runbookBase: 'https://github.com/acme/bw/blob/main/', now });
    const formed = esc({}, T0);
    expect(formed.notifications).toEqual([]); // the group waits group_wait
    const [n] = esc(formed.groups, T0 + MIN).notifications;
    expect(n.alerts).toHaveLength(4);
    for (const a of n.alerts) {
      expect(a.labels).toMatchObject({ Region: 'eu-west-1', AccountId: '123456789012' });
      expect([a.tier, a.since, a.runbook]).toEqual(['critical', new Date(T0 - 5 * MIN).toISOString(), 'https://github.com/acme/bw/blob/main/docs/runbooks.md#bedrock-throttles']);
    }
  });

  it('an alert rising to a tier with another policy joins that group too; the first stays open, quiet, until it resolves', () => {
    const tiers = parseRules(`
receivers:
  - { name: slack-oncall, type: slack, webhook_url: { env: SLACK_ONCALL } }
  - { name: pagerduty-oncall, type: pagerduty, routing_key: { env: PD_KEY } }
route:
  receiver: slack-oncall
  group_by: [rule, severity]
  group_wait: 0s
  routes:
    - { matchers: ['severity="warning"'], escalation: warn }
    - { matchers: ['severity="critical"'], escalation: page }
escalation:
  warn: { steps: [{ after: 0m, receivers: [slack-oncall] }, { after: 30m, receivers: [slack-oncall] }] }
  page: { steps: [{ after: 0m, receivers: [pagerduty-oncall] }] }
rules:
  - { name: r, kind: ratio, numerator: InvocationThrottles, denominator: Invocations, next_check: x, tiers: { warning: { above: 1% }, critical: { above: 10% } } }
`);
    const s = { ...alert(MODELS[0], T0), rule: 'r', fingerprint: fingerprint('r', { ModelId: MODELS[0] }), tier: 'warning' as const, maxTier: 'warning' as const };
    const states = { [s.fingerprint]: s };
    let groups: Escalations = {};
    const lines: string[] = [];
    for (let m = 0; m <= 60; m++) {
      if (m === 10) Object.assign(s, { tier: 'critical', maxTier: 'critical' });
      if (m === 50) Object.assign(s, { status: 'inactive', tier: null, endsAt: T0 + m * MIN });
      const e = escalate({ policies: tiers.escalation, policyFor: routePolicies(tiers), rules: tiers.rules, states, groups, now: T0 + m * MIN });
      groups = e.groups;
      lines.push(...e.notifications.map((n) => `${m} ${n.action} → ${n.receiver}`));
    }
    // The warning group's 30-minute step never comes (its alert is paged by the critical policy now); both groups resolve.
    expect(lines).toEqual(['0 trigger → slack-oncall', '10 trigger → pagerduty-oncall', '50 resolve → pagerduty-oncall', '50 resolve → slack-oncall']);
    expect(groups).toEqual({});
  });

  it('a storm in two rules is two groups, each escalating once', () => {
    const two = parseRules(`
receivers:
  - { name: slack-oncall, type: slack, webhook_url: { env: SLACK_ONCALL } }
route:
  receiver: slack-oncall
  group_by: [rule]
  group_wait: 0s
  escalation: p
escalation:
  p: { steps: [{ after: 0m, receivers: [slack-oncall] }] }
rules:
  - { name: a-rule, kind: ratio, numerator: InvocationThrottles, denominator: Invocations, next_check: x, tiers: { critical: { above: 10% } } }
  - { name: b-rule, kind: ratio, numerator: InvocationServerErrors, denominator: Invocations, next_check: x, tiers: { critical: { above: 10% } } }
`);
    const states: Record<string, AlertState> = {};
    for (const r of two.rules)
      for (const model of MODELS) {
        const s = { ...initialState(fingerprint(r.name, { ModelId: model }), r, 'throttles', { ModelId: model }), status: 'firing' as const, tier: 'critical' as const, maxTier: 'critical' as const, startsAt: T0, text: 'x' };
        states[s.fingerprint] = s;
      }
    const e = escalate({ policies: two.escalation, policyFor: routePolicies(two), rules: two.rules, states, groups: {}, now: T0 });
    expect(e.notifications.map((n) => `${n.action} ${n.alerts.length} ${n.alerts[0].rule}`).sort()).toEqual(['trigger 4 a-rule', 'trigger 4 b-rule']);
  });
});
