/**
 * Invocation-log buckets in DynamoDB: one item per model and minute,
 *   pk `AGG#<modelId>`, sk `<minute ISO>`,
 * written with ONE UpdateItem per bucket that ADDs every counter, so concurrent batches
 * for the same minute sum up without reading.
 *
 * Idempotent per log batch: each update also ADDs the batch id to the item's `batches` set,
 * on condition that it is not there yet; a redelivered batch fails that condition
 * (ConditionalCheckFailedException) and is skipped, bucket by bucket, so a batch that
 * half-succeeded before a crash completes exactly once on retry.
 *
 * Reasons and callers are flattened into top-level number attributes (ADD cannot reach into
 * maps): `r_<reason>`, and `c_req_<arn>`, `c_in_<arn>`, `c_out_<arn>` per caller. Callers live
 * in the bucket item rather than in per-day CALLER items because a per-day item would need
 * the set of every batch of the day to stay idempotent, and that set outgrows DynamoDB's
 * 400 KB item limit (and makes each write cost that much) on a busy day; a minute's set
 * stays small.
 */
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { emptyBucket, MINUTE_MS, type Bucket, type CallerUsage, OUTCOMES } from '../core/logs';
import { queryAll, ttlAfter, type Table } from '../dynamo/table';

export const AGG_TTL_DAYS = 35;

/** Beyond these, the smallest reasons / callers of one write are summed under OTHER (keeps the update expression under 4 KB). */
export const MAX_REASONS_PER_WRITE = 32;
export const MAX_CALLERS_PER_WRITE = 64;
export const OTHER = '(other)';

/** Parallel UpdateItems per batch. */
const CONCURRENCY = 16;

const COUNTERS = [...OUTCOMES, 'requests', 'inputTokens', 'outputTokens'] as const;
const REASON = 'r_';
const CALLER_REQ = 'c_req_';
const CALLER_IN = 'c_in_';
const CALLER_OUT = 'c_out_';

export const aggPk = (modelId: string): string => `AGG#${modelId}`;
export const minuteSk = (minute: number): string => new Date(minute).toISOString();

export interface WriteResult {
  /** Buckets written (one UpdateItem each). */
  writes: number;
  /** Buckets this batch had already added: not counted again. */
  skipped: number;
}

/**
 * Adds `buckets` to the table as batch `batchId`. Every bucket is attempted; if any write
 * fails for another reason than "already counted", the first error is thrown after the
 * others settle (a retry of the batch then only writes what is missing).
 */
export async function writeBuckets(table: Table, buckets: readonly Bucket[], batchId: string, now: number): Promise<WriteResult> {
  const ttl = ttlAfter(now, AGG_TTL_DAYS);
  let writes = 0;
  let skipped = 0;
  const errors: unknown[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < buckets.length) {
      const bucket = buckets[next++]!;
      try {
        await table.doc.send(updateFor(table.name, bucket, batchId, ttl));
        writes++;
      } catch (e) {
        if ((e as { name?: string }).name === 'ConditionalCheckFailedException') skipped++;
        else errors.push(e);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, buckets.length) }, worker));
  if (errors.length > 0) throw errors[0];
  return { writes, skipped };
}

function updateFor(tableName: string, bucket: Bucket, batchId: string, ttl: number): UpdateCommand {
  const names: Record<string, string> = {
    '#modelId': 'modelId',
    '#minute': 'minute',
    '#ttl': 'ttl',
    '#batches': 'batches',
  };
  const values: Record<string, unknown> = {
    ':modelId': bucket.modelId,
    ':minute': bucket.minute,
    ':ttl': ttl,
    ':batchId': batchId,
    ':batchSet': new Set([batchId]),
  };
  const adds = ['#batches :batchSet'];
  const add = (attribute: string, value: number): void => {
    if (value === 0) return;
    const i = adds.length.toString(36);
    names[`#a${i}`] = attribute;
    values[`:a${i}`] = value;
    adds.push(`#a${i} :a${i}`);
  };
  for (const c of COUNTERS) add(c, bucket[c]);
  for (const [reason, n] of Object.entries(fold(bucket.reasons, MAX_REASONS_PER_WRITE, (n) => n, (a, b) => a + b))) {
    add(REASON + reason, n);
  }
  const callers = fold(bucket.callers, MAX_CALLERS_PER_WRITE, (u) => u.requests, (a, b) => ({
    requests: a.requests + b.requests,
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
  }));
  for (const [arn, u] of Object.entries(callers)) {
    add(CALLER_REQ + arn, u.requests);
    add(CALLER_IN + arn, u.inputTokens);
    add(CALLER_OUT + arn, u.outputTokens);
  }
  return new UpdateCommand({
    TableName: tableName,
    Key: { pk: aggPk(bucket.modelId), sk: minuteSk(bucket.minute) },
    UpdateExpression: `SET #modelId = :modelId, #minute = :minute, #ttl = :ttl ADD ${adds.join(', ')}`,
    ConditionExpression: 'attribute_not_exists(#batches) OR NOT contains(#batches, :batchId)',
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  });
}

/** Keeps the `max - 1` largest entries and sums the rest under OTHER. */
function fold<T>(entries: Record<string, T>, max: number, size: (v: T) => number, plus: (a: T, b: T) => T): Record<string, T> {
  const all = Object.entries(entries);
  if (all.length <= max) return entries;
  all.sort((a, b) => size(b[1]) - size(a[1]) || (a[0] < b[0] ? -1 : 1));
  const kept = all.slice(0, max - 1);
  const rest = all.slice(max - 1).map(([, v]) => v).reduce(plus);
  const other = kept.find(([k]) => k === OTHER);
  return Object.fromEntries(other ? kept.map(([k, v]) => [k, k === OTHER ? plus(v, rest) : v]) : [...kept, [OTHER, rest]]);
}

/** Buckets of `modelIds` with `fromMs <= minute < toMs`, sorted by model then minute. */
export async function readBuckets(table: Table, modelIds: readonly string[], fromMs: number, toMs: number): Promise<Bucket[]> {
  if (toMs <= fromMs) return [];
  const out: Bucket[] = [];
  for (const modelId of modelIds) {
    for (const item of await queryRange(table, aggPk(modelId), minuteSk(fromMs), new Date(toMs - 1).toISOString())) {
      out.push(itemToBucket(modelId, item));
    }
  }
  return out;
}

export interface DailyCallerUsage extends CallerUsage {
  modelId: string;
  caller: string;
}

/**
 * Usage per model and caller over one UTC day (`YYYY-MM-DD`), summed from the minute
 * buckets of `modelIds`, sorted by model then caller.
 */
export async function readCallers(table: Table, day: string, modelIds: readonly string[]): Promise<DailyCallerUsage[]> {
  const from = Date.parse(`${day}T00:00:00.000Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || !Number.isFinite(from)) throw new Error(`readCallers: day must be YYYY-MM-DD, got ${JSON.stringify(day)}`);
  const out: DailyCallerUsage[] = [];
  for (const modelId of [...modelIds].sort()) {
    const sum = new Map<string, CallerUsage>();
    for (const b of await readBuckets(table, [modelId], from, from + 1440 * MINUTE_MS)) {
      for (const [caller, u] of Object.entries(b.callers)) {
        const s = sum.get(caller) ?? { requests: 0, inputTokens: 0, outputTokens: 0 };
        sum.set(caller, {
          requests: s.requests + u.requests,
          inputTokens: s.inputTokens + u.inputTokens,
          outputTokens: s.outputTokens + u.outputTokens,
        });
      }
    }
    for (const caller of [...sum.keys()].sort()) out.push({ modelId, caller, ...sum.get(caller)! });
  }
  return out;
}

function queryRange(table: Table, pk: string, fromSk: string, toSk: string): Promise<Record<string, unknown>[]> {
  return queryAll(table, { KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to', ExpressionAttributeValues: { ':pk': pk, ':from': fromSk, ':to': toSk } });
}

function itemToBucket(modelId: string, item: Record<string, unknown>): Bucket {
  const minute = typeof item.minute === 'number' ? item.minute : Date.parse(String(item.sk));
  const b = emptyBucket(modelId, minute);
  const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
  for (const c of COUNTERS) b[c] = num(item[c]);
  // Maps first: a reason named "__proto__" must stay data.
  const reasons = new Map<string, number>();
  const callers = new Map<string, CallerUsage>();
  const caller = (arn: string): CallerUsage => {
    let u = callers.get(arn);
    if (!u) callers.set(arn, (u = { requests: 0, inputTokens: 0, outputTokens: 0 }));
    return u;
  };
  for (const [k, v] of Object.entries(item)) {
    if (k.startsWith(REASON)) reasons.set(k.slice(REASON.length), num(v));
    else if (k.startsWith(CALLER_REQ)) caller(k.slice(CALLER_REQ.length)).requests = num(v);
    else if (k.startsWith(CALLER_IN)) caller(k.slice(CALLER_IN.length)).inputTokens = num(v);
    else if (k.startsWith(CALLER_OUT)) caller(k.slice(CALLER_OUT.length)).outputTokens = num(v);
  }
  b.reasons = Object.fromEntries(reasons);
  b.callers = Object.fromEntries(callers);
  return b;
}

/** Per table: when this process last wrote (or was refused writing) each model's LOGMODEL item. */
const touched = new WeakMap<Table, Map<string, number>>();

/**
 * Records that a model has invocation logs, in the STATE partition the evaluate tick reads
 * anyway, so models seen only in the logs are judged too. At most one write per model per hour;
 * a warm function does not even try again within the hour of its last attempt.
 */
export async function touchLogModels(table: Table, modelIds: readonly string[], now: number): Promise<void> {
  let last = touched.get(table);
  if (!last) touched.set(table, (last = new Map()));
  for (const model of new Set(modelIds)) {
    const at = last.get(model);
    if (at !== undefined && at <= now && now - at < 3_600_000) continue;
    try {
      await table.doc.send(
        new PutCommand({
          TableName: table.name,
          Item: { pk: 'STATE', sk: `LOGMODEL#${model}`, model, lastSeen: now, ttl: Math.floor(now / 1000) + AGG_TTL_DAYS * 86_400 },
          ConditionExpression: 'attribute_not_exists(pk) OR lastSeen < :hourAgo',
          ExpressionAttributeValues: { ':hourAgo': now - 3_600_000 },
        }),
      );
      last.set(model, now);
    } catch (e) {
      if ((e as { name?: string }).name !== 'ConditionalCheckFailedException') throw e;
      last.set(model, now); // written by another invocation within the hour
    }
  }
}
