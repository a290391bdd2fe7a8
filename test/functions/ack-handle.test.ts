/**
 * shared/ack/handle.ts with its dependencies recorded (test/functions/ack.test.ts drives the same logic
 * through the real function, table and HTTP): what each refusal costs, what it logs, and what an
 * accepted request passes on.
 */
import { handleAckRequest, MAX_BODY_BYTES, type AckDeps, type AckStream, type HttpEvent } from '../../shared/ack/handle';
import type { AckOutcome } from '../../shared/core/ack';
import { ackBlock, functionUrlEvent, pagerDutyBody, pagerDutyRequest, slackInteractionBody, slackRequest } from '../support/ack-requests';

const SLACK_SECRET = 'slack-secret';
const PD_SECRET = 'pd-secret';
const NOW = Date.parse('2026-10-05T16:00:00.000Z');
const NOW_S = NOW / 1000;
const VALUE = 'ack:the-key';
const STREAM: AckStream = { key: 'stream-1', since: NOW - 60_000, members: [{ fingerprint: 'f1', episode: 1 }, { fingerprint: 'f2', episode: 2 }] };
const RESPONSE_URL = 'https://hooks.slack.com/actions/1';

interface Recorded {
  warn: { msg: string; extra: Record<string, unknown>[] }[];
  info: { msg: string; extra: Record<string, unknown>[] }[];
  claims: string[];
  keys: string[];
  acks: { stream: AckStream; who: unknown; now: number }[];
  responds: { url: string; body: unknown }[];
  secretReads: number;
}

function deps(over: Partial<AckDeps> & { outcome?: AckOutcome; stream?: AckStream | null; claim?: boolean } = {}) {
  const rec: Recorded = { warn: [], info: [], claims: [], keys: [], acks: [], responds: [], secretReads: 0 };
  const outcome: AckOutcome = over.outcome ?? ({ status: 'acked', ack: { ackedBy: 'U0ANA', ackedAt: NOW, via: 'slack', episode: 1 } } as AckOutcome);
  const d: AckDeps = {
    allow: { slackTeams: ['T0LOCAL'], slackApps: ['A0LOCAL'], slackChannels: [], slackUsers: [], pagerDutyServices: ['PBWTEST1'] },
    slackSecret: async () => (rec.secretReads++, SLACK_SECRET),
    pagerDutySecret: async () => (rec.secretReads++, PD_SECRET),
    claimOnce: async (key) => (rec.claims.push(key), over.claim ?? true),
    streamForKey: async (key) => (rec.keys.push(key), over.stream === undefined ? STREAM : over.stream),
    acknowledgeStream: async (stream, who, now) => (rec.acks.push({ stream, who, now }), outcome),
    respond: async (url, body) => void rec.responds.push({ url, body }),
    responseUrlPrefix: 'https://hooks.slack.com/',
    now: () => NOW,
    log: { info: (msg, ...extra) => void rec.info.push({ msg, extra }), warn: (msg, ...extra) => void rec.warn.push({ msg, extra }) },
    ...over,
  };
  return { d, rec };
}

const press = (more: Partial<Parameters<typeof slackInteractionBody>[0]> = {}) => slackInteractionBody({ value: VALUE, responseUrl: RESPONSE_URL, ...more });
const slackEvent = (body = press(), ts = NOW_S) => slackRequest(SLACK_SECRET, body, ts);
const pdEvent = (over: Partial<Parameters<typeof pagerDutyBody>[0]> = {}) => pagerDutyRequest([PD_SECRET], pagerDutyBody({ key: 'pd-key', occurredAt: NOW - 1000, ...over }));
const TEXT = { 'content-type': 'text/plain; charset=utf-8' };

describe('routing, method and size', () => {
  it('paths with trailing slashes are the same path; others are 404 before anything is read', async () => {
    const { d, rec } = deps();
    expect(await handleAckRequest({ ...slackEvent(), rawPath: '/slack//' }, d)).toEqual({ statusCode: 200, headers: TEXT, body: '' });
    for (const rawPath of ['/', '', '/slackx', '/x/slack', '/pagerduty/x', undefined]) {
      expect([rawPath, await handleAckRequest({ ...slackEvent(), rawPath }, d)]).toEqual([rawPath, { statusCode: 404, headers: TEXT, body: 'not found' }]);
    }
    expect(rec.secretReads).toBe(1);
  });

  it('only POST (any case); no method at all is 405', async () => {
    const { d, rec } = deps();
    for (const method of ['GET', 'PUT', '']) expect(await handleAckRequest(functionUrlEvent('/slack', '', {}, { method }), d)).toEqual({ statusCode: 405, headers: { allow: 'POST' }, body: 'method not allowed' });
    expect(await handleAckRequest({ rawPath: '/pagerduty', body: '' }, d)).toMatchObject({ statusCode: 405 });
    expect(await handleAckRequest({ rawPath: '/pagerduty', requestContext: {}, body: '' }, d)).toMatchObject({ statusCode: 405 });
    expect(await handleAckRequest({ ...slackEvent(), requestContext: { http: { method: 'post' } } }, d)).toMatchObject({ statusCode: 200 });
    expect(rec.secretReads).toBe(1);
  });

  it('a declared content-length above the limit is 413 unread, whatever the body; the header is found in any case', async () => {
    const { d, rec } = deps();
    const e = slackEvent();
    expect(await handleAckRequest({ ...e, headers: { ...e.headers, 'Content-Length': String(MAX_BODY_BYTES + 1) } }, d)).toEqual({ statusCode: 413, headers: TEXT, body: 'payload too large' });
    expect(await handleAckRequest({ ...e, headers: { ...e.headers, 'content-length': String(MAX_BODY_BYTES) } }, d)).toMatchObject({ statusCode: 200 });
    expect(rec.secretReads).toBe(1);
  });

  it('a base64 body is judged by its decoded size', async () => {
    const { d } = deps();
    const pad = (n: number) => `${press()}&pad=${'x'.repeat(n)}`;
    const exact = pad(MAX_BODY_BYTES - press().length - 5);
    expect(Buffer.byteLength(exact)).toBe(MAX_BODY_BYTES);
    expect(await handleAckRequest(slackRequest(SLACK_SECRET, exact, NOW_S, { base64: true }), d)).toMatchObject({ statusCode: 200 });
    expect(await handleAckRequest(slackRequest(SLACK_SECRET, `${exact}y`, NOW_S, { base64: true }), d)).toMatchObject({ statusCode: 413 });
    // A text body up to 4 bytes per character is decoded before it is judged: 64 KiB of 'é' (2 bytes each) is too large.
    expect(await handleAckRequest(slackRequest(SLACK_SECRET, 'é'.repeat(MAX_BODY_BYTES / 2 + 1), NOW_S), d)).toMatchObject({ statusCode: 413 });
    // A missing body is an empty one: refused by a signature of another body, read when signed empty (no payload: 200).
    expect(await handleAckRequest({ ...slackEvent(), body: null }, d)).toMatchObject({ statusCode: 401 });
    expect(await handleAckRequest({ ...slackRequest(SLACK_SECRET, '', NOW_S), body: null }, d)).toEqual({ statusCode: 200, headers: TEXT, body: '' });
    expect(await handleAckRequest({ ...slackRequest(SLACK_SECRET, '', NOW_S), body: undefined }, d)).toEqual({ statusCode: 200, headers: TEXT, body: '' });
  });
});

describe('Slack', () => {
  it('an accepted press: claimed once by its signature, the stream of the button key acknowledged by the user id, the message updated', async () => {
    const { d, rec } = deps();
    const e = slackEvent();
    expect(await handleAckRequest(e, d)).toEqual({ statusCode: 200, headers: TEXT, body: '' });
    expect(rec.claims).toEqual([`slack-signature#${e.headers!['x-slack-signature']}`]);
    expect(rec.keys).toEqual(['the-key']);
    expect(rec.acks).toEqual([{ stream: STREAM, who: { ackedBy: 'U0ANA', via: 'slack' }, now: NOW }]);
    expect(rec.responds).toHaveLength(1);
    expect(rec.responds[0].url).toBe(RESPONSE_URL);
    expect(rec.responds[0].body).toMatchObject({ replace_original: true, text: 'alert' });
    expect(rec.info).toEqual([{ msg: 'acknowledge from Slack', extra: [{ key: 'stream-1', alerts: 2, outcome: 'acked', by: 'U0ANA', name: 'ana' }] }]);
    expect(rec.warn).toEqual([]);
  });

  it('already acknowledged: the message shows the first acknowledgement', async () => {
    const { d, rec } = deps({ outcome: { status: 'already', ack: { ackedBy: 'bo', ackedAt: NOW - 5000, via: 'cli', episode: 1 } } as AckOutcome });
    expect(await handleAckRequest(slackEvent(), d)).toMatchObject({ statusCode: 200 });
    expect(JSON.stringify(rec.responds[0].body)).toContain('Acknowledged by bo via the CLI');
  });

  it('an episode that is over, or a key no stream has: only the presser is told', async () => {
    const over = deps({ outcome: { status: 'not-firing' } as AckOutcome });
    expect(await handleAckRequest(slackEvent(), over.d)).toMatchObject({ statusCode: 200 });
    expect(over.rec.responds).toEqual([{ url: RESPONSE_URL, body: { response_type: 'ephemeral', replace_original: false, text: 'This alert episode is over: there is nothing left to acknowledge.' } }]);
    const unknown = deps({ stream: null });
    expect(await handleAckRequest(slackEvent(), unknown.d)).toMatchObject({ statusCode: 200 });
    expect(unknown.rec.acks).toEqual([]);
    expect(unknown.rec.responds).toEqual([{ url: RESPONSE_URL, body: { response_type: 'ephemeral', replace_original: false, text: 'bedrock-watch does not know this alert (any more).' } }]);
    expect(unknown.rec.info).toEqual([{ msg: 'acknowledge from Slack', extra: [{ key: null, alerts: 0, outcome: 'unknown', by: 'U0ANA', name: 'ana' }] }]);
  });

  const refusedBeforeSecret = async (e: HttpEvent, reason: string) => {
    const { d, rec } = deps();
    expect(await handleAckRequest(e, d)).toEqual({ statusCode: 401, headers: TEXT, body: 'unauthorized' });
    expect(rec.secretReads).toBe(0);
    expect(rec.warn).toEqual([{ msg: 'Slack interaction refused', extra: [{ reason }] }]);
    expect([rec.claims, rec.acks, rec.responds]).toEqual([[], [], []]);
  };

  it('bad or stale headers: 401 and the reason logged, no secret read', async () => {
    await refusedBeforeSecret(functionUrlEvent('/slack', press(), {}), 'bad-signature');
    await refusedBeforeSecret(slackEvent(press(), NOW_S - 301), 'stale');
    // Headers are found whatever their case.
    const e = slackEvent();
    const upper = { 'X-Slack-Request-Timestamp': e.headers!['x-slack-request-timestamp']!, 'X-Slack-Signature': e.headers!['x-slack-signature']! };
    const { d } = deps();
    expect(await handleAckRequest({ ...e, headers: upper }, d)).toMatchObject({ statusCode: 200 });
  });

  it('no signing secret configured: 401 and said so', async () => {
    const { d, rec } = deps({ slackSecret: async () => null });
    expect(await handleAckRequest(slackEvent(), d)).toEqual({ statusCode: 401, headers: TEXT, body: 'unauthorized' });
    expect(rec.warn).toEqual([{ msg: 'Slack interaction refused: ack.slack_signing_secret is not set in the rules file', extra: [] }]);
    expect(rec.claims).toEqual([]);
  });

  it('a wrong signature: 401, bad-signature logged, nothing claimed', async () => {
    const { d, rec } = deps();
    expect(await handleAckRequest(slackRequest('wrong', press(), NOW_S), d)).toEqual({ statusCode: 401, headers: TEXT, body: 'unauthorized' });
    expect(rec.warn).toEqual([{ msg: 'Slack interaction refused', extra: [{ reason: 'bad-signature' }] }]);
    expect([rec.claims, rec.keys]).toEqual([[], []]);
  });

  it('a signed interaction that is not our button: 200, nothing else', async () => {
    const { d, rec } = deps();
    const body = new URLSearchParams({ payload: JSON.stringify({ type: 'view_submission' }) }).toString();
    expect(await handleAckRequest(slackEvent(body), d)).toEqual({ statusCode: 200, headers: TEXT, body: '' });
    expect([rec.claims, rec.keys, rec.responds, rec.warn]).toEqual([[], [], [], []]);
  });

  it('outside the allowlists: 403 with the reason and who logged, nothing claimed', async () => {
    const strict = { slackTeams: ['T0LOCAL'], slackApps: ['A0LOCAL'], slackChannels: ['C0ONCALL'], slackUsers: ['U0ANA'], pagerDutyServices: [] };
    const cases: [Partial<Parameters<typeof slackInteractionBody>[0]>, string][] = [
      [{ team: 'T0EVIL' }, 'team not in ack.slack_teams'],
      [{ app: 'A0EVIL' }, 'app not in ack.slack_apps'],
      [{ channel: 'C0EVIL' }, 'channel not in ack.slack_channels'],
      [{ user: { id: 'U0EVIL', username: 'eve' } }, 'user not in ack.slack_users'],
      [{ blocks: [ackBlock('ack:another-key')] }, 'button value is not the one on its message'],
      [{ blocks: [] }, 'button value is not the one on its message'],
    ];
    for (const [more, reason] of cases) {
      const { d, rec } = deps({ allow: strict });
      expect([reason, await handleAckRequest(slackEvent(press(more)), d)]).toEqual([reason, { statusCode: 403, headers: TEXT, body: 'forbidden' }]);
      const user = more.user?.id ?? 'U0ANA';
      expect(rec.warn).toEqual([{ msg: 'Slack interaction refused', extra: [{ reason, team: more.team ?? 'T0LOCAL', app: more.app ?? 'A0LOCAL', channel: more.channel ?? 'C0ONCALL', user }] }]);
      expect([rec.claims, rec.keys, rec.responds]).toEqual([[], [], []]);
    }
    // Listed channel and user: accepted.
    const { d } = deps({ allow: strict });
    expect(await handleAckRequest(slackEvent(), d)).toMatchObject({ statusCode: 200 });
  });

  it('a response_url outside the prefix: 400, not called, nothing claimed', async () => {
    const { d, rec } = deps();
    expect(await handleAckRequest(slackEvent(press({ responseUrl: 'https://evil.example/hooks.slack.com/' })), d)).toEqual({ statusCode: 400, headers: TEXT, body: 'bad response_url' });
    expect(rec.warn).toEqual([{ msg: 'Slack interaction refused: response_url is not a Slack URL', extra: [] }]);
    expect([rec.claims, rec.keys, rec.responds]).toEqual([[], [], []]);
  });

  it('a replayed signature: 401, logged, no acknowledgement', async () => {
    const { d, rec } = deps({ claim: false });
    expect(await handleAckRequest(slackEvent(), d)).toEqual({ statusCode: 401, headers: TEXT, body: 'unauthorized' });
    expect(rec.warn).toEqual([{ msg: 'Slack interaction refused', extra: [{ reason: 'replayed signature' }] }]);
    expect([rec.keys, rec.acks, rec.responds]).toEqual([[], [], []]);
  });
});

describe('PagerDuty', () => {
  it('an accepted event: the stream of its key acknowledged by the agent, logged', async () => {
    const { d, rec } = deps();
    expect(await handleAckRequest(pdEvent(), d)).toEqual({ statusCode: 200, headers: TEXT, body: '' });
    expect(rec.keys).toEqual(['pd-key']);
    expect(rec.acks).toEqual([{ stream: STREAM, who: { ackedBy: 'Ana Oncall', via: 'pagerduty' }, now: NOW }]);
    expect(rec.info).toEqual([{ msg: 'acknowledge from PagerDuty', extra: [{ key: 'stream-1', alerts: 2, event: 'incident.acknowledged', outcome: 'acked' }] }]);
    expect(rec.warn).toEqual([]);
    expect(rec.claims).toEqual([]);
  });

  it('an event at the instant the stream began counts; one before does not', async () => {
    const at = deps();
    expect(await handleAckRequest(pdEvent({ occurredAt: STREAM.since }), at.d)).toMatchObject({ statusCode: 200 });
    expect(at.rec.acks).toHaveLength(1);
    const before = deps();
    expect(await handleAckRequest(pdEvent({ occurredAt: STREAM.since - 1 }), before.d)).toEqual({ statusCode: 200, headers: TEXT, body: '' });
    expect(before.rec.acks).toEqual([]);
    expect(before.rec.info).toEqual([{ msg: 'PagerDuty event older than the incident it names: ignored', extra: [{ key: 'stream-1', type: 'incident.acknowledged' }] }]);
  });

  it('a malformed signature header: 401 unread', async () => {
    const { d, rec } = deps();
    const e = pdEvent();
    expect(await handleAckRequest({ ...e, headers: { 'x-pagerduty-signature': 'v1=zz' } }, d)).toEqual({ statusCode: 401, headers: TEXT, body: 'unauthorized' });
    expect(rec.secretReads).toBe(0);
    expect(rec.warn).toEqual([{ msg: 'PagerDuty webhook refused', extra: [{ reason: 'malformed signature header' }] }]);
  });

  it('no webhook secret configured, or a wrong signature: 401 and said so', async () => {
    const none = deps({ pagerDutySecret: async () => null });
    expect(await handleAckRequest(pdEvent(), none.d)).toEqual({ statusCode: 401, headers: TEXT, body: 'unauthorized' });
    expect(none.rec.warn).toEqual([{ msg: 'PagerDuty webhook refused: ack.pagerduty_webhook_secret is not set in the rules file', extra: [] }]);
    const wrong = deps({ pagerDutySecret: async () => 'other' });
    expect(await handleAckRequest(pdEvent(), wrong.d)).toEqual({ statusCode: 401, headers: TEXT, body: 'unauthorized' });
    expect(wrong.rec.warn).toEqual([{ msg: 'PagerDuty webhook refused', extra: [{ reason: 'bad-signature' }] }]);
    expect([none.rec.keys, wrong.rec.keys]).toEqual([[], []]);
  });

  it('other events are 200 and not looked up', async () => {
    const { d, rec } = deps();
    expect(await handleAckRequest(pdEvent({ type: 'incident.triggered' }), d)).toEqual({ statusCode: 200, headers: TEXT, body: '' });
    expect([rec.keys, rec.warn, rec.info]).toEqual([[], [], []]);
  });

  it('a service not paged (or none): ignored and logged, not looked up', async () => {
    for (const service of ['PEVIL', null]) {
      const { d, rec } = deps();
      expect(await handleAckRequest(pdEvent({ service, id: 'EV1' }), d)).toEqual({ statusCode: 200, headers: TEXT, body: '' });
      expect(rec.keys).toEqual([]);
      expect(rec.warn).toEqual([{ msg: 'PagerDuty event of a service not in ack.pagerduty_services: ignored', extra: [{ service, event: 'EV1' }] }]);
    }
  });

  it('a key no stream has: 200, logged, nothing acknowledged', async () => {
    const { d, rec } = deps({ stream: null });
    expect(await handleAckRequest(pdEvent({ type: 'incident.resolved' }), d)).toEqual({ statusCode: 200, headers: TEXT, body: '' });
    expect(rec.acks).toEqual([]);
    expect(rec.info).toEqual([{ msg: 'PagerDuty event for an incident bedrock-watch does not know', extra: [{ type: 'incident.resolved' }] }]);
  });
});
