/**
 * Baselines in the table: one history item per model (all its series, bounded to five weeks)
 * and one small expectations item per model that every evaluate tick reads.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ModelExpectations, ModelHistories } from '../core/baseline';
import { queryAll, type Table } from '../dynamo/table';
import { ConcurrentTickError } from './types';

export interface StoredHistories {
  histories: ModelHistories;
  version: number;
}

export interface BaselineStore {
  loadHistories(): Promise<Record<string, StoredHistories>>;
  /** Conditional on the version read, so two overlapping runs cannot interleave an update. */
  saveHistories(model: string, stored: StoredHistories): Promise<void>;
  loadExpectations(): Promise<ModelExpectations[]>;
  saveExpectations(e: ModelExpectations[]): Promise<void>;
}

const PK = 'BASELINE';

export class DynamoBaselineStore implements BaselineStore {
  constructor(private readonly table: Table) {}

  private query(prefix: string): Promise<Record<string, unknown>[]> {
    return queryAll(this.table, { KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)', ExpressionAttributeValues: { ':pk': PK, ':p': prefix } });
  }

  async loadHistories(): Promise<Record<string, StoredHistories>> {
    const out: Record<string, StoredHistories> = {};
    for (const item of await this.query('HIST#')) out[item.model as string] = { histories: item.histories as ModelHistories, version: item.version as number };
    return out;
  }

  async saveHistories(model: string, stored: StoredHistories): Promise<void> {
    try {
      await this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: { pk: PK, sk: `HIST#${model}`, model, histories: stored.histories, version: stored.version + 1 },
          ConditionExpression: stored.version === 0 ? 'attribute_not_exists(pk)' : 'version = :v',
          ExpressionAttributeValues: stored.version === 0 ? undefined : { ':v': stored.version },
        }),
      );
      stored.version += 1;
    } catch (e) {
      if ((e as { name?: string }).name === 'ConditionalCheckFailedException') throw new ConcurrentTickError(`the baseline of ${model}`);
      throw e;
    }
  }

  async loadExpectations(): Promise<ModelExpectations[]> {
    return (await this.query('EXPECT#')).map((item) => item.expectations as ModelExpectations);
  }

  async saveExpectations(list: ModelExpectations[]): Promise<void> {
    for (const e of list) {
      await this.table.doc.send(new PutCommand({ TableName: this.table.name, Item: { pk: PK, sk: `EXPECT#${e.model}`, expectations: e } }));
    }
  }
}

/** The same contract in memory, for long backtests. */
export class MemoryBaselineStore implements BaselineStore {
  private readonly histories = new Map<string, StoredHistories>();
  private readonly expectations = new Map<string, ModelExpectations>();

  async loadHistories(): Promise<Record<string, StoredHistories>> {
    return Object.fromEntries([...this.histories].map(([k, v]) => [k, copy(v)]));
  }

  async saveHistories(model: string, stored: StoredHistories): Promise<void> {
    if ((this.histories.get(model)?.version ?? 0) !== stored.version) throw new ConcurrentTickError(`the baseline of ${model}`);
    stored.version += 1;
    this.histories.set(model, copy(stored));
  }

  async loadExpectations(): Promise<ModelExpectations[]> {
    return [...this.expectations.values()];
  }

  async saveExpectations(list: ModelExpectations[]): Promise<void> {
    for (const e of list) this.expectations.set(e.model, e);
  }
}

/**
 * A deep copy of plain data (objects, arrays, primitives), as structuredClone makes of it: a
 * history's hourly values are copied with one slice instead of being serialised and read back
 * (the hourly learning of a backtest loads and saves every model's five weeks each hour).
 */
function copy<T>(x: T): T {
  if (x === null || typeof x !== 'object') return x;
  if (Array.isArray(x)) {
    const out = x.slice();
    for (let i = 0; i < out.length; i++) if (out[i] !== null && typeof out[i] === 'object') out[i] = copy(out[i]);
    return out as T;
  }
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(x)) out[k] = copy((x as Record<string, unknown>)[k]);
  return out as T;
}
