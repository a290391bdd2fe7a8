/**
 * Stream keys as they leave bedrock-watch (PagerDuty dedup_key, the Acknowledge button's value):
 * signed with the deployment's secret, one per stream, not computable without the secret.
 */
import { buttonKey, keyTime, legacyExternalKey, SIGNED_KEY, StreamKeys } from '../../shared/core/stream-keys';
import { groupKey } from '../../shared/route/groups';
import { episodeKey } from '../../shared/route/route';
import { slackMessage } from '../../shared/notify/slack';
import { pagerDutyEvent } from '../../shared/notify/pagerduty';
import type { Notification } from '../../shared/core/notification';

const T = Date.parse('2026-10-05T15:29:00.000Z');
const keys = new StreamKeys({ secret: 'a'.repeat(43), legacyBefore: T - 60 * 60_000 });
const group = groupKey('pagerduty-team\n["rule","severity"]', T);
const episode = episodeKey('0123456789abcdef01234567', T);

describe('StreamKeys', () => {
  it('is the same for every event of one stream and different between streams and secrets', () => {
    expect(keys.external(group)).toBe(keys.external(group));
    expect(keys.external(group)).toMatch(SIGNED_KEY);
    expect(keys.external(episode)).toMatch(SIGNED_KEY);
    expect(keys.external(group)).not.toBe(keys.external(groupKey('pagerduty-team\n["rule","severity"]', T + 60_000)));
    expect(new StreamKeys({ secret: 'b'.repeat(43), legacyBefore: 0 }).external(group)).not.toBe(keys.external(group));
    // Nothing of the stream key shows through.
    expect(keys.external(group)).not.toContain(group.slice(1, 10));
  });

  it('matches only its own key, and only the full key', () => {
    const ext = keys.external(group);
    expect(keys.matches(group, ext)).toBe(true);
    expect(keys.matches(group, ext.slice(0, -1))).toBe(false);
    expect(keys.matches(group, group)).toBe(false); // the unsigned (computable) key
    expect(keys.matches(episode, ext)).toBe(false);
  });

  it('keeps the unsigned key for streams that formed before the secret (legacyBefore), and says when a key formed', () => {
    const old = groupKey('x', T - 61 * 60_000);
    expect(keys.external(old)).toBe(old);
    expect(keys.external(groupKey('x', T - 60 * 60_000))).toMatch(SIGNED_KEY); // the boundary is signed
    expect([keyTime(group), keyTime(episode), keyTime('0123456789abcdef01234567'), keyTime('fp@none')]).toEqual([T, T, null, null]);
    // A key that does not say when it formed is signed (never taken for an old one).
    expect(keys.external('0123456789abcdef01234567')).toMatch(SIGNED_KEY);
  });

  it('unsigned (no secret): the stream key, hashed when longer than PagerDuty allows', () => {
    expect(StreamKeys.UNSIGNED.external(group)).toBe(group);
    const long = `g${'x'.repeat(300)}`;
    expect(StreamKeys.UNSIGNED.external(long)).toBe(legacyExternalKey(long));
    expect(legacyExternalKey(long)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('button values: ack:<external key>; the old formats name their stream key', () => {
    expect(keys.button(group)).toBe(`ack:${keys.external(group)}`);
    expect(buttonKey(keys.button(group))).toBe(keys.external(group));
    expect(buttonKey(`group:${group}`)).toBe(group);
    expect(buttonKey(`0123456789abcdef01234567@${T}`)).toBe(episode);
    for (const bad of ['', 'ack:', 'group:nope', 'hello', `ack:${'x'.repeat(301)}`]) expect([bad, buttonKey(bad)]).toEqual([bad, null]);
  });
});

describe('notifiers send the signed keys', () => {
  const view = { fingerprint: '0123456789abcdef01234567', rule: 'bedrock-server-errors', signal: 'server_errors', status: 'firing', tier: 'critical', labels: { ModelId: 'm' }, startsAt: new Date(T).toISOString(), since: new Date(T).toISOString(), summary: 's', valueText: '9%' };
  const n = (action: 'trigger' | 'resolve'): Notification => ({ id: action, key: group, receiver: 'r', action, at: new Date(T).toISOString(), alert: view, alerts: [view] }) as unknown as Notification;

  it('PagerDuty: trigger and resolve of one stream carry one signed dedup_key', () => {
    const trigger = pagerDutyEvent(n('trigger'), 'k', keys);
    const resolve = pagerDutyEvent(n('resolve'), 'k', keys);
    expect(trigger.dedup_key).toBe(keys.external(group));
    expect(resolve.dedup_key).toBe(trigger.dedup_key);
  });

  it("Slack: the button's value is the stream's signed key", () => {
    const m = slackMessage(n('trigger'), { ackButton: true, keys });
    const actions = m.blocks.find((b) => b.type === 'actions') as { elements: { value: string }[] };
    expect(actions.elements[0].value).toBe(keys.button(group));
  });
});
