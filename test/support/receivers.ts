import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A local stand-in for a webhook service on 127.0.0.1, validating what the real one validates. */
export interface LocalReceiver {
  url: string;
  /** Every request body that reached the endpoint (parsed JSON, or the raw text if it was not JSON), in order. */
  received: unknown[];
  /** The request bodies it accepted (answered 2xx), in order: what the real service acted on. */
  accepted: unknown[];
  /** Why each rejected request was rejected. */
  rejected: string[];
  /** Answer the next `times` requests with `status` (and headers) instead of handling them. */
  failNext(status: number, times?: number, headers?: Record<string, string>, body?: string): void;
  /** Answer every request with `status` (an outage, a revoked webhook) until called with null. */
  down(status: number | null): void;
  /** Hold requests unanswered (a hung service) until release(). */
  hold(): void;
  /** Answer the held requests (normally) and stop holding. */
  release(): void;
  /** Requests held unanswered right now. */
  readonly holding: number;
  close(): Promise<void>;
}

type Reply = { status: number; body: string | object; headers?: Record<string, string>; reason?: string };
type Handler = (body: unknown) => Reply;

async function startReceiver(path: string, handle: Handler, failBody: (status: number) => string, maxBytes = Infinity): Promise<LocalReceiver> {
  const received: unknown[] = [];
  const accepted: unknown[] = [];
  const rejected: string[] = [];
  const failures: Reply[] = [];
  let outage: number | null = null;
  let holding = false;
  const held: { answer: () => void; gone: () => boolean }[] = [];

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const answer = () => {
        // A client that gave up (timed out) is not answered, and what it sent was not acted on.
        if (res.destroyed || req.destroyed) return;
        let reply: Reply;
        if (req.method !== 'POST' || req.url !== path) {
          reply = { status: 404, body: failBody(404) };
        } else {
          let body: unknown = raw;
          try {
            body = JSON.parse(raw);
          } catch {
            // kept as text: the handler rejects it
          }
          received.push(body);
          const size = Buffer.byteLength(raw);
          reply =
            failures.shift() ??
            (outage !== null
              ? { status: outage, body: failBody(outage) }
              : size > maxBytes
                ? { status: 413, body: failBody(413), reason: `request body ${size} bytes (max ${maxBytes})` }
                : handle(body));
          if (reply.status === 413) rejected.push(reply.reason ?? 'too large');
          if (reply.status === 400) rejected.push(reply.reason ?? (typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body)));
          if (reply.status >= 200 && reply.status < 300) accepted.push(body);
        }
        const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
        const type = typeof reply.body === 'string' ? 'text/plain' : 'application/json';
        res.writeHead(reply.status, { 'content-type': type, ...reply.headers }).end(text);
      };
      if (holding) held.push({ answer, gone: () => res.destroyed || req.destroyed });
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}${path}`,
    received,
    accepted,
    rejected,
    failNext(status, times = 1, headers = {}, body) {
      for (let i = 0; i < times; i++) failures.push({ status, headers, body: body ?? failBody(status) });
    },
    down(status) {
      outage = status;
    },
    hold() {
      holding = true;
    },
    release() {
      holding = false;
      for (const h of held.splice(0)) h.answer();
    },
    get holding() {
      return held.filter((h) => !h.gone()).length;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}

// ---- Slack incoming webhook ----

const SLACK_BLOCK_TYPES = new Set(['section', 'header', 'context', 'divider', 'actions', 'image', 'input', 'rich_text', 'file', 'video', 'markdown']);
const SLACK_ERRORS: Record<number, string> = { 400: 'invalid_payload', 403: 'action_prohibited', 404: 'no_service', 410: 'channel_is_archived', 413: 'request_too_large', 429: 'rate_limited', 500: 'internal_error', 503: 'service_unavailable' };
/** Slack truncates (chat.postMessage) or refuses (webhooks) a top-level text over 40,000 characters. */
export const SLACK_MAX_TEXT = 40_000;
/** PagerDuty Events API v2: an event over 512 KB is refused. */
export const PAGERDUTY_MAX_BYTES = 512 * 1024;
/** SNS Publish: message, subject and attributes together at most 256 KB. */
export const SNS_MAX_BYTES = 262_144;

/** Webhook URL carries a random token, as a real one does: tests can check it never leaks. */
export function startSlackReceiver(): Promise<LocalReceiver> {
  const path = `/services/T0LOCAL00/B0LOCAL00/${randomBytes(12).toString('hex')}`;
  return startReceiver(path, (body) => {
    if (typeof body !== 'object' || body === null) return { status: 400, body: 'invalid_payload' };
    const msg = body as { text?: unknown; blocks?: unknown };
    if (typeof msg.text === 'string' && msg.text.length > SLACK_MAX_TEXT) return { status: 400, body: 'msg_too_long', reason: `text is ${msg.text.length} chars (max ${SLACK_MAX_TEXT})` };
    if (msg.blocks === undefined) return typeof msg.text === 'string' && msg.text ? ok() : { status: 400, body: 'no_text' };
    const problem = slackBlocksProblem(msg.blocks);
    return problem ? { status: 400, body: 'invalid_blocks', reason: problem } : ok();
  }, (status) => SLACK_ERRORS[status] ?? 'error');

  function ok(): Reply {
    return { status: 200, body: 'ok' };
  }
}

/** What Block Kit rejects, or undefined if the blocks are valid. Exported so tests can say why. */
export function slackBlocksProblem(blocks: unknown): string | undefined {
  if (!Array.isArray(blocks)) return 'blocks is not an array';
  if (blocks.length > 50) return `${blocks.length} blocks (max 50)`;
  for (const [i, b] of blocks.entries()) {
    const block = b as Record<string, unknown>;
    const at = `blocks[${i}]`;
    if (typeof block !== 'object' || block === null || !SLACK_BLOCK_TYPES.has(block.type as string)) return `${at}: invalid type`;
    if (block.block_id !== undefined && (typeof block.block_id !== 'string' || block.block_id.length > 255)) return `${at}.block_id`;
    if (block.type === 'header') {
      const t = block.text as { type?: string; text?: string } | undefined;
      if (t?.type !== 'plain_text') return `${at}.text must be plain_text`;
      const p = textProblem(t, 150);
      if (p) return `${at}.text ${p}`;
    }
    if (block.type === 'section') {
      if (block.text === undefined && block.fields === undefined) return `${at}: needs text or fields`;
      if (block.text !== undefined) {
        const p = textProblem(block.text, 3000);
        if (p) return `${at}.text ${p}`;
      }
      if (block.fields !== undefined) {
        if (!Array.isArray(block.fields) || block.fields.length < 1 || block.fields.length > 10) return `${at}.fields: 1 to 10`;
        for (const [j, f] of block.fields.entries()) {
          const p = textProblem(f, 2000);
          if (p) return `${at}.fields[${j}] ${p}`;
        }
      }
    }
    if (block.type === 'context') {
      if (!Array.isArray(block.elements) || block.elements.length < 1 || block.elements.length > 10) return `${at}.elements: 1 to 10`;
      for (const [j, e] of block.elements.entries()) {
        if ((e as { type?: string }).type === 'image') continue;
        const p = textProblem(e, 3000);
        if (p) return `${at}.elements[${j}] ${p}`;
      }
    }
  }
  return undefined;
}

function textProblem(t: unknown, max: number): string | undefined {
  const obj = t as { type?: unknown; text?: unknown } | null;
  if (typeof obj !== 'object' || obj === null || (obj.type !== 'plain_text' && obj.type !== 'mrkdwn')) return 'is not a text object';
  if (typeof obj.text !== 'string' || obj.text.length < 1) return 'is empty';
  if (obj.text.length > max) return `is ${obj.text.length} chars (max ${max})`;
  return undefined;
}

// ---- PagerDuty Events API v2 ----

const PD_ACTIONS = new Set(['trigger', 'acknowledge', 'resolve']);
const PD_SEVERITIES = new Set(['critical', 'error', 'warning', 'info']);

export function startPagerDutyReceiver(): Promise<LocalReceiver> {
  return startReceiver('/v2/enqueue', (body) => {
    const errors = pagerDutyProblems(body);
    if (errors.length) return { status: 400, body: { status: 'invalid event', message: 'Event object is invalid', errors } };
    const dedup = (body as { dedup_key?: string }).dedup_key ?? randomBytes(16).toString('hex');
    return { status: 202, body: { status: 'success', message: 'Event processed', dedup_key: dedup } };
  }, (status) =>
    JSON.stringify(status === 429 ? { status: 'throttle event', message: 'Requests for this service are arriving too quickly.' } : { status: 'error', message: `HTTP ${status}` }),
  PAGERDUTY_MAX_BYTES);
}

// ---- SNS Publish (through the SDK client, mocked at its boundary) ----

/**
 * What SNS refuses in a Publish (InvalidParameter), or undefined: over 256 KB counting the message,
 * subject and attributes; a subject of 100 characters or more, or not printable ASCII on one line;
 * MessageStructure json without a `default` key; an empty attribute value.
 */
export function snsPublishProblem(input: { Message?: string; Subject?: string; MessageStructure?: string; MessageAttributes?: Record<string, { DataType?: string; StringValue?: string }> }): string | undefined {
  const attrs = Object.entries(input.MessageAttributes ?? {});
  const size = Buffer.byteLength(input.Message ?? '') + Buffer.byteLength(input.Subject ?? '') + attrs.reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v.DataType ?? '') + Buffer.byteLength(v.StringValue ?? ''), 0);
  if (size > SNS_MAX_BYTES) return `Invalid parameter: Message too long (${size} bytes, max ${SNS_MAX_BYTES})`;
  if (!input.Message) return 'Invalid parameter: Empty message';
  if (input.Subject !== undefined && (input.Subject.length >= 100 || !/^[\x20-\x7e]*$/.test(input.Subject) || !input.Subject)) return 'Invalid parameter: Subject';
  if (input.MessageStructure === 'json') {
    try {
      const parsed = JSON.parse(input.Message) as Record<string, unknown>;
      if (typeof parsed.default !== 'string') return "Invalid parameter: Message Structure - No default entry in JSON message body";
    } catch {
      return 'Invalid parameter: Message Structure - JSON message body failed to parse';
    }
  }
  for (const [k, v] of attrs) if (!v.StringValue) return `Invalid parameter: Message attribute '${k}' must contain non-empty message attribute value`;
  return undefined;
}

export function pagerDutyProblems(body: unknown): string[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return ['Invalid JSON'];
  const e = body as Record<string, unknown>;
  const errors: string[] = [];
  if (typeof e.routing_key !== 'string' || !e.routing_key) errors.push("'routing_key' is missing or blank");
  if (!PD_ACTIONS.has(e.event_action as string)) errors.push("'event_action' is invalid (must be one of: trigger, acknowledge, resolve)");
  if (e.dedup_key !== undefined && (typeof e.dedup_key !== 'string' || e.dedup_key.length > 255)) errors.push("'dedup_key' must be a string of at most 255 characters");
  if ((e.event_action === 'resolve' || e.event_action === 'acknowledge') && !e.dedup_key) errors.push("'dedup_key' is required for this event_action");
  if (e.event_action === 'trigger') {
    const p = e.payload as Record<string, unknown> | undefined;
    if (typeof p !== 'object' || p === null) return [...errors, "'payload' is missing"];
    if (typeof p.summary !== 'string' || !p.summary) errors.push("'payload.summary' is missing or blank");
    else if (p.summary.length > 1024) errors.push("'payload.summary' must be at most 1024 characters");
    if (typeof p.source !== 'string' || !p.source) errors.push("'payload.source' is missing or blank");
    if (!PD_SEVERITIES.has(p.severity as string)) errors.push("'payload.severity' is invalid (must be one of: critical, error, warning, info)");
    if (p.timestamp !== undefined && Number.isNaN(Date.parse(String(p.timestamp)))) errors.push("'payload.timestamp' is not a valid ISO 8601 timestamp");
    if (e.links !== undefined && (!Array.isArray(e.links) || e.links.some((l) => typeof (l as { href?: unknown })?.href !== 'string'))) errors.push("'links' must be objects with an 'href'");
  }
  return errors;
}
