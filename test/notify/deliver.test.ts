import { backoffMs, deliverWithRetry, retryAfterMs } from '../../shared/notify/deliver';
import { DeliveryError, type Notifier } from '../../shared/notify/types';
import { sampleNotification } from '../support/notification';

/** A notifier that throws the given errors in turn, then succeeds. */
function flaky(...errors: unknown[]): Notifier & { calls: number } {
  const n = {
    calls: 0,
    async send() {
      const e = errors[n.calls++];
      if (e !== undefined) throw e;
    },
  };
  return n;
}

function recordingSleep() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

describe('deliverWithRetry', () => {
  it('succeeds at once without sleeping', async () => {
    const { waits, sleep } = recordingSleep();
    expect(await deliverWithRetry(flaky(), sampleNotification(), { sleep })).toEqual({ ok: true });
    expect(waits).toEqual([]);
  });

  it('retries retryable errors with full-jitter exponential backoff, then succeeds', async () => {
    const { waits, sleep } = recordingSleep();
    const notifier = flaky(new DeliveryError('503', true), new DeliveryError('503', true));
    const result = await deliverWithRetry(notifier, sampleNotification(), { attempts: 3, baseDelayMs: 100, maxDelayMs: 5000, sleep, random: () => 0.5 });
    expect(result).toEqual({ ok: true });
    expect(notifier.calls).toBe(3);
    expect(waits).toEqual([50, 100]);
  });

  it('caps the backoff at maxDelayMs', () => {
    expect(backoffMs(10, 200, 5000, () => 0.999)).toBeLessThan(5000);
    expect(backoffMs(10, 200, 5000, () => 0.999)).toBeGreaterThan(4900);
    expect(backoffMs(1, 200, 5000, () => 0)).toBe(0);
  });

  it('waits what Retry-After asked instead of the backoff', async () => {
    const { waits, sleep } = recordingSleep();
    const notifier = flaky(new DeliveryError('429', true, 1500));
    expect(await deliverWithRetry(notifier, sampleNotification(), { sleep })).toEqual({ ok: true });
    expect(waits).toEqual([1500]);
  });

  it('hands a Retry-After longer than maxDelayMs back to the caller instead of waiting', async () => {
    const { waits, sleep } = recordingSleep();
    const notifier = flaky(new DeliveryError('429 slow down', true, 60_000));
    const result = await deliverWithRetry(notifier, sampleNotification(), { maxDelayMs: 5000, sleep });
    expect(result).toEqual({ ok: false, retryable: true, error: '429 slow down', retryAfterMs: 60_000 });
    expect(notifier.calls).toBe(1);
    expect(waits).toEqual([]);
  });

  it('bounds each request by the time left, and does not start a wait it has no time to follow up', async () => {
    const { waits, sleep } = recordingSleep();
    const timeouts: (number | undefined)[] = [];
    const notifier: Notifier = {
      async send(_n, opts) {
        timeouts.push(opts?.timeoutMs);
        throw new DeliveryError('HTTP 503', true);
      },
    };
    const result = await deliverWithRetry(notifier, sampleNotification(), { sleep, random: () => 1, baseDelayMs: 1000, timeLeft: () => 1200 });
    expect(timeouts).toEqual([1200]);
    expect(waits).toEqual([]);
    expect(result).toEqual({ ok: false, retryable: true, error: 'HTTP 503 (no time left in this invocation for another attempt)' });
  });

  it('marks a rejected secret (401/403/404/410) so the caller can read it again', async () => {
    const notifier = flaky(new DeliveryError('HTTP 404 no_service', false, undefined, true));
    expect(await deliverWithRetry(notifier, sampleNotification())).toEqual({ ok: false, retryable: false, error: 'HTTP 404 no_service', staleSecret: true });
  });

  it('stops at the first non-retryable error', async () => {
    const { waits, sleep } = recordingSleep();
    const notifier = flaky(new DeliveryError('HTTP 400 invalid_blocks', false));
    expect(await deliverWithRetry(notifier, sampleNotification(), { sleep })).toEqual({ ok: false, retryable: false, error: 'HTTP 400 invalid_blocks' });
    expect(notifier.calls).toBe(1);
    expect(waits).toEqual([]);
  });

  it('gives up after the given attempts, still marked retryable for a later try', async () => {
    const { sleep } = recordingSleep();
    const notifier = flaky(...Array.from({ length: 5 }, () => new DeliveryError('HTTP 503', true)));
    const result = await deliverWithRetry(notifier, sampleNotification(), { attempts: 2, sleep });
    expect(result).toEqual({ ok: false, retryable: true, error: 'HTTP 503 (gave up after 2 attempts)' });
    expect(notifier.calls).toBe(2);
  });

  it('treats an unexpected (non-DeliveryError) failure as retryable rather than dropping the alert', async () => {
    const { sleep } = recordingSleep();
    const notifier = flaky(new TypeError('boom'));
    expect(await deliverWithRetry(notifier, sampleNotification(), { sleep })).toEqual({ ok: true });
    expect(notifier.calls).toBe(2);
  });
});

describe('retryAfterMs', () => {
  it('reads delay-seconds and HTTP dates, ignores garbage', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs('0.5')).toBe(500);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });
});
