/**
 * The keys a stream shows outside bedrock-watch: PagerDuty's dedup_key and the Acknowledge
 * button's value. Stream keys themselves (a group's `g<hash>@<createdAt>`, an alert's
 * `<fingerprint>@<episode ISO>`) are hashes of rules.yml names and labels: anyone who reads the
 * rules could compute them, trigger an event with that dedup_key on any service the webhook
 * subscription covers, acknowledge it and stop a real escalation. So what leaves is an HMAC of
 * the stream key under a per-deployment secret (generated at first use and kept in the table:
 * shared/state/stream-secret.ts), and the ack function maps it back by computing the same HMAC
 * for the streams it knows (it never parses a key it was sent).
 *
 * Deterministic per stream: every trigger, update, retry and resolve of one stream carries the
 * same dedup_key, so PagerDuty's deduplication and the outbox's per-stream order are unchanged.
 *
 * Streams that formed before the secret existed (`legacyBefore`) keep the key they had (their
 * PagerDuty incidents must still resolve); they are few, and gone within the episodes' lifetime.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface StreamSecret {
  /** The per-deployment secret (random, 32 bytes base64url). */
  secret: string;
  /** Streams whose key says they formed before this (ms) keep their pre-secret keys. */
  legacyBefore: number;
}

const MAX_DEDUP_KEY = 255;

/** The key a stream had before keys were signed: the stream key itself (hashed when too long for PagerDuty). */
export function legacyExternalKey(key: string): string {
  if (key.length <= MAX_DEDUP_KEY) return key;
  return `sha256:${createHash('sha256').update(key).digest('hex')}`;
}

/** When a stream formed, read from its key (`g…@<ms>` or `<fp>@<ISO>`); null if the key does not say. */
export function keyTime(key: string): number | null {
  const at = key.lastIndexOf('@');
  if (at < 0) return null;
  const tail = key.slice(at + 1);
  if (/^\d{1,15}$/.test(tail)) return Number(tail);
  const t = Date.parse(tail);
  return /^\d{4}-\d\d-\d\dT/.test(tail) && Number.isFinite(t) ? t : null;
}

/** Prefix of signed external keys: `bw1-` + 40 hex (160 bits of HMAC-SHA256). */
export const SIGNED_KEY = /^bw1-[0-9a-f]{40}$/;

/** The button value is `ack:` + the stream's external key. */
const BUTTON_PREFIX = 'ack:';

export class StreamKeys {
  /** Keys of a deployment without a secret (local runs, tests of one notifier): the stream keys themselves. */
  static readonly UNSIGNED = new StreamKeys(null);

  constructor(private readonly s: StreamSecret | null) {}

  get signed(): boolean {
    return this.s !== null;
  }

  /** The stream's key at its receivers (PagerDuty's dedup_key). */
  external(key: string): string {
    if (!this.s || this.isLegacy(key)) return legacyExternalKey(key);
    return `bw1-${createHmac('sha256', this.s.secret).update(`stream\n${key}`).digest('hex').slice(0, 40)}`;
  }

  /** The Acknowledge button's value on a message of this stream. */
  button(key: string): string {
    return `${BUTTON_PREFIX}${this.external(key)}`;
  }

  /** Whether `external` (as received) is this stream's external key; constant-time in the signed case. */
  matches(key: string, external: string): boolean {
    const x = Buffer.from(this.external(key));
    const y = Buffer.from(external);
    return x.length === y.length && timingSafeEqual(x, y);
  }

  private isLegacy(key: string): boolean {
    const t = keyTime(key);
    return t !== null && this.s !== null && t < this.s.legacyBefore;
  }
}

/**
 * The external key a button value names, or null if it is not one of ours. Values of messages sent
 * before keys were signed (`group:<key>`, `<fingerprint>@<episode ms>`) name their stream key, which
 * only matches a stream that formed before the secret (StreamKeys.matches decides).
 */
export function buttonKey(value: string): string | null {
  if (value.startsWith(BUTTON_PREFIX)) {
    const k = value.slice(BUTTON_PREFIX.length);
    return k.length > 0 && k.length <= 300 ? k : null;
  }
  const g = /^group:(g[0-9a-f]{20}@\d{1,15})$/.exec(value);
  if (g) return g[1];
  const a = /^([0-9a-f]{8,64})@(\d{1,15})$/.exec(value);
  if (a) {
    const t = new Date(Number(a[2]));
    return Number.isFinite(t.getTime()) ? `${a[1]}@${t.toISOString()}` : null;
  }
  return null;
}
