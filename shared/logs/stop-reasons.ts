import type { Outcome } from '../core/logs';
import { baseModelId } from '../pricing/model-id';

export { baseModelId };
/**
 * Why an invocation ended, read from the stop reason each provider writes into
 * `output.outputBodyJson` of a ModelInvocationLog record. Pure: no AWS imports.
 *
 * Everything provider-specific is in STOP_REASONS below; supporting a new provider or a
 * new value means adding a row or a key there, nothing else.
 */

export interface Classification {
  outcome: Outcome;
  /** The raw reason as the provider (or Bedrock's `errorCode`) wrote it; null when there is none. */
  reason: string | null;
}

export interface StopReasonRule {
  name: string;
  /** Bedrock `operation` values the row applies to. */
  operations: readonly string[];
  /** Matched against the base model id (ARN and cross-region prefix removed); absent = any model. */
  model?: RegExp;
  /**
   * Where the reason sits in the body, dotted; `*` walks every element of an array. A streamed
   * body (an array of chunks) is walked chunk by chunk with the same paths.
   */
  paths: readonly string[];
  outcomes: Readonly<Record<string, Outcome>>;
}

const INVOKE = ['InvokeModel', 'InvokeModelWithResponseStream'] as const;
const CONVERSE = ['Converse', 'ConverseStream'] as const;

/** Converse `stopReason` (any model); Nova's own InvokeModel body uses the same field and values. */
const CONVERSE_OUTCOMES: Record<string, Outcome> = {
  end_turn: 'finished',
  tool_use: 'finished',
  stop_sequence: 'finished',
  max_tokens: 'truncated',
  model_context_window_exceeded: 'truncated',
  content_filtered: 'filtered',
  guardrail_intervened: 'filtered',
  malformed_model_output: 'failed',
  malformed_tool_use: 'failed',
};

export const STOP_REASONS: readonly StopReasonRule[] = [
  {
    name: 'converse',
    operations: CONVERSE,
    // `messageStop.stopReason`: the event a streamed Converse body ends with.
    paths: ['stopReason', 'messageStop.stopReason'],
    outcomes: CONVERSE_OUTCOMES,
  },
  {
    name: 'anthropic',
    operations: INVOKE,
    model: /^anthropic\./,
    // `delta.stop_reason`: the `message_delta` event of a streamed Messages body.
    paths: ['stop_reason', 'delta.stop_reason'],
    outcomes: {
      end_turn: 'finished',
      tool_use: 'finished',
      stop_sequence: 'finished',
      pause_turn: 'finished',
      max_tokens: 'truncated',
      model_context_window_exceeded: 'truncated',
      refusal: 'filtered',
    },
  },
  {
    name: 'meta',
    operations: INVOKE,
    model: /^meta\./,
    paths: ['stop_reason'],
    outcomes: { stop: 'finished', length: 'truncated', content_filtered: 'filtered' },
  },
  {
    name: 'mistral',
    operations: INVOKE,
    model: /^mistral\./,
    paths: ['outputs.*.stop_reason'],
    outcomes: { stop: 'finished', length: 'truncated', content_filtered: 'filtered' },
  },
  {
    name: 'cohere',
    operations: INVOKE,
    model: /^cohere\.command/,
    // Command R writes `finish_reason` at the top; the older Command writes it per generation.
    paths: ['finish_reason', 'generations.*.finish_reason'],
    outcomes: { COMPLETE: 'finished', MAX_TOKENS: 'truncated', ERROR_TOXIC: 'filtered', ERROR: 'filtered' },
  },
  {
    name: 'titan',
    operations: INVOKE,
    model: /^amazon\.titan-text/,
    // `completionReason` at the top: a streamed Titan chunk.
    paths: ['results.*.completionReason', 'completionReason'],
    outcomes: { FINISH: 'finished', LENGTH: 'truncated', CONTENT_FILTERED: 'filtered' },
  },
  {
    name: 'nova',
    operations: INVOKE,
    model: /^amazon\.nova/,
    paths: ['stopReason', 'messageStop.stopReason'],
    outcomes: CONVERSE_OUTCOMES,
  },
];

/** Higher is worse: with several outputs (or chunks), the worst one is the record's outcome. */
const SEVERITY: Record<Outcome, number> = { finished: 0, unknown: 1, truncated: 2, filtered: 3, failed: 4 };

export const worse = (a: Outcome, b: Outcome): Outcome => (SEVERITY[b] > SEVERITY[a] ? b : a);

/** Raw reasons are reported (and become attribute names): keep them short. */
const MAX_REASON_LENGTH = 64;


const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Classifies one ModelInvocationLog record (the parsed JSON, as Bedrock wrote it).
 * An error (`errorCode`, or no output at all) is `failed`; a shape or value missing from
 * STOP_REASONS is `unknown` — never `finished`.
 */
export function classify(record: unknown): Classification {
  if (!isObject(record)) return { outcome: 'unknown', reason: null };
  const { errorCode, output } = record;
  if (typeof errorCode === 'string' && errorCode !== '') return { outcome: 'failed', reason: clip(errorCode) };
  if (output === undefined || output === null) return { outcome: 'failed', reason: null };
  if (!isObject(output)) return { outcome: 'unknown', reason: null };

  const body = bodyOf(output.outputBodyJson);
  if (body === undefined) return { outcome: 'unknown', reason: null };

  const operation = typeof record.operation === 'string' ? record.operation : '';
  const model = baseModelId(typeof record.modelId === 'string' ? record.modelId : '');
  const rows = STOP_REASONS.filter((r) => r.operations.includes(operation));
  const own = rows.filter((r) => !r.model || r.model.test(model));
  if (own.length > 0) return classifyWith(own, body) ?? { outcome: 'unknown', reason: null };

  // The model says nothing about its provider (application inference profile, a new operation):
  // recognise the body by its shape, but only a value some row knows counts.
  let raw: Classification | null = null;
  for (const rule of rows.length > 0 ? rows : STOP_REASONS) {
    const c = classifyWith([rule], body);
    if (c && c.outcome !== 'unknown') return c;
    raw ??= c;
  }
  return raw ?? { outcome: 'unknown', reason: null };
}

/** The worst outcome among every reason the rows find, or null when no row finds any. */
function classifyWith(rules: readonly StopReasonRule[], body: unknown): Classification | null {
  let best: Classification | null = null;
  for (const rule of rules) {
    const chunks = Array.isArray(body) ? body : [body];
    for (const path of rule.paths) {
      const steps = path.split('.');
      for (const chunk of chunks) {
        for (const value of collect(chunk, steps, 0)) {
          const reason = clip(value);
          const outcome = Object.hasOwn(rule.outcomes, reason) ? rule.outcomes[reason]! : 'unknown';
          if (!best || worse(best.outcome, outcome) !== best.outcome) best = { outcome, reason };
        }
      }
    }
    if (best) return best;
  }
  return best;
}

/** Every non-null leaf value at `steps` (null is how streamed chunks say "not yet"). */
function collect(value: unknown, steps: readonly string[], i: number): string[] {
  if (i === steps.length) {
    if (value === null || value === undefined) return [];
    return [typeof value === 'string' ? value : JSON.stringify(value)];
  }
  const step = steps[i]!;
  if (step === '*') return Array.isArray(value) ? value.flatMap((v) => collect(v, steps, i + 1)) : [];
  return isObject(value) && Object.hasOwn(value, step) ? collect(value[step], steps, i + 1) : [];
}

/** The body, parsed if it was delivered as a JSON string; undefined when there is none. */
function bodyOf(body: unknown): unknown {
  if (typeof body !== 'string') return body ?? undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

const clip = (s: string): string => (s.length > MAX_REASON_LENGTH ? s.slice(0, MAX_REASON_LENGTH) : s);
