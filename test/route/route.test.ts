/**
 * The router on a simulated clock: states and the carried groups go in, messages come out, tick
 * after tick. Covers the short form (each alert alone, at once), grouping and its timers,
 * inhibition with `equal`, silences, and mute/active windows across DST changes.
 */
import { fingerprint } from '../../shared/engine/fingerprint';
import { initialState } from '../../shared/engine/machine';
import { signalOf } from '../../shared/engine/signal';
import type { AlertState, Tier } from '../../shared/core/alert';
import type { Groups } from '../../shared/route/groups';
import { parseRules } from '../../shared/rules/load';
import type { Config } from '../../shared/rules/schema';
import { route, type RouteResult } from '../../shared/route/route';
import type { Silence } from '../../shared/route/silences';

const NOW = Date.parse('2026-10-05T16:00:00.000Z');
const MIN = 60_000;
const SONNET = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
const LLAMA = 'meta.llama3-1-70b-instruct-v1:0';
const MODELS = ['amazon.nova-lite-v1:0', 'amazon.nova-pro-v1:0', SONNET, LLAMA, 'mistral.mistral-large-2402-v1:0'];

const RULES = `
rules:
  - name: bedrock-throttles
    kind: ratio
    description: Throttling
    numerator: InvocationThrottles
    denominator: [Invocations, InvocationThrottles]
    next_check: Compare with the quota.
    runbook: docs/runbooks.md#bedrock-throttles
    labels: { team: platform }
    tiers: { warning: { above: 1% }, critical: { above: 10% } }
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
`;

const RECEIVERS = `
receivers:
  - { name: pagerduty-oncall, type: pagerduty, routing_key: { env: PD_KEY } }
  - { name: slack-alerts, type: slack, webhook_url: { env: SLACK_URL } }
  - { name: sns-info, type: sns, topic_arn: "arn:aws:sns:us-east-1:123456789012:info" }
`;

const shortForm = parseRules(`${RECEIVERS}
routes:
  critical: [pagerduty-oncall, slack-alerts]
  warning: [slack-alerts]
  info: [sns-info]
  repeat_interval: 4h
inhibit:
  - source_matchers: ['rule="bedrock-latency-p95"']
    target_matchers: ['rule="bedrock-time-to-first-token"']
    equal: [ModelId]
${RULES}`);

const grouped = parseRules(`${RECEIVERS}
route:
  receiver: slack-alerts
  group_by: [rule, severity]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
  routes:
    - matchers: ['severity="critical"']
      receivers: [pagerduty-oncall, slack-alerts]
${RULES}`);

/** A state of `rule` on `model`, firing at `tier` since NOW unless overridden. */
function alert(config: Config, rule: string, model: string, over: Partial<AlertState> = {}): AlertState {
  const r = config.rules.find((x) => x.name === rule)!;
  const labels = { ModelId: model };
  return {
    ...initialState(fingerprint(rule, labels), r, signalOf(r), labels),
    status: 'firing',
    tier: 'critical',
    maxTier: 'critical',
    startsAt: NOW,
    conditionSince: NOW - 8 * MIN,
    lastMinute: NOW - 3 * MIN,
    text: '12% (120 of 1000 requests in 5 min; critical above 10%)',
    headline: '12% (120 of 1000 requests in 5 min; critical above 10%)',
    ...over,
  };
}

const resolve = (s: AlertState, at: number) => Object.assign(s, { status: 'inactive', tier: null, endsAt: at });
const byFp = (...states: AlertState[]) => Object.fromEntries(states.map((s) => [s.fingerprint, s]));
const lines = (r: RouteResult) => r.notifications.map((n) => `${n.action} ${n.alert.tier} → ${n.receiver} (${n.alerts.length})`).sort();

/** Ticks the router over a simulated clock, carrying its groups like the cursor does. */
class Clock {
  groups: Groups = {};
  constructor(
    readonly config: Config,
    public silences: Silence[] = [],
  ) {}
  tick(states: Record<string, AlertState>, now: number): RouteResult {
    const r = route({ config: this.config, states, groups: this.groups, silences: this.silences, env: { Region: 'us-east-1', AccountId: '123456789012' }, now });
    this.groups = r.groups;
    return r;
  }
}

describe('short form: each alert alone, sent at once', () => {
  it.each([
    ['critical', ['trigger critical → pagerduty-oncall (1)', 'trigger critical → slack-alerts (1)']],
    ['warning', ['trigger warning → slack-alerts (1)']],
    ['info', ['trigger info → sns-info (1)']],
  ] as [Tier, string[]][])('a %s alert goes to that tier’s receivers only', (tier, expected) => {
    const s = alert(shortForm, 'bedrock-throttles', SONNET, { tier, maxTier: tier });
    const r = new Clock(shortForm).tick(byFp(s), NOW);
    expect(lines(r)).toEqual(expected);
    expect(s.lastNotifiedAt).toBe(NOW);
  });

  it('keys every message by the alert’s episode, so a late resolve can never close the next episode', () => {
    const s = alert(shortForm, 'bedrock-throttles', SONNET);
    const [n] = new Clock(shortForm).tick(byFp(s), NOW).notifications;
    expect(n.key).toBe(`${s.fingerprint}@${new Date(NOW).toISOString()}`);
    expect(n.group).toBeUndefined();
  });

  it('escalates on the receivers that knew, pages the new tier’s, and resolves everyone the episode reached once', () => {
    const clock = new Clock(shortForm);
    const s = alert(shortForm, 'bedrock-throttles', SONNET, { tier: 'warning', maxTier: 'warning' });
    expect(lines(clock.tick(byFp(s), NOW))).toEqual(['trigger warning → slack-alerts (1)']);
    Object.assign(s, { tier: 'critical', maxTier: 'critical' });
    expect(lines(clock.tick(byFp(s), NOW + 5 * MIN))).toEqual(['escalate critical → slack-alerts (1)', 'trigger critical → pagerduty-oncall (1)']);
    Object.assign(s, { tier: 'warning' }); // steps down: an update to those who know, not a new trigger
    expect(lines(clock.tick(byFp(s), NOW + 20 * MIN))).toEqual(['update warning → pagerduty-oncall (1)', 'update warning → slack-alerts (1)']);
    expect(lines(clock.tick(byFp(s), NOW + 25 * MIN))).toEqual([]); // told once
    resolve(s, NOW + 30 * MIN);
    const r = clock.tick(byFp(s), NOW + 30 * MIN);
    expect(lines(r)).toEqual(['resolve critical → pagerduty-oncall (1)', 'resolve critical → slack-alerts (1)']);
    expect(r.notifications.every((n) => n.alert.status === 'resolved')).toBe(true);
    expect(clock.groups).toEqual({});
  });

  it('tells a second rise to critical in the same episode again', () => {
    const clock = new Clock(shortForm);
    const s = alert(shortForm, 'bedrock-throttles', SONNET, { tier: 'critical' });
    clock.tick(byFp(s), NOW);
    Object.assign(s, { tier: 'warning' });
    clock.tick(byFp(s), NOW + 10 * MIN);
    Object.assign(s, { tier: 'critical' });
    expect(lines(clock.tick(byFp(s), NOW + 20 * MIN))).toEqual(['escalate critical → pagerduty-oncall (1)', 'escalate critical → slack-alerts (1)']);
  });

  it.each([
    ['4h minus a minute later: not yet', 4 * 60 - 1, []],
    ['exactly 4h later', 4 * 60, ['repeat critical → pagerduty-oncall (1)', 'repeat critical → slack-alerts (1)']],
  ])('repeats a still-firing alert after repeat_interval: %s', (_case, minutes, expected) => {
    const clock = new Clock(shortForm);
    const s = alert(shortForm, 'bedrock-throttles', SONNET);
    clock.tick(byFp(s), NOW);
    expect(lines(clock.tick(byFp(s), NOW + minutes * MIN))).toEqual(expected);
  });

  it('decides the same ids for the same tick (a re-run tick duplicates nothing), and new ones for a repeat', () => {
    const ids = (now: number) => new Clock(shortForm).tick(byFp(alert(shortForm, 'bedrock-throttles', SONNET)), now).notifications.map((n) => n.id);
    expect(ids(NOW)).toEqual(ids(NOW));
    expect(new Set([...ids(NOW), ...ids(NOW + MIN)]).size).toBe(4);
    for (const id of ids(NOW)) expect(id).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('messages people can act on', () => {
  it('name the account and region, the tier firing, since when the condition holds, and the runbook', () => {
    const s = alert(shortForm, 'bedrock-throttles', SONNET, { tier: 'warning', maxTier: 'warning' });
    const [n] = new Clock(shortForm).tick(byFp(s), NOW).notifications;
    expect(n.alert).toMatchObject({
      tier: 'warning',
      labels: { ModelId: SONNET, team: 'platform', Region: 'us-east-1', AccountId: '123456789012' },
      since: new Date(NOW - 8 * MIN).toISOString(),
      startsAt: new Date(NOW).toISOString(),
      runbook: 'docs/runbooks.md#bedrock-throttles',
      nextCheck: 'Compare with the quota.',
    });
    expect(n.alert.summary).toBe(`Throttling on ${SONNET}: 12% (120 of 1000 requests in 5 min; critical above 10%)`);
  });

  it('say when a resolve came from missing data rather than a recovery', () => {
    const clock = new Clock(shortForm);
    const s = alert(shortForm, 'bedrock-throttles', SONNET);
    clock.tick(byFp(s), NOW);
    resolve(s, NOW + 40 * MIN);
    s.details = { resolved_because: 'no evaluable data for 30 min' };
    const [n] = clock.tick(byFp(s), NOW + 40 * MIN).notifications;
    expect(n.alert.resolveReason).toBe('no evaluable data for 30 min');
    expect(n.alert.summary).toMatch(/^Resolved for lack of data: Throttling/);
  });

  it('make runbook links absolute against settings.runbook_base_url', () => {
    const config = { ...shortForm, settings: { ...shortForm.settings, runbook_base_url: 'https://github.com/acme/bedrock-watch/blob/main/' } };
    const [n] = new Clock(config).tick(byFp(alert(config, 'bedrock-throttles', SONNET)), NOW).notifications;
    expect(n.alert.runbook).toBe('https://github.com/acme/bedrock-watch/blob/main/docs/runbooks.md#bedrock-throttles');
  });
});

describe('grouping: a storm is one message per receiver', () => {
  const storm = (n: number, over: Partial<AlertState> = {}) => MODELS.slice(0, n).map((m) => alert(grouped, 'bedrock-throttles', m, over));

  it('waits group_wait, then sends each receiver one message listing the four models', () => {
    const clock = new Clock(grouped);
    const four = storm(4);
    expect(clock.tick(byFp(...four), NOW).notifications).toEqual([]); // group_wait 30s: the rest of the storm may still come
    const r = clock.tick(byFp(...four), NOW + MIN);
    expect(lines(r)).toEqual(['trigger critical → pagerduty-oncall (4)', 'trigger critical → slack-alerts (4)']);
    const [n] = r.notifications;
    expect(n.group).toEqual({ labels: { rule: 'bedrock-throttles', severity: 'critical' }, route: 'route.routes[0]' });
    expect(new Set(n.alerts.map((a) => a.labels.ModelId))).toEqual(new Set(MODELS.slice(0, 4)));
  });

  it('tells members joining and resolving at most every group_interval, in the same stream, then closes it', () => {
    const clock = new Clock(grouped);
    const [a, b, c, d, e] = storm(5);
    clock.tick(byFp(a, b, c, d), NOW);
    const first = clock.tick(byFp(a, b, c, d), NOW + MIN).notifications;
    // One stream per receiver: PagerDuty's incident and Slack's thread of messages.
    const keys = Object.fromEntries(first.map((n) => [n.receiver, n.key]));
    const sameStream = (ns: RouteResult['notifications']) => ns.every((n) => n.key === keys[n.receiver]);
    // A fifth model joins a minute later: held until group_interval (5m) after the first message.
    e.startsAt = NOW + 2 * MIN;
    expect(clock.tick(byFp(a, b, c, d, e), NOW + 2 * MIN).notifications).toEqual([]);
    expect(clock.tick(byFp(a, b, c, d, e), NOW + 5 * MIN).notifications).toEqual([]);
    const update = clock.tick(byFp(a, b, c, d, e), NOW + 6 * MIN).notifications;
    expect(lines({ notifications: update } as RouteResult)).toEqual(['trigger critical → pagerduty-oncall (5)', 'trigger critical → slack-alerts (5)']);
    expect(sameStream(update)).toBe(true);
    // Two recover: told with the three still firing.
    resolve(a, NOW + 8 * MIN);
    resolve(b, NOW + 8 * MIN);
    expect(clock.tick(byFp(a, b, c, d, e), NOW + 8 * MIN).notifications).toEqual([]);
    const partial = clock.tick(byFp(a, b, c, d, e), NOW + 11 * MIN).notifications;
    expect(partial.map((n) => [n.action, n.alerts.filter((x) => x.status === 'firing').length, n.alerts.filter((x) => x.status === 'resolved').length])).toEqual([
      ['trigger', 3, 2],
      ['trigger', 3, 2],
    ]);
    // The rest recover: one resolve each, and the group is gone.
    for (const s of [c, d, e]) resolve(s, NOW + 20 * MIN);
    const done = clock.tick(byFp(a, b, c, d, e), NOW + 20 * MIN).notifications;
    expect(lines({ notifications: done } as RouteResult)).toEqual(['resolve critical → pagerduty-oncall (3)', 'resolve critical → slack-alerts (3)']);
    expect(sameStream(done)).toBe(true);
    expect(clock.groups).toEqual({});
    // A new storm later is a new incident.
    const again = storm(2, { startsAt: NOW + 60 * MIN });
    clock.tick(byFp(...again), NOW + 60 * MIN);
    const next = clock.tick(byFp(...again), NOW + 61 * MIN).notifications;
    expect(next.map((n) => n.key)).not.toContain(keys[next[0].receiver]);
    expect(next).toHaveLength(2);
  });

  it('repeats an unchanged firing group every repeat_interval, not every group_interval', () => {
    const clock = new Clock(grouped);
    const two = storm(2);
    clock.tick(byFp(...two), NOW);
    clock.tick(byFp(...two), NOW + MIN);
    const sent: string[] = [];
    for (let t = NOW + 2 * MIN; t <= NOW + MIN + 4 * 60 * MIN; t += 5 * MIN) sent.push(...lines(clock.tick(byFp(...two), t)));
    expect(sent).toEqual([]);
    expect(lines(clock.tick(byFp(...two), NOW + MIN + 4 * 60 * MIN + MIN))).toEqual(['repeat critical → pagerduty-oncall (2)', 'repeat critical → slack-alerts (2)']);
  });

  it('tells an episode a catch-up tick judged whole (fired and resolved in one tick): trigger, then resolve', () => {
    const clock = new Clock(grouped);
    const s = alert(grouped, 'bedrock-throttles', SONNET);
    const firingSnapshot = { ...s };
    resolve(s, NOW);
    const r = route({ config: grouped, states: byFp(s), transitions: [{ kind: 'firing', at: NOW, minute: NOW - 30 * MIN, fromTier: null, state: firingSnapshot }], groups: clock.groups, now: NOW });
    expect(r.notifications.map((n) => `${n.receiver} ${n.action}`)).toEqual(expect.arrayContaining(['pagerduty-oncall trigger', 'pagerduty-oncall resolve']));
    const pd = r.notifications.filter((n) => n.receiver === 'pagerduty-oncall');
    expect(pd.map((n) => n.action)).toEqual(['trigger', 'resolve']);
    expect(pd[0].key).toBe(pd[1].key);
    expect(r.groups).toEqual({});
  });

  it('sends nothing for a storm that is over before group_wait', () => {
    const clock = new Clock(grouped);
    const two = storm(2);
    clock.tick(byFp(...two), NOW);
    for (const s of two) resolve(s, NOW + 10_000);
    expect(clock.tick(byFp(...two), NOW + MIN).notifications).toEqual([]);
    expect(clock.groups).toEqual({});
  });
});

describe('inhibition with equal labels', () => {
  const latency = (model: string, over: Partial<AlertState> = {}) => alert(shortForm, 'bedrock-latency-p95', model, over);
  const ttft = (model: string, over: Partial<AlertState> = {}) => alert(shortForm, 'bedrock-time-to-first-token', model, { tier: 'warning', maxTier: 'warning', ...over });

  it('mutes the target while the source fires for the same ModelId, and says why', () => {
    const slow = latency(SONNET);
    const first = ttft(SONNET);
    const r = new Clock(shortForm).tick(byFp(slow, first), NOW);
    expect(lines(r)).toEqual(['trigger critical → pagerduty-oncall (1)', 'trigger critical → slack-alerts (1)']);
    expect(r.muted).toEqual([expect.objectContaining({ kind: 'inhibited', fingerprint: first.fingerprint, reason: `inhibited by bedrock-latency-p95 ${SONNET} (critical)` })]);
    expect(first.suppressedBy).toMatch(/^inhibited by/);
    expect(r.touched).toContain(first.fingerprint);
  });

  it('does not mute it for another model (equal: [ModelId])', () => {
    const r = new Clock(shortForm).tick(byFp(latency(SONNET), ttft(LLAMA)), NOW);
    expect(lines(r)).toContain('trigger warning → slack-alerts (1)');
    expect(r.muted).toEqual([]);
  });

  it('announces the target if it still fires when the source resolves', () => {
    const clock = new Clock(shortForm);
    const slow = latency(SONNET);
    const first = ttft(SONNET);
    clock.tick(byFp(slow, first), NOW);
    resolve(slow, NOW + 10 * MIN);
    const r = clock.tick(byFp(slow, first), NOW + 10 * MIN);
    expect(lines(r)).toEqual(['resolve critical → pagerduty-oncall (1)', 'resolve critical → slack-alerts (1)', 'trigger warning → slack-alerts (1)']);
    expect(first.suppressedBy).toBeNull();
  });

  it('never resolves to anyone an episode that was muted to its end', () => {
    const clock = new Clock(shortForm);
    const slow = latency(SONNET);
    const first = ttft(SONNET);
    clock.tick(byFp(slow, first), NOW);
    resolve(first, NOW + 5 * MIN);
    expect(lines(clock.tick(byFp(slow, first), NOW + 5 * MIN))).toEqual([]);
    expect(first.suppressedBy).toMatch(/^inhibited by/);
  });
});

describe('silences', () => {
  const silence = (matchers: string[], from: number, to: number): Silence => ({ id: 's1', matchers, author: 'ana', comment: 'model migration', startsAt: from, endsAt: to, createdAt: from });

  it('hold back matching alerts only, and announce them if still firing when the silence ends', () => {
    const clock = new Clock(shortForm, [silence(['ModelId=~"meta.*"'], NOW - MIN, NOW + 2 * 60 * MIN)]);
    const meta = alert(shortForm, 'bedrock-throttles', LLAMA);
    const other = alert(shortForm, 'bedrock-throttles', SONNET);
    const r = clock.tick(byFp(meta, other), NOW);
    expect(r.notifications.map((n) => n.alert.labels.ModelId)).toEqual([SONNET, SONNET]);
    expect(r.muted).toEqual([expect.objectContaining({ kind: 'silenced', fingerprint: meta.fingerprint, reason: expect.stringContaining('silenced by s1 (ana: model migration) until 2026-10-05T18:00:00.000Z') })]);
    expect(clock.tick(byFp(meta, other), NOW + 60 * MIN).notifications).toEqual([]);
    const after = clock.tick(byFp(meta, other), NOW + 2 * 60 * MIN);
    expect(lines(after)).toEqual(['trigger critical → pagerduty-oncall (1)', 'trigger critical → slack-alerts (1)']);
    expect(after.notifications[0].alert.labels.ModelId).toBe(LLAMA);
  });

  it('send nothing for an alert that resolved while silenced, not even the resolve of what was announced before (as Alertmanager)', () => {
    const clock = new Clock(shortForm);
    const meta = alert(shortForm, 'bedrock-throttles', LLAMA);
    clock.tick(byFp(meta), NOW); // announced
    clock.silences = [silence(['ModelId=~"meta.*"'], NOW + MIN, NOW + 60 * MIN)];
    expect(clock.tick(byFp(meta), NOW + 2 * MIN).notifications).toEqual([]);
    resolve(meta, NOW + 10 * MIN);
    const resolved = clock.tick(byFp(meta), NOW + 10 * MIN);
    expect(lines(resolved)).toEqual([]);
    expect(Object.keys(resolved.groups)).toEqual([]); // nothing left waiting to be told

    const quiet = alert(shortForm, 'bedrock-throttles', 'meta.llama3-8b', { startsAt: NOW + 20 * MIN });
    quiet.labels = { ModelId: 'meta.llama3-8b' };
    clock.tick(byFp(quiet), NOW + 20 * MIN);
    resolve(quiet, NOW + 30 * MIN);
    expect(clock.tick(byFp(quiet), NOW + 30 * MIN).notifications).toEqual([]);
  });
});

describe('mute and active windows follow local time across DST', () => {
  const config = parseRules(`${RECEIVERS}
settings: { timezone: Europe/Berlin }
time_intervals:
  - name: nights
    time_intervals:
      - times: [{ start_time: '22:00', end_time: '24:00' }, { start_time: '00:00', end_time: '07:00' }]
  - name: ny-office-hours
    time_intervals:
      - weekdays: ['monday:friday']
        times: [{ start_time: '09:00', end_time: '17:00' }]
        location: America/New_York
route:
  receiver: slack-alerts
  group_by: ['...']
  group_wait: 0s
  group_interval: 1m
  routes:
    - matchers: ['severity="critical"']
      receiver: pagerduty-oncall
    - matchers: ['severity="warning"']
      receiver: slack-alerts
      mute_time_intervals: [nights]
    - matchers: ['severity="info"']
      receiver: sns-info
      active_time_intervals: [ny-office-hours]
${RULES}`);
  const at = (iso: string) => Date.parse(iso);
  const sentAt = (tier: Tier, iso: string) => {
    const s = alert(config, 'bedrock-throttles', SONNET, { tier, maxTier: tier, startsAt: at(iso) });
    return new Clock(config).tick(byFp(s), at(iso));
  };

  // Berlin leaves summer time on Sunday 25 October 2026 (UTC+2 → UTC+1): 05:30 UTC is 07:30 before, 06:30 after.
  it.each([
    ['Sat 24 Oct 05:30 UTC = 07:30 CEST: after the night', '2026-10-24T05:30:00Z', true],
    ['Sun 25 Oct 05:30 UTC = 06:30 CET: still night', '2026-10-25T05:30:00Z', false],
    ['Sun 25 Oct 06:00 UTC = 07:00 CET: the night is over', '2026-10-25T06:00:00Z', true],
    ['Sat 24 Oct 20:30 UTC = 22:30 CEST: night', '2026-10-24T20:30:00Z', false],
    ['Sun 25 Oct 20:30 UTC = 21:30 CET: not yet night', '2026-10-25T20:30:00Z', true],
  ])('a warning at %s is sent: %s', (_case, iso, sent) => {
    expect(sentAt('warning', iso).notifications.length).toBe(sent ? 1 : 0);
  });

  it('does not mute the routes that do not name the window', () => {
    expect(lines(sentAt('critical', '2026-10-25T05:30:00Z'))).toEqual(['trigger critical → pagerduty-oncall (1)']);
  });

  it('reports the held-back message once, and sends it when the window ends if the alert still fires', () => {
    const clock = new Clock(config);
    const s = alert(config, 'bedrock-throttles', SONNET, { tier: 'warning', maxTier: 'warning', startsAt: at('2026-10-25T05:00:00Z') });
    const muted: string[] = [];
    let sent: RouteResult['notifications'] = [];
    for (let t = at('2026-10-25T05:00:00Z'); t <= at('2026-10-25T06:10:00Z') && !sent.length; t += MIN) {
      const r = clock.tick(byFp(s), t);
      muted.push(...r.muted.map((m) => m.reason));
      sent = r.notifications;
      if (sent.length) expect(new Date(t).toISOString()).toBe('2026-10-25T06:00:00.000Z');
    }
    expect(muted).toEqual(['muted by time interval "nights" (route route.routes[1])']);
    expect(sent.map((n) => n.action)).toEqual(['trigger']);
  });

  // New York leaves summer time on Sunday 1 November 2026 (UTC-4 → UTC-5): 13:30 UTC is 09:30 before, 08:30 after.
  it.each([
    ['Fri 30 Oct 13:30 UTC = 09:30 EDT', '2026-10-30T13:30:00Z', true],
    ['Mon 2 Nov 13:30 UTC = 08:30 EST', '2026-11-02T13:30:00Z', false],
    ['Mon 2 Nov 14:30 UTC = 09:30 EST', '2026-11-02T14:30:00Z', true],
    ['Sat 31 Oct 14:30 UTC: a weekend', '2026-10-31T14:30:00Z', false],
  ])('an info alert on the office-hours route at %s is sent: %s', (_case, iso, sent) => {
    expect(sentAt('info', iso).notifications.length).toBe(sent ? 1 : 0);
  });
});
