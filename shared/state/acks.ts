/**
 * Acknowledgements on the alert items: `ack` is its own attribute of STATE / ALERT#<fingerprint>,
 * written only here, with a conditional update (the episode must still be the one acknowledged
 * and not acknowledged yet), so two people pressing at once record one ack and a tick's write
 * of the same item (which sets only `state`, `version`, `ttl`) cannot undo it.
 */
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AckOutcome } from '../core/ack';
import type { AckRecord, AckVia, AlertState } from '../core/alert';
import type { Escalations, GroupAck, Groups } from '../core/group';
import { queryAll, ttlAfter, type Table } from '../dynamo/table';
import { GROUP_ACK } from './dynamo-store';

/** A notification stream the last tick left in the cursor: a routed group or an escalation group. */
export interface StoredStream {
  kind: 'routed' | 'escalation';
  key: string;
  /** When it formed (ms). */
  since: number;
  members: { fingerprint: string; episode: number; firing: boolean }[];
}

export type { AckOutcome };

const isConditionFailure = (e: unknown) => (e as { name?: string }).name === 'ConditionalCheckFailedException';

export class AckStore {
  constructor(private readonly table: Table) {}

  /** Every stored alert with its ack (a few hundred at most: rules × models). */
  async alerts(): Promise<AlertState[]> {
    return this.read('ALERT#', 'begins_with(sk, :sk)');
  }

  async alert(fingerprint: string): Promise<AlertState | null> {
    return (await this.read(`ALERT#${fingerprint}`, 'sk = :sk'))[0] ?? null;
  }

  private async read(sk: string, condition: string): Promise<AlertState[]> {
    const items = await queryAll(this.table, {
      KeyConditionExpression: `pk = :pk AND ${condition}`,
      ExpressionAttributeValues: { ':pk': 'STATE', ':sk': sk },
      ConsistentRead: true,
    });
    return items.map((i) => ({ ...(i.state as AlertState), version: i.version as number, ack: (i.ack as AckRecord | undefined) ?? null }));
  }

  /** Acknowledge the alert's current episode (or, with `episode`, only that one). */
  async acknowledge(fingerprint: string, episode: number | null, who: { ackedBy: string; via: AckVia }, now: number): Promise<AckOutcome> {
    for (let attempt = 0; ; attempt++) {
      const alert = await this.alert(fingerprint);
      if (!alert) return { status: 'unknown' };
      const ep = alert.startsAt;
      if (alert.status !== 'firing' || ep === null || (episode !== null && episode !== ep)) return { status: 'not-firing', alert };
      if (alert.ack && alert.ack.episode === ep) return { status: 'already', alert, ack: alert.ack };
      const ack: AckRecord = { ackedBy: who.ackedBy, ackedAt: now, via: who.via, episode: ep };
      try {
        await this.table.doc.send(
          new UpdateCommand({
            TableName: this.table.name,
            Key: { pk: 'STATE', sk: `ALERT#${fingerprint}` },
            UpdateExpression: 'SET ack = :ack',
            ConditionExpression: '#st.startsAt = :ep AND #st.#status = :firing AND (attribute_not_exists(ack) OR ack.episode <> :ep)',
            ExpressionAttributeNames: { '#st': 'state', '#status': 'status' },
            ExpressionAttributeValues: { ':ack': ack, ':ep': ep, ':firing': 'firing' },
          }),
        );
        return { status: 'acked', alert: { ...alert, ack }, ack };
      } catch (e) {
        // Someone else acknowledged, or a tick resolved the episode, in between: read again and say which.
        if (!isConditionFailure(e) || attempt >= 2) throw e;
      }
    }
  }

  /** The groups the cursor holds (routed messages' groups and escalation groups), with their members. */
  async streams(): Promise<StoredStream[]> {
    // A query, not GetItem: the function's role grants exactly the calls its bundle makes (Query already).
    const item = (await this.item('CURSOR')) ?? {};
    const groups = typeof item.groups === 'string' ? (JSON.parse(item.groups) as Groups) : {};
    const escalations = typeof item.escalations === 'string' ? (JSON.parse(item.escalations) as Escalations) : {};
    const member = (m: { fingerprint: string; episode: number; firing: boolean }) => ({ fingerprint: m.fingerprint, episode: m.episode, firing: m.firing });
    return [
      ...Object.values(escalations).map((g) => ({ kind: 'escalation' as const, key: g.key, since: g.since, members: Object.values(g.members).map(member) })),
      ...Object.values(groups).map((g) => ({ kind: 'routed' as const, key: g.key, since: g.createdAt, members: Object.values(g.members).map(member) })),
    ];
  }

  /**
   * Records the acknowledgement of a whole group under its key (the tick stops its escalation for
   * good, even for alerts joining later). The first one stays: returns it, and whether it is this one.
   */
  async acknowledgeGroup(key: string, who: { ackedBy: string; via: AckVia }, now: number): Promise<{ ack: GroupAck; first: boolean }> {
    const ack: GroupAck = { key, ackedBy: who.ackedBy, ackedAt: now, via: who.via };
    try {
      await this.table.doc.send(
        new PutCommand({ TableName: this.table.name, Item: { pk: 'STATE', sk: `${GROUP_ACK}${key}`, ack, ttl: ttlAfter(now, 14) }, ConditionExpression: 'attribute_not_exists(pk)' }),
      );
      return { ack, first: true };
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
      return { ack: ((await this.item(`${GROUP_ACK}${key}`))?.ack as GroupAck | undefined) ?? ack, first: false };
    }
  }

  private async item(sk: string): Promise<Record<string, unknown> | null> {
    const items = await queryAll(this.table, { KeyConditionExpression: 'pk = :pk AND sk = :sk', ExpressionAttributeValues: { ':pk': 'STATE', ':sk': sk }, ConsistentRead: true });
    return items[0] ?? null;
  }
}
