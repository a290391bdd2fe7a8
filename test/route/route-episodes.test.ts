/**
 * An earlier episode's resolve told while the alert's new episode is held back (found by mutation
 * testing, issue 17): the resolve closes the old page, and the alert's state still says why the new
 * episode has not been announced (and that it has not been), so the report and the next ticks see it.
 */
import { fingerprint } from '../../shared/engine/fingerprint';
import { initialState } from '../../shared/engine/machine';
import type { AlertState, Transition } from '../../shared/core/alert';
import type { Notification } from '../../shared/core/notification';
import type { Groups } from '../../shared/route/groups';
import { parseRules } from '../../shared/rules/load';
import { route } from '../../shared/route/route';
import type { Silence } from '../../shared/route/silences';

const T0 = Date.parse('2026-10-05T16:00:00.000Z');
const MIN = 60_000;

const cfg = parseRules(`
receivers:
  - { name: slack-alerts, type: slack, webhook_url: { env: SLACK_URL } }
route:
  receiver: slack-alerts
  group_by: [rule]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
rules:
  - { name: throttles, kind: ratio, numerator: InvocationThrottles, denominator: Invocations, next_check: x, tiers: { warning: { above: 1% }, critical: { above: 10% } } }
`);

describe('a resolve of an earlier episode told while the new episode is silenced', () => {
  it('closes the old page; the new episode stays recorded as held back by the silence and not announced', () => {
    const rule = cfg.rules[0];
    const labels = { ModelId: 'm1' };
    const s: AlertState = { ...initialState(fingerprint(rule.name, labels), rule, 'throttles', labels), status: 'firing', tier: 'critical', maxTier: 'critical', startsAt: T0, conditionSince: T0 - 5 * MIN, text: '23%' };
    const states = { [s.fingerprint]: s };
    // The maintenance silence covers warnings only: the critical episode's resolve is not held back by it.
    const silences: Silence[] = [{ id: 's1', matchers: ['severity="warning"'], author: 'ana', comment: 'maintenance', startsAt: T0, endsAt: T0 + 60 * MIN, createdAt: T0 }];
    let groups: Groups = {};
    const sent: Notification[] = [];
    for (let m = 0; m <= 10; m++) {
      const now = T0 + m * MIN;
      const transitions: Transition[] = [];
      if (m === 3) {
        Object.assign(s, { status: 'inactive', tier: null, endsAt: now });
        transitions.push({ kind: 'resolved', at: now, minute: now - 3 * MIN, fromTier: 'critical', state: s });
      }
      if (m === 4) {
        // Fires again, as a warning: a new episode, not announced yet.
        Object.assign(s, { status: 'firing', tier: 'warning', maxTier: 'warning', startsAt: now, endsAt: null, lastNotifiedAt: null, suppressedBy: null });
        transitions.push({ kind: 'firing', at: now, minute: now - 3 * MIN, fromTier: null, state: s });
      }
      const r = route({ config: cfg, states, transitions, groups, silences, now });
      groups = r.groups;
      sent.push(...r.notifications);
    }
    // The group's resolve waits its group_interval after the trigger (1): it goes out at 6, after the re-fire.
    expect(sent.map((n) => `${(Date.parse(n.at) - T0) / MIN} ${n.action} ${n.alerts.map((a) => a.status).join(',')}`)).toEqual(['1 trigger firing', '6 resolve resolved']);
    expect(s.lastNotifiedAt).toBeNull();
    expect(s.suppressedBy).toMatch(/^silenced by s1 /);
  });
});
