/** Escalation policies on the simulated clock: steps on time and once, stopped by an acknowledgement, repeats, resolves. */
import { fingerprint } from '../../shared/engine/fingerprint';
import { initialState } from '../../shared/engine/machine';
import type { AckRecord, AlertState, Transition } from '../../shared/core/alert';
import { parseRules } from '../../shared/rules/load';
import { escalate, tierPolicies } from '../../shared/route/escalate';
import { route } from '../../shared/route/route';
import type { Groups } from '../../shared/route/groups';
import type { Escalations } from '../../shared/core/group';
import type { Notification } from '../../shared/core/notification';

const T0 = Date.parse('2026-10-05T16:00:00.000Z');
const MIN = 60_000;
const MODEL = 'anthropic.claude-3-5-sonnet-20240620-v1:0';

const RULES = `
receivers:
  - { name: slack-alerts, type: slack, webhook_url: { env: SLACK_URL } }
  - { name: slack-oncall, type: slack, webhook_url: { env: SLACK_ONCALL } }
  - { name: pagerduty-oncall, type: pagerduty, routing_key: { env: PD_KEY } }
  - { name: sns-management, type: sns, topic_arn: { env: MANAGEMENT_TOPIC_ARN } }
  - { name: pagerduty-exec, type: pagerduty, routing_key: { env: PD_EXEC } }
routes:
  critical: [slack-alerts]
  warning: [slack-alerts]
  repeat_interval: 4h
  escalation: { critical: default-critical }
escalation:
  default-critical:
    steps:
      - { after: 0m, receivers: [slack-oncall] }
      - { after: 15m, receivers: [pagerduty-oncall] }
      - { after: 30m, receivers: [sns-management] }
      - { after: 60m, receivers: [pagerduty-exec] }
rules:
  - name: bedrock-server-errors
    kind: ratio
    numerator: InvocationServerErrors
    denominator: Invocations
    next_check: Check the AWS Health Dashboard.
    tiers: { warning: { above: 1% }, critical: { above: 5% } }
`;
const config = parseRules(RULES);

function firing(over: Partial<AlertState> = {}): AlertState {
  const r = config.rules[0];
  const labels = { ModelId: MODEL };
  return { ...initialState(fingerprint(r.name, labels), r, 'server_errors', labels), status: 'firing', tier: 'critical', maxTier: 'critical', startsAt: T0, text: '9%', ...over };
}

/** What a tick does: route, then escalate, keeping one notification per id. */
let groups: Groups = {};
let escalations: Escalations = {};
beforeEach(() => {
  groups = {};
  escalations = {};
});

function tick(states: Record<string, AlertState>, transitions: Transition[], now: number): Notification[] {
  const r = route({ config, states, transitions, groups, now });
  groups = r.groups;
  const e = escalate({ policies: config.escalation, policyFor: tierPolicies(config), rules: config.rules, states, transitions, groups: escalations, now });
  escalations = e.groups;
  return [...new Map([...r.notifications, ...e.notifications].map((n) => [n.id, n])).values()];
}

/**
 * Runs an alert that fires at T0 through one tick a minute until `minutes`, with optional ack at a
 * minute; returns "minute action → receiver" lines.
 */
function run(minutes: number, opts: { ackAt?: number; ack?: Partial<AckRecord>; tickEvery?: number; resolveAt?: number } = {}): string[] {
  const s = firing();
  const states = { [s.fingerprint]: s };
  const lines: string[] = [];
  groups = {};
  escalations = {};
  for (let m = 0; m <= minutes; m += opts.tickEvery ?? 1) {
    const now = T0 + m * MIN;
    if (opts.ackAt !== undefined && m >= opts.ackAt && !s.ack) s.ack = { ackedBy: 'ana', ackedAt: now, via: 'slack', episode: T0, ...opts.ack };
    let transitions: Transition[] = m === 0 ? [{ kind: 'firing', at: now, minute: now - 3 * MIN, fromTier: null, state: s }] : [];
    if (m === opts.resolveAt) {
      Object.assign(s, { status: 'inactive', tier: null, endsAt: now });
      transitions = [{ kind: 'resolved', at: now, minute: now - 3 * MIN, fromTier: 'critical', state: s }];
    }
    for (const n of tick(states, transitions, now)) lines.push(`${m} ${n.action} → ${n.receiver}`);
    if (m === opts.resolveAt) break;
  }
  return lines;
}

describe('escalation policy steps', () => {
  it('sends each step once, on time, to its receivers, next to the route', () => {
    expect(run(120)).toEqual([
      '0 trigger → slack-alerts',
      '0 trigger → slack-oncall',
      '15 escalate → pagerduty-oncall',
      '30 escalate → sns-management',
      '60 escalate → pagerduty-exec',
    ]);
  });

  it('a tick late by some minutes sends every step that fell due, once', () => {
    // Ticks every 20 min: 15m is sent at 20, 30m at 40, 60m at 60.
    expect(run(100, { tickEvery: 20 })).toEqual([
      '0 trigger → slack-alerts',
      '0 trigger → slack-oncall',
      '20 escalate → pagerduty-oncall',
      '40 escalate → sns-management',
      '60 escalate → pagerduty-exec',
    ]);
  });

  it('stops at the acknowledgement (from any path: the record is the same)', () => {
    for (const via of ['slack', 'pagerduty', 'cli'] as const) {
      expect(run(120, { ackAt: 20, ack: { via } })).toEqual(['0 trigger → slack-alerts', '0 trigger → slack-oncall', '15 escalate → pagerduty-oncall']);
    }
  });

  it("an acknowledgement of an earlier episode does not stop this one", () => {
    expect(run(60, { ackAt: 0, ack: { episode: T0 - 60 * MIN } }).filter((l) => l.includes('escalate'))).toEqual([
      '15 escalate → pagerduty-oncall',
      '30 escalate → sns-management',
      '60 escalate → pagerduty-exec',
    ]);
  });

  it('a resolve goes to every receiver the escalation reached, once each', () => {
    expect(run(40, { resolveAt: 40 }).filter((l) => l.startsWith('40 '))).toEqual([
      '40 resolve → slack-alerts',
      '40 resolve → slack-oncall',
      '40 resolve → pagerduty-oncall',
      '40 resolve → sns-management',
    ]);
  });

  it('an acknowledged alert is still resolved to everyone it reached', () => {
    expect(run(40, { ackAt: 16, resolveAt: 40 }).filter((l) => l.startsWith('40 '))).toEqual([
      '40 resolve → slack-alerts',
      '40 resolve → slack-oncall',
      '40 resolve → pagerduty-oncall',
    ]);
  });
});

describe('repeats of unacknowledged alerts', () => {
  it('the route and the policy re-send every repeat_interval while nobody acknowledges', () => {
    const repeats = run(9 * 60).filter((l) => l.includes('repeat'));
    // Route: 4 h after the trigger, then 4 h later. Policy: 4 h after its last step (60 min), to everyone it reached.
    expect(repeats).toEqual([
      '240 repeat → slack-alerts',
      '300 repeat → slack-oncall',
      '300 repeat → pagerduty-oncall',
      '300 repeat → sns-management',
      '300 repeat → pagerduty-exec',
      '480 repeat → slack-alerts',
      '540 repeat → slack-oncall',
      '540 repeat → pagerduty-oncall',
      '540 repeat → sns-management',
      '540 repeat → pagerduty-exec',
    ]);
  });

  it('an acknowledged alert is not repeated by anyone', () => {
    expect(run(9 * 60, { ackAt: 100 }).filter((l) => l.includes('repeat'))).toEqual([]);
  });
});

describe('which policy applies', () => {
  it('counts from when the alert rose to a tier with a policy', () => {
    const s = firing({ tier: 'warning', maxTier: 'warning' });
    const states = { [s.fingerprint]: s };
    const lines: string[] = [];
    for (let m = 0; m <= 60; m++) {
      const now = T0 + m * MIN;
      const transitions: Transition[] = [];
      if (m === 10) {
        Object.assign(s, { tier: 'critical', maxTier: 'critical' });
        transitions.push({ kind: 'escalated', at: now, minute: now, fromTier: 'warning', state: s });
      }
      for (const n of tick(states, transitions, now)) lines.push(`${m} ${n.action} → ${n.receiver}`);
    }
    // The routing tree announces a firing alert it has not told yet (the warning, at once in the short form).
    expect(lines).toEqual(['0 trigger → slack-alerts', '10 escalate → slack-alerts', '10 trigger → slack-oncall', '25 escalate → pagerduty-oncall', '40 escalate → sns-management']);
  });

  it('inhibited and pending alerts are not escalated', () => {
    const muted = firing({ suppressedBy: 'other' });
    const pending = { ...firing(), fingerprint: 'b'.repeat(24), status: 'pending' as const };
    const e = escalate({ policies: config.escalation, policyFor: tierPolicies(config), rules: config.rules, states: { a: muted, b: pending }, transitions: [], now: T0 + 90 * MIN });
    expect(e).toEqual({ notifications: [], groups: {} });
  });

  it('step ids depend on the group and the step, not on the tick: a re-run tick decides the same ids', () => {
    const s = firing();
    const esc = (g: Escalations, now: number) => escalate({ policies: config.escalation, policyFor: tierPolicies(config), rules: config.rules, states: { [s.fingerprint]: s }, groups: g, now });
    const recorded = esc({}, T0).groups; // step 0, recorded on the group
    const late = T0 + 31 * MIN;
    // The same recorded progress decided twice (an at-least-once tick re-run a little later): same steps, same ids.
    const first = esc(recorded, late);
    const again = esc(recorded, late + 30_000);
    expect(first.notifications.map((n) => `${n.action} → ${n.receiver}`)).toEqual(['escalate → pagerduty-oncall', 'escalate → sns-management']);
    expect(first.notifications.map((n) => n.id)).toEqual(again.notifications.map((n) => n.id));
  });
});

describe('bad input: escalation in the rules file', () => {
  const problem = (text: string) => {
    try {
      parseRules(text);
    } catch (e) {
      return (e as Error).message;
    }
    return 'no error';
  };
  it('names an unknown policy, an unknown receiver and steps out of order with file:line:col', () => {
    expect(problem(RULES.replace('escalation: { critical: default-critical }', 'escalation: { critical: nobody }'))).toMatch(
      /rules\.yml:\d+:\d+: routes\.escalation\.critical .*unknown escalation policy "nobody" \(defined: default-critical\)/,
    );
    expect(problem(RULES.replace('receivers: [pagerduty-exec]', 'receivers: [pagerduty-exce]'))).toMatch(
      /rules\.yml:19:\d+: escalation\.default-critical\.steps\[3\]\.receivers\[0\] .*unknown receiver "pagerduty-exce"/,
    );
    expect(problem(RULES.replace('after: 60m', 'after: 20m'))).toMatch(/rules\.yml:19:\d+: escalation\.default-critical\.steps\[3\]\.after .*in order/);
  });
});
