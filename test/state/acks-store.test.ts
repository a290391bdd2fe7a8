/**
 * Acknowledgements on the alert items (dynalite through the real SDK client): only a firing
 * episode, once; a race with another ack or a tick is read again and said as it is; the streams the
 * cursor holds, as the ack function sees them.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { AlertState } from '../../shared/core/alert';
import type { GroupState } from '../../shared/core/group';
import type { Table } from '../../shared/dynamo/table';
import { AckStore } from '../../shared/state/acks';
import { DynamoStateStore } from '../../shared/state/dynamo-store';
import { useDynamo } from '../support/dynamo';
import { freshTable } from '../support/evaluate-harness';

const NOW = Date.parse('2026-10-05T16:00:00.000Z');
const FP = 'a'.repeat(24);
const WHO = { ackedBy: 'ana', via: 'slack' as const };
const db = useDynamo();

const alert = (over: Partial<AlertState> = {}): AlertState =>
  ({ fingerprint: FP, rule: 'r', labels: { ModelId: 'm' }, status: 'firing', tier: 'critical', maxTier: 'critical', version: 0, startsAt: NOW, lastMinute: NOW, ...over }) as unknown as AlertState;

async function seeded(states: AlertState[], groups: Record<string, GroupState> = {}): Promise<Table> {
  const table = await freshTable(db().client);
  const store = new DynamoStateStore(table);
  const { cursor } = await store.load();
  await store.commit(cursor, { ...cursor, lastMinute: NOW, groups }, states);
  return table;
}

describe('AckStore.acknowledge', () => {
  it('acks the firing episode once; a second ack says who did it first', async () => {
    const acks = new AckStore(await seeded([alert()]));
    const first = await acks.acknowledge(FP, null, WHO, NOW + 1000);
    expect(first).toMatchObject({ status: 'acked', ack: { ackedBy: 'ana', ackedAt: NOW + 1000, via: 'slack', episode: NOW } });
    expect(first.status === 'acked' && first.alert.ack).toEqual(first.status === 'acked' && first.ack);
    const again = await acks.acknowledge(FP, NOW, { ackedBy: 'bo', via: 'cli' }, NOW + 2000);
    expect(again).toMatchObject({ status: 'already', ack: { ackedBy: 'ana', episode: NOW } });
    expect((await acks.alert(FP))?.ack).toEqual({ ackedBy: 'ana', ackedAt: NOW + 1000, via: 'slack', episode: NOW });
    expect((await acks.alerts()).map((a) => a.ack?.ackedBy)).toEqual(['ana']);
  });

  it('says unknown for an alert not in the table, not-firing for a resolved one or another episode', async () => {
    const acks = new AckStore(await seeded([alert(), alert({ fingerprint: 'b'.repeat(24), status: 'inactive', tier: null })]));
    expect(await acks.acknowledge('c'.repeat(24), null, WHO, NOW)).toEqual({ status: 'unknown' });
    expect(await acks.acknowledge('b'.repeat(24), null, WHO, NOW)).toMatchObject({ status: 'not-firing' });
    expect(await acks.acknowledge(FP, NOW - 60_000, WHO, NOW)).toMatchObject({ status: 'not-firing' });
    expect((await acks.alert(FP))?.ack).toBeNull();
  });

  it('says not-firing for a firing alert without an episode start', async () => {
    const acks = new AckStore(await seeded([alert({ startsAt: null })]));
    expect(await acks.acknowledge(FP, null, WHO, NOW)).toMatchObject({ status: 'not-firing' });
  });

  it('acks a new episode even if the previous one was acked', async () => {
    const table = await seeded([alert()]);
    const acks = new AckStore(table);
    await acks.acknowledge(FP, null, WHO, NOW);
    const store = new DynamoStateStore(table);
    const { cursor, alerts } = await store.load();
    await store.commit(cursor, { ...cursor, lastMinute: NOW + 60_000 }, [{ ...alerts[FP], startsAt: NOW + 3_600_000 }]);
    expect(await acks.acknowledge(FP, null, { ackedBy: 'bo', via: 'cli' }, NOW + 3_600_000)).toMatchObject({ status: 'acked', ack: { ackedBy: 'bo', episode: NOW + 3_600_000 } });
  });

  it('reads again when the conditional write loses a race, and says what happened', async () => {
    const table = await seeded([alert()]);
    const real = table.doc.send.bind(table.doc);
    let raced = false;
    const racing: Table = {
      name: table.name,
      doc: {
        send: async (cmd: { constructor: { name: string } }) => {
          if (cmd.constructor.name === 'UpdateCommand' && !raced) {
            raced = true;
            await new AckStore(table).acknowledge(FP, null, { ackedBy: 'bo', via: 'pagerduty' }, NOW);
          }
          return real(cmd as never);
        },
      } as never,
    };
    expect(await new AckStore(racing).acknowledge(FP, null, WHO, NOW + 1000)).toMatchObject({ status: 'already', ack: { ackedBy: 'bo' } });
  });

  it('gives up after three lost races, and passes on other failures at once', async () => {
    const table = await seeded([alert()]);
    const real = table.doc.send.bind(table.doc);
    let updates = 0;
    const failing = (name: string): Table => ({
      name: table.name,
      doc: {
        send: async (cmd: { constructor: { name: string } }) => {
          if (cmd.constructor.name !== 'UpdateCommand') return real(cmd as never);
          updates++;
          throw Object.assign(new Error(name), { name });
        },
      } as never,
    });
    await expect(new AckStore(failing('ConditionalCheckFailedException')).acknowledge(FP, null, WHO, NOW)).rejects.toThrow('ConditionalCheckFailedException');
    expect(updates).toBe(3);
    updates = 0;
    await expect(new AckStore(failing('InternalServerError')).acknowledge(FP, null, WHO, NOW)).rejects.toThrow('InternalServerError');
    expect(updates).toBe(1);
  });
});

describe('AckStore.streams and acknowledgeGroup', () => {
  it('lists the routed groups the cursor holds, with their members', async () => {
    const g: GroupState = {
      key: 'gabc@1',
      receiver: 'slack',
      route: 'route',
      labels: {},
      grouped: true,
      createdAt: NOW - 60_000,
      sentAt: NOW,
      mutedBy: null,
      members: { [`${FP}@${NOW}`]: { fingerprint: FP, episode: NOW, firing: true, tier: 'critical', sent: null, muted: null } },
    };
    const acks = new AckStore(await seeded([alert()], { id1: g }));
    expect(await acks.streams()).toEqual([{ kind: 'routed', key: 'gabc@1', since: NOW - 60_000, members: [{ fingerprint: FP, episode: NOW, firing: true }] }]);
  });

  it('lists the alerts with their acks, and nothing else the table keeps beside them (the cursor, group acks)', async () => {
    const table = await seeded([alert()]);
    const acks = new AckStore(table);
    await acks.acknowledgeGroup('g@1', WHO, NOW);
    await acks.acknowledge(FP, null, WHO, NOW + 1000);
    expect(await acks.alerts()).toEqual([expect.objectContaining({ fingerprint: FP, version: 1, ack: { ...WHO, ackedAt: NOW + 1000, episode: NOW } })]);
  });

  it('lists nothing before the first tick', async () => {
    expect(await new AckStore(await freshTable(db().client)).streams()).toEqual([]);
  });

  it('passes on a failure that is not a condition', async () => {
    const table = await freshTable(db().client);
    const real = table.doc.send.bind(table.doc);
    // Only the write fails: the read that follows a lost race must not run and hide the failure.
    const failing = { name: table.name, doc: { send: async (cmd: object) => (cmd instanceof QueryCommand ? real(cmd as never) : Promise.reject(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }))) } } as never;
    await expect(new AckStore(failing).acknowledgeGroup('k', WHO, NOW)).rejects.toThrow('throttled');
  });

  it('keeps a group acknowledgement two weeks', async () => {
    const table = await freshTable(db().client);
    await new AckStore(table).acknowledgeGroup('gk@1', WHO, NOW);
    const { Items } = await table.doc.send(new QueryCommand({ TableName: table.name, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'STATE' } }));
    expect(Items).toEqual([{ pk: 'STATE', sk: 'GROUPACK#gk@1', ack: { key: 'gk@1', ...WHO, ackedAt: NOW }, ttl: Math.floor(NOW / 1000) + 14 * 86_400 }]);
  });
});

describe('AckStore reads', () => {
  it('are consistent: an ack right after a tick’s write, or another ack, must see it', async () => {
    const table = await seeded([alert()]);
    const reads: boolean[] = [];
    const real = table.doc.send.bind(table.doc);
    const spying: Table = { name: table.name, doc: { send: async (cmd: { input: { ConsistentRead?: boolean } } & object) => (cmd instanceof QueryCommand && reads.push(cmd.input.ConsistentRead === true), real(cmd as never)) } as never };
    const acks = new AckStore(spying);
    await acks.acknowledge(FP, null, WHO, NOW);
    await acks.alerts();
    await acks.streams();
    await acks.acknowledgeGroup('gk@1', WHO, NOW);
    await acks.acknowledgeGroup('gk@1', WHO, NOW);
    expect(reads.length).toBeGreaterThanOrEqual(4);
    expect(reads.every(Boolean)).toBe(true);
  });
});
