import type { Digest } from '../core/digest';
import type { Notification } from '../core/notification';

export interface Notifier {
  send(n: Notification): Promise<void>;
  /** The daily digest; receivers that only page (PagerDuty) do not have it. */
  sendDigest?(d: Digest, receiver: string): Promise<void>;
}

/** Thrown by notifiers; `retryable` false means retrying cannot help (bad key, 400 with a validation message). */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}
