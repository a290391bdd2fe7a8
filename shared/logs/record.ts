/**
 * One Bedrock ModelInvocationLog record → the few numbers the alerting needs. Pure.
 *
 * The parsed record keeps no prompt or completion text: only time, model, operation,
 * token counts, the caller's role and the classified outcome. Extra fields are ignored.
 */
import { classify } from './stop-reasons';
import { type Outcome } from '../core/logs';

export interface InvocationRecord {
  /** Request time, ms since epoch. */
  timestamp: number;
  requestId: string | null;
  modelId: string;
  operation: string;
  /** The caller's role (or user) ARN, see normaliseCaller; UNKNOWN_CALLER without an identity. */
  caller: string;
  inputTokens: number;
  outputTokens: number;
  outcome: Outcome;
  reason: string | null;
  /** The body was too large for the log and went to S3: tokens still count, the reason may be missing. */
  bodyInS3: boolean;
  /** Where the request ran, as Bedrock logs it (`region`, `accountId`); null when the record lacks it. */
  region: string | null;
  account: string | null;
}

export const UNKNOWN_CALLER = 'unknown';

export type MalformedCode = 'not_json' | 'not_object' | 'schema_type' | 'timestamp' | 'model_id' | 'operation' | 'tokens';

/** A record that cannot be counted. The message names the field, never the record's content. */
export class MalformedRecordError extends Error {
  override readonly name = 'MalformedRecordError';
  constructor(
    readonly code: MalformedCode,
    readonly field: string,
    problem: string,
  ) {
    super(`malformed invocation-log record: ${field} ${problem}`);
  }
}

export type ParseResult = { ok: true; record: InvocationRecord } | { ok: false; error: MalformedRecordError };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const ACCOUNT_ID = /^\d{12}$/;

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Parses a log message (JSON text) or an already parsed record; throws MalformedRecordError. */
export function parseRecord(input: unknown): InvocationRecord {
  let raw = input;
  if (typeof input === 'string') {
    try {
      raw = JSON.parse(input) as unknown;
    } catch {
      throw new MalformedRecordError('not_json', 'message', 'is not JSON');
    }
  }
  if (!isObject(raw)) throw new MalformedRecordError('not_object', 'record', 'is not a JSON object');

  if (raw.schemaType !== undefined && raw.schemaType !== 'ModelInvocationLog') {
    throw new MalformedRecordError('schema_type', 'schemaType', 'is not ModelInvocationLog');
  }
  const timestamp = typeof raw.timestamp === 'string' && ISO_TIME.test(raw.timestamp) ? Date.parse(raw.timestamp) : NaN;
  if (!Number.isFinite(timestamp)) throw new MalformedRecordError('timestamp', 'timestamp', 'is not an ISO 8601 time');
  if (typeof raw.modelId !== 'string' || raw.modelId === '') throw new MalformedRecordError('model_id', 'modelId', 'is missing');
  if (typeof raw.operation !== 'string' || raw.operation === '') {
    throw new MalformedRecordError('operation', 'operation', 'is missing');
  }

  const inputPart = isObject(raw.input) ? raw.input : {};
  const outputPart = isObject(raw.output) ? raw.output : {};
  const { outcome, reason } = classify(raw);
  return {
    timestamp,
    requestId: typeof raw.requestId === 'string' ? raw.requestId : null,
    modelId: raw.modelId,
    operation: raw.operation,
    caller: isObject(raw.identity) && typeof raw.identity.arn === 'string' && raw.identity.arn !== ''
      ? normaliseCaller(raw.identity.arn)
      : UNKNOWN_CALLER,
    inputTokens: tokenCount(inputPart.inputTokenCount, 'input.inputTokenCount'),
    outputTokens: tokenCount(outputPart.outputTokenCount, 'output.outputTokenCount'),
    outcome,
    reason,
    bodyInS3: hasS3Reference(inputPart) || hasS3Reference(outputPart),
    region: typeof raw.region === 'string' && REGION.test(raw.region) ? raw.region : null,
    account: typeof raw.accountId === 'string' && ACCOUNT_ID.test(raw.accountId) ? raw.accountId : null,
  };
}

export function tryParseRecord(input: unknown): ParseResult {
  try {
    return { ok: true, record: parseRecord(input) };
  } catch (e) {
    if (e instanceof MalformedRecordError) return { ok: false, error: e };
    throw e;
  }
}

/** Absent counts as 0 (a failed request has no output); anything but a non-negative integer is malformed. */
function tokenCount(v: unknown, field: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new MalformedRecordError('tokens', field, 'is not a non-negative integer');
  }
  return v;
}

/** `inputBodyS3Path` / `outputBodyS3Path` (large-data delivery), or any other `…S3Path` reference. */
const hasS3Reference = (part: Record<string, unknown>): boolean =>
  Object.keys(part).some((k) => k.endsWith('S3Path') && typeof part[k] === 'string');

const ASSUMED_ROLE = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)(?:\/.*)?$/;

/**
 * Spend is attributed to roles, not sessions: `arn:aws:sts::123:assumed-role/Role/session`
 * → `arn:aws:iam::123:role/Role`. IAM users and anything else are kept as they are.
 * (The role's path is not in the session ARN, so none is shown.)
 */
export function normaliseCaller(arn: string): string {
  const m = ASSUMED_ROLE.exec(arn);
  return m ? `arn:${m[1]}:iam::${m[2]}:role/${m[3]}` : arn;
}
