/**
 * The ack function's wiring (shared/run/ack-deps.ts) without a table call: the allowlists' defaults,
 * the response_url POST (its 2xx boundary, the URL scrubbed from errors, the body sent), the defaults
 * of the prefix and clock.
 */
import { ackDeps, allowOf, SLACK_RESPONSE_URL_PREFIX } from '../../shared/run/ack-deps';
import type { Table } from '../../shared/dynamo/table';
import { configOf } from '../support/frame';

const config = configOf([{ name: 'model-unavailable', kind: 'absent', next_check: 'IAM.', tiers: { critical: { for: '0m' } } }]);
/** Never called: building the stores sends nothing. */
const table = { name: 'no-calls', doc: { send: () => Promise.reject(new Error('no table call expected')) } } as unknown as Table;
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined } as never;
const URL_ = 'https://hooks.slack.com/actions/T0/123/secret-token';

describe('allowOf', () => {
  it('every allowlist the rules leave out is empty', () => {
    expect(allowOf({} as never)).toEqual({ slackTeams: [], slackApps: [], slackChannels: [], slackUsers: [], pagerDutyServices: [] });
    expect(allowOf({ slack_teams: ['T1'], slack_apps: ['A1'], slack_channels: ['C1'], slack_users: ['U1'], pagerduty_services: ['P1'] } as never)).toEqual({
      slackTeams: ['T1'],
      slackApps: ['A1'],
      slackChannels: ['C1'],
      slackUsers: ['U1'],
      pagerDutyServices: ['P1'],
    });
  });
});

describe('respond (the response_url POST)', () => {
  const respondWith = (status: number) => {
    const sent: { url: string; body: unknown; method?: string }[] = [];
    const fetchFn = (async (url: string, init: RequestInit) => {
      sent.push({ url, body: JSON.parse(String(init.body)), method: init.method });
      return { status, headers: new Headers(), text: async () => 'answer' } as unknown as Response; // any status, even one Response refuses
    }) as unknown as typeof fetch;
    return { deps: ackDeps({ config, table, log: silent, fetch: fetchFn }), sent };
  };

  it.each([200, 204, 299])('%i is success', async (status) => {
    const { deps, sent } = respondWith(status);
    await expect(deps.respond(URL_, { text: 'Acknowledged' })).resolves.toBeUndefined();
    expect(sent).toEqual([{ url: URL_, body: { text: 'Acknowledged' }, method: 'POST' }]);
  });

  it.each([199, 300, 404, 500])('%i fails, without the capability URL in the error', async (status) => {
    const { deps } = respondWith(status);
    const e = await deps.respond(URL_, {}).then(
      () => null,
      (err: Error) => err,
    );
    expect(e?.message).toMatch(new RegExp(`^Slack response_url: HTTP ${status}`));
    expect(e?.message).not.toContain('secret-token');
  });
});

describe('respond, a long refusal', () => {
  it("the error carries the first 200 characters of Slack's answer, not all of it", async () => {
    const answer = `${'x'.repeat(200)}${'y'.repeat(5_000)}`;
    const fetchFn = (async () => ({ status: 400, headers: new Headers(), text: async () => answer }) as unknown as Response) as unknown as typeof fetch;
    const e = await ackDeps({ config, table, log: silent, fetch: fetchFn })
      .respond(URL_, {})
      .then(
        () => null,
        (err: Error) => err,
      );
    expect(e?.message).toBe(`Slack response_url: HTTP 400 ${'x'.repeat(200)}`);
  });
});

describe('defaults', () => {
  it("only Slack's own response URLs are called, and the clock is the real one", () => {
    const before = Date.now();
    const deps = ackDeps({ config, table, log: silent });
    expect(deps.responseUrlPrefix).toBe(SLACK_RESPONSE_URL_PREFIX);
    expect(SLACK_RESPONSE_URL_PREFIX).toBe('https://hooks.slack.com/');
    expect(deps.now()).toBeGreaterThanOrEqual(before);
    expect(ackDeps({ config, table, log: silent, responseUrlPrefix: 'http://127.0.0.1:', now: () => 5 })).toMatchObject({ responseUrlPrefix: 'http://127.0.0.1:' });
  });

  it('without ack secrets in the rules, there is no secret to check against', async () => {
    const deps = ackDeps({ config, table, log: silent });
    expect([await deps.slackSecret(), await deps.pagerDutySecret()]).toEqual([null, null]);
  });
});

describe('respond, the capability URL kept out of every error', () => {
  it('a refusal that echoes the URL is told without it', async () => {
    const fetchFn = (async (url: string) => ({ status: 404, headers: new Headers(), text: async () => `no such webhook: ${url}` }) as unknown as Response) as unknown as typeof fetch;
    const e = await ackDeps({ config, table, log: silent, fetch: fetchFn })
      .respond(URL_, {})
      .then(
        () => null,
        (err: Error) => err,
      );
    expect(e?.message).toMatch(/^Slack response_url: HTTP 404 no such webhook: /);
    expect(e?.message).not.toContain('secret-token');
  });

  it('a request that fails (network, timeout) names the call, without the URL', async () => {
    const fetchFn = (async (url: string) => {
      throw new TypeError(`fetch failed: connect ECONNREFUSED ${url}`);
    }) as unknown as typeof fetch;
    const e = await ackDeps({ config, table, log: silent, fetch: fetchFn })
      .respond(URL_, {})
      .then(
        () => null,
        (err: Error) => err,
      );
    expect(e?.message).toMatch(/^Slack response_url: request failed: /);
    expect(e?.message).not.toContain('secret-token');
  });
});
