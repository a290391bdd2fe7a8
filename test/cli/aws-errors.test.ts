/**
 * Credential and region failures, one message per cause naming what to set, across the commands
 * that call AWS (init, ack, silence, baseline, test-notify), and the exit codes: usage mistakes 2,
 * other failures 1. No network: every failure here happens before a request is sent.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { awsCause, awsProfiles } from '../../shared/cli/aws-errors';
import { main } from '../../shared/cli/main';

const dir = mkdtempSync(join(tmpdir(), 'bw-aws-errors-'));
const config = join(dir, 'config');
const credentials = join(dir, 'credentials');
writeFileSync(config, '[default]\nregion = eu-west-1\n\n[profile team-dev]\nsso_session = x\n');
writeFileSync(credentials, '[ci]\naws_access_key_id = AKIAEXAMPLEEXAMPLE00\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const KEYS = ['AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_EC2_METADATA_DISABLED', 'TABLE_NAME', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_ROLE_ARN'];
let saved: Record<string, string | undefined>;
let stderr: string[];
beforeEach(() => {
  saved = Object.fromEntries(KEYS.map((k) => [k, process.env[k]]));
  for (const k of KEYS) delete process.env[k];
  // An empty config: no profile, no region, no keys; IMDS off so nothing is asked of the network.
  Object.assign(process.env, { AWS_CONFIG_FILE: join(dir, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'), AWS_EC2_METADATA_DISABLED: 'true' });
  stderr = [];
  jest.spyOn(process.stderr, 'write').mockImplementation((s) => (stderr.push(String(s)), true));
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(() => {
  for (const k of KEYS) if (saved[k] === undefined) delete process.env[k];
  else process.env[k] = saved[k];
  jest.restoreAllMocks();
});

const credentialsError = Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });

describe('awsCause', () => {
  it('reads profile names from the config and credentials files', () => {
    expect([...awsProfiles({ AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials })].sort()).toEqual(['ci', 'default', 'team-dev']);
  });

  it('tells a profile that does not exist from one without credentials, and from no profile at all', () => {
    const env = { AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials };
    expect(awsCause(credentialsError, { env: { ...env, AWS_PROFILE: 'my-account' } })).toBe(
      `AWS profile "my-account" (AWS_PROFILE) not found in ${config} or ${credentials}: check the name (aws configure list-profiles) or create it (aws configure sso --profile my-account)`,
    );
    expect(awsCause(credentialsError, { env: { ...env, AWS_PROFILE: 'team-dev' } })).toBe('AWS profile "team-dev" gives no usable credentials: log in (aws sso login --profile team-dev) or check its keys');
    expect(awsCause(credentialsError, { env })).toMatch(/^no AWS credentials: set AWS_PROFILE to a profile of ~\/\.aws\/config/);
  });

  it('names the region to set, and the table that is not there', () => {
    expect(awsCause(new Error('Region is missing'))).toBe('no AWS region: pass --region REGION or set AWS_REGION (or give your AWS profile a region)');
    const notFound = Object.assign(new Error('Requested resource not found'), { name: 'ResourceNotFoundException' });
    expect(awsCause(notFound, { table: 'bedrock-watch-prd' })).toMatch(/^DynamoDB table "bedrock-watch-prd" not found in this account and region: check --table \(the stack output StateTableName/);
    expect(awsCause(new Error('something else'))).toBeUndefined();
  });
});

describe('the commands that call AWS: one line per cause, exit 1; usage mistakes exit 2', () => {
  // The error lines (the SDK's own Node version warning and init's progress line aside).
  const line = () => stderr.join('').split('\n').filter((l) => l.startsWith('bedrock-watch ')).join('\n');

  it.each([
    ['ack', ['ack', 'bedrock-throttles', '--table', 'bedrock-watch-prod']],
    ['silence', ['silence', 'list', '--table', 'bedrock-watch-prod']],
    ['baseline', ['baseline', 'bootstrap', '--table', 'bedrock-watch-prod']],
  ])('%s without a region says to set one', async (_, args) => {
    process.env.AWS_PROFILE = 'ci';
    process.env.AWS_SHARED_CREDENTIALS_FILE = credentials;
    expect(await main(args)).toBe(1);
    expect(line()).toMatch(/: no AWS region: pass --region REGION or set AWS_REGION/);
    expect(line().split('\n')).toHaveLength(1);
  });

  it.each([
    ['ack', ['ack', 'bedrock-throttles', '--table', 'bedrock-watch-prod', '--region', 'us-east-1']],
    ['silence', ['silence', 'list', '--table', 'bedrock-watch-prod', '--region', 'us-east-1']],
    ['baseline', ['baseline', 'bootstrap', '--table', 'bedrock-watch-prod', '--region', 'us-east-1']],
    ['init', ['init', '--region', 'us-east-1', '--out', join(dir, 'init-rules.yml')]],
  ])('%s with the README\'s AWS_PROFILE=my-account, not configured, says the profile was not found', async (_, args) => {
    process.env.AWS_PROFILE = 'my-account';
    process.env.AWS_CONFIG_FILE = config;
    expect(await main(args)).toBe(1);
    expect(line()).toMatch(/: AWS profile "my-account" \(AWS_PROFILE\) not found in /);
    expect(line().split('\n')).toHaveLength(1);
  });

  it('test-notify names the missing profile on the receiver whose secret it could not read, and skips no one silently', async () => {
    process.env.AWS_PROFILE = 'my-account';
    process.env.AWS_CONFIG_FILE = config;
    process.env.AWS_REGION = 'us-east-1';
    const rules = join(dir, 'notify-rules.yml');
    writeFileSync(rules, `receivers:\n  - name: chat\n    type: slack\n    webhook_url: { ssm: /bedrock-watch/profile-test-${Date.now()} }\nrules:\n  - name: e\n    kind: ratio\n    numerator: InvocationServerErrors\n    denominator: Invocations\n    next_check: look\n    tiers: { critical: { above: 5% } }\n`);
    const stdout: string[] = [];
    (process.stdout.write as unknown as jest.Mock).mockImplementation((s: string) => (stdout.push(String(s)), true));
    expect(await main(['test-notify', '--rules', rules])).toBe(1);
    expect(stdout.join('')).toMatch(/^FAIL chat +slack +AWS profile "my-account" \(AWS_PROFILE\) not found in /m);
  });

  it.each([
    ['ack without a table', ['ack', 'bedrock-throttles']],
    ['baseline without a table', ['baseline', 'bootstrap']],
    ['silence without a table', ['silence', 'list']],
  ])('%s is a usage mistake: exit 2', async (_, args) => {
    expect(await main(args)).toBe(2);
    expect(line()).toMatch(/name the stack's DynamoDB table with --table/);
  });
});
