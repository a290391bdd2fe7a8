import { fingerprint } from '../../shared/engine/fingerprint';
import { initialState } from '../../shared/engine/machine';
import { signalOf } from '../../shared/engine/signal';
import type { AlertState, Tier, Transition } from '../../shared/core/alert';
import { parseRules } from '../../shared/rules/load';
import { notificationId, route } from '../../shared/route/route';
import { configOf, errorTraffic, evaluateMinutes, frameOf, runs, serverErrorRule } from '../support/frame';

const NOW = Date.parse('2026-10-05T16:00:00.000Z');
const MIN = 60_000;
const SONNET = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
const LLAMA = 'meta.llama3-1-70b-instruct-v1:0';

const config = parseRules(`
receivers:
  - { name: pagerduty-oncall, type: pagerduty, routing_key: { env: PD_KEY } }
  - { name: slack-alerts, type: slack, webhook_url: { env: SLACK_URL } }
  - { name: sns-info, type: sns, topic_arn: "arn:aws:sns:us-east-1:123456789012:info" }
routes:
  critical: [pagerduty-oncall, slack-alerts]
  warning: [slack-alerts]
  info: [sns-info]
  repeat_interval: 4h
inhibit:
  - source: { rule: bedrock-latency-p95 }
    target: { rule: bedrock-time-to-first-token }
    equal: [ModelId]
rules:
  - name: bedrock-server-errors
    kind: ratio
    numerator: InvocationServerErrors
    denominator: Invocations
    next_check: Check the AWS Health Dashboard.
    tiers: { warning: { above: 1% }, critical: { above: 5% } }
  - name: bedrock-latency-p95
    kind: threshold
    metric: InvocationLatency
    stat: p95
    next_check: Look at OutputTokenCount.
    tiers: { critical: { above: 10s } }
  - name: bedrock-time-to-first-token
    kind: threshold
    metric: TimeToFirstToken
    stat: Average
    next_check: Check input token counts.
    tiers: { warning: { above: 2s } }
`);

/** A state of `rule` on `model`, firing at `tier` since 10 minutes before NOW unless overridden. */
function alert(rule: string, model: string, over: Partial<AlertState> = {}): AlertState {
  const r = config.rules.find((x) => x.name === rule)!;
  const labels = { ModelId: model };
  return {
    ...initialState(fingerprint(rule, labels), r, signalOf(r), labels),
    status: 'firing',
    tier: 'critical',
    maxTier: 'critical',
    startsAt: NOW - 10 * MIN,
    lastMinute: NOW - 3 * MIN,
    text: '9.1% (91 of 1000 requests in 5 min; critical above 5.0%)',
    ...over,
  };
}

const transition = (kind: Transition['kind'], state: AlertState, fromTier: Tier | null = null): Transition => ({ kind, at: NOW, minute: NOW - 3 * MIN, fromTier, state });
const sent = (r: ReturnType<typeof route>) => r.notifications.map((n) => `${n.action} ${n.alert.tier} → ${n.receiver}`);

describe('routing by tier', () => {
  it.each([
    ['critical', ['trigger critical → pagerduty-oncall', 'trigger critical → slack-alerts']],
    ['warning', ['trigger warning → slack-alerts']],
    ['info', ['trigger info → sns-info']],
  ] as [Tier, string[]][])('a %s trigger goes to that tier’s receivers only', (tier, expected) => {
    const s = alert('bedrock-server-errors', SONNET, { tier, maxTier: tier, startsAt: NOW });
    const r = route(config, [transition('firing', s)], { [s.fingerprint]: s }, NOW);
    expect(sent(r)).toEqual(expected);
    expect(r.notifications.every((n) => n.at === new Date(NOW).toISOString() && n.alert.status === 'firing')).toBe(true);
    expect(s.lastNotifiedAt).toBe(NOW);
  });

  it('sends an escalation to the new tier’s receivers', () => {
    const s = alert('bedrock-server-errors', SONNET, { tier: 'critical', maxTier: 'critical' });
    const r = route(config, [transition('escalated', s, 'warning')], { [s.fingerprint]: s }, NOW);
    expect(sent(r)).toEqual(['escalate critical → pagerduty-oncall', 'escalate critical → slack-alerts']);
  });

  it('says what is wrong, on which model, and what to check first', () => {
    const s = alert('bedrock-server-errors', SONNET);
    const [n] = route(config, [transition('firing', s)], { [s.fingerprint]: s }, NOW).notifications;
    expect(n.alert).toMatchObject({
      fingerprint: s.fingerprint,
      rule: 'bedrock-server-errors',
      signal: 'server_errors',
      labels: { ModelId: SONNET },
      nextCheck: 'Check the AWS Health Dashboard.',
      startsAt: new Date(NOW - 10 * MIN).toISOString(),
      endsAt: null,
    });
    expect(n.alert.summary).toContain(SONNET);
    expect(n.alert.summary).toContain('9.1%');
  });
});

describe('resolve', () => {
  it.each([
    ['info', ['resolve info → sns-info']],
    ['warning', ['resolve warning → sns-info', 'resolve warning → slack-alerts']],
    ['critical', ['resolve critical → sns-info', 'resolve critical → pagerduty-oncall', 'resolve critical → slack-alerts']],
  ] as [Tier, string[]][])('an episode that reached %s is resolved to the receivers of every tier up to it, once each', (maxTier, expected) => {
    const s = alert('bedrock-server-errors', SONNET, { status: 'inactive', tier: null, maxTier, endsAt: NOW, lastNotifiedAt: NOW - 5 * MIN });
    const r = route(config, [transition('resolved', s, maxTier)], { [s.fingerprint]: s }, NOW);
    expect(sent(r).sort()).toEqual([...expected].sort());
    expect(r.notifications.every((n) => n.alert.status === 'resolved' && n.alert.endsAt === new Date(NOW).toISOString())).toBe(true);
  });

  it('uses the episode’s highest tier even after it stepped down', () => {
    const s = alert('bedrock-server-errors', SONNET, { status: 'inactive', tier: null, maxTier: 'critical', endsAt: NOW });
    const r = route(config, [transition('resolved', s, 'warning')], { [s.fingerprint]: s }, NOW);
    expect(r.notifications.map((n) => n.receiver)).toContain('pagerduty-oncall');
  });
});

describe('repeat', () => {
  it.each([
    ['not yet: 4h minus a minute since the last message', 4 * 60 - 1, []],
    ['exactly 4h later', 4 * 60, ['repeat critical → pagerduty-oncall', 'repeat critical → slack-alerts']],
    ['long overdue', 9 * 60, ['repeat critical → pagerduty-oncall', 'repeat critical → slack-alerts']],
  ])('a still-firing alert repeats after repeat_interval: %s', (_case, minutesAgo, expected) => {
    const s = alert('bedrock-server-errors', SONNET, { lastNotifiedAt: NOW - minutesAgo * MIN });
    const r = route(config, [], { [s.fingerprint]: s }, NOW);
    expect(sent(r)).toEqual(expected);
    expect(r.notified).toEqual(expected.length ? [s.fingerprint] : []);
    expect(s.lastNotifiedAt).toBe(expected.length ? NOW : NOW - minutesAgo * MIN);
  });

  it('repeats at the tier firing now', () => {
    const s = alert('bedrock-server-errors', SONNET, { tier: 'warning', maxTier: 'critical', lastNotifiedAt: NOW - 5 * 60 * MIN });
    expect(sent(route(config, [], { [s.fingerprint]: s }, NOW))).toEqual(['repeat warning → slack-alerts']);
  });

  it('does not repeat an alert that was never announced, or one that is muted', () => {
    const never = alert('bedrock-server-errors', SONNET, { lastNotifiedAt: null });
    const muted = alert('bedrock-server-errors', LLAMA, { lastNotifiedAt: NOW - 5 * 60 * MIN, suppressedBy: 'x' });
    expect(route(config, [], { [never.fingerprint]: never, [muted.fingerprint]: muted }, NOW).notifications).toEqual([]);
  });
});

describe('inhibition', () => {
  const latency = (model: string, over: Partial<AlertState> = {}) => alert('bedrock-latency-p95', model, over);
  const ttft = (model: string) => alert('bedrock-time-to-first-token', model, { tier: 'warning', maxTier: 'warning', startsAt: NOW });

  it('mutes the time-to-first-token alert while latency fires for the same model', () => {
    const slow = latency(SONNET);
    const first = ttft(SONNET);
    const r = route(config, [transition('firing', first)], { [slow.fingerprint]: slow, [first.fingerprint]: first }, NOW);
    expect(r.notifications).toEqual([]);
    expect(r.suppressed).toEqual({ [first.fingerprint]: slow.fingerprint });
    expect(first.suppressedBy).toBe(slow.fingerprint);
  });

  it('does not mute it for another model', () => {
    const slow = latency(SONNET);
    const first = ttft(LLAMA);
    const r = route(config, [transition('firing', first)], { [slow.fingerprint]: slow, [first.fingerprint]: first }, NOW);
    expect(sent(r)).toEqual(['trigger warning → slack-alerts']);
    expect(r.suppressed).toEqual({});
  });

  it('does not mute it when the latency alert is not firing', () => {
    const calm = latency(SONNET, { status: 'pending', tier: null });
    const first = ttft(SONNET);
    const r = route(config, [transition('firing', first)], { [calm.fingerprint]: calm, [first.fingerprint]: first }, NOW);
    expect(sent(r)).toEqual(['trigger warning → slack-alerts']);
  });

  it('mutes when both fire in the same tick, and never the other way round', () => {
    const slow = latency(SONNET, { startsAt: NOW });
    const first = ttft(SONNET);
    const states = { [slow.fingerprint]: slow, [first.fingerprint]: first };
    const r = route(config, [transition('firing', slow), transition('firing', first)], states, NOW);
    expect(sent(r)).toEqual(['trigger critical → pagerduty-oncall', 'trigger critical → slack-alerts']);
    expect(r.notifications.every((n) => n.alert.rule === 'bedrock-latency-p95')).toBe(true);
  });

  it('keeps a muted episode silent to its end: no escalation, no resolve', () => {
    const muted = alert('bedrock-time-to-first-token', SONNET, { suppressedBy: 'latency-fp' });
    expect(route(config, [transition('escalated', muted, 'warning')], { [muted.fingerprint]: muted }, NOW).notifications).toEqual([]);
    const ended = { ...muted, status: 'inactive' as const, tier: null, endsAt: NOW };
    expect(route(config, [transition('resolved', ended, 'warning')], { [ended.fingerprint]: ended }, NOW).notifications).toEqual([]);
  });
});

describe('notification ids', () => {
  const decide = () => {
    const s = alert('bedrock-server-errors', SONNET);
    return route(config, [transition('firing', s)], { [s.fingerprint]: s }, NOW).notifications.map((n) => n.id);
  };

  it('are the same for the same decision, so a re-run tick does not duplicate a message', () => {
    expect(decide()).toEqual(decide());
    expect(decide()[0]).toBe(notificationId(fingerprint('bedrock-server-errors', { ModelId: SONNET }), NOW - 10 * MIN, 'trigger', 'critical', 'pagerduty-oncall', NOW));
  });

  it('differ per receiver, action, tier, episode and model', () => {
    const fp = fingerprint('bedrock-server-errors', { ModelId: SONNET });
    const ids = [
      notificationId(fp, NOW, 'trigger', 'critical', 'pagerduty-oncall', NOW),
      notificationId(fp, NOW, 'trigger', 'critical', 'slack-alerts', NOW),
      notificationId(fp, NOW, 'resolve', 'critical', 'pagerduty-oncall', NOW),
      notificationId(fp, NOW, 'trigger', 'warning', 'pagerduty-oncall', NOW),
      notificationId(fp, NOW + MIN, 'trigger', 'critical', 'pagerduty-oncall', NOW),
      notificationId(fingerprint('bedrock-server-errors', { ModelId: LLAMA }), NOW, 'trigger', 'critical', 'pagerduty-oncall', NOW),
    ];
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('do not depend on when a trigger is routed, but each repeat is its own message', () => {
    const fp = fingerprint('bedrock-server-errors', { ModelId: SONNET });
    expect(notificationId(fp, NOW, 'trigger', 'critical', 'slack-alerts', NOW)).toBe(notificationId(fp, NOW, 'trigger', 'critical', 'slack-alerts', NOW + MIN));
    expect(notificationId(fp, NOW, 'repeat', 'critical', 'slack-alerts', NOW)).not.toBe(notificationId(fp, NOW, 'repeat', 'critical', 'slack-alerts', NOW + 4 * 60 * MIN));
  });

  it('give a second escalation to critical in the same episode its own message', () => {
    // warning 5% → critical 30% → back to 5% (steps down to warning after keep_firing_for) → critical 30% again.
    const rules = configOf([serverErrorRule({ keep_firing_for: '3m', tiers: { warning: { above: '1%', for: '2m' }, critical: { above: '10%', for: '2m' } } })], {
      receivers: [{ name: 'slack-alerts', type: 'slack', webhook_url: { env: 'SLACK_URL' } }],
      routes: { warning: ['slack-alerts'], critical: ['slack-alerts'] },
    });
    const errors = [...runs([5, 5]), ...runs([30, 5]), ...runs([5, 8]), ...runs([30, 5])];
    const run = evaluateMinutes(rules, frameOf({ [SONNET]: errorTraffic(runs([100, 23]), errors) }));
    const escalations = run.transitions.filter((t) => t.kind === 'escalated');
    expect(escalations).toHaveLength(2);
    const ids = escalations.map((t) => route(rules, [t], { [t.state.fingerprint]: t.state }, t.at).notifications[0].id);
    expect(new Set(ids).size).toBe(2);
  });
});
