import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { main } from '../../shared/cli/main';
import { pagerDutyProblems, slackBlocksProblem, startPagerDutyReceiver, startSlackReceiver, type LocalReceiver } from '../support/receivers';

const ssm = mockClient(SSMClient);
const sns = mockClient(SNSClient);
const cfn = mockClient(CloudFormationClient);
let slack: LocalReceiver;
let pd: LocalReceiver;
let dir: string;
let stdout: string;
let stderr: string;
/** Powertools caches SSM values for minutes (as the Lambda does): each test gets its own parameter. */
let slackParam = '';
let run = 0;
const PD_KEY = 'R0UT1NGKEYabcdef0123456789abcdef';

beforeEach(async () => {
  slack = await startSlackReceiver();
  pd = await startPagerDutyReceiver();
  dir = mkdtempSync(join(tmpdir(), 'bw-notify-'));
  ssm.reset();
  sns.reset();
  cfn.reset();
  slackParam = `/bedrock-watch/slack-${++run}`;
  ssm.on(GetParameterCommand, { Name: slackParam }).resolves({ Parameter: { Name: slackParam, Type: 'SecureString', Value: slack.url } });
  ssm.on(GetParameterCommand, { Name: '/bedrock-watch/missing' }).rejects(Object.assign(new Error('Parameter not found'), { name: 'ParameterNotFound' }));
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  process.env.BW_TEST_PD_KEY = PD_KEY;
  process.env.ALERT_TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:bedrock-watch-alerts';
  stdout = '';
  stderr = '';
  jest.spyOn(process.stdout, 'write').mockImplementation((s) => ((stdout += String(s)), true));
  jest.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += String(s)), true));
});
afterEach(async () => {
  await slack.close();
  await pd.close();
  rmSync(dir, { recursive: true, force: true });
  delete process.env.BW_TEST_PD_KEY;
  delete process.env.ALERT_TOPIC_ARN;
  jest.restoreAllMocks();
});

function rules(extra = ''): string {
  const file = join(dir, 'rules.yml');
  writeFileSync(
    file,
    `receivers:
  - name: chat
    type: slack
    webhook_url: { ssm: ${slackParam} }
  - name: oncall
    type: pagerduty
    routing_key: { env: BW_TEST_PD_KEY }
    events_url: ${pd.url}
  - name: topic
    type: sns
${extra}rules:
  - name: errors
    kind: ratio
    numerator: InvocationServerErrors
    denominator: Invocations
    next_check: look
    tiers: { critical: { above: 5% } }
`,
  );
  return file;
}

describe('test-notify', () => {
  it('sends one marked test message through each receiver with the real secrets and reports each', async () => {
    const code = await main(['test-notify', '--rules', rules()]);
    expect(stderr.replace(/^.*(NodeVersionSupportWarning|node >=22|January 2027|upgrade|a\.co\/|trace-warnings|To continue).*\n/gm, '').trim()).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ok +chat +slack +test message posted$/m);
    expect(stdout).toMatch(/^ok +oncall +pagerduty +test incident triggered and resolved$/m);
    expect(stdout).toMatch(/^ok +topic +sns +test message published to arn:aws:sns:us-east-1:123456789012:bedrock-watch-alerts$/m);
    expect(stdout).toContain('all 3 receivers reached');
    // What arrived is what the real services accept, and says it is a test.
    expect(slack.received).toHaveLength(1);
    expect(slackBlocksProblem((slack.received[0] as { blocks: unknown }).blocks)).toBeUndefined();
    expect(JSON.stringify(slack.received[0])).toContain('[TEST]');
    expect(pd.received.map((b) => (b as { event_action: string }).event_action)).toEqual(['trigger', 'resolve']);
    for (const b of pd.received) expect(pagerDutyProblems(b)).toEqual([]);
    expect((pd.received[0] as { payload: { summary: string } }).payload.summary).toContain('[TEST]'); // after the tier ("INFO: [TEST] …"), as every PagerDuty summary
    const published = sns.commandCalls(PublishCommand)[0].args[0].input;
    expect(published.TopicArn).toBe(process.env.ALERT_TOPIC_ARN);
    expect(`${published.Subject} ${published.Message}`).toContain('[TEST]');
  });

  it("reports each service's exact failure, HTTP status and error text, never the secret, and exits 1", async () => {
    slack.failNext(404); // Slack: no_service (a deleted webhook)
    pd.failNext(400, 1, {}, JSON.stringify({ status: 'invalid event', message: 'Event object is invalid', errors: ['Invalid routing key'] }));
    const code = await main(['test-notify', '--rules', rules()]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^FAIL chat .*HTTP 404.*no_service/m);
    expect(stdout).toMatch(/^FAIL oncall .*HTTP 400 Event object is invalid: Invalid routing key$/m);
    expect(stdout).toMatch(/^ok {3}topic/m);
    expect(stdout).toContain('2 receivers of 3 failed');
    expect(stdout).not.toContain(slack.url.split('/').pop()!);
    expect(stdout).not.toContain(PD_KEY);
  });

  it('names a missing secret and a rate limit, and tests one receiver with --receiver', async () => {
    const file = rules(`  - name: lost
    type: slack
    webhook_url: { ssm: /bedrock-watch/missing }
`);
    expect(await main(['test-notify', '--rules', file, '--receiver', 'lost'])).toBe(1);
    expect(stdout).toMatch(/^FAIL lost +slack +receiver "lost" webhook_url: SSM parameter \/bedrock-watch\/missing not found$/m);
    expect(slack.received).toHaveLength(0);
    stdout = '';
    pd.failNext(429);
    expect(await main(['test-notify', '--rules', file, '--receiver', 'oncall'])).toBe(1);
    expect(stdout).toMatch(/FAIL oncall +pagerduty +pagerduty receiver "oncall": HTTP 429 Requests for this service are arriving too quickly\./);
    expect(await main(['test-notify', '--rules', file, '--receiver', 'nope'])).toBe(2);
    expect(stderr.split('\n')[0]).toBe('bedrock-watch test-notify: no receiver named "nope" in the rules file (receivers: chat, oncall, topic, lost)');
  });
});

describe('test-notify before and after deploy: receivers whose topic the stack creates', () => {
  const ALERTS = 'arn:aws:sns:us-east-1:123456789012:bedrock-watch-alerts-prod';
  const MANAGEMENT = 'arn:aws:sns:us-east-1:123456789012:bedrock-watch-management-prod';
  const management = `  - name: managers
    type: sns
    topic_arn: { env: MANAGEMENT_TOPIC_ARN }
`;
  beforeEach(() => {
    delete process.env.ALERT_TOPIC_ARN;
    delete process.env.MANAGEMENT_TOPIC_ARN;
  });

  it('before deploy: skips them with a line saying why and when to test them, and passes on the others (exit 0)', async () => {
    cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id bedrock-watch-prod does not exist'), { name: 'ValidationError' }));
    const code = await main(['test-notify', '--rules', rules(management), '--stage', 'prod', '--region', 'us-east-1']);
    expect(stdout).toMatch(/^skip topic +sns +skipped: its topic is the stack's output AlertTopicArn, and stack bedrock-watch-prod is not deployed yet \(run test-notify again after sls deploy\)$/m);
    expect(stdout).toMatch(/^skip managers +sns +skipped: its topic is the stack's output ManagementTopicArn/m);
    expect(stdout).toContain('all 2 receivers reached, 2 skipped until the stack is deployed');
    expect(code).toBe(0);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
    expect(cfn.commandCalls(DescribeStacksCommand)).toHaveLength(1); // asked once for both
  });

  it("after deploy: publishes to the topics named by the stack's outputs", async () => {
    cfn.on(DescribeStacksCommand, { StackName: 'team-alerts' }).resolves({
      Stacks: [{ StackName: 'team-alerts', StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date(0), Outputs: [{ OutputKey: 'AlertTopicArn', OutputValue: ALERTS }, { OutputKey: 'ManagementTopicArn', OutputValue: MANAGEMENT }] }],
    });
    const code = await main(['test-notify', '--rules', rules(management), '--stack', 'team-alerts', '--region', 'us-east-1']);
    expect(stdout).toMatch(new RegExp(`^ok +topic +sns +test message published to ${ALERTS}$`, 'm'));
    expect(stdout).toMatch(new RegExp(`^ok +managers +sns +test message published to ${MANAGEMENT}$`, 'm'));
    expect(code).toBe(0);
    expect(sns.commandCalls(PublishCommand).map((c) => c.args[0].input.TopicArn)).toEqual([ALERTS, MANAGEMENT]);
  });

  it('checks that the SSM secrets outside the receivers (the ack signing secrets) exist, naming a missing one (exit 1)', async () => {
    process.env.ALERT_TOPIC_ARN = ALERTS;
    const signing = `/bedrock-watch/signing-${run}`;
    ssm.on(GetParameterCommand, { Name: signing }).resolves({ Parameter: { Name: signing, Type: 'SecureString', Value: 's3cr3t-signing' } });
    const code = await main(['test-notify', '--rules', rules(
        // The allowlists are required with the secrets (ack.slack_teams/slack_apps/pagerduty_services).
        `ack:\n  slack_signing_secret: { ssm: ${signing} }\n  slack_teams: [T0001]\n  slack_apps: [A0001]\n  pagerduty_webhook_secret: { ssm: /bedrock-watch/missing }\n  pagerduty_services: [PABC123]\n`,
      )]);
    expect(stdout).toMatch(new RegExp(`^ok +ack\\.slack_signing_secret +secret +SSM parameter ${signing} exists$`, 'm'));
    expect(stdout).toMatch(/^FAIL ack\.pagerduty_webhook_secret +secret +ack\.pagerduty_webhook_secret: SSM parameter \/bedrock-watch\/missing not found$/m);
    expect(stdout).toContain('all 3 receivers reached, 1 secret missing');
    expect(stdout).not.toContain('s3cr3t-signing');
    expect(code).toBe(1);
  });
});
