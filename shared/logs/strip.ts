/**
 * A ModelInvocationLog record without its prompt and completion text, for traces that leave the
 * account (`bedrock-watch record --logs`). Kept: what parseRecord and classify read — time, model,
 * operation, identity, token counts, error code, S3 references — and, of the output body, only
 * the stop-reason fields STOP_REASONS names, so the stripped record classifies exactly as before.
 */
import { STOP_REASONS } from './stop-reasons';

const KEEP_TOP = ['schemaType', 'schemaVersion', 'timestamp', 'accountId', 'identity', 'region', 'requestId', 'operation', 'modelId', 'errorCode'];
const KEEP_PART = /^(inputContentType|outputContentType|inputTokenCount|outputTokenCount|.*S3Path)$/;
const REASON_PATHS = [...new Set(STOP_REASONS.flatMap((r) => r.paths))].map((p) => p.split('.'));

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function stripRecord(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of KEEP_TOP) if (record[k] !== undefined) out[k] = record[k];
  for (const part of ['input', 'output'] as const) {
    const p = record[part];
    if (!isObject(p)) {
      if (p !== undefined) out[part] = p === null ? null : {};
      continue;
    }
    const kept: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(p)) if (KEEP_PART.test(k)) kept[k] = v;
    if (part === 'output' && p.outputBodyJson !== undefined) {
      let body: unknown = p.outputBodyJson;
      if (typeof body === 'string') {
        try {
          body = JSON.parse(body) as unknown;
        } catch {
          body = undefined; // unreadable text: classify() reads it as unknown either way
        }
      }
      if (body !== undefined) kept.outputBodyJson = reasonsOnly(body);
    }
    out[part] = kept;
  }
  return out;
}

/** The body pruned to the stop-reason paths (a streamed body, an array of chunks, stays an array). */
function reasonsOnly(body: unknown): unknown {
  if (Array.isArray(body)) return body.map(reasonsOnly);
  if (!isObject(body)) return {};
  const out: Record<string, unknown> = {};
  for (const path of REASON_PATHS) copyPath(body, out, path, 0);
  return out;
}

function copyPath(from: unknown, to: Record<string, unknown>, steps: string[], i: number): void {
  if (!isObject(from)) return;
  const step = steps[i]!;
  if (!Object.hasOwn(from, step)) return;
  const value = from[step];
  if (i === steps.length - 1) {
    // A reason is a short code; anything else at that path (an object, long text) is not kept.
    if (value === null || typeof value === 'string' || typeof value === 'number') to[step] = typeof value === 'string' ? value.slice(0, 64) : value;
    return;
  }
  if (steps[i + 1] === '*') {
    if (!Array.isArray(value)) return;
    const arr = (Array.isArray(to[step]) ? to[step] : value.map(() => ({}))) as Record<string, unknown>[];
    value.forEach((el, j) => {
      if (i + 2 < steps.length) copyPath(el, arr[j]!, steps, i + 2);
    });
    to[step] = arr;
    return;
  }
  const child = (isObject(to[step]) ? to[step] : {}) as Record<string, unknown>;
  copyPath(value, child, steps, i + 1);
  to[step] = child;
}
