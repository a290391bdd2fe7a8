import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient, ListMetricsCommand, type ListMetricsCommandInput } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { runbookBaseFromRemote } from '../../shared/cli/init';
import { main } from '../../shared/cli/main';
import { loadRulesFile } from '../../shared/rules/load';

const cw = mockClient(CloudWatchClient);
const metric = (model: string, extra: { Name: string; Value: string }[] = []) => ({ Namespace: 'AWS/Bedrock', MetricName: 'Invocations', Dimensions: [{ Name: 'ModelId', Value: model }, ...extra] });

/** Two regions; us-east-1 answers in three pages after one throttle, as a busy account's ListMetrics does. */
function listMetrics(this: unknown, input: ListMetricsCommandInput, region: string) {
  if (region === 'us-west-2') return { Metrics: [metric('amazon.nova-lite-v1:0'), metric('us.anthropic.claude-3-5-haiku-20241022-v1:0')] };
  switch (input.NextToken) {
    case undefined:
      return { Metrics: [metric('anthropic.claude-3-5-sonnet-20240620-v1:0'), metric('anthropic.claude-3-5-sonnet-20240620-v1:0', [{ Name: 'Guardrail', Value: 'g1' }])], NextToken: 't1' };
    case 't1':
      return { Metrics: [metric('amazon.nova-lite-v1:0')], NextToken: 't2' };
    default:
      return { Metrics: [metric('acme.private-model-v1')] };
  }
}

let dir: string;
let stdout: string;
let stderr: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bw-init-'));
  cw.reset();
  let throttled = false;
  cw.on(ListMetricsCommand).callsFake(async (input, getClient) => {
    const region = await (getClient() as CloudWatchClient).config.region();
    if (region === 'us-east-1' && !throttled) {
      throttled = true;
      throw Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } });
    }
    return listMetrics(input, region);
  });
  stdout = '';
  stderr = '';
  jest.spyOn(process.stdout, 'write').mockImplementation((s) => ((stdout += String(s)), true));
  jest.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += String(s)), true));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  jest.restoreAllMocks();
});

describe('init: runbook links', () => {
  it.each([
    ['git@github.com:acme/bedrock-watch.git', 'main', 'https://github.com/acme/bedrock-watch/blob/main/'],
    ['https://github.com/acme/bedrock-watch', 'main', 'https://github.com/acme/bedrock-watch/blob/main/'],
    ['https://token@github.com/acme/bedrock-watch.git', 'develop', 'https://github.com/acme/bedrock-watch/blob/develop/'],
    ['ssh://git@gitlab.example.com:2222/ops/ml/bedrock-watch.git', 'trunk', 'https://gitlab.example.com/ops/ml/bedrock-watch/-/blob/trunk/'],
    ['/srv/git/bedrock-watch.git', 'main', undefined],
  ])('derives the runbook base from the git remote %s', (remote, branch, want) => {
    expect(runbookBaseFromRemote(remote, branch)).toBe(want);
  });

  it('writes --runbook-base-url into settings, so messages carry absolute runbook links', async () => {
    const file = join(dir, 'rules.yml');
    const code = await main(['init', '--region', 'us-west-2', '--yes', '--runbook-base-url', 'https://github.com/acme/bw/blob/main/', '--out', file]);
    expect(code).toBe(0);
    expect(loadRulesFile(file).settings.runbook_base_url).toBe('https://github.com/acme/bw/blob/main/');
    // …and validate has nothing to warn about.
    stderr = '';
    expect(await main(['validate', file])).toBe(0);
    expect(stderr).toBe('');
  });
});

describe('init', () => {
  it('writes a valid starter rules file for the models with traffic in every region, naming each with its price', async () => {
    const file = join(dir, 'rules.yml');
    const code = await main(['init', '--region', 'us-east-1', '--region', 'us-west-2', '--slack-ssm', '/bedrock-watch/team-slack', '--pagerduty-env', 'PD_KEY', '--yes', '--out', file]);
    expect(stderr).not.toMatch(/Error|at /);
    expect(code).toBe(0);
    const config = loadRulesFile(file); // the real loader
    const text = readFileSync(file, 'utf8');
    expect(config.receivers).toEqual([
      { name: 'pagerduty-oncall', type: 'pagerduty', routing_key: { env: 'PD_KEY' } },
      { name: 'slack-alerts', type: 'slack', webhook_url: { ssm: '/bedrock-watch/team-slack' } },
      { name: 'sns-alerts', type: 'sns' },
    ]);
    expect(config.routes!.critical).toEqual(['pagerduty-oncall', 'slack-alerts', 'sns-alerts']);
    expect(config.routes!.warning).toEqual(['slack-alerts', 'sns-alerts']);
    // The shipped rules and tiers.
    const shipped = loadRulesFile(join(__dirname, '..', '..', 'rules.yml'));
    expect(config.rules).toEqual(shipped.rules);
    expect(text).toContain('#   anthropic.claude-3-5-sonnet-20240620-v1:0 (us-east-1): $0.003 in / $0.015 out per 1k tokens');
    expect(text).toContain('#   amazon.nova-lite-v1:0 (us-east-1, us-west-2): $0.00006 in / $0.00024 out per 1k tokens');
    expect(text).toMatch(/#   us\.anthropic\.claude-3-5-haiku-20241022-v1:0 \(us-west-2\): \$0\.0008 in/);
    expect(text).toContain('#   acme.private-model-v1 (us-east-1): no shipped price');
    expect(text).not.toContain('Guardrail');
    expect(stdout).toContain('4 models found');
  });

  it('never overwrites without --force, in one line with a non-zero exit', async () => {
    const file = join(dir, 'rules.yml');
    writeFileSync(file, 'mine\n');
    expect(await main(['init', '--region', 'us-east-1', '--yes', '--out', file])).toBe(1);
    expect(stderr.trim()).toBe(`bedrock-watch init: ${file} exists: pass --force to replace it, or --out another file`);
    expect(readFileSync(file, 'utf8')).toBe('mine\n');
    expect(await main(['init', '--region', 'us-east-1', '--yes', '--force', '--out', file])).toBe(0);
    expect(loadRulesFile(file).receivers.map((r) => r.name)).toEqual(['sns-alerts']);
  });

  it('says what is wrong with a bad flag (exit 2) and when AWS refuses', async () => {
    expect(await main(['init', '--slack-ssm', 'no-slash', '--out', join(dir, 'r.yml')])).toBe(2);
    expect(stderr.split('\n')[0]).toBe('bedrock-watch init: --slack-ssm must be an SSM parameter name starting with "/", like /bedrock-watch/slack');
    stderr = '';
    cw.reset();
    cw.on(ListMetricsCommand).rejects(Object.assign(new Error('User: arn:aws:iam::1:user/x is not authorized to perform: cloudwatch:ListMetrics'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
    expect(await main(['init', '--region', 'eu-west-1', '--yes', '--out', join(dir, 'r.yml')])).toBe(1);
    expect(stderr).toContain('bedrock-watch init: CloudWatch ListMetrics in eu-west-1: AccessDenied: User: arn:aws:iam::1:user/x is not authorized to perform: cloudwatch:ListMetrics (needs cloudwatch:ListMetrics)\n');
  });

  it('keeps the schema line first for editors, and writes no time interval no route uses', async () => {
    const file = join(dir, 'rules.yml');
    expect(await main(['init', '--region', 'us-west-2', '--yes', '--out', file])).toBe(0);
    const text = readFileSync(file, 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./schema/rules.schema.json');
    expect(text).not.toMatch(/^time_intervals:/m);
    expect(text).not.toContain('nights');
    expect(loadRulesFile(file).time_intervals).toEqual([]);
  });
});
