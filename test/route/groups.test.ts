/**
 * Aggregation groups as pure functions (shared/route/groups.ts): the identity an alert gets at a
 * receiver (persisted in the cursor, so its form must stay stable across versions), and what a
 * group sends and forgets on its timers, including the cases the router rarely reaches.
 */
import { applyFlush, decideFlush, episodeKey, groupIdentity, type GroupTimers } from '../../shared/route/groups';
import type { GroupMember, GroupState } from '../../shared/core/group';

const NOW = Date.parse('2026-10-05T16:00:00.000Z');
const MIN = 60_000;

describe('episodeKey', () => {
  it('names the episode by its start, and an alert without one as "none"', () => {
    expect(episodeKey('fp1', NOW)).toBe('fp1@2026-10-05T16:00:00.000Z');
    expect(episodeKey('fp1', null)).toBe('fp1@none');
  });
});

describe('groupIdentity', () => {
  const labels = { rule: 'bedrock-throttles', ModelId: 'm1', severity: 'warning' };

  it('does not depend on the order group_by lists its labels', () => {
    const ab = groupIdentity('r', ['rule', 'ModelId'], labels, 'fp1', NOW);
    const ba = groupIdentity('r', ['ModelId', 'rule'], labels, 'fp1', NOW);
    expect(ba.id).toBe(ab.id);
    expect(ba.labels).toEqual(ab.labels);
  });

  // Group ids are the keys of the groups the cursor carries: a new form after an upgrade would
  // open a second group (a second PagerDuty incident) for every alert of an open one.
  it('keeps the persisted form of its ids', () => {
    expect(groupIdentity('r', ['rule', 'ModelId'], labels, 'fp1', NOW).id).toBe('r\n[["ModelId","rule"],{"ModelId":"m1","rule":"bedrock-throttles"}]');
    expect(groupIdentity('r', [], labels, 'fp1', NOW).id).toBe('r\n["(all)",{}]');
    expect(groupIdentity('r', ['severity'], labels, 'fp1', NOW).id).toBe('r\n["(all)",{}]');
    expect(groupIdentity('r', ['...'], labels, 'fp1', NOW)).toEqual({ id: `r\nfp1@${NOW}`, labels, key: episodeKey('fp1', NOW) });
  });

  it('gives a label the alert lacks the empty value, in the id and in the group labels', () => {
    const g = groupIdentity('r', ['team', 'severity'], { rule: 'x' }, 'fp1', NOW);
    expect(g.labels).toEqual({ team: '', severity: '' });
    expect(g.id).toBe('r\n[["team"],{"team":""}]');
    expect(g.id).toBe(groupIdentity('r', ['team'], { rule: 'y', team: '' }, 'fp2', NOW).id);
  });
});

const T: GroupTimers = { group_wait: 30_000, group_interval: 5 * MIN, repeat_interval: 60 * MIN, send_resolved: true };

function member(fp: string, over: Partial<GroupMember> = {}): GroupMember {
  return { fingerprint: fp, episode: NOW, firing: true, tier: 'critical', sent: null, muted: null, ...over };
}

function group(members: GroupMember[], over: Partial<GroupState> = {}): GroupState {
  return {
    key: 'k',
    receiver: 'r',
    route: 'route',
    labels: {},
    grouped: true,
    createdAt: NOW,
    sentAt: null,
    mutedBy: null,
    members: Object.fromEntries(members.map((m) => [`${m.fingerprint}@${m.episode}`, m])),
    ...over,
  };
}

describe('decideFlush', () => {
  it('repeats nothing for a group whose every firing member is muted', () => {
    const told = { tier: 'critical' as const, firing: true };
    const g = group([member('a', { sent: told, muted: 'silenced by s1' })], { sentAt: NOW });
    expect(decideFlush(g, T, NOW + 2 * 60 * MIN)).toBeNull();
    // Unmuted, the same group is due for its repeat.
    g.members[`a@${NOW}`].muted = null;
    expect(decideFlush(g, T, NOW + 2 * 60 * MIN)).toEqual({ action: 'repeat', members: [g.members[`a@${NOW}`]] });
  });
});

describe('applyFlush without send_resolved', () => {
  const quiet: GroupTimers = { ...T, send_resolved: false };
  const told = { tier: 'critical' as const, firing: true };

  it('keeps a told, resolved member until the group is due, then forgets it (and the group empties)', () => {
    const g = group([member('a', { firing: false, sent: told })], { sentAt: NOW });
    // Not due yet (group_interval after the last message): the member stays, the resolve is not news.
    expect(decideFlush(g, quiet, NOW + MIN)).toBeNull();
    applyFlush(g, null, quiet, NOW + MIN);
    expect(Object.keys(g.members)).toEqual([`a@${NOW}`]);
    // Due: it leaves without a message.
    expect(decideFlush(g, quiet, NOW + 5 * MIN)).toBeNull();
    applyFlush(g, null, quiet, NOW + 5 * MIN);
    expect(g.members).toEqual({});
  });

  it('with send_resolved, keeps a told, resolved member until a message tells it', () => {
    const g = group([member('a', { firing: false, sent: told }), member('b', { sent: told })], { sentAt: NOW });
    applyFlush(g, null, T, NOW + 5 * MIN);
    expect(Object.keys(g.members).sort()).toEqual([`a@${NOW}`, `b@${NOW}`]);
    const d = decideFlush(g, T, NOW + 5 * MIN);
    expect(d?.action).toBe('trigger');
    applyFlush(g, d, T, NOW + 5 * MIN);
    expect(Object.keys(g.members)).toEqual([`b@${NOW}`]);
  });
});
