/**
 * Invocation records → per-minute, per-model counters. Pure. Cost is left to the pricing
 * module: buckets keep tokens.
 */
import { MalformedRecordError, tryParseRecord, type InvocationRecord, type MalformedCode } from './record';
import { emptyBucket, minuteOf, type Bucket, type CallerUsage } from '../core/logs';

export interface Aggregate {
  /** Sorted by model, then minute. */
  buckets: Bucket[];
  /** Records counted. */
  records: number;
  /** Records skipped as malformed. */
  malformed: number;
  malformedByCode: Partial<Record<MalformedCode, number>>;
  /** One entry per kind of malformed record: what is wrong, how often, and the positions of the first few. */
  problems: RecordProblem[];
}

export interface RecordProblem {
  code: MalformedCode;
  /** Names the field, never the record's content (it may hold prompt text). */
  problem: string;
  count: number;
  /** Positions in the input of the first few records with this problem. */
  first: number[];
}

/** Records listed per problem: enough to find them in CloudWatch Logs, not a log line per record. */
const EXAMPLES = 3;

/** The series a record counts in: its model (one place), or its target key (shared/core/target logTargetResolver). */
export type RecordKey = (r: InvocationRecord) => string;
const byModel: RecordKey = (r) => r.modelId;

/**
 * Counts records; MalformedRecordErrors among them are counted as malformed and otherwise skipped.
 * A bucket's `modelId` is the key `keyOf` gives (the bare ModelId unless several places are watched).
 */
export function aggregate(items: Iterable<InvocationRecord | MalformedRecordError>, keyOf: RecordKey = byModel): Aggregate {
  const byKey = new Map<string, { bucket: Bucket; reasons: Map<string, number>; callers: Map<string, CallerUsage> }>();
  const malformedByCode: Partial<Record<MalformedCode, number>> = {};
  const problems = new Map<string, RecordProblem>();
  let records = 0;
  let malformed = 0;
  let index = -1;
  for (const r of items) {
    index++;
    if (r instanceof MalformedRecordError) {
      malformed++;
      malformedByCode[r.code] = (malformedByCode[r.code] ?? 0) + 1;
      const text = r.message.replace(/^malformed invocation-log record: /, '');
      const p = problems.get(text) ?? { code: r.code, problem: text, count: 0, first: [] };
      problems.set(text, p);
      p.count++;
      if (p.first.length < EXAMPLES) p.first.push(index);
      continue;
    }
    records++;
    const minute = minuteOf(r.timestamp);
    const target = keyOf(r);
    const key = `${target}\u0000${minute}`;
    let acc = byKey.get(key);
    if (!acc) {
      acc = { bucket: emptyBucket(target, minute), reasons: new Map(), callers: new Map() };
      byKey.set(key, acc);
    }
    const b = acc.bucket;
    b.requests++;
    b[r.outcome]++;
    b.inputTokens += r.inputTokens;
    b.outputTokens += r.outputTokens;
    if (r.reason !== null) acc.reasons.set(r.reason, (acc.reasons.get(r.reason) ?? 0) + 1);
    let c = acc.callers.get(r.caller);
    if (!c) acc.callers.set(r.caller, (c = { requests: 0, inputTokens: 0, outputTokens: 0 }));
    c.requests++;
    c.inputTokens += r.inputTokens;
    c.outputTokens += r.outputTokens;
  }
  const buckets = [...byKey.values()].map(({ bucket, reasons, callers }) => ({
    ...bucket,
    // Object.fromEntries defines own properties, so a reason called "__proto__" stays data.
    reasons: Object.fromEntries(reasons),
    callers: Object.fromEntries(callers),
  }));
  buckets.sort((a, b) => (a.modelId < b.modelId ? -1 : a.modelId > b.modelId ? 1 : a.minute - b.minute));
  return { buckets, records, malformed, malformedByCode, problems: [...problems.values()] };
}

/** Parses log messages (JSON text) and aggregates them; malformed ones are counted, not thrown. */
export function aggregateMessages(messages: Iterable<string>, keyOf: RecordKey = byModel): Aggregate {
  function* parsed(): Generator<InvocationRecord | MalformedRecordError> {
    for (const m of messages) {
      const res = tryParseRecord(m);
      yield res.ok ? res.record : res.error;
    }
  }
  return aggregate(parsed(), keyOf);
}
