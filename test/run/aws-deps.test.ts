/**
 * The real adapters of a Lambda container (shared/run/aws-deps.ts, packaged-rules.ts): the rules read
 * from RULES_FILE with the SSM prefix the stack grants checked, each piece built once per container,
 * and the drop notice on the stack's topic only when the stack names one. Nothing here calls AWS:
 * the clients are only built.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { placeKey } from '../../shared/core/target';
import { StreamKeys } from '../../shared/core/stream-keys';
import { readStreamSecret } from '../../shared/state/stream-secret';
import { useDynamo } from '../support/dynamo';
import { sampleNotification } from '../support/notification';
import { startSlackReceiver, type LocalReceiver } from '../support/receivers';

type AwsDepsModule = typeof import('../../shared/run/aws-deps');

const ENV = ['RULES_FILE', 'SSM_PREFIX', 'TABLE_NAME', 'ALERT_TOPIC_ARN'] as const;
const saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));
afterEach(() => {
  for (const k of ENV) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

const rulesFile = (text: string) => {
  const file = join(mkdtempSync(join(tmpdir(), 'bw-aws-deps-')), 'rules.yml');
  writeFileSync(file, text);
  return file;
};
const TEAM_RULES = `receivers:
  - { name: team-slack, type: slack, webhook_url: { ssm: /team-a/slack-webhook } }
routes:
  critical: [team-slack]
rules:
  - { name: model-unavailable, kind: absent, next_check: IAM and SCPs., tiers: { critical: { for: 0m } } }
`;

/** A fresh container: the module's caches empty. */
function fresh(): AwsDepsModule {
  let m: AwsDepsModule | undefined;
  jest.isolateModules(() => {
    m = require('../../shared/run/aws-deps') as AwsDepsModule;
  });
  return m as AwsDepsModule;
}

describe('the rules a container runs with', () => {
  it('come from RULES_FILE, with secrets checked against the prefix the stack grants (SSM_PREFIX)', () => {
    process.env.RULES_FILE = rulesFile(TEAM_RULES);
    process.env.SSM_PREFIX = '/team-a';
    expect(fresh().awsConfig().receivers.map((r) => r.name)).toEqual(['team-slack']);
    process.env.SSM_PREFIX = '/bedrock-watch';
    expect(() => fresh().awsConfig()).toThrow(/team-a\/slack-webhook/);
  });

  it('without SSM_PREFIX (or an empty one) the prefix is not checked', () => {
    process.env.RULES_FILE = rulesFile(TEAM_RULES);
    delete process.env.SSM_PREFIX;
    expect(fresh().awsConfig().receivers).toHaveLength(1);
    process.env.SSM_PREFIX = '';
    expect(fresh().awsConfig().receivers).toHaveLength(1);
  });

  it('are read once per container', () => {
    process.env.RULES_FILE = rulesFile(TEAM_RULES);
    delete process.env.SSM_PREFIX;
    const m = fresh();
    const first = m.awsConfig();
    process.env.RULES_FILE = rulesFile(TEAM_RULES.replace('team-slack', 'other-slack').replace('team-slack', 'other-slack'));
    expect(m.awsConfig()).toBe(first);
  });

  it("default to the bundle's rules.yml", () => {
    delete process.env.RULES_FILE;
    delete process.env.SSM_PREFIX;
    expect(fresh().awsConfig().rules.length).toBeGreaterThan(0);
  });
});

describe('the pieces of the evaluate tick', () => {
  it('are built once per container, on the table TABLE_NAME names', () => {
    process.env.RULES_FILE = rulesFile(TEAM_RULES);
    process.env.TABLE_NAME = 'bw-table';
    delete process.env.SSM_PREFIX;
    const m = fresh();
    const a = m.awsDeps();
    const b = m.awsDeps();
    expect(a.table.name).toBe('bw-table');
    for (const k of ['config', 'table', 'store', 'baselineStore', 'source', 'notifiers', 'logs', 'silences'] as const) expect(b[k]).toBe(a[k]);
    expect(m.awsStateStore()).toBe(a.store);
    expect(m.awsNotifiers()).toBe(a.notifiers);
    expect(m.awsLogSource()).toBe(a.logs);
    expect(m.awsSilences()).toBe(a.silences);
    expect(m.awsMetricSource()).toBe(a.source);
    expect(m.awsBaselineStore()).toBe(a.baselineStore);
    expect(typeof a.baselines).toBe('function');
    // Each piece is the real adapter, not a missing one.
    expect([a.store, a.baselineStore, a.source, a.notifiers, a.logs, a.silences].map((x) => x?.constructor.name)).toEqual([
      'DynamoStateStore',
      'DynamoBaselineStore',
      'CloudWatchSource',
      'NotifierSet',
      'TableLogSource',
      'DynamoSilenceStore',
    ]);
  });

  it('announce a dropped notification on the stack topic when ALERT_TOPIC_ARN is set, and nowhere otherwise', () => {
    process.env.RULES_FILE = rulesFile(TEAM_RULES);
    process.env.TABLE_NAME = 'bw-table';
    delete process.env.SSM_PREFIX;
    delete process.env.ALERT_TOPIC_ARN;
    expect(fresh().awsDeps().dropNotice).toBeUndefined();
    process.env.ALERT_TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:bedrock-watch-alerts';
    const m = fresh();
    const notice = m.awsDropNotice();
    expect(notice?.constructor.name).toBe('SnsDropNotice');
    // One SNS client per container, shared by the drop notice and the notifiers.
    const client = (notice as unknown as { client: unknown }).client;
    expect(client?.constructor.name).toBe('SNSClient');
    expect((m.awsDropNotice() as unknown as { client: unknown }).client).toBe(client);
    expect((notice as unknown as { topicArn: string }).topicArn).toBe('arn:aws:sns:us-east-1:123456789012:bedrock-watch-alerts');
  });

  it('without TABLE_NAME the container fails at once, naming it', () => {
    process.env.RULES_FILE = rulesFile(TEAM_RULES);
    delete process.env.TABLE_NAME;
    expect(() => fresh().awsDeps()).toThrow(/TABLE_NAME/);
  });
});

describe('packagedRules, unbundled', () => {
  it('reads RULES_FILE, checking the SSM prefix only when SSM_PREFIX names one', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { packagedRules } = require('../../shared/run/packaged-rules') as typeof import('../../shared/run/packaged-rules');
    process.env.RULES_FILE = rulesFile(TEAM_RULES);
    delete process.env.SSM_PREFIX;
    expect(packagedRules().receivers.map((r) => r.name)).toEqual(['team-slack']);
    process.env.SSM_PREFIX = '/elsewhere';
    expect(() => packagedRules()).toThrow(/team-a\/slack-webhook/);
  });
});

describe('the process logger', () => {
  const logEnv = ['POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_LOG_LEVEL'] as const;
  const before = Object.fromEntries(logEnv.map((k) => [k, process.env[k]]));
  afterEach(() => {
    for (const k of logEnv) {
      if (before[k] === undefined) delete process.env[k];
      else process.env[k] = before[k];
    }
  });

  /** The service a fresh container's logger names in its JSON lines. */
  function serviceLogged(): unknown {
    process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
    let logger: typeof import('../../shared/run/logger').logger | undefined;
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      logger = (require('../../shared/run/logger') as typeof import('../../shared/run/logger')).logger;
    });
    const lines: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (lines.push(String(chunk)), true));
    try {
      logger?.info('hello');
    } finally {
      spy.mockRestore();
    }
    return (JSON.parse(lines.join('').trim().split('\n')[0]) as { service: unknown }).service;
  }

  it('names the service from POWERTOOLS_SERVICE_NAME, bedrock-watch without it', () => {
    process.env.POWERTOOLS_SERVICE_NAME = 'bw-team-a';
    expect(serviceLogged()).toBe('bw-team-a');
    delete process.env.POWERTOOLS_SERVICE_NAME;
    expect(serviceLogged()).toBe('bedrock-watch');
  });
});

describe('the places the metric source reads', () => {
  const PLACE_ENV = ['BEDROCK_WATCH_ACCOUNT_ID', 'AWS_REGION'] as const;
  const kept = Object.fromEntries(PLACE_ENV.map((k) => [k, process.env[k]]));
  afterEach(() => {
    for (const k of PLACE_ENV) {
      if (kept[k] === undefined) delete process.env[k];
      else process.env[k] = kept[k];
    }
  });

  it("with member accounts and no regions: the stack's region (AWS_REGION), in its own account (BEDROCK_WATCH_ACCOUNT_ID) and the member's", async () => {
    process.env.RULES_FILE = rulesFile(`settings:\n  accounts:\n    - id: "222222222222"\n${TEAM_RULES}`);
    process.env.TABLE_NAME = 'bw-table';
    process.env.AWS_REGION = 'eu-west-3';
    process.env.BEDROCK_WATCH_ACCOUNT_ID = '111111111111';
    delete process.env.SSM_PREFIX;
    const source = fresh().awsMetricSource();
    // A read narrowed to no place calls nothing, and still lists every place the source reads.
    const frame = await source.fetch({ from: 0, to: 60_000, period: 60_000, keys: [], knownModels: [], places: [] });
    expect(frame.places?.all).toEqual([placeKey('eu-west-3', '111111111111'), placeKey('eu-west-3', '222222222222')]);
  });
});

describe('the notifiers of the evaluate tick', () => {
  const NOTIFY_ENV = ['AWS_ENDPOINT_URL_DYNAMODB', 'BW_TEST_SLACK_WEBHOOK', 'BW_TEST_SIGNING'] as const;
  const kept = Object.fromEntries(NOTIFY_ENV.map((k) => [k, process.env[k]]));
  afterEach(() => {
    for (const k of NOTIFY_ENV) {
      if (kept[k] === undefined) delete process.env[k];
      else process.env[k] = kept[k];
    }
  });
  const db = useDynamo();
  let slack: LocalReceiver;
  beforeAll(async () => {
    slack = await startSlackReceiver();
  });
  afterAll(() => slack.close());

  const SLACK_RULES = (ack: string) => `receivers:
  - { name: team-slack, type: slack, webhook_url: { env: BW_TEST_SLACK_WEBHOOK } }
${ack}routes:
  critical: [team-slack]
rules:
  - { name: model-unavailable, kind: absent, next_check: IAM and SCPs., tiers: { critical: { for: 0m } } }
`;
  const ACK = `ack:
  slack_signing_secret: { env: BW_TEST_SIGNING }
  slack_teams: [T0123ABCD]
  slack_apps: [A0123ABCD]
`;
  /** A firing alert of an episode that starts now (an older one keeps its unsigned legacy key). */
  const firingNow = () => {
    const startsAt = new Date().toISOString();
    return sampleNotification({ receiver: 'team-slack', key: `model-unavailable/x@${startsAt}`, alert: { startsAt } });
  };
  const buttons = (body: unknown): string[] =>
    ((body as { blocks?: { type: string; elements?: { type: string; value?: string }[] }[] }).blocks ?? [])
      .filter((b) => b.type === 'actions')
      .flatMap((b) => (b.elements ?? []).filter((e) => e.type === 'button').map((e) => e.value ?? ''));

  /** A fresh container on the dynalite table, its Slack webhook the local receiver. */
  function container(ack: string): AwsDepsModule {
    process.env.RULES_FILE = rulesFile(SLACK_RULES(ack));
    process.env.TABLE_NAME = db().table.name;
    process.env.AWS_ENDPOINT_URL_DYNAMODB = db().endpoint;
    process.env.BW_TEST_SLACK_WEBHOOK = slack.url;
    process.env.BW_TEST_SIGNING = 'signing-secret';
    delete process.env.SSM_PREFIX;
    return fresh();
  }

  it('with a Slack signing secret, a firing message carries the Acknowledge button, its key signed with the secret the first send made in the table', async () => {
    expect(await readStreamSecret(db().table)).toBeNull();
    const n = firingNow();
    const notifier = await container(ACK).awsNotifiers().get('team-slack');
    await notifier.send(n);
    const secret = await readStreamSecret(db().table);
    expect(secret).not.toBeNull();
    const [value] = buttons(slack.accepted.at(-1));
    expect(value).toBe(new StreamKeys(secret).button(n.key));
    expect(value).not.toBe(StreamKeys.UNSIGNED.button(n.key));
  });

  it('without one, no button (nobody could press it)', async () => {
    const notifier = await container('').awsNotifiers().get('team-slack');
    await notifier.send(firingNow());
    expect(slack.accepted.length).toBeGreaterThan(0);
    expect(buttons(slack.accepted.at(-1))).toEqual([]);
  });
});
