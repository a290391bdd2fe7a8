/**
 * One CloudWatch Logs delivery of invocation logs, end to end: decode → parse → aggregate
 * → one conditional write per bucket. Shared by functions/ingest and the benchmark.
 */
import { createHash } from 'node:crypto';
import { touchLogModels, writeBuckets } from '../sources/log-buckets';
import type { Table } from '../dynamo/table';
import { aggregateMessages, type RecordKey } from './aggregate';
import { logTargetResolver } from '../core/target';
import { AwsLogsDecodeError, dataEvents, decodeAwsLogs, type AwsLogsPayload } from './awslogs';
import type { MalformedCode } from './record';

export interface IngestSummary {
  messageType: AwsLogsPayload['messageType'];
  /** Records counted. */
  records: number;
  /** Log events skipped because they are not a valid invocation-log record. */
  malformed: number;
  malformedByCode: Partial<Record<MalformedCode, number>>;
  /** Log events of the wrong shape (no id, timestamp or message), skipped. */
  badEvents: number;
  /** One entry per kind of problem (malformed records, bad log events), with the ids of the first few. */
  problems: IngestProblem[];
  buckets: number;
  /** Bucket writes made; with `skipped`, equals `buckets`. */
  writes: number;
  /** Buckets already counted by an earlier delivery of the same batch. */
  skipped: number;
  batchId: string | null;
}

export interface IngestProblem {
  code: string;
  problem: string;
  count: number;
  /** Log event ids (or logEvents[i] when the event has none): where to find them, never their content. */
  examples: string[];
}

/**
 * The same batch always gets the same id (a redelivery is recognised), different batches
 * different ids: sha1 over the log group, stream and every event id.
 */
export function batchIdOf(payload: AwsLogsPayload): string {
  const h = createHash('sha1').update(payload.logGroup).update('\n').update(payload.logStream);
  for (const e of payload.logEvents) h.update('\n').update(e.id);
  return h.digest('hex');
}

/** Where the records of a delivery come from, so several regions and accounts stay separate series. */
export interface LogOrigin {
  /** The places the deployment reads (core/target placeKey); [] for one region of one account. */
  places: readonly string[];
  /** The region the ingest function runs in: a record that names none ran there. */
  region?: string;
}

/** The target key of each record: its model, or its model in the place that reads its region and account. */
export function recordKey(origin: LogOrigin, owner: string): RecordKey {
  const resolve = logTargetResolver(origin.places);
  // The subscription payload's owner is the account whose log group it is (a cross-account destination delivers others').
  const fallbackAccount = /^\d{12}$/.test(owner) ? owner : null;
  return (r) => resolve(r.modelId, r.region ?? origin.region ?? null, r.account ?? fallbackAccount);
}

/** Throws on an event that cannot be decoded; malformed records inside a good event are counted and skipped. */
export async function ingestBatch(table: Table, event: unknown, now: number, origin: LogOrigin = { places: [] }): Promise<IngestSummary> {
  const payload = decodeAwsLogs(event);
  const events = dataEvents(payload);
  const agg = aggregateMessages(
    events.map((e) => e.message),
    recordKey(origin, payload.owner),
  );
  const summary: IngestSummary = {
    messageType: payload.messageType,
    records: agg.records,
    malformed: agg.malformed,
    malformedByCode: agg.malformedByCode,
    badEvents: payload.badEvents?.length ?? 0,
    problems: [
      ...(payload.badEvents?.length
        ? [{ code: 'bad_event', problem: payload.badEvents[0].problem, count: payload.badEvents.length, examples: payload.badEvents.slice(0, 3).map((b) => `logEvents[${b.index}]`) }]
        : []),
      ...agg.problems.map((p) => ({ code: p.code, problem: p.problem, count: p.count, examples: p.first.map((i) => events[i].id) })),
    ],
    buckets: agg.buckets.length,
    writes: 0,
    skipped: 0,
    batchId: null,
  };
  if (agg.buckets.length === 0) return summary;
  const batchId = batchIdOf(payload);
  const { writes, skipped } = await writeBuckets(table, agg.buckets, batchId, now);
  await touchLogModels(table, agg.buckets.map((b) => b.modelId), now);
  return { ...summary, writes, skipped, batchId };
}

/**
 * CloudWatch Logs subscription data delivered through a Kinesis data stream: the path for the
 * invocation logs of other regions and accounts (a CloudWatch Logs destination in each source
 * region feeds one stream in the deployment's region). Each Kinesis record holds one subscription
 * payload, base64 of gzip, exactly as `awslogs.data`.
 */
export interface KinesisRecordLike {
  kinesis: { data: string; sequenceNumber: string };
  eventSource?: string;
}

export interface KinesisIngestResult {
  /** Lambda's partial batch response: the records to retry (the first failure and every later one of its shard). */
  batchItemFailures: { itemIdentifier: string }[];
  summaries: IngestSummary[];
  /** Records that can never be read (not a subscription payload): skipped, with what is wrong, never retried. */
  rejected: { sequenceNumber: string; problem: string }[];
}

export const isKinesisEvent = (event: unknown): event is { Records: KinesisRecordLike[] } =>
  typeof event === 'object' &&
  event !== null &&
  Array.isArray((event as { Records?: unknown }).Records) &&
  (event as { Records: unknown[] }).Records.every((r) => typeof (r as KinesisRecordLike)?.kinesis?.data === 'string');

/** The summaries of a Kinesis batch's payloads added up. */
export function sumSummaries(summaries: IngestSummary[]): IngestSummary {
  const sum = (f: (s: IngestSummary) => number) => summaries.reduce((n, s) => n + f(s), 0);
  const byCode: IngestSummary['malformedByCode'] = {};
  for (const s of summaries) for (const [k, v] of Object.entries(s.malformedByCode)) byCode[k as keyof typeof byCode] = (byCode[k as keyof typeof byCode] ?? 0) + (v ?? 0);
  return {
    messageType: 'DATA_MESSAGE',
    records: sum((s) => s.records),
    malformed: sum((s) => s.malformed),
    malformedByCode: byCode,
    badEvents: sum((s) => s.badEvents),
    problems: summaries.flatMap((s) => s.problems),
    buckets: sum((s) => s.buckets),
    writes: sum((s) => s.writes),
    skipped: sum((s) => s.skipped),
    batchId: null,
  };
}

/**
 * Ingests every record in order. A record whose write fails stops the batch there: it and the
 * records after it are reported for retry (ReportBatchItemFailures keeps a shard's order; the
 * buckets are idempotent per payload, so a retried record never counts twice). A record that
 * cannot be decoded is bad input for ever: it is reported and skipped, not retried.
 */
export async function ingestKinesis(table: Table, event: { Records: KinesisRecordLike[] }, now: number, origin: LogOrigin = { places: [] }): Promise<KinesisIngestResult> {
  const out: KinesisIngestResult = { batchItemFailures: [], summaries: [], rejected: [] };
  for (let i = 0; i < event.Records.length; i++) {
    const r = event.Records[i]!;
    try {
      out.summaries.push(await ingestBatch(table, { awslogs: { data: r.kinesis.data } }, now, origin));
    } catch (e) {
      if (e instanceof AwsLogsDecodeError) {
        out.rejected.push({ sequenceNumber: r.kinesis.sequenceNumber, problem: e.message });
        continue;
      }
      out.batchItemFailures = event.Records.slice(i).map((x) => ({ itemIdentifier: x.kinesis.sequenceNumber }));
      break;
    }
  }
  return out;
}
