/**
 * The ack function's real handler (middy, the real AckStore on dynalite, real HTTP to a local
 * response_url server): signature checks, bad requests, and the acknowledgement recorded.
 */
import { createAckHandler } from '../../functions/ack';
import { MAX_BODY_BYTES, type AckDeps, type HttpEvent, type HttpResult } from '../../shared/ack/handle';
import { StreamKeys } from '../../shared/core/stream-keys';
import { RecordingMetrics } from '../../shared/run/metrics';
import { ensureStreamSecret } from '../../shared/state/stream-secret';
import { fingerprint } from '../../shared/engine/fingerprint';
import { initialState } from '../../shared/engine/machine';
import type { AlertState } from '../../shared/core/alert';
import { dedupKey } from '../../shared/notify/pagerduty';
import { episodeKey } from '../../shared/route/route';
import { parseRules } from '../../shared/rules/load';
import { ackDeps } from '../../shared/run/ack-deps';
import { AckStore } from '../../shared/state/acks';
import { DynamoStateStore } from '../../shared/state/dynamo-store';
import { queryAll, type Table } from '../../shared/dynamo/table';
import { ackBlock, pagerDutyBody, pagerDutyRequest, slackInteractionBody, slackRequest, functionUrlEvent } from '../support/ack-requests';
import { useDynamo } from '../support/dynamo';
import { freshTable } from '../support/evaluate-harness';
import { lambdaContext, silentLogger } from '../support/lambda';
import { startSlackReceiver, type LocalReceiver } from '../support/receivers';

const SLACK_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const PD_SECRET = 'pd-webhook-secret-new';
const PD_OLD_SECRET = 'pd-webhook-secret-old';
const NOW = Date.parse('2026-10-05T16:00:00.000Z');
const EPISODE = NOW - 20 * 60_000;
const MODEL = 'amazon.nova-lite-v1:0';

const config = parseRules(`
receivers:
  - { name: slack-oncall, type: slack, webhook_url: { env: SLACK_ONCALL } }
routes:
  critical: [slack-oncall]
ack:
  slack_signing_secret: { env: BW_TEST_SLACK_SIGNING }
  slack_teams: [T0LOCAL]
  slack_apps: [A0LOCAL]
  pagerduty_webhook_secret: { env: BW_TEST_PD_WEBHOOK }
  pagerduty_services: [PBWTEST1]
rules:
  - name: bedrock-server-errors
    kind: ratio
    numerator: InvocationServerErrors
    denominator: Invocations
    next_check: Check the AWS Health Dashboard.
    tiers: { critical: { above: 5% } }
`);

function firingAlert(over: Partial<AlertState> = {}): AlertState {
  const labels = { ModelId: MODEL };
  return { ...initialState(fingerprint('bedrock-server-errors', labels), config.rules[0], 'server_errors', labels), status: 'firing', tier: 'critical', maxTier: 'critical', startsAt: EPISODE, text: '9%', ...over };
}

describe('ack function', () => {
  const db = useDynamo();
  let table: Table;
  let responses: LocalReceiver;
  let invoke: (e: HttpEvent) => Promise<HttpResult>;
  let alert: AlertState;
  /** The deployment's keys, as the evaluate tick made them (the secret in the table since the episode began). */
  let keys: StreamKeys;
  const env = { BW_TEST_SLACK_SIGNING: SLACK_SECRET, BW_TEST_PD_WEBHOOK: PD_SECRET };
  const acks = () => new AckStore(table);

  beforeEach(async () => {
    table = await freshTable(db().client);
    responses = await startSlackReceiver();
    alert = firingAlert();
    await new DynamoStateStore(table).saveAlerts([structuredClone(alert)]);
    keys = new StreamKeys(await ensureStreamSecret(table, EPISODE));
    const handler = createAckHandler(() => ackDeps({ config, table, log: silentLogger(), secrets: { env }, responseUrlPrefix: 'http://127.0.0.1:', now: () => NOW }), silentLogger());
    invoke = (e) => handler(e, lambdaContext('bedrock-watch-ack'));
  });

  afterEach(() => responses.close());

  /** The button of the alert's message: its stream's key, signed. */
  const button = (episode = EPISODE) => keys.button(episodeKey(alert.fingerprint, episode));
  const pressBody = (value = button(), more: Partial<Parameters<typeof slackInteractionBody>[0]> = {}) => slackInteractionBody({ value, responseUrl: responses.url, ...more });
  const nowS = Math.floor(NOW / 1000);

  describe('Slack button', () => {
    it('records who acknowledged (conditional write on the alert) and updates the message through response_url', async () => {
      const r = await invoke(slackRequest(SLACK_SECRET, pressBody(), nowS));
      expect(r.statusCode).toBe(200);
      // The Slack user id, not the display name (which its owner can change).
      expect((await acks().alert(alert.fingerprint))?.ack).toEqual({ ackedBy: 'U0ANA', ackedAt: NOW, via: 'slack', episode: EPISODE });
      expect(responses.rejected).toEqual([]);
      expect(responses.received).toHaveLength(1);
      const update = responses.received[0] as { replace_original: boolean; blocks: { type: string; block_id?: string; elements?: { text: string }[] }[] };
      expect(update.replace_original).toBe(true);
      // The button is gone; a note says who and when (Slack renders the date in the reader's zone).
      expect(update.blocks.map((b) => b.type)).toEqual(['section', 'context']);
      expect(update.blocks[1].elements![0].text).toBe(`:raised_hand: Acknowledged by <@U0ANA> via Slack <!date^${nowS}^{date_short_pretty} {time}|2026-10-05T16:00:00.000Z>`);
    });

    it('accepts a base64-encoded body (function URLs may encode it)', async () => {
      expect((await invoke(slackRequest(SLACK_SECRET, pressBody(), nowS, { base64: true }))).statusCode).toBe(200);
      expect((await acks().alert(alert.fingerprint))?.ack?.via).toBe('slack');
    });

    it('a second press keeps the first acknowledgement and shows it', async () => {
      await acks().acknowledge(alert.fingerprint, null, { ackedBy: 'bo', via: 'cli' }, NOW - 60_000);
      expect((await invoke(slackRequest(SLACK_SECRET, pressBody(), nowS))).statusCode).toBe(200);
      expect((await acks().alert(alert.fingerprint))?.ack).toMatchObject({ ackedBy: 'bo', via: 'cli' });
      expect(JSON.stringify(responses.received[0])).toContain('Acknowledged by bo via the CLI');
    });

    it("a button of an earlier episode acknowledges nothing and tells the presser only", async () => {
      expect((await invoke(slackRequest(SLACK_SECRET, pressBody(button(EPISODE - 3_600_000)), nowS))).statusCode).toBe(200);
      expect((await acks().alert(alert.fingerprint))?.ack).toBeNull();
      // The episode's stream is gone: its key names nothing any more.
      expect(responses.received).toEqual([{ response_type: 'ephemeral', replace_original: false, text: 'bedrock-watch does not know this alert (any more).' }]);
    });
  });

  describe('fault: forged or replayed Slack requests', () => {
    const expectRefused = async (e: HttpEvent) => {
      const r = await invoke(e);
      expect(r).toMatchObject({ statusCode: 401, body: 'unauthorized' });
      expect((await acks().alert(alert.fingerprint))?.ack).toBeNull();
      expect(responses.received).toEqual([]);
    };

    it('wrong signing secret → 401, nothing recorded', () => expectRefused(slackRequest('not-the-secret', pressBody(), nowS)));

    it('timestamp older than 5 minutes (correctly signed) → 401', () => expectRefused(slackRequest(SLACK_SECRET, pressBody(), nowS - 5 * 60 - 1)));

    it('timestamp from the future beyond 5 minutes → 401', () => expectRefused(slackRequest(SLACK_SECRET, pressBody(), nowS + 5 * 60 + 1)));

    it('a timestamp 5 minutes old is still accepted (the boundary)', async () => {
      expect((await invoke(slackRequest(SLACK_SECRET, pressBody(), nowS - 5 * 60))).statusCode).toBe(200);
    });

    it('tampered body (signed for another alert) → 401', async () => {
      const e = slackRequest(SLACK_SECRET, pressBody(keys.button(episodeKey('0'.repeat(24), EPISODE))), nowS);
      await expectRefused({ ...e, body: pressBody() });
    });

    it('replay of a valid request → the first is accepted, the replay 401', async () => {
      const e = slackRequest(SLACK_SECRET, pressBody(), nowS);
      expect((await invoke(e)).statusCode).toBe(200);
      expect(await invoke(structuredClone(e))).toMatchObject({ statusCode: 401, body: 'unauthorized' });
      expect(responses.received).toHaveLength(1);
    });

    it('missing signature headers → 401', () => expectRefused(functionUrlEvent('/slack', pressBody(), {})));

    it('a response_url that is not Slack is not called', async () => {
      const handler = createAckHandler(() => ackDeps({ config, table, log: silentLogger(), secrets: { env }, now: () => NOW }), silentLogger());
      const r = await handler(slackRequest(SLACK_SECRET, pressBody(), nowS), lambdaContext());
      expect(r.statusCode).toBe(400);
      expect(responses.received).toEqual([]);
      expect((await acks().alert(alert.fingerprint))?.ack).toBeNull();
    });
  });

  describe('bad input: size, method, path', () => {
    it('a body above 64 KiB → 413 before any check', async () => {
      expect(MAX_BODY_BYTES).toBe(64 * 1024);
      const big = `${pressBody()}&pad=${'x'.repeat(MAX_BODY_BYTES)}`;
      expect(await invoke(slackRequest(SLACK_SECRET, big, nowS))).toMatchObject({ statusCode: 413 });
      expect(await invoke(slackRequest(SLACK_SECRET, big, nowS, { base64: true }))).toMatchObject({ statusCode: 413 });
      expect((await acks().alert(alert.fingerprint))?.ack).toBeNull();
    });

    it('a body of exactly 64 KiB is read (and judged by its signature)', async () => {
      const body = pressBody();
      const exact = `${body}&pad=${'x'.repeat(MAX_BODY_BYTES - body.length - 5)}`;
      expect(Buffer.byteLength(exact)).toBe(MAX_BODY_BYTES);
      expect((await invoke(slackRequest(SLACK_SECRET, exact, nowS))).statusCode).toBe(200);
    });

    it('GET → 405 with Allow: POST; an unknown path → 404', async () => {
      expect(await invoke(functionUrlEvent('/slack', '', {}, { method: 'GET' }))).toMatchObject({ statusCode: 405, headers: { allow: 'POST' } });
      expect(await invoke(functionUrlEvent('/admin', '', {}))).toMatchObject({ statusCode: 404 });
    });

    it('a signed request that is not a button press is answered 200 and changes nothing', async () => {
      const body = new URLSearchParams({ payload: JSON.stringify({ type: 'view_submission', user: { id: 'U1' } }) }).toString();
      expect((await invoke(slackRequest(SLACK_SECRET, body, nowS))).statusCode).toBe(200);
      expect((await acks().alert(alert.fingerprint))?.ack).toBeNull();
    });
  });

  describe('PagerDuty webhook', () => {
    const key = () => keys.external(episodeKey(alert.fingerprint, EPISODE));

    it('incident.acknowledged signed with old and new secret during a rotation → recorded with the agent', async () => {
      const r = await invoke(pagerDutyRequest([PD_OLD_SECRET, PD_SECRET], pagerDutyBody({ key: key(), occurredAt: NOW - 1000 })));
      expect(r.statusCode).toBe(200);
      expect((await acks().alert(alert.fingerprint))?.ack).toEqual({ ackedBy: 'Ana Oncall', ackedAt: NOW, via: 'pagerduty', episode: EPISODE });
    });

    it('incident.resolved in PagerDuty acknowledges too (the alert itself resolves only when the data says so)', async () => {
      expect((await invoke(pagerDutyRequest([PD_SECRET], pagerDutyBody({ type: 'incident.resolved', key: key(), occurredAt: NOW })))).statusCode).toBe(200);
      const stored = await acks().alert(alert.fingerprint);
      expect(stored).toMatchObject({ status: 'firing', ack: { via: 'pagerduty' } });
    });

    it('other event types and unknown incidents are answered 200 and change nothing', async () => {
      expect((await invoke(pagerDutyRequest([PD_SECRET], pagerDutyBody({ type: 'incident.triggered', key: key(), occurredAt: NOW })))).statusCode).toBe(200);
      expect((await invoke(pagerDutyRequest([PD_SECRET], pagerDutyBody({ key: 'someone-elses-key', occurredAt: NOW })))).statusCode).toBe(200);
      expect((await acks().alert(alert.fingerprint))?.ack).toBeNull();
    });
  });

  describe('fault: forged PagerDuty webhooks', () => {
    it('an event from before this episode (a replayed capture of an older incident) acknowledges nothing', async () => {
      expect((await invoke(pagerDutyRequest([PD_SECRET], pagerDutyBody({ key: keys.external(episodeKey(alert.fingerprint, EPISODE)), occurredAt: EPISODE - 1 })))).statusCode).toBe(200);
      expect((await acks().alert(alert.fingerprint))?.ack).toBeNull();
    });

    const refused = async (e: HttpEvent) => {
      expect(await invoke(e)).toMatchObject({ statusCode: 401, body: 'unauthorized' });
      expect((await acks().alert(alert.fingerprint))?.ack).toBeNull();
    };
    const body = () => pagerDutyBody({ key: keys.external(episodeKey(alert.fingerprint, EPISODE)), occurredAt: NOW });

    it('signed only with a wrong secret → 401', () => refused(pagerDutyRequest(['guess'], body())));
    it('signed only with the retired secret → 401', () => refused(pagerDutyRequest([PD_OLD_SECRET], body())));
    it('tampered body → 401', () => refused({ ...pagerDutyRequest([PD_SECRET], body()), body: body().replace('Ana Oncall', 'Mallory') }));
    it('no signature → 401', () => refused(functionUrlEvent('/pagerduty', body(), {})));
    it('a v0= (Slack-style) or bare hex signature → 401', async () => {
      const good = pagerDutyRequest([PD_SECRET], body());
      const sig = good.headers!['x-pagerduty-signature']!;
      await refused({ ...good, headers: { ...good.headers, 'x-pagerduty-signature': sig.replace('v1=', 'v0=') } });
      await refused({ ...good, headers: { ...good.headers, 'x-pagerduty-signature': sig.replace('v1=', '') } });
    });
    it('oversize → 413', async () => {
      expect(await invoke(pagerDutyRequest([PD_SECRET], `${body().slice(0, -1)}, "pad": "${'x'.repeat(70_000)}"}`))).toMatchObject({ statusCode: 413 });
    });
  });

  describe('fault: not configured', () => {
    it('a rules file without ack secrets refuses both paths with 401', async () => {
      const bare = parseRules(`
rules:
  - name: r
    kind: ratio
    numerator: InvocationServerErrors
    denominator: Invocations
    next_check: x
    tiers: { critical: { above: 5% } }
`);
      const handler = createAckHandler(() => ackDeps({ config: bare, table, log: silentLogger(), now: () => NOW }), silentLogger());
      expect((await handler(slackRequest(SLACK_SECRET, pressBody(), nowS), lambdaContext())).statusCode).toBe(401);
      expect((await handler(pagerDutyRequest([PD_SECRET], pagerDutyBody({ key: keys.external(episodeKey(alert.fingerprint, EPISODE)), occurredAt: NOW })), lambdaContext())).statusCode).toBe(401);
    });

    it('a secret that cannot be read → 500 without detail', async () => {
      const handler = createAckHandler(() => ackDeps({ config, table, log: silentLogger(), secrets: { env: {} }, now: () => NOW }), silentLogger());
      expect(await handler(slackRequest(SLACK_SECRET, pressBody(), nowS), lambdaContext())).toEqual({ statusCode: 500, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'internal error' });
    });
  });

  describe('fault: presses and events from outside the allowlists, keys computed from rules.yml', () => {
    /** Refused with nothing recorded anywhere: no ack on the alert, no group ack, no response_url call, no replay record. */
    const nothingChanged = async () => {
      expect((await acks().alert(alert.fingerprint))?.ack).toBeNull();
      expect(await queryAll(table, { KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)', ExpressionAttributeValues: { ':pk': 'STATE', ':sk': 'GROUPACK#' } })).toEqual([]);
      // Not even the replay record of its signature: a refused press leaves the table as it was.
      expect(await queryAll(table, { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'ONCE' } })).toEqual([]);
      expect(responses.received).toEqual([]);
    };
    const forbidden = async (body: string) => {
      expect(await invoke(slackRequest(SLACK_SECRET, body, nowS))).toMatchObject({ statusCode: 403, body: 'forbidden' });
      await nothingChanged();
    };

    it('a press from another Slack workspace (team) → 403', () => forbidden(pressBody(button(), { team: 'T0EVIL' })));
    it('a press through another Slack app → 403', () => forbidden(pressBody(button(), { app: 'A0EVIL' })));
    it('a payload without team or app ids → 403', () => forbidden(pressBody(button(), { team: '', app: '' })));

    it('channels and users, when listed, are allowlists too', async () => {
      const strict = parseRules(
        `ack:\n  slack_signing_secret: { env: BW_TEST_SLACK_SIGNING }\n  slack_teams: [T0LOCAL]\n  slack_apps: [A0LOCAL]\n  slack_channels: [C0ONCALL]\n  slack_users: [U0ANA]\nrules:\n  - { name: r, kind: ratio, numerator: InvocationServerErrors, denominator: Invocations, next_check: x, tiers: { critical: { above: 5% } } }\n`,
      );
      const handler = createAckHandler(() => ackDeps({ config: strict, table, log: silentLogger(), secrets: { env }, responseUrlPrefix: 'http://127.0.0.1:', now: () => NOW }), silentLogger());
      expect(await handler(slackRequest(SLACK_SECRET, pressBody(button(), { channel: 'C0RANDOM' }), nowS), lambdaContext())).toMatchObject({ statusCode: 403 });
      expect(await handler(slackRequest(SLACK_SECRET, pressBody(button(), { user: { id: 'U0MALLORY', username: 'ana' } }), nowS), lambdaContext())).toMatchObject({ statusCode: 403 });
      await nothingChanged();
      expect((await handler(slackRequest(SLACK_SECRET, pressBody(button()), nowS), lambdaContext())).statusCode).toBe(200);
      expect((await acks().alert(alert.fingerprint))?.ack?.ackedBy).toBe('U0ANA');
    });

    it("a button value that is not the one on the pressed message (another stream's) → 403", () =>
      forbidden(pressBody(button(), { blocks: [ackBlock(keys.button(episodeKey(alert.fingerprint, EPISODE + 60_000)))] })));

    it('button values computed from rules.yml (the stream key, the old formats) acknowledge nothing', async () => {
      const streamKey = episodeKey(alert.fingerprint, EPISODE);
      // (The unsigned dedup key of a short stream key is the key itself.)
      expect(dedupKey(streamKey)).toBe(streamKey);
      for (const value of [`${alert.fingerprint}@${EPISODE}`, `group:g${'0'.repeat(20)}@${EPISODE}`, `ack:${streamKey}`, `ack:${new StreamKeys({ secret: 'g'.repeat(43), legacyBefore: 0 }).external(streamKey)}`]) {
        responses.received.length = 0;
        const r = await invoke(slackRequest(SLACK_SECRET, pressBody(value), nowS));
        expect([value, r.statusCode]).toEqual([value, 200]);
        expect(responses.received).toEqual([{ response_type: 'ephemeral', replace_original: false, text: 'bedrock-watch does not know this alert (any more).' }]);
        expect((await acks().alert(alert.fingerprint))?.ack).toBeNull();
      }
    });

    it('a PagerDuty event of a service bedrock-watch does not page → ignored (200), nothing recorded', async () => {
      for (const service of ['PEVIL01', null]) {
        expect((await invoke(pagerDutyRequest([PD_SECRET], pagerDutyBody({ key: keys.external(episodeKey(alert.fingerprint, EPISODE)), occurredAt: NOW, service })))).statusCode).toBe(200);
      }
      await nothingChanged();
    });

    it('PagerDuty events naming computed keys (stream key, fingerprint, unsigned dedup key) acknowledge nothing', async () => {
      const streamKey = episodeKey(alert.fingerprint, EPISODE);
      for (const key of [streamKey, dedupKey(streamKey), alert.fingerprint, `${alert.fingerprint}@${EPISODE}`]) {
        expect((await invoke(pagerDutyRequest([PD_SECRET], pagerDutyBody({ key, occurredAt: NOW })))).statusCode).toBe(200);
      }
      await nothingChanged();
    });

    it('a stream that formed before the secret existed keeps its old key (its incident opened by the previous version)', async () => {
      const t2 = await freshTable(db().client);
      await new DynamoStateStore(t2).saveAlerts([structuredClone(alert)]);
      await ensureStreamSecret(t2, EPISODE + 11 * 60_000); // the upgrade: 11 minutes into the episode
      const handler = createAckHandler(() => ackDeps({ config, table: t2, log: silentLogger(), secrets: { env }, now: () => NOW }), silentLogger());
      expect((await handler(pagerDutyRequest([PD_SECRET], pagerDutyBody({ key: dedupKey(episodeKey(alert.fingerprint, EPISODE)), occurredAt: NOW })), lambdaContext())).statusCode).toBe(200);
      expect((await new AckStore(t2).alert(alert.fingerprint))?.ack?.via).toBe('pagerduty');
    });
  });

  describe('cost of forged requests, and failures counted', () => {
    /** The deps with the secret reads counted. */
    function counted() {
      const reads = { slack: 0, pd: 0 };
      const base = ackDeps({ config, table, log: silentLogger(), secrets: { env }, responseUrlPrefix: 'http://127.0.0.1:', now: () => NOW });
      const deps: AckDeps = {
        ...base,
        slackSecret: () => (reads.slack++, base.slackSecret()),
        pagerDutySecret: () => (reads.pd++, base.pagerDutySecret()),
      };
      return { reads, handler: createAckHandler(() => deps, silentLogger()) };
    }

    it('malformed, missing or stale signature headers are refused before any secret is read', async () => {
      const { reads, handler } = counted();
      const good = slackRequest(SLACK_SECRET, pressBody(), nowS);
      for (const headers of [{}, { 'x-slack-request-timestamp': String(nowS) }, { ...good.headers, 'x-slack-signature': 'v0=zz' }, { ...good.headers, 'x-slack-request-timestamp': 'soon' }])
        expect(await handler({ ...good, headers }, lambdaContext())).toMatchObject({ statusCode: 401 });
      expect(await handler(slackRequest(SLACK_SECRET, pressBody(), nowS - 301), lambdaContext())).toMatchObject({ statusCode: 401 });
      const pd = pagerDutyRequest([PD_SECRET], pagerDutyBody({ key: 'k', occurredAt: NOW }));
      for (const sig of [undefined, 'v1=short', `v0=${'a'.repeat(64)}`, `v1=${'a'.repeat(64)},x`]) expect(await handler({ ...pd, headers: { 'x-pagerduty-signature': sig } }, lambdaContext())).toMatchObject({ statusCode: 401 });
      expect(reads).toEqual({ slack: 0, pd: 0 });
      // A well-formed request is judged with the secret.
      expect((await handler(good, lambdaContext())).statusCode).toBe(200);
      expect(reads.slack).toBe(1);
    });

    it('an acknowledgement that fails (response_url down, table unreachable, secret unreadable) is counted as AckFailures', async () => {
      const metrics = new RecordingMetrics();
      const cases: Partial<Parameters<typeof ackDeps>[0]>[] = [{ secrets: { env: {} } }, { table: { ...table, name: 'no-such-table' } }];
      for (const over of cases) {
        const h = createAckHandler(() => ackDeps({ config, table, log: silentLogger(), secrets: { env }, responseUrlPrefix: 'http://127.0.0.1:', now: () => NOW, ...over }), silentLogger(), metrics);
        expect((await h(slackRequest(SLACK_SECRET, pressBody(), nowS), lambdaContext())).statusCode).toBe(500);
      }
      const down = createAckHandler(
        () => ackDeps({ config, table, log: silentLogger(), secrets: { env }, responseUrlPrefix: 'http://127.0.0.1:', now: () => NOW, fetch: async () => new Response('nope', { status: 500 }) }),
        silentLogger(),
        metrics,
      );
      expect((await down(slackRequest(SLACK_SECRET, pressBody(), nowS), lambdaContext())).statusCode).toBe(500);
      expect(metrics.counts).toEqual({ AckFailures: 3 });
    });
  });
});
