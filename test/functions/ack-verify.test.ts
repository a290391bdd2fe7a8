/**
 * shared/ack/verify.ts and shared/ack/pagerduty.ts on their own (pure): Slack and PagerDuty
 * signatures against the services' documented algorithms, and the webhook events that acknowledge.
 */
import { createHmac } from 'node:crypto';
import { pagerDutyHeaderProblem, signPagerDuty, signSlack, SLACK_MAX_AGE_S, slackHeaderProblem, verifyPagerDuty, verifySlack } from '../../shared/ack/verify';
import { ACK_EVENTS, parsePagerDutyWebhook } from '../../shared/ack/pagerduty';

const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const NOW_S = 1_759_680_000;
const NOW_MS = NOW_S * 1000 + 999;
const BODY = Buffer.from('payload=%7B%22type%22%3A%22block_actions%22%7D');

/** Slack's documented algorithm, written out independently of verify.ts. */
const slackSig = (secret: string, ts: string, body: Buffer) => `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body.toString('utf8')}`).digest('hex')}`;
const pdSig = (secret: string, body: Buffer) => `v1=${createHmac('sha256', secret).update(body).digest('hex')}`;

describe('Slack signatures', () => {
  it('the sign helper follows the documented v0 base string', () => {
    expect(signSlack(SECRET, NOW_S, BODY)).toBe(slackSig(SECRET, String(NOW_S), BODY));
    expect(signSlack(SECRET, NOW_S, BODY.toString())).toBe(slackSig(SECRET, String(NOW_S), BODY));
    expect(SLACK_MAX_AGE_S).toBe(300);
  });

  it('verifySlack: ok only for the right secret, timestamp and body', () => {
    const ts = String(NOW_S);
    const signature = slackSig(SECRET, ts, BODY);
    expect(verifySlack({ secret: SECRET, timestamp: ts, signature, body: BODY, nowMs: NOW_MS })).toBe('ok');
    expect(verifySlack({ secret: 'other', timestamp: ts, signature, body: BODY, nowMs: NOW_MS })).toBe('bad-signature');
    expect(verifySlack({ secret: SECRET, timestamp: ts, signature, body: Buffer.from('payload=x'), nowMs: NOW_MS })).toBe('bad-signature');
    // Signed for another timestamp (both within the 5 minutes).
    expect(verifySlack({ secret: SECRET, timestamp: String(NOW_S - 1), signature, body: BODY, nowMs: NOW_MS })).toBe('bad-signature');
    // A signature of another length (a prefix, a longer string): not equal, no throw from timingSafeEqual.
    expect(verifySlack({ secret: SECRET, timestamp: ts, signature: signature.slice(0, -1), body: BODY, nowMs: NOW_MS })).toBe('bad-signature');
    expect(verifySlack({ secret: SECRET, timestamp: ts, signature: `${signature}0`, body: BODY, nowMs: NOW_MS })).toBe('bad-signature');
  });

  it('verifySlack: missing or malformed timestamp and signature are bad-signature, before any age check', () => {
    const ts = String(NOW_S);
    const signature = slackSig(SECRET, ts, BODY);
    expect(verifySlack({ secret: SECRET, timestamp: undefined, signature, body: BODY, nowMs: NOW_MS })).toBe('bad-signature');
    expect(verifySlack({ secret: SECRET, timestamp: '', signature, body: BODY, nowMs: NOW_MS })).toBe('bad-signature');
    expect(verifySlack({ secret: SECRET, timestamp: ts, signature: undefined, body: BODY, nowMs: NOW_MS })).toBe('bad-signature');
    expect(verifySlack({ secret: SECRET, timestamp: ts, signature: '', body: BODY, nowMs: NOW_MS })).toBe('bad-signature');
    // Not digits only (anchored both ends), or more than 12 digits: never 'stale', even far from now.
    for (const bad of [`x${ts}`, `${ts}x`, ` ${ts}`, '1'.repeat(13), '-5', '1e3']) {
      expect([bad, verifySlack({ secret: SECRET, timestamp: bad, signature: slackSig(SECRET, bad, BODY), body: BODY, nowMs: NOW_MS })]).toEqual([bad, 'bad-signature']);
    }
    // Twelve digits are a timestamp (far in the future here: stale).
    expect(verifySlack({ secret: SECRET, timestamp: '9'.repeat(12), signature, body: BODY, nowMs: NOW_MS })).toBe('stale');
  });

  it('verifySlack: the 5 minutes both ways, counted in whole seconds of now', () => {
    for (const [ts, verdict] of [
      [NOW_S - 300, 'ok'],
      [NOW_S + 300, 'ok'],
      [NOW_S - 301, 'stale'],
      [NOW_S + 301, 'stale'],
    ] as const) {
      const t = String(ts);
      expect([ts - NOW_S, verifySlack({ secret: SECRET, timestamp: t, signature: slackSig(SECRET, t, BODY), body: BODY, nowMs: NOW_MS })]).toEqual([ts - NOW_S, verdict]);
    }
    // 300.999 s after the timestamp is still within (now is floored to seconds).
    const t = String(NOW_S - 300);
    expect(verifySlack({ secret: SECRET, timestamp: t, signature: slackSig(SECRET, t, BODY), body: BODY, nowMs: NOW_MS })).toBe('ok');
    // A stale request is stale whatever its signature says.
    expect(verifySlack({ secret: SECRET, timestamp: String(NOW_S - 301), signature: 'v0=00', body: BODY, nowMs: NOW_MS })).toBe('stale');
  });

  it('slackHeaderProblem: shape and age without the secret', () => {
    const ts = String(NOW_S);
    const good = slackSig(SECRET, ts, BODY);
    expect(slackHeaderProblem({ timestamp: ts, signature: good, nowMs: NOW_MS })).toBeNull();
    // Any well-shaped signature passes (only the secret can tell it wrong).
    expect(slackHeaderProblem({ timestamp: ts, signature: `v0=${'a'.repeat(64)}`, nowMs: NOW_MS })).toBeNull();
    for (const signature of [undefined, '', `v0=${'a'.repeat(63)}`, `v0=${'a'.repeat(65)}`, `v0=${'A'.repeat(64)}`, `v1=${'a'.repeat(64)}`, `xv0=${'a'.repeat(64)}`, `${good}\n`, ` ${good}`]) {
      expect([signature, slackHeaderProblem({ timestamp: ts, signature, nowMs: NOW_MS })]).toEqual([signature, 'bad-signature']);
    }
    for (const timestamp of [undefined, '', `x${ts}`, `${ts}x`, '1'.repeat(13)]) {
      expect([timestamp, slackHeaderProblem({ timestamp, signature: good, nowMs: NOW_MS })]).toEqual([timestamp, 'bad-signature']);
    }
    expect(slackHeaderProblem({ timestamp: String(NOW_S - 300), signature: good, nowMs: NOW_MS })).toBeNull();
    expect(slackHeaderProblem({ timestamp: String(NOW_S + 300), signature: good, nowMs: NOW_MS })).toBeNull();
    expect(slackHeaderProblem({ timestamp: String(NOW_S - 301), signature: good, nowMs: NOW_MS })).toBe('stale');
    expect(slackHeaderProblem({ timestamp: String(NOW_S + 301), signature: good, nowMs: NOW_MS })).toBe('stale');
    expect(slackHeaderProblem({ timestamp: '9'.repeat(12), signature: good, nowMs: NOW_MS })).toBe('stale');
  });
});

describe('PagerDuty signatures', () => {
  const body = Buffer.from('{"event":{}}');

  it('the sign helper follows the documented v1 form', () => {
    expect(signPagerDuty('s', body)).toBe(pdSig('s', body));
    expect(signPagerDuty('s', body.toString())).toBe(pdSig('s', body));
  });

  it('verifyPagerDuty: one matching candidate of several is enough, in any position, spaces around commas allowed', () => {
    const good = pdSig('new', body);
    const old = pdSig('old', body);
    expect(verifyPagerDuty({ secret: 'new', header: good, body })).toBe(true);
    expect(verifyPagerDuty({ secret: 'new', header: `${old},${good}`, body })).toBe(true);
    expect(verifyPagerDuty({ secret: 'new', header: `${good}, ${old}`, body })).toBe(true);
    expect(verifyPagerDuty({ secret: 'new', header: `${old} , ${good} `, body })).toBe(true);
    expect(verifyPagerDuty({ secret: 'new', header: old, body })).toBe(false);
    expect(verifyPagerDuty({ secret: 'new', header: `${old},${old}`, body })).toBe(false);
    expect(verifyPagerDuty({ secret: 'new', header: good, body: Buffer.from('{"event":null}') })).toBe(false);
    expect(verifyPagerDuty({ secret: 'new', header: good.replace('v1=', 'v0='), body })).toBe(false);
    expect(verifyPagerDuty({ secret: 'new', header: good.slice(3), body })).toBe(false);
    expect(verifyPagerDuty({ secret: 'new', header: undefined, body })).toBe(false);
    expect(verifyPagerDuty({ secret: 'new', header: '', body })).toBe(false);
  });

  it('pagerDutyHeaderProblem: missing, too long, or any candidate not v1=<64 hex>', () => {
    const a = `v1=${'a'.repeat(64)}`;
    expect(pagerDutyHeaderProblem(a)).toBe(false);
    expect(pagerDutyHeaderProblem(`${a}, ${a} ,${a}`)).toBe(false);
    for (const h of [undefined, '', `v1=${'a'.repeat(63)}`, `v1=${'a'.repeat(65)}`, `v1=${'A'.repeat(64)}`, `v0=${'a'.repeat(64)}`, `xv1=${'a'.repeat(64)}`, `${a},`, `${a},x`, `x,${a}`]) {
      expect([h, pagerDutyHeaderProblem(h)]).toEqual([h, true]);
    }
    // Up to 1024 characters is read; one more is refused unread.
    const many = (n: number) => Array.from({ length: n }, () => a).join(',');
    expect(many(15).length).toBe(1019);
    expect(pagerDutyHeaderProblem(`${many(15)}     `)).toBe(false);
    expect(pagerDutyHeaderProblem(`${many(15)}      `)).toBe(true);
  });
});

describe('PagerDuty webhook events', () => {
  const event = (over: Record<string, unknown> = {}, data: Record<string, unknown> = {}) =>
    JSON.stringify({
      event: {
        id: '01EVENT',
        event_type: 'incident.acknowledged',
        occurred_at: '2026-10-05T16:00:00.000Z',
        agent: { summary: 'Ana Oncall' },
        data: { incident_key: 'k1', service: { id: 'PSVC' }, ...data },
        ...over,
      },
    });

  it('an acknowledged or resolved incident: its key, agent, time and service', () => {
    expect(ACK_EVENTS).toEqual(['incident.acknowledged', 'incident.resolved']);
    expect(parsePagerDutyWebhook(event())).toEqual({ eventId: '01EVENT', type: 'incident.acknowledged', key: 'k1', by: 'Ana Oncall', occurredAt: Date.parse('2026-10-05T16:00:00.000Z'), service: 'PSVC' });
    expect(parsePagerDutyWebhook(event({ event_type: 'incident.resolved' }))?.type).toBe('incident.resolved');
  });

  it('no agent (an automatic resolve) is "PagerDuty"; no service is null', () => {
    for (const agent of [undefined, null, {}, { summary: '' }, { summary: 7 }]) expect(parsePagerDutyWebhook(event({ agent }))?.by).toBe('PagerDuty');
    for (const service of [undefined, null, {}, { id: '' }, { id: 5 }]) expect(parsePagerDutyWebhook(event({}, { service }))?.service).toBeNull();
    expect(parsePagerDutyWebhook(event({ data: { incident_key: 'k1' } }))).toMatchObject({ key: 'k1', service: null });
  });

  it('anything else is null: other types, no id, no key, no time, not JSON', () => {
    for (const body of [
      'not json',
      'null',
      '{}',
      JSON.stringify({ event: null }),
      event({ event_type: 'incident.triggered' }),
      event({ event_type: 'pagey.ping' }),
      event({ id: 42 }),
      event({ id: undefined }),
      event({ data: undefined }),
      event({}, { incident_key: '' }),
      event({}, { incident_key: 7 }),
      event({ occurred_at: 'yesterday' }),
      event({ occurred_at: undefined }),
    ]) {
      expect([body, parsePagerDutyWebhook(body)]).toEqual([body, null]);
    }
  });
});
