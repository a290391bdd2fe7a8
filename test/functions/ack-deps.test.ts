/**
 * The ack function's adapters on a dynalite table (shared/run/ack-deps.ts): acknowledging a stream
 * whose members are in different states (what the presser is told, which group acks stop the
 * escalations), the stream-key secret never made by the ack side, the secrets' errors naming the
 * rules field, and the container's rules and table (ackEnvironment).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AlertState } from '../../shared/core/alert';
import type { Table } from '../../shared/dynamo/table';
import { ackDeps } from '../../shared/run/ack-deps';
import { AckStore } from '../../shared/state/acks';
import { DynamoStateStore } from '../../shared/state/dynamo-store';
import { readStreamSecret } from '../../shared/state/stream-secret';
import { useDynamo } from '../support/dynamo';
import { freshTable } from '../support/evaluate-harness';
import { configOf } from '../support/frame';

const NOW = Date.parse('2026-10-05T16:00:00.000Z');
const RULES = [{ name: 'model-unavailable', kind: 'absent', next_check: 'IAM.', tiers: { critical: { for: '0m' } } }];
const config = configOf(RULES);
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined } as never;
const ANA = { ackedBy: 'ana', via: 'slack' as const };
const BO = { ackedBy: 'bo', via: 'pagerduty' as const };
const db = useDynamo();

const fp = (c: string) => c.repeat(24);
const alert = (fingerprint: string, over: Partial<AlertState> = {}): AlertState =>
  ({ fingerprint, rule: 'model-unavailable', labels: { ModelId: fingerprint.slice(0, 3) }, status: 'firing', tier: 'critical', maxTier: 'critical', version: 0, startsAt: NOW, lastMinute: NOW, ...over }) as unknown as AlertState;

async function seeded(states: AlertState[]): Promise<Table> {
  const table = await freshTable(db().client);
  const store = new DynamoStateStore(table);
  const { cursor } = await store.load();
  await store.commit(cursor, { ...cursor, lastMinute: NOW }, states);
  return table;
}
const groupAcks = async (table: Table) => (await new DynamoStateStore(table).load()).groupAcks;
const member = (f: string) => ({ fingerprint: f, episode: NOW });

describe('acknowledgeStream', () => {
  it('a group one of whose alerts someone acked before: the presser acks the rest and is told of their own ack; the group and its escalations are acked', async () => {
    const table = await seeded([alert(fp('a')), alert(fp('b'))]);
    await new AckStore(table).acknowledge(fp('a'), NOW, BO, NOW + 1_000);
    const deps = ackDeps({ config, table, log: silent });
    const out = await deps.acknowledgeStream({ key: 'g1@x', since: NOW, members: [member(fp('a')), member(fp('b'))], escalations: ['esc-1', 'esc-2'] }, ANA, NOW + 2_000);
    expect(out).toMatchObject({ status: 'acked', alert: { fingerprint: fp('b') }, ack: { ackedBy: 'ana' } });
    expect(Object.keys(await groupAcks(table)).sort()).toEqual(['esc-1', 'esc-2', 'g1@x']);
    expect((await groupAcks(table))['esc-2']).toMatchObject({ ackedBy: 'ana', via: 'slack', ackedAt: NOW + 2_000 });
    expect((await new AckStore(table).alert(fp('a')))?.ack?.ackedBy).toBe('bo');
  });

  it('a group whose alerts were all acked before: told who did, and the group is acked (an alert joining later does not escalate)', async () => {
    const table = await seeded([alert(fp('a')), alert(fp('b'))]);
    const acks = new AckStore(table);
    await acks.acknowledge(fp('a'), NOW, BO, NOW + 1_000);
    await acks.acknowledge(fp('b'), NOW, BO, NOW + 1_000);
    const out = await ackDeps({ config, table, log: silent }).acknowledgeStream({ key: 'g1@x', since: NOW, members: [member(fp('a')), member(fp('b'))] }, ANA, NOW + 2_000);
    expect(out).toMatchObject({ status: 'already', alert: { fingerprint: fp('a') }, ack: { ackedBy: 'bo' } });
    expect(Object.keys(await groupAcks(table))).toEqual(['g1@x']);
  });

  it('a group whose alerts all resolved: told so, and nothing is acked', async () => {
    const table = await seeded([alert(fp('a'), { status: 'inactive', tier: null } as Partial<AlertState>)]);
    const out = await ackDeps({ config, table, log: silent }).acknowledgeStream({ key: 'g1@x', since: NOW, members: [member(fp('a'))], escalations: ['esc-1'] }, ANA, NOW);
    expect(out).toMatchObject({ status: 'not-firing', alert: { fingerprint: fp('a') } });
    expect(await groupAcks(table)).toEqual({});
  });

  it('a stream without members: unknown, nothing acked', async () => {
    const table = await seeded([]);
    const out = await ackDeps({ config, table, log: silent }).acknowledgeStream({ key: 'g1@x', since: NOW, members: [] }, ANA, NOW);
    expect(out).toEqual({ status: 'unknown' });
    expect(await groupAcks(table)).toEqual({});
  });
});

describe('the stream keys of the ack side', () => {
  it('are only read: an ack on a table without the secret does not make one (nothing signed was ever sent)', async () => {
    const table = await seeded([alert(fp('a'))]);
    const deps = ackDeps({ config, table, log: silent });
    expect(await deps.streamForKey(`${fp('a')}@${new Date(NOW).toISOString()}`)).toMatchObject({ members: [member(fp('a'))] });
    expect(await readStreamSecret(table)).toBeNull();
  });
});

describe('the ack secrets', () => {
  const withAck = configOf(RULES, {
    ack: { slack_signing_secret: { env: 'BW_SLACK_SIGNING' }, slack_teams: ['T0123ABCD'], slack_apps: ['A0123ABCD'], pagerduty_webhook_secret: { env: 'BW_PD_WEBHOOK' }, pagerduty_services: ['PABC123'] },
  });
  const table = { name: 'no-calls', doc: { send: () => Promise.reject(new Error('no table call expected')) } } as unknown as Table;

  it('are read from where the rules say', async () => {
    const deps = ackDeps({ config: withAck, table, log: silent, secrets: { env: { BW_SLACK_SIGNING: 's-secret', BW_PD_WEBHOOK: 'p-secret' } } });
    expect([await deps.slackSecret(), await deps.pagerDutySecret()]).toEqual(['s-secret', 'p-secret']);
  });

  it('one that cannot be read fails naming its rules field and where it was looked for', async () => {
    const deps = ackDeps({ config: withAck, table, log: silent, secrets: { env: {} } });
    await expect(deps.slackSecret()).rejects.toThrow(/^ack\.slack_signing_secret: environment variable BW_SLACK_SIGNING is not set$/);
    await expect(deps.pagerDutySecret()).rejects.toThrow(/^ack\.pagerduty_webhook_secret: environment variable BW_PD_WEBHOOK is not set$/);
  });
});

describe('ackEnvironment (the Lambda container)', () => {
  const ENV = ['RULES_FILE', 'SSM_PREFIX', 'TABLE_NAME'] as const;
  const saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));
  afterEach(() => {
    for (const k of ENV) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  it('the rules of RULES_FILE and the table TABLE_NAME names, read once per container', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'bw-ack-env-')), 'rules.yml');
    writeFileSync(file, 'rules:\n  - { name: team-rule, kind: absent, next_check: IAM., tiers: { critical: { for: 0m } } }\n');
    process.env.RULES_FILE = file;
    process.env.TABLE_NAME = 'bw-ack-table';
    delete process.env.SSM_PREFIX;
    let m: typeof import('../../shared/run/ack-deps') | undefined;
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      m = require('../../shared/run/ack-deps') as typeof import('../../shared/run/ack-deps');
    });
    const env = m!.ackEnvironment();
    expect(env.config.rules.map((r) => r.name)).toEqual(['team-rule']);
    expect(env.table.name).toBe('bw-ack-table');
    process.env.TABLE_NAME = 'another';
    expect(m!.ackEnvironment()).toBe(env);
  });
});

describe('claimOnce (a webhook delivery handled once)', () => {
  it('the first claim acts and marks it done: a redelivery, at once or after the lease, does not act again', async () => {
    const table = await seeded([]);
    const deps = ackDeps({ config, table, log: silent });
    expect(await deps.claimOnce('pd-webhook-1', NOW)).toBe(true);
    expect(await deps.claimOnce('pd-webhook-1', NOW + 1_000)).toBe(false);
    expect(await deps.claimOnce('pd-webhook-1', NOW + 10 * 60_000)).toBe(false);
    expect(await deps.claimOnce('pd-webhook-2', NOW + 1_000)).toBe(true);
  });
});

describe('a fresh container (module constants)', () => {
  it("answers only Slack's own response URLs, and leaves out no allowlist", () => {
    let m: typeof import('../../shared/run/ack-deps') | undefined;
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      m = require('../../shared/run/ack-deps') as typeof import('../../shared/run/ack-deps');
    });
    expect(m!.SLACK_RESPONSE_URL_PREFIX).toBe('https://hooks.slack.com/');
    expect(m!.ackDeps({ config, table: {} as Table, log: silent }).responseUrlPrefix).toBe('https://hooks.slack.com/');
    expect(m!.allowOf({} as never)).toEqual({ slackTeams: [], slackApps: [], slackChannels: [], slackUsers: [], pagerDutyServices: [] });
  });
});
