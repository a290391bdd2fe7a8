/**
 * What one group, one receiver or one silence must not do to the others, on the simulated clock
 * (route + escalate, as a tick runs them). Each case is one a user would notice: a group still
 * paging after someone acknowledged a different one is fine, but an acknowledgement of one storm
 * silencing another storm's pages is a lost page; a repeat arriving twice in the team's channel is
 * a duplicate; a silence on `severity` or `team` that does not hold back the page is noise.
 * (Found by mutation testing, issue 17: each test fails on a mutant that survived the suite.)
 */
import { fingerprint } from '../../shared/engine/fingerprint';
import { initialState } from '../../shared/engine/machine';
import type { AlertState, Transition } from '../../shared/core/alert';
import type { Escalations, GroupAck } from '../../shared/core/group';
import type { Notification } from '../../shared/core/notification';
import type { Config } from '../../shared/rules/schema';
import { parseRules } from '../../shared/rules/load';
import { escalate, routePolicies } from '../../shared/route/escalate';
import { route } from '../../shared/route/route';
import type { Groups } from '../../shared/route/groups';
import type { Silence } from '../../shared/route/silences';

const T0 = Date.parse('2026-10-05T16:00:00.000Z');
const MIN = 60_000;
const MODELS = ['amazon.nova-lite-v1:0', 'anthropic.claude-3-haiku-20240307-v1:0'];

const config = parseRules(`
receivers:
  - { name: slack-alerts, type: slack, webhook_url: { env: SLACK_URL } }
  - { name: slack-oncall, type: slack, webhook_url: { env: SLACK_ONCALL } }
  - { name: pagerduty-oncall, type: pagerduty, routing_key: { env: PD_KEY } }
route:
  receiver: slack-alerts
  group_by: [rule]
  group_wait: 0s
  group_interval: 5m
  repeat_interval: 1h
  escalation: oncall
escalation:
  oncall:
    steps:
      - { after: 0m, receivers: [slack-alerts, slack-oncall] }
      - { after: 15m, receivers: [pagerduty-oncall] }
rules:
  - { name: throttles, kind: ratio, numerator: InvocationThrottles, denominator: Invocations, next_check: x, labels: { team: payments }, tiers: { critical: { above: 10% } } }
  - { name: server-errors, kind: ratio, numerator: InvocationServerErrors, denominator: Invocations, next_check: x, labels: { team: platform }, tiers: { critical: { above: 10% } } }
`);

function firing(cfg: Config, ruleName: string, model: string, startsAt: number): AlertState {
  const rule = cfg.rules.find((r) => r.name === ruleName)!;
  const labels = { ModelId: model };
  return { ...initialState(fingerprint(rule.name, labels), rule, 'throttles', labels), status: 'firing', tier: 'critical', maxTier: 'critical', startsAt, conditionSince: startsAt - 5 * MIN, text: '23%' };
}

interface Script {
  /** Rules whose two models fire at minute 0. */
  rules: string[];
  /** Minute → the rule whose escalation group is acknowledged then (as the ack function records it: under the group key). */
  ackGroupOf?: Record<number, string>;
  silences?: Silence[];
}

/** One tick a minute; every notification decided, as "minute action → receiver: rule". */
function run(minutes: number, script: Script): string[] {
  const states: Record<string, AlertState> = {};
  let groups: Groups = {};
  let escalations: Escalations = {};
  const groupAcks: Record<string, GroupAck> = {};
  const sent: Notification[] = [];
  for (let m = 0; m <= minutes; m++) {
    const now = T0 + m * MIN;
    const transitions: Transition[] = [];
    if (m === 0)
      for (const r of script.rules)
        for (const model of MODELS) {
          const s = firing(config, r, model, now);
          states[s.fingerprint] = s;
          transitions.push({ kind: 'firing', at: now, minute: now - 3 * MIN, fromTier: null, state: s });
        }
    const ackRule = script.ackGroupOf?.[m];
    if (ackRule) {
      const g = Object.values(escalations).find((e) => Object.values(e.members).some((mem) => states[mem.fingerprint].rule === ackRule))!;
      groupAcks[g.key] = { key: g.key, ackedBy: 'ana', ackedAt: now, via: 'slack' };
    }
    const r = route({ config, states, transitions, groups, silences: script.silences, now });
    groups = r.groups;
    const e = escalate({ policies: config.escalation, policyFor: routePolicies(config), rules: config.rules, states, transitions, groups: escalations, groupAcks, now });
    escalations = e.groups;
    sent.push(...new Map([...r.notifications, ...e.notifications].map((n) => [n.id, n])).values());
  }
  return sent.map((n) => `${(Date.parse(n.at) - T0) / MIN} ${n.action} → ${n.receiver}: ${n.alert.rule}`);
}

describe('an acknowledgement stops its own group only', () => {
  it('acknowledging the throttles storm leaves the server-errors storm paging at +15', () => {
    const lines = run(20, { rules: ['throttles', 'server-errors'], ackGroupOf: { 5: 'throttles' } });
    expect(lines.filter((l) => l.includes('pagerduty'))).toEqual(['15 escalate → pagerduty-oncall: server-errors']);
  });

  it('without any acknowledgement both storms page (the test above is not vacuous)', () => {
    const lines = run(20, { rules: ['throttles', 'server-errors'] });
    expect(lines.filter((l) => l.includes('pagerduty')).sort()).toEqual(['15 escalate → pagerduty-oncall: server-errors', '15 escalate → pagerduty-oncall: throttles']);
  });
});

describe("policy repeats do not duplicate the route's own repeats", () => {
  it('the routed channel (also a step receiver) hears one repeat per interval, from the route; the others hear the policy', () => {
    const lines = run(3 * 60, { rules: ['throttles'] });
    const repeats = lines.filter((l) => l.includes(' repeat '));
    // slack-alerts is the route's receiver: its repeats come from the route only, one per repeat_interval.
    expect(repeats.filter((l) => l.includes('slack-alerts'))).toEqual(['60 repeat → slack-alerts: throttles', '120 repeat → slack-alerts: throttles', '180 repeat → slack-alerts: throttles']);
    // The policy repeats to everyone else it reached, an hour after its last step (15), then every hour.
    expect(repeats.filter((l) => !l.includes('slack-alerts'))).toEqual([
      '75 repeat → slack-oncall: throttles',
      '75 repeat → pagerduty-oncall: throttles',
      '135 repeat → slack-oncall: throttles',
      '135 repeat → pagerduty-oncall: throttles',
    ]);
  });
});

describe('silences match the labels routing sees (rule, severity, the rule’s labels), as Alertmanager’s do', () => {
  const silence = (matchers: string[]): Silence => ({ id: 's1', matchers, author: 'ana', comment: 'maintenance', startsAt: T0 - MIN, endsAt: T0 + 24 * 60 * MIN, createdAt: T0 - MIN });

  it.each([['severity="critical"'], ['rule="throttles"'], ['alertname="throttles"'], ['team="payments"']])('a silence on %s holds back the message and the escalation', (matcher) => {
    expect(run(30, { rules: ['throttles'], silences: [silence([matcher])] })).toEqual([]);
  });

  it("a silence on another team's label holds back nothing", () => {
    const lines = run(30, { rules: ['throttles'], silences: [silence(['team="platform"'])] });
    expect(lines).toContain('15 escalate → pagerduty-oncall: throttles');
  });
});
