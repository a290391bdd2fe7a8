/** Invocation-log counters as the ingest writes them and the log source reads them. */

export type Outcome = 'finished' | 'truncated' | 'filtered' | 'failed' | 'unknown';

export const OUTCOMES: readonly Outcome[] = ['finished', 'truncated', 'filtered', 'failed', 'unknown'];

export interface CallerUsage {
  requests: number;
  inputTokens: number;
  outputTokens: number;
}

export interface Bucket extends Record<Outcome, number> {
  modelId: string;
  /** Start of the minute, ms since epoch. */
  minute: number;
  inputTokens: number;
  outputTokens: number;
  requests: number;
  /** Raw stop reason (or error code) → count, for the report. */
  reasons: Record<string, number>;
  /** Normalised caller ARN → usage. */
  callers: Record<string, CallerUsage>;
}

export const MINUTE_MS = 60_000;

export const minuteOf = (ms: number): number => Math.floor(ms / MINUTE_MS) * MINUTE_MS;

export function emptyBucket(modelId: string, minute: number): Bucket {
  return {
    modelId,
    minute,
    finished: 0,
    truncated: 0,
    filtered: 0,
    failed: 0,
    unknown: 0,
    inputTokens: 0,
    outputTokens: 0,
    requests: 0,
    reasons: {},
    callers: {},
  };
}
