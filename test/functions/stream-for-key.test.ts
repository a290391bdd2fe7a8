/**
 * What an external key (a PagerDuty dedup_key, a Slack button's value) stands for (shared/run/ack-deps.ts
 * streamForKey), on stored streams and alerts: the stream whose signed key it is, its firing members
 * (all of them once none fires), since when, and for a routed group the escalation groups its firing
 * members are in; else one alert's episode; else nothing.
 */
import type { AlertState } from '../../shared/core/alert';
import type { StreamKeys } from '../../shared/core/stream-keys';
import { streamForKey } from '../../shared/run/ack-deps';
import type { AckStore, StoredStream } from '../../shared/state/acks';

const T = Date.parse('2026-10-05T10:00:00.000Z');
/** Keys signed by prefixing "signed:" (a stand-in for the deployment's HMAC). */
const keys = { matches: (key: string, external: string) => external === `signed:${key}` } as unknown as StreamKeys;
const m = (fingerprint: string, episode: number, firing = true) => ({ fingerprint, episode, firing });
const store = (streams: StoredStream[], alerts: Partial<AlertState>[] = []) => ({ streams: async () => streams, alerts: async () => alerts as AlertState[] }) as unknown as AckStore;

describe('streamForKey', () => {
  it('a routed group: its firing members, and the escalation groups any of them is in (once each)', async () => {
    const s = store([
      { kind: 'routed', key: 'routed-1', since: T, members: [m('a', T), m('b', T), m('c', T - 1, false)] },
      { kind: 'escalation', key: 'esc-a', since: T + 1, members: [m('a', T)] },
      { kind: 'escalation', key: 'esc-ab', since: T + 2, members: [m('b', T), m('a', T)] },
      { kind: 'escalation', key: 'esc-c', since: T + 3, members: [m('c', T - 1, false)] }, // only the resolved member
      { kind: 'escalation', key: 'esc-other', since: T + 4, members: [m('a', T - 60_000)] }, // another episode of a
    ]);
    expect(await streamForKey(s, keys, 'signed:routed-1')).toEqual({
      key: 'routed-1',
      since: T,
      members: [
        { fingerprint: 'a', episode: T },
        { fingerprint: 'b', episode: T },
      ],
      escalations: ['esc-a', 'esc-ab'],
    });
  });

  it('a key naming a routed group and an escalation group alike: the other escalation groups of its firing members are named', async () => {
    const s = store([
      { kind: 'escalation', key: 'k', since: T, members: [m('a', T)] },
      { kind: 'routed', key: 'k', since: T, members: [m('a', T)] },
      { kind: 'escalation', key: 'esc-a', since: T, members: [m('a', T)] },
    ]);
    expect(await streamForKey(s, keys, 'signed:k')).toEqual({ key: 'k', since: T, members: [{ fingerprint: 'a', episode: T }], escalations: ['esc-a'] });
  });

  it('a routed group: an escalation group sharing one of its firing members is named even with other members; another routed group never is', async () => {
    const s = store([
      { kind: 'routed', key: 'routed-1', since: T, members: [m('a', T)] },
      { kind: 'routed', key: 'routed-2', since: T, members: [m('a', T), m('x', T)] },
      { kind: 'escalation', key: 'esc-ax', since: T, members: [m('a', T), m('x', T)] },
    ]);
    expect(await streamForKey(s, keys, 'signed:routed-1')).toEqual({ key: 'routed-1', since: T, members: [{ fingerprint: 'a', episode: T }], escalations: ['esc-ax'] });
  });

  it('an escalation group: its members, without escalations of its own', async () => {
    const s = store([
      { kind: 'escalation', key: 'esc-a', since: T, members: [m('a', T)] },
      { kind: 'escalation', key: 'esc-b', since: T, members: [m('a', T)] },
    ]);
    expect(await streamForKey(s, keys, 'signed:esc-a')).toEqual({ key: 'esc-a', since: T, members: [{ fingerprint: 'a', episode: T }] });
  });

  it('a routed group none of whose escalation groups shares a member names none', async () => {
    const s = store([
      { kind: 'routed', key: 'routed-1', since: T, members: [m('a', T)] },
      { kind: 'escalation', key: 'esc-x', since: T, members: [m('x', T)] },
    ]);
    expect(await streamForKey(s, keys, 'signed:routed-1')).toEqual({ key: 'routed-1', since: T, members: [{ fingerprint: 'a', episode: T }] });
  });

  it('every member once none fires; several streams under one key: since the earliest, members once each', async () => {
    const s = store([
      { kind: 'escalation', key: 'k', since: T + 5, members: [m('a', T, false), m('b', T, false)] },
      { kind: 'escalation', key: 'k', since: T, members: [m('b', T, false)] },
    ]);
    expect(await streamForKey(s, keys, 'signed:k')).toEqual({
      key: 'k',
      since: T,
      members: [
        { fingerprint: 'a', episode: T },
        { fingerprint: 'b', episode: T },
      ],
    });
  });

  it("no stream: the alert whose episode key it is (its groups are gone); an alert without an episode is never one", async () => {
    const s = store([{ kind: 'routed', key: 'routed-1', since: T, members: [m('a', T)] }], [
      { fingerprint: 'z', startsAt: null },
      { fingerprint: 'a', startsAt: T },
    ]);
    const episode = `a@${new Date(T).toISOString()}`;
    expect(await streamForKey(s, keys, `signed:${episode}`)).toEqual({ key: episode, since: T, members: [{ fingerprint: 'a', episode: T }] });
    expect(await streamForKey(s, keys, 'signed:z@none')).toBeNull();
    expect(await streamForKey(s, keys, 'routed-1')).toBeNull(); // not signed
  });
});
