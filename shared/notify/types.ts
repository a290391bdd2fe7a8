import type { Digest } from '../core/digest';
import type { Notification } from '../core/notification';

/** Where a notification that was given up on is announced instead (the stack's own SNS topic). */
export interface DropNotice {
  dropped(n: Notification, reason: string, opts?: SendOptions): Promise<void>;
}

/** Per-call limits the caller sets (the time the Lambda has left). */
export interface SendOptions {
  /** Abandon the request after this long; the notifier's own default applies when it is shorter. */
  timeoutMs?: number;
}

export interface Notifier {
  send(n: Notification, opts?: SendOptions): Promise<void>;
  /** The daily digest; receivers that only page (PagerDuty) do not have it. */
  sendDigest?(d: Digest, receiver: string, opts?: SendOptions): Promise<void>;
}

/**
 * Thrown by notifiers; `retryable` false means retrying cannot help (bad key, 400 with a validation message).
 * `staleSecret`: the receiver rejected who we are or where we post (401/403/404/410) — a rotated secret
 * looks exactly like this, so the caller re-reads the secret once before giving up.
 */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
    readonly staleSecret = false,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}
