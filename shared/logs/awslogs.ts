/**
 * CloudWatch Logs subscription events: `{ awslogs: { data: base64(gzip(JSON payload)) } }`.
 * Pure (node:zlib only). `encodeAwsLogs` builds an event the way CloudWatch Logs does, for
 * tests and the replay.
 */
import { gunzipSync, gzipSync } from 'node:zlib';

export interface LogEvent {
  id: string;
  timestamp: number;
  message: string;
}

export interface AwsLogsPayload {
  messageType: 'DATA_MESSAGE' | 'CONTROL_MESSAGE';
  owner: string;
  logGroup: string;
  logStream: string;
  subscriptionFilters: string[];
  logEvents: LogEvent[];
  /** Present on account-level subscription policies. */
  policyLevel?: string;
  /** Log events of the wrong shape, left out (the others are kept); present only when there are some. */
  badEvents?: { index: number; problem: string }[];
}

export interface AwsLogsEvent {
  awslogs: { data: string };
}

/** An event that cannot be used at all. Bad input, not a bug: its stack would say nothing, so it has none. */
export class AwsLogsDecodeError extends Error {
  override readonly name = 'AwsLogsDecodeError';
  constructor(message: string) {
    super(message);
    this.stack = `${this.name}: ${message}`;
  }
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Decodes and checks a subscription event; throws AwsLogsDecodeError saying which layer is wrong. */
export function decodeAwsLogs(event: unknown): AwsLogsPayload {
  const data = isObject(event) && isObject(event.awslogs) ? event.awslogs.data : undefined;
  if (typeof data !== 'string') {
    throw new AwsLogsDecodeError('not a CloudWatch Logs subscription event: expected { awslogs: { data: string } }');
  }
  // Buffer.from(…, 'base64') never throws: it silently skips what is not base64.
  if (data === '' || data.length % 4 !== 0 || !BASE64.test(data)) throw new AwsLogsDecodeError('awslogs.data is not base64');
  let json: string;
  try {
    json = gunzipSync(Buffer.from(data, 'base64')).toString('utf8');
  } catch (e) {
    throw new AwsLogsDecodeError(`awslogs.data is not gzip: ${(e as Error).message}`);
  }
  let payload: unknown;
  try {
    payload = JSON.parse(json);
  } catch {
    throw new AwsLogsDecodeError('awslogs.data does not hold JSON');
  }
  return checkPayload(payload);
}

function checkPayload(p: unknown): AwsLogsPayload {
  if (!isObject(p)) throw new AwsLogsDecodeError('awslogs payload is not a JSON object');
  if (p.messageType !== 'DATA_MESSAGE' && p.messageType !== 'CONTROL_MESSAGE') {
    throw new AwsLogsDecodeError('awslogs payload: messageType is neither DATA_MESSAGE nor CONTROL_MESSAGE');
  }
  const events = p.logEvents ?? [];
  if (!Array.isArray(events)) throw new AwsLogsDecodeError('awslogs payload: logEvents is not an array');
  // One event of the wrong shape is skipped and reported; the rest of the batch still counts.
  const logEvents: LogEvent[] = [];
  const badEvents: { index: number; problem: string }[] = [];
  events.forEach((e: unknown, i) => {
    if (!isObject(e) || typeof e.id !== 'string' || typeof e.timestamp !== 'number' || typeof e.message !== 'string') {
      badEvents.push({ index: i, problem: 'a log event needs a string id, a numeric timestamp and a string message' });
    } else logEvents.push({ id: e.id, timestamp: e.timestamp, message: e.message });
  });
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  return {
    messageType: p.messageType,
    owner: str(p.owner),
    logGroup: str(p.logGroup),
    logStream: str(p.logStream),
    subscriptionFilters: Array.isArray(p.subscriptionFilters) ? p.subscriptionFilters.filter((s) => typeof s === 'string') : [],
    logEvents,
    ...(typeof p.policyLevel === 'string' ? { policyLevel: p.policyLevel } : {}),
    ...(badEvents.length ? { badEvents } : {}),
  };
}

/** The log events that carry data: none for a CONTROL_MESSAGE (the reachability check CloudWatch sends). */
export const dataEvents = (payload: AwsLogsPayload): LogEvent[] =>
  payload.messageType === 'DATA_MESSAGE' ? payload.logEvents : [];

/** What CloudWatch Logs delivers to a subscribed Lambda: base64 of the gzipped JSON payload. */
export function encodeAwsLogs(payload: AwsLogsPayload): AwsLogsEvent {
  return { awslogs: { data: gzipSync(Buffer.from(JSON.stringify(payload), 'utf8')).toString('base64') } };
}

export interface DataMessageOptions {
  owner?: string;
  logGroup?: string;
  logStream?: string;
  subscriptionFilters?: string[];
  /** Numbering of the event ids, so that successive batches get distinct ids. */
  firstSequence?: number;
}

/**
 * A DATA_MESSAGE payload for `messages` (log lines with their timestamps), with ids shaped
 * like CloudWatch's: 56 decimal digits, increasing with time and sequence.
 */
export function dataMessage(messages: readonly { timestamp: number; message: string }[], opts: DataMessageOptions = {}): AwsLogsPayload {
  const first = opts.firstSequence ?? 0;
  return {
    messageType: 'DATA_MESSAGE',
    owner: opts.owner ?? '123456789012',
    logGroup: opts.logGroup ?? '/aws/bedrock/modelinvocations',
    logStream: opts.logStream ?? 'aws/bedrock/modelinvocations',
    subscriptionFilters: opts.subscriptionFilters ?? ['bedrock-watch-ingest'],
    logEvents: messages.map((m, i) => ({
      id: String(m.timestamp).padStart(20, '0') + String(first + i).padStart(36, '0'),
      timestamp: m.timestamp,
      message: m.message,
    })),
  };
}

/** The payload CloudWatch sends when a subscription is created, to check the destination. */
export function controlMessage(timestamp: number): AwsLogsPayload {
  return {
    messageType: 'CONTROL_MESSAGE',
    owner: 'CloudwatchLogs',
    logGroup: '',
    logStream: '',
    subscriptionFilters: [],
    logEvents: [{ id: '', timestamp, message: 'CWL CONTROL MESSAGE: Checking health of destination Lambda Function.' }],
  };
}
