/**
 * Silences in the table: one item each, pk SILENCE, sk SILENCE#<id>, with a ttl a week after
 * they end (kept that long so `silence list` shows what was silenced recently). The evaluate tick
 * reads them with one Query per tick while an alert is firing (only firing alerts are muted); the CLI
 * adds, lists and expires them.
 */
import { randomUUID } from 'node:crypto';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Silence } from '../core/silence';
import { queryAll, ttlAfter, type Table } from '../dynamo/table';

export interface SilenceStore {
  /** Silences not yet ended at `now` (including ones that start later). */
  current(now: number): Promise<Silence[]>;
}

const PK = 'SILENCE';
const KEEP_DAYS = 7;

export const newSilenceId = (): string => randomUUID().slice(0, 8);

export class DynamoSilenceStore implements SilenceStore {
  constructor(private readonly table: Table) {}

  async current(now: number): Promise<Silence[]> {
    const items = await queryAll(this.table, {
      KeyConditionExpression: 'pk = :pk',
      FilterExpression: 'endsAt > :now',
      ExpressionAttributeValues: { ':pk': PK, ':now': now },
    });
    return items.map(fromItem);
  }

  /** Every silence still kept (ended ones until their ttl), newest first. */
  async list(): Promise<Silence[]> {
    const items = await queryAll(this.table, { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': PK } });
    return items.map(fromItem).sort((a, b) => b.createdAt - a.createdAt);
  }

  async add(s: Silence): Promise<void> {
    await this.table.doc.send(
      new PutCommand({
        TableName: this.table.name,
        Item: { pk: PK, sk: `SILENCE#${s.id}`, ...s, ttl: ttlAfter(s.endsAt, KEEP_DAYS) },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  /** Ends a silence now; false when there is no such silence or it already ended. */
  async expire(id: string, now: number): Promise<boolean> {
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: { pk: PK, sk: `SILENCE#${id}` },
          UpdateExpression: 'SET endsAt = :now, #ttl = :ttl',
          ConditionExpression: 'attribute_exists(pk) AND endsAt > :now',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':now': now, ':ttl': ttlAfter(now, KEEP_DAYS) },
        }),
      );
      return true;
    } catch (e) {
      if ((e as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw e;
    }
  }
}

export class MemorySilenceStore implements SilenceStore {
  constructor(readonly silences: Silence[] = []) {}

  async current(now: number): Promise<Silence[]> {
    return this.silences.filter((s) => s.endsAt > now).map((s) => ({ ...s }));
  }
}

function fromItem(i: Record<string, unknown>): Silence {
  return {
    id: String(i.id),
    matchers: [...((i.matchers as string[]) ?? [])],
    author: String(i.author ?? ''),
    comment: String(i.comment ?? ''),
    startsAt: Number(i.startsAt),
    endsAt: Number(i.endsAt),
    createdAt: Number(i.createdAt),
  };
}
