/**
 * shared/notify/deliver.ts: the HTTP helpers the webhook notifiers share (postJson against a real
 * local server, httpFailure's classification, timeouts, redaction) and the retry loop's edges.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { backoffMs, deliverWithRetry, httpFailure, MIN_REQUEST_MS, postJson, redact, requestTimeout, retryAfterMs, type HttpReply } from '../../shared/notify/deliver';
import { DeliveryError, type Notifier, type SendOptions } from '../../shared/notify/types';
import { sampleNotification } from '../support/notification';

describe('postJson against a local server', () => {
  let server: Server;
  let url: string;
  const seen: { method?: string; type?: string; body: string }[] = [];
  let hang = false;
  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ method: req.method, type: req.headers['content-type'], body });
        if (hang) return;
        res.writeHead(201, { 'x-reply': 'yes' }).end('created');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook/SECRETPATH`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    seen.length = 0;
    hang = false;
  });

  it('POSTs the body as JSON and returns status, headers and text', async () => {
    const reply = await postJson(fetch, url, { a: 1 }, 'w', 'SECRETPATH');
    expect(seen).toEqual([{ method: 'POST', type: 'application/json', body: '{"a":1}' }]);
    expect([reply.status, reply.text, reply.headers.get('x-reply')]).toEqual([201, 'created', 'yes']);
  });

  it('a request that outlasts its timeout is a retryable "timed out", the URL and secret scrubbed', async () => {
    hang = true;
    const err = (await postJson(fetch, url, {}, 'slack receiver "x"', 'SECRETPATH', 200).catch((e: unknown) => e)) as DeliveryError;
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err.retryable).toBe(true);
    expect(err.message).toBe('slack receiver "x": request failed: timed out');
  });

  it('a refused connection is retryable, described with its cause, the URL and secret scrubbed', async () => {
    const closed = 'http://127.0.0.1:9/hook/SECRETPATH';
    const err = (await postJson(fetch, closed, {}, 'w', 'SECRETPATH').catch((e: unknown) => e)) as DeliveryError;
    expect(err.retryable).toBe(true);
    // (Under jest, fetch's TypeError comes from another realm and is described by String(); in Lambda with its cause.)
    expect(err.message).toMatch(/^w: request failed: (TypeError: )?fetch failed/);
    expect(err.message).not.toContain('SECRETPATH');
  });

  it('what a fetch throws is described: an abort by name, a non-Error as text, an Error without cause by its message', async () => {
    const throwing = (e: unknown) => (async () => Promise.reject(e)) as unknown as typeof fetch;
    const msg = async (e: unknown) => ((await postJson(throwing(e), 'http://h.example/p', {}, 'w', 'SECRET1').catch((x: unknown) => x)) as Error).message;
    expect(await msg({ name: 'AbortError' })).toBe('w: request failed: timed out');
    expect(await msg('plain string')).toBe('w: request failed: plain string');
    expect(await msg(null)).toBe('w: request failed: null');
    expect(await msg(new Error('boom'))).toBe('w: request failed: boom');
    expect(await msg(new Error('outer', { cause: 'not an error' }))).toBe('w: request failed: outer');
    expect(await msg(new Error('outer', { cause: new Error('inner') }))).toBe('w: request failed: outer: inner');
    // The URL and the secret are scrubbed from whatever is described.
    expect(await msg(new Error('at http://h.example/p with SECRET1'))).toBe('w: request failed: at [redacted] with [redacted]');
  });

  it('an unparseable URL is refused unsent, not retryable', async () => {
    let calls = 0;
    const f = (async () => (calls++, new Response(''))) as unknown as typeof fetch;
    const err = (await postJson(f, 'not a url', {}, 'w', 's').catch((e: unknown) => e)) as DeliveryError;
    expect([err.retryable, err.message, calls]).toEqual([false, 'w: the configured URL is not a valid URL', 0]);
    // As a log line shows it: named as a delivery failure, not a bare Error.
    expect(String(err)).toBe('DeliveryError: w: the configured URL is not a valid URL');
  });
});

describe('httpFailure', () => {
  const reply = (status: number, headers: Record<string, string> = {}): HttpReply => ({ status, headers: new Headers(headers), text: '' });
  it('429 retryable with its Retry-After; 5xx and 408 retryable; other 4xx not; 401/403/404/410 a possibly stale secret', () => {
    const r429 = httpFailure(reply(429, { 'retry-after': '3' }), 'w', 'slow', []);
    expect([r429.retryable, r429.retryAfterMs, r429.message]).toEqual([true, 3000, 'w: HTTP 429 slow']);
    for (const [status, retryable, stale] of [
      [500, true, false],
      [503, true, false],
      [499, false, false],
      [408, true, false],
      [400, false, false],
      [401, false, true],
      [403, false, true],
      [404, false, true],
      [410, false, true],
      [409, false, false],
    ] as const) {
      const e = httpFailure(reply(status), 'w', '', []);
      expect([status, e.retryable, e.staleSecret, e.retryAfterMs, e.message]).toEqual([status, retryable, stale, undefined, `w: HTTP ${status}`]);
    }
  });

  it('secrets are scrubbed from the detail', () => {
    expect(httpFailure(reply(400), 'w', 'bad key KEY123 and KEY123', ['KEY123', '']).message).toBe('w: HTTP 400 bad key [redacted] and [redacted]');
  });
});

describe('small helpers', () => {
  it('requestTimeout: the notifier’s own (10 s by default), shortened to the caller’s time', () => {
    expect(requestTimeout(undefined, undefined)).toBe(10_000);
    expect(requestTimeout(undefined, {})).toBe(10_000);
    expect(requestTimeout(3000, { timeoutMs: 5000 })).toBe(3000);
    expect(requestTimeout(3000, { timeoutMs: 700 })).toBe(700);
    expect(requestTimeout(undefined, { timeoutMs: 20_000 })).toBe(10_000);
  });

  it('redact: every occurrence of every non-empty secret', () => {
    expect(redact('a-b-a', ['a', '', 'b'])).toBe('[redacted]-[redacted]-[redacted]');
    expect(redact('text', [''])).toBe('text');
  });

  it('retryAfterMs: spaces trimmed; a date in the past is no wait; an empty header none', () => {
    expect(retryAfterMs(' 2 ')).toBe(2000);
    expect(retryAfterMs(new Date(1_000).toUTCString(), 4_000)).toBe(0);
    expect(retryAfterMs('')).toBeUndefined();
    expect(retryAfterMs('2s')).toBeUndefined();
  });

  it('retryAfterMs: delay-seconds of several digits or with a fraction; never a negative wait', () => {
    expect(retryAfterMs('30')).toBe(30_000);
    expect(retryAfterMs('120')).toBe(120_000);
    expect(retryAfterMs('1.25')).toBe(1250);
    expect(retryAfterMs('-5') ?? 0).toBeGreaterThanOrEqual(0);
  });

  it('retryAfterMs: only delay-seconds or an HTTP-date; other text that Date.parse would take is no hint', () => {
    for (const h of ['-5', 'in 5', '5 minutes', 'tomorrow', '2026-12-06']) expect(retryAfterMs(h)).toBeUndefined();
    const now = Date.parse('1994-11-06T08:49:00Z');
    expect(retryAfterMs('Sun, 06 Nov 1994 08:49:37 GMT', now)).toBe(37_000); // IMF-fixdate
    expect(retryAfterMs('Sunday, 06-Nov-94 08:49:37 GMT', now)).toBe(37_000); // RFC 850
    expect(retryAfterMs('Sun Nov  6 08:49:37 1994', now + new Date(now).getTimezoneOffset() * 60_000)).toBe(37_000); // asctime (local time to Date.parse)
  });

  it('backoffMs: the random fraction of min(max, base·2^(attempt−1)), floored', () => {
    expect(backoffMs(1, 200, 5000, () => 0.999)).toBe(199);
    expect(backoffMs(3, 200, 5000, () => 0.5)).toBe(400);
    expect(backoffMs(10, 200, 5000, () => 1)).toBe(5000);
  });
});

describe('deliverWithRetry edges', () => {
  const failing = (errors: unknown[], seen: (SendOptions | undefined)[] = []): Notifier & { calls: number } => {
    const n = {
      calls: 0,
      async send(_n: unknown, opts?: SendOptions) {
        seen.push(opts);
        const e = errors[n.calls++];
        if (e !== undefined) throw e;
      },
    };
    return n;
  };
  const retry = () => new DeliveryError('busy', true);

  it('attempts: at least one, fractions floored', async () => {
    for (const [attempts, calls] of [
      [0, 1],
      [-2, 1],
      [2.9, 2],
    ] as const) {
      const n = failing([retry(), retry(), retry(), retry()]);
      const r = await deliverWithRetry(n, sampleNotification(), { attempts, sleep: async () => {} });
      expect([attempts, n.calls, r]).toEqual([attempts, calls, { ok: false, retryable: true, error: `busy (gave up after ${calls} attempts)`, retryAfterMs: undefined }]);
    }
  });

  it('each request gets the time left, floored, never under the minimum; none without a clock', async () => {
    const seen: (SendOptions | undefined)[] = [];
    await deliverWithRetry(failing([], seen), sampleNotification(), { timeLeft: () => 1234.9 });
    await deliverWithRetry(failing([], seen), sampleNotification(), { timeLeft: () => 100 });
    await deliverWithRetry(failing([], seen), sampleNotification());
    expect(seen).toEqual([{ timeoutMs: 1234 }, { timeoutMs: MIN_REQUEST_MS }, {}]);
    expect(MIN_REQUEST_MS).toBe(500);
  });

  it('a wait plus a minimal request that just fits is taken; one millisecond less is not', async () => {
    const waits: number[] = [];
    const r = await deliverWithRetry(failing([new DeliveryError('busy', true, 1000)]), sampleNotification(), { timeLeft: () => 1500, sleep: async (ms) => void waits.push(ms) });
    expect(r).toEqual({ ok: true });
    expect(waits).toEqual([1000]);
    const r2 = await deliverWithRetry(failing([new DeliveryError('busy', true, 1000)]), sampleNotification(), { timeLeft: () => 1499, sleep: async (ms) => void waits.push(ms) });
    expect(r2).toEqual({ ok: false, retryable: true, error: 'busy (no time left in this invocation for another attempt)', retryAfterMs: 1000 });
  });

  it('a Retry-After equal to the longest wait is waited here', async () => {
    const waits: number[] = [];
    const r = await deliverWithRetry(failing([new DeliveryError('busy', true, 5000)]), sampleNotification(), { sleep: async (ms) => void waits.push(ms) });
    expect([r, waits]).toEqual([{ ok: true }, [5000]]);
  });

  it('a non-retryable error without a stale secret has no staleSecret field; a thrown non-Error is described', async () => {
    expect(await deliverWithRetry(failing([new DeliveryError('bad', false)]), sampleNotification())).toEqual({ ok: false, retryable: false, error: 'bad' });
    expect(await deliverWithRetry(failing(['text thrown']), sampleNotification(), { attempts: 1 })).toEqual({ ok: false, retryable: true, error: 'text thrown (gave up after 1 attempts)', retryAfterMs: undefined });
  });

  it('without a sleep given, the wait is a real one', async () => {
    const started = Date.now();
    expect(await deliverWithRetry(failing([new DeliveryError('busy', true, 50)]), sampleNotification())).toEqual({ ok: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });

  it('the default backoff starts at 200 ms (base) and uses the random source', async () => {
    const waits: number[] = [];
    await deliverWithRetry(failing([retry(), retry()]), sampleNotification(), { random: () => 0.5, sleep: async (ms) => void waits.push(ms) });
    expect(waits).toEqual([100, 200]);
  });
});
