// Checks the CloudFormation template and the per-function zips that `npm run package`
// (scripts/package.js -> osls `sls package`, offline, dummy credentials) produces.
// No AWS account and no network are needed: this is what cfn-lint would partly do,
// plus the project's own rules (least-privilege IAM, no secrets in the template).
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..', '..');
const FUNCTIONS = ['evaluate', 'baseline', 'digest', 'ingest'] as const;
const PACKAGE_TIMEOUT_MS = 120_000; // per package run; ~3-8 s here

type Json = any; // CloudFormation template: checked structurally below.

function runPackage(args: string[]): Promise<void> {
  return new Promise((done, fail) => {
    execFile(
      process.execPath,
      [join(root, 'scripts', 'package.js'), ...args],
      { cwd: root, timeout: PACKAGE_TIMEOUT_MS - 5_000, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, FORCE_COLOR: '0' } },
      (err, stdout, stderr) => {
        if (err) fail(new Error(`scripts/package.js ${args.join(' ')} failed: ${err.message}\n${stdout}\n${stderr}`));
        else done();
      },
    );
  });
}

function readTemplate(dir: string): Json {
  return JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'));
}

function resourcesOfType(t: Json, type: string): [string, Json][] {
  return Object.entries<Json>(t.Resources).filter(([, r]) => r.Type === type);
}

/** Names and sizes of the entries of a zip file, read from its central directory. */
function zipEntries(file: string): { name: string; size: number }[] {
  const buf = readFileSync(file);
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${file}: not a zip (no end of central directory)`);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const entries: { name: string; size: number }[] = [];
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`${file}: bad central directory entry ${n}`);
    const size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    entries.push({ name: buf.toString('utf8', p + 46, p + 46 + nameLen), size });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: Json;
  Condition?: Json;
  NotAction?: unknown;
  NotResource?: unknown;
}

function iamStatements(t: Json): Statement[] {
  const out: Statement[] = [];
  for (const [, role] of resourcesOfType(t, 'AWS::IAM::Role')) {
    for (const policy of role.Properties.Policies ?? []) out.push(...policy.PolicyDocument.Statement);
  }
  for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']) {
    for (const [, p] of resourcesOfType(t, type)) out.push(...p.Properties.PolicyDocument.Statement);
  }
  return out;
}

/**
 * String values (not keys) that look like secrets: webhook URLs, access keys, 32+ char
 * letters-and-digits tokens. Skips what the framework derives from content hashes:
 * Lambda version logical ids (referenced from Outputs) and CodeSha256.
 */
function secretLookingValues(t: Json, versionIds: Set<string>): string[] {
  const found: string[] = [];
  const walk = (v: unknown, path: string): void => {
    if (typeof v === 'string') {
      if (versionIds.has(v) || path.endsWith('.CodeSha256')) return;
      // Letters-only runs are CamelCase identifiers such as output names.
      const tokens = v.match(/(?<![A-Za-z0-9])[A-Za-z0-9]{32,}(?![A-Za-z0-9])/g) ?? [];
      if (
        /hooks\.slack\.com|xox[abposr]-|\bsk-[A-Za-z0-9]{20,}|-----BEGIN|\bAKIA[0-9A-Z]{16}\b/.test(v) ||
        tokens.some((tok) => /\d/.test(tok) && /[A-Za-z]/.test(tok))
      ) {
        found.push(`${path}: ${v}`);
      }
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
  };
  walk(t, '$');
  return found;
}

const APP_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:Query',
  'dynamodb:BatchGetItem',
  'cloudwatch:GetMetricData',
  'sns:Publish',
  'ssm:GetParameter',
  'kms:Decrypt',
  'sts:AssumeRole',
];
// Added by the framework for the functions' own log groups (scoped, checked below).
const FRAMEWORK_LOG_ACTIONS = ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:TagResource'];

const out = join(root, '.serverless');
let prodDir: string;

// Both package runs happen up front, the prod one first: osls empties ./.serverless on
// every package run, even with `--package <elsewhere>`, so the dev artifacts must come last
// (they are also what `npm run package` leaves behind).
beforeAll(async () => {
  prodDir = mkdtempSync(join(tmpdir(), 'bw-package-'));
  await runPackage(['--stage', 'prod', '--param', 'invocationLogGroup=/aws/bedrock/modelinvocations', '--package', prodDir]);
  await runPackage([]);
}, 2 * PACKAGE_TIMEOUT_MS);

afterAll(() => {
  if (prodDir) rmSync(prodDir, { recursive: true, force: true });
});

describe('packaged service (stage dev, default params)', () => {
  let t: Json;

  beforeAll(() => {
    t = readTemplate(out);
  });

  it('has the four functions on nodejs22.x / arm64 with the configured sizes', () => {
    const fns = Object.fromEntries(resourcesOfType(t, 'AWS::Lambda::Function'));
    expect(Object.keys(fns).sort()).toEqual(FUNCTIONS.map((f) => `${f[0].toUpperCase()}${f.slice(1)}LambdaFunction`).sort());
    for (const [id, fn] of Object.entries<Json>(fns)) {
      expect([id, fn.Properties.Runtime]).toEqual([id, 'nodejs22.x']);
      expect([id, fn.Properties.Architectures]).toEqual([id, ['arm64']]);
    }
    const props = (name: string) => fns[`${name}LambdaFunction`].Properties;
    expect(props('Evaluate')).toMatchObject({ Handler: 'functions/evaluate.handler', MemorySize: 256, Timeout: 60 });
    expect(props('Baseline')).toMatchObject({ Handler: 'functions/baseline.handler', MemorySize: 256, Timeout: 300 });
    expect(props('Digest')).toMatchObject({ Handler: 'functions/digest.handler', MemorySize: 256, Timeout: 60 });
    expect(props('Ingest')).toMatchObject({ Handler: 'functions/ingest.handler', MemorySize: 512, Timeout: 120 });
  });

  it('gives every function the same environment', () => {
    for (const [id, fn] of resourcesOfType(t, 'AWS::Lambda::Function')) {
      expect([id, fn.Properties.Environment.Variables]).toEqual([
        id,
        {
          TABLE_NAME: { Ref: 'StateTable' },
          ALERT_TOPIC_ARN: { Ref: 'AlertTopic' },
          RULES_FILE: 'rules.yml',
          BEDROCK_WATCH_ACCOUNT_ID: { Ref: 'AWS::AccountId' },
          POWERTOOLS_SERVICE_NAME: 'bedrock-watch',
          POWERTOOLS_LOG_LEVEL: 'INFO',
          NODE_OPTIONS: '--enable-source-maps',
        },
      ]);
    }
  });

  it('keeps function logs 30 days', () => {
    const groups = resourcesOfType(t, 'AWS::Logs::LogGroup');
    expect(groups).toHaveLength(4);
    for (const [, g] of groups) expect(g.Properties.RetentionInDays).toBe(30);
  });

  it('schedules evaluate every minute, baseline hourly, digest daily', () => {
    const rules = Object.fromEntries(resourcesOfType(t, 'AWS::Events::Rule'));
    expect(rules.EvaluateEventsRuleSchedule1.Properties).toMatchObject({
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [{ Arn: { 'Fn::GetAtt': ['EvaluateLambdaFunction', 'Arn'] } }],
    });
    expect(rules.BaselineEventsRuleSchedule1.Properties.ScheduleExpression).toBe('rate(1 hour)');
    expect(rules.DigestEventsRuleSchedule1.Properties.ScheduleExpression).toBe('cron(0 8 * * ? *)');
    expect(Object.keys(rules).sort()).toEqual(
      ['BaselineEventsRuleSchedule1', 'DigestEventsRuleSchedule1', 'EvaluateEventsRuleSchedule1'],
    );
  });

  it('defines the state table: pk/sk strings, on-demand, TTL on ttl, PITR, SSE; no deletion protection on dev', () => {
    const tables = resourcesOfType(t, 'AWS::DynamoDB::Table');
    expect(tables).toHaveLength(1);
    const [id, table] = tables[0];
    expect(id).toBe('StateTable');
    expect(table.DeletionPolicy).toBe('Delete');
    const p = table.Properties;
    expect(p.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(p.AttributeDefinitions).toEqual([
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
    ]);
    expect(p.BillingMode).toBe('PAY_PER_REQUEST');
    expect(p.ProvisionedThroughput).toBeUndefined();
    expect(p.TimeToLiveSpecification).toEqual({ AttributeName: 'ttl', Enabled: true });
    expect(p.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(p.SSESpecification).toEqual({ SSEEnabled: true });
    expect(p.DeletionProtectionEnabled).toBe(false);
  });

  it('defines the encrypted alert topic', () => {
    const topics = resourcesOfType(t, 'AWS::SNS::Topic');
    expect(topics).toHaveLength(1);
    const [id, topic] = topics[0];
    expect(id).toBe('AlertTopic');
    expect(topic.Properties).toMatchObject({ TopicName: 'bedrock-watch-alerts-dev', KmsMasterKeyId: 'alias/aws/sns' });
  });

  it('creates no log subscription unless invocationLogGroup is set', () => {
    expect(t.Conditions.HasInvocationLogGroup).toEqual({ 'Fn::Not': [{ 'Fn::Equals': ['', ''] }] });
    expect(t.Resources.IngestSubscriptionFilter.Condition).toBe('HasInvocationLogGroup');
    expect(t.Resources.IngestLogsPermission.Condition).toBe('HasInvocationLogGroup');
    // Nothing else subscribes to a log group.
    expect(resourcesOfType(t, 'AWS::Logs::SubscriptionFilter').map(([id]) => id)).toEqual(['IngestSubscriptionFilter']);
  });

  it('may assume member-account roles only when rules.yml names some, and only those', () => {
    const policy = t.Resources.AssumeMemberRolesPolicy;
    expect(policy.Condition).toBe('HasMemberRoles');
    expect(t.Conditions.HasMemberRoles).toEqual({ 'Fn::Not': [{ 'Fn::Equals': ['', ''] }] }); // the shipped rules.yml names none
    expect(policy.Properties.PolicyDocument.Statement).toEqual([{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: { 'Fn::Split': [',', ''] } }]);
  });

  it('outputs the table name and topic ARN', () => {
    expect(t.Outputs.StateTableName.Value).toEqual({ Ref: 'StateTable' });
    expect(t.Outputs.AlertTopicArn.Value).toEqual({ Ref: 'AlertTopic' });
  });

  describe('IAM', () => {
    let statements: Statement[];
    beforeAll(() => {
      statements = iamStatements(t);
    });

    it('has a single role for the functions', () => {
      expect(resourcesOfType(t, 'AWS::IAM::Role').map(([id]) => id)).toEqual(['IamRoleLambdaExecution']);
      // The one extra policy: assuming member-account roles, only when rules.yml names some.
      expect(resourcesOfType(t, 'AWS::IAM::Policy').map(([id, p]) => [id, p.Condition])).toEqual([['AssumeMemberRolesPolicy', 'HasMemberRoles']]);
      expect(resourcesOfType(t, 'AWS::IAM::ManagedPolicy')).toHaveLength(0);
      expect(t.Resources.IamRoleLambdaExecution.Properties.ManagedPolicyArns).toBeUndefined();
    });

    it('allows exactly the expected actions, no wildcards, no Not*', () => {
      for (const s of statements) {
        expect(s.Effect).toBe('Allow');
        expect(s.NotAction).toBeUndefined();
        expect(s.NotResource).toBeUndefined();
      }
      const actions = statements.flatMap((s) => asArray(s.Action));
      for (const a of actions) expect(a).toMatch(/^[a-z0-9-]+:[A-Za-z]+$/);
      expect([...new Set(actions)].sort()).toEqual([...APP_ACTIONS, ...FRAMEWORK_LOG_ACTIONS].sort());
    });

    it("uses '*' only for cloudwatch:GetMetricData and for kms:Decrypt via SSM", () => {
      const star = statements.filter((s) => asArray(s.Resource).includes('*'));
      expect(star.map((s) => asArray(s.Action)).sort()).toEqual([['cloudwatch:GetMetricData'], ['kms:Decrypt']]);
      const metrics = star.find((s) => asArray(s.Action)[0] === 'cloudwatch:GetMetricData')!;
      expect(metrics.Resource).toBe('*');
      expect(metrics.Condition).toBeUndefined();
      const kms = star.find((s) => asArray(s.Action)[0] === 'kms:Decrypt')!;
      expect(kms.Condition).toEqual({
        StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'ssm.${AWS::Region}.amazonaws.com' } },
      });
      // kms:Decrypt is granted nowhere else.
      expect(statements.filter((s) => asArray(s.Action).includes('kms:Decrypt'))).toHaveLength(1);
    });

    it('grants exactly the DynamoDB actions the code sends, no more', () => {
      const used = new Set<string>();
      const scan = (dir: string) => {
        for (const f of readdirSync(dir, { withFileTypes: true })) {
          const p = join(dir, f.name);
          if (f.isDirectory()) scan(p);
          else if (f.name.endsWith('.ts')) for (const m of readFileSync(p, 'utf8').matchAll(/new (Get|Put|Update|Delete|Query|Scan|BatchGet|BatchWrite)(?:Item)?Command\b/g)) used.add(`dynamodb:${m[1]}${m[1] === 'Query' || m[1] === 'Scan' ? '' : 'Item'}`);
        }
      };
      for (const dir of ['shared', 'functions']) scan(join(root, dir));
      expect([...used].sort()).toEqual(APP_ACTIONS.filter((a) => a.startsWith('dynamodb:')).sort());
    });

    it('scopes every other statement to this stack', () => {
      const byAction = (a: string) => statements.filter((s) => asArray(s.Action).includes(a));
      const dynamo = byAction('dynamodb:PutItem');
      expect(dynamo).toHaveLength(1);
      expect(asArray(dynamo[0].Action).sort()).toEqual(APP_ACTIONS.filter((a) => a.startsWith('dynamodb:')).sort());
      expect(dynamo[0].Resource).toEqual({ 'Fn::GetAtt': ['StateTable', 'Arn'] });
      for (const a of APP_ACTIONS.filter((x) => x.startsWith('dynamodb:'))) expect(byAction(a)).toHaveLength(1);

      const sns = byAction('sns:Publish');
      expect(sns).toHaveLength(1);
      expect(sns[0].Resource).toEqual({ Ref: 'AlertTopic' });

      const ssm = byAction('ssm:GetParameter');
      expect(ssm).toHaveLength(1);
      expect(ssm[0].Resource).toEqual({
        'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/bedrock-watch/*',
      });

      for (const s of statements.filter((x) => asArray(x.Action).some((a) => a.startsWith('logs:')))) {
        expect(asArray(s.Action).every((a) => FRAMEWORK_LOG_ACTIONS.includes(a))).toBe(true);
        for (const r of asArray(s.Resource)) {
          expect(r).toEqual({ 'Fn::Sub': expect.stringContaining(':log-group:/aws/lambda/bedrock-watch-dev') });
        }
      }
    });
  });

  it('contains no secret-looking values', () => {
    const raw = readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8');
    expect(raw).not.toMatch(/hooks\.slack\.com/i);
    expect(raw).not.toMatch(/https:\/\/[^"]*(webhook|token|secret)/i);
    expect(raw).not.toMatch(/\bAKIA[0-9A-Z]{16}\b/); // includes the dummy key scripts/package.js sets
    expect(raw).not.toContain('package-only-dummy-secret');

    const versionIds = new Set(resourcesOfType(t, 'AWS::Lambda::Version').map(([id]) => id));
    expect(secretLookingValues(t, versionIds)).toEqual([]);
  });

  it('the secret check itself flags webhooks and keys', () => {
    const fake = {
      A: 'https://hooks.slack.com/services/T000/B000/XXXX',
      B: { C: ['0123456789abcdef0123456789abcdef'] },
      D: 'EvaluateLambdaFunctionQualifiedArnIsLongButNotAKey',
    };
    expect(secretLookingValues(fake, new Set())).toEqual([
      '$.A: https://hooks.slack.com/services/T000/B000/XXXX',
      '$.B.C[0]: 0123456789abcdef0123456789abcdef',
    ]);
  });

  describe('artifacts', () => {
    it.each(FUNCTIONS)('%s.zip holds only its bundle, source map and the data files (the rules are compiled into the bundle)', (name) => {
      const zip = join(out, `${name}.zip`);
      expect(existsSync(zip)).toBe(true);
      const names = zipEntries(zip).map((e) => e.name).sort();
      expect(names).toEqual(
        [`functions/${name}.js`, `functions/${name}.js.map`, 'shared/pricing/prices.json'].sort(),
      );
      const fn = t.Resources[`${name[0].toUpperCase()}${name.slice(1)}LambdaFunction`];
      expect(fn.Properties.Code.S3Key).toMatch(new RegExp(`/${name}\\.zip$`));
    });

    it('keeps evaluate.zip below 2 MB', () => {
      const size = statSync(join(out, 'evaluate.zip')).size;
      expect(size).toBeLessThan(2 * 1024 * 1024);
      // Uncompressed bundle too: Lambda's cold start reads all of it.
      const entries = zipEntries(join(out, 'evaluate.zip'));
      const js = entries.find((e) => e.name === 'functions/evaluate.js')!;
      expect(js.size).toBeLessThan(5 * 1024 * 1024);
    });
  });
});

describe('packaged service (stage prod, invocationLogGroup set)', () => {
  let t: Json;

  beforeAll(() => {
    t = readTemplate(prodDir);
  });

  it('protects the table outside dev', () => {
    expect(t.Resources.StateTable.Properties.DeletionProtectionEnabled).toBe(true);
    expect(t.Resources.StateTable.DeletionPolicy).toBe('Retain');
    expect(t.Resources.StateTable.UpdateReplacePolicy).toBe('Retain');
    expect(t.Resources.AlertTopic.Properties.TopicName).toBe('bedrock-watch-alerts-prod');
  });

  it('subscribes ingest to the invocation log group', () => {
    expect(t.Conditions.HasInvocationLogGroup).toEqual({
      'Fn::Not': [{ 'Fn::Equals': ['/aws/bedrock/modelinvocations', ''] }],
    });
    const filter = t.Resources.IngestSubscriptionFilter;
    expect(filter.DependsOn).toEqual(['IngestLogsPermission']);
    expect(filter.Properties.LogGroupName).toEqual({
      'Fn::If': ['HasInvocationLogGroup', '/aws/bedrock/modelinvocations', '/aws/bedrock/modelinvocations'],
    });
    expect(filter.Properties.DestinationArn).toEqual({ 'Fn::GetAtt': ['IngestLambdaFunction', 'Arn'] });
    const perm = t.Resources.IngestLogsPermission.Properties;
    expect(perm).toMatchObject({ Principal: 'logs.amazonaws.com', Action: 'lambda:InvokeFunction' });
    expect(perm.SourceArn['Fn::Sub'][1].LogGroup).toEqual({
      'Fn::If': ['HasInvocationLogGroup', '/aws/bedrock/modelinvocations', '/aws/bedrock/modelinvocations'],
    });
  });

  it('scopes the framework log permissions to the prod functions', () => {
    const logs = iamStatements(t).filter((s) => asArray(s.Action).some((a) => a.startsWith('logs:')));
    expect(logs.length).toBeGreaterThan(0);
    for (const s of logs) {
      for (const r of asArray(s.Resource)) expect(JSON.stringify(r)).toContain('/aws/lambda/bedrock-watch-prod');
    }
  });
});
