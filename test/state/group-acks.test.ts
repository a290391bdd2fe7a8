/**
 * Group acknowledgements and escalation groups in the table (dynalite through the real SDK client):
 * the first acknowledgement of a group stays, the tick's load sees it, and the escalation groups a
 * tick commits with the cursor are what the next tick (and the ack function) read back.
 */
import { AckStore } from '../../shared/state/acks';
import { DynamoStateStore } from '../../shared/state/dynamo-store';
import type { Escalations } from '../../shared/core/group';
import type { Table } from '../../shared/dynamo/table';
import { useDynamo } from '../support/dynamo';
import { freshTable } from '../support/evaluate-harness';

const NOW = Date.parse('2026-10-05T16:00:00.000Z');
const KEY = 'g0123456789abcdef0123@1791900000000';

const escalations: Escalations = {
  'escalation oncall route\n["(all)",{}]': {
    key: KEY,
    policy: 'oncall',
    route: 'route',
    labels: {},
    grouped: true,
    since: NOW - 20 * 60_000,
    sent: 2,
    lastAt: NOW - 5 * 60_000,
    reached: ['slack-oncall', 'pagerduty-oncall'],
    acked: null,
    members: { 'abc@1': { fingerprint: 'a'.repeat(24), episode: NOW - 20 * 60_000, firing: true, tier: 'critical', joinedAt: NOW - 20 * 60_000, told: 'firing' } },
  },
};

describe('group acknowledgements and escalation groups in DynamoDB', () => {
  const db = useDynamo();
  let table: Table;
  beforeEach(async () => {
    table = await freshTable(db().client);
  });

  it('records the first acknowledgement of a group; a later one reads it back and changes nothing', async () => {
    const acks = new AckStore(table);
    const first = await acks.acknowledgeGroup(KEY, { ackedBy: 'ana', via: 'pagerduty' }, NOW);
    const again = await acks.acknowledgeGroup(KEY, { ackedBy: 'bob', via: 'slack' }, NOW + 60_000);
    expect(first).toEqual({ first: true, ack: { key: KEY, ackedBy: 'ana', ackedAt: NOW, via: 'pagerduty' } });
    expect(again).toEqual({ first: false, ack: first.ack });
    const { groupAcks } = await new DynamoStateStore(table).load();
    expect(groupAcks).toEqual({ [KEY]: first.ack });
  });

  it('keeps the escalation groups a tick commits with the cursor, for the next tick and the ack function', async () => {
    const store = new DynamoStateStore(table);
    const { cursor } = await store.load();
    await store.commit(cursor, { ...cursor, lastMinute: NOW, escalations }, []);
    expect((await store.load()).cursor.escalations).toEqual(escalations);
    expect(await new AckStore(table).streams()).toEqual([{ kind: 'escalation', key: KEY, since: NOW - 20 * 60_000, members: [{ fingerprint: 'a'.repeat(24), episode: NOW - 20 * 60_000, firing: true }] }]);
  });
});
