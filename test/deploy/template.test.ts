// Checks the CloudFormation template and the per-function zips that `npm run package`
// (scripts/package.js -> osls `sls package`, offline, dummy credentials) produces.
// No AWS account and no network are needed: this is what cfn-lint would partly do,
// plus the project's own rules (least-privilege IAM, no secrets in the template).
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { awsCallsOf } from '../support/aws-calls';
import { checkTemplate } from '../support/cfn-schema';
import * as sim from '../support/iam-simulation';
import { parse as parseYaml } from 'yaml';
const { memberRoleArns } = require('../../scripts/member-roles.js') as { memberRoleArns: () => string[] };
import { METRIC_NAMES, METRICS_NAMESPACE } from '../../shared/run/emf-metrics';
import { fixedResources, stackResources } from '../../shared/cli/cost/template';

const root = resolve(__dirname, '..', '..');
const FUNCTIONS = ['evaluate', 'baseline', 'digest', 'ingest', 'ack'] as const;
const PACKAGE_TIMEOUT_MS = 300_000; // per package run: 5-50 s here, depending on the load of the shared machine

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

/** The runtime writes the function's logs; the framework creates the group (so no logs:CreateLogGroup). */
const LOG_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents'];
/** Lambda sends a failed asynchronous invocation to the on-failure destination as the function's role. */
const DESTINATION_ACTION = 'sqs:SendMessage';
/**
 * The only action granted on '*': cloudwatch:GetMetricData has no resource-level permissions
 * (IAM's service authorization reference lists no resource type for it).
 */
const STAR_ACTIONS = ['cloudwatch:GetMetricData'];

/** Evaluate the template's conditions (Fn::Not / Fn::Equals / Fn::And / Fn::Or over literals and Conditions). */
function conditionValue(t: Json, name: string): boolean {
  const ev = (c: Json): boolean | string => {
    if (typeof c === 'string') return c;
    if (c['Fn::Not']) return !ev(c['Fn::Not'][0]);
    if (c['Fn::Equals']) return ev(c['Fn::Equals'][0]) === ev(c['Fn::Equals'][1]);
    if (c['Fn::And']) return c['Fn::And'].every((x: Json) => ev(x) === true);
    if (c['Fn::Or']) return c['Fn::Or'].some((x: Json) => ev(x) === true);
    if (c.Condition) return conditionValue(t, c.Condition);
    throw new Error(`cannot evaluate condition ${JSON.stringify(c)}`);
  };
  return ev(t.Conditions[name]) === true;
}

/** A policy's statements as deployed: Fn::If resolved with the template's conditions, AWS::NoValue dropped. */
function effective(t: Json, statements: Json[]): Statement[] {
  return statements.flatMap((s) => {
    if (!s['Fn::If']) return [s];
    const [cond, yes, no] = s['Fn::If'];
    const v = conditionValue(t, cond) ? yes : no;
    return v && v.Ref === 'AWS::NoValue' ? [] : [v];
  });
}

function roleStatements(t: Json, roleId: string): Statement[] {
  const role = t.Resources[roleId];
  // Inline policies, and the policies attached to the role (the member-roles policy exists only when its condition holds).
  const attached = resourcesOfType(t, 'AWS::IAM::Policy').filter(([, p]) => p.Properties.Roles.some((r: Json) => r.Ref === roleId));
  return [...(role.Properties.Policies ?? []), ...attached.map(([, p]) => p.Properties)].flatMap((p: Json) => effective(t, p.PolicyDocument.Statement));
}

/** Each function's logical id, short name, handler entry and role logical id. */
function functionsOf(t: Json): { id: string; name: string; entry: string; role: string }[] {
  return resourcesOfType(t, 'AWS::Lambda::Function').map(([id, fn]) => {
    const handler: string = fn.Properties.Handler;
    const role = fn.Properties.Role;
    return { id, name: id.replace(/LambdaFunction$/, ''), entry: `${handler.slice(0, handler.lastIndexOf('.'))}.ts`, role: role['Fn::GetAtt']?.[0] ?? JSON.stringify(role) };
  });
}

const out = join(root, '.serverless');
const SSM_KEY = 'arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab';
let prodDir: string;
const STREAM_ACTIONS = ['kinesis:DescribeStream', 'kinesis:DescribeStreamSummary', 'kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:ListShards'];
const LOG_STREAM = 'arn:aws:kinesis:us-east-1:123456789012:stream/bedrock-invocation-logs';

// Both package runs happen up front, the prod one first: osls empties ./.serverless on
// every package run, even with `--package <elsewhere>`, so the dev artifacts must come last
// (they are also what `npm run package` leaves behind).
beforeAll(async () => {
  prodDir = mkdtempSync(join(tmpdir(), 'bw-package-'));
  await runPackage(['--stage', 'prod', '--param', 'invocationLogGroup=/aws/bedrock/modelinvocations', '--param', `ssmKmsKeyArn=${SSM_KEY}`, '--param', `invocationLogStreamArn=${LOG_STREAM}`, '--param', 'evaluateReservedConcurrency=none', '--param', 'ackReservedConcurrency=3', '--param', 'dashboard=true', '--package', prodDir]);
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
          // The prefix the roles grant (ssmPrefix param): an unbundled run refuses secret references outside it.
          SSM_PREFIX: '/bedrock-watch',
          BEDROCK_WATCH_ACCOUNT_ID: { Ref: 'AWS::AccountId' },
          MANAGEMENT_TOPIC_ARN: { Ref: 'ManagementTopic' },
          POWERTOOLS_SERVICE_NAME: 'bedrock-watch',
          POWERTOOLS_LOG_LEVEL: 'INFO',
          STAGE: 'dev',
          NODE_OPTIONS: '--enable-source-maps',
        },
      ]);
    }
  });

  it('keeps function logs 30 days', () => {
    const groups = resourcesOfType(t, 'AWS::Logs::LogGroup');
    expect(groups).toHaveLength(FUNCTIONS.length);
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

  it('defines the alert topic, encrypted with a key CloudWatch alarms may use', () => {
    const topics = resourcesOfType(t, 'AWS::SNS::Topic');
    expect(topics.map(([id]) => id).sort()).toEqual(['AlertTopic', 'ManagementTopic']);
    const topic = t.Resources.AlertTopic;
    // The escalation policy's management step publishes here (Lambda only, no alarm): the AWS managed key is enough.
    expect(t.Resources.ManagementTopic.Properties).toMatchObject({ TopicName: 'bedrock-watch-management-dev', KmsMasterKeyId: 'alias/aws/sns' });
    // Not aws/sns: alarm actions cannot publish to a topic under the AWS managed key.
    expect(topic.Properties).toMatchObject({ TopicName: 'bedrock-watch-alerts-dev', KmsMasterKeyId: { Ref: 'AlertTopicKey' } });
    const key = t.Resources.AlertTopicKey.Properties;
    expect(key.EnableKeyRotation).toBe(true);
    const byService = key.KeyPolicy.Statement.filter((s: Json) => s.Principal?.Service);
    expect(byService).toEqual([
      expect.objectContaining({ Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] }),
    ]);
    // Anyone else in the account uses the key only through SNS, as with aws/sns.
    const anyone = key.KeyPolicy.Statement.find((s: Json) => s.Principal?.AWS === '*');
    expect(anyone.Condition.StringEquals).toEqual({ 'kms:CallerAccount': { Ref: 'AWS::AccountId' }, 'kms:ViaService': { 'Fn::Sub': 'sns.${AWS::Region}.amazonaws.com' } });
    expect(anyone.Action).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
  });

  it('creates no log subscription unless invocationLogGroup is set (conditions the params decide are folded at package time)', () => {
    // scripts/static-conditions.js: the params are substituted when packaging, so every condition is decided.
    expect(t.Conditions).toBeUndefined();
    expect(JSON.stringify(t)).not.toContain('Fn::If');
    expect(t.Resources.IngestSubscriptionFilter).toBeUndefined();
    expect(t.Resources.IngestLogsPermission).toBeUndefined();
    expect(resourcesOfType(t, 'AWS::Logs::SubscriptionFilter')).toEqual([]);
  });

  it('outputs the table name and topic ARN; no dashboard (opt-in: --param dashboard=true, folded out at package time)', () => {
    expect(t.Outputs.StateTableName.Value).toEqual({ Ref: 'StateTable' });
    expect(t.Outputs.AlertTopicArn.Value).toEqual({ Ref: 'AlertTopic' });
    expect(t.Outputs.DashboardUrl).toBeUndefined();
    expect(resourcesOfType(t, 'AWS::CloudWatch::Dashboard')).toEqual([]);
  });

  describe('IAM: one role per function, granting what its bundle calls', () => {
    it('gives every function its own role, and creates no other role or policy', () => {
      const fns = functionsOf(t);
      const roles = fns.map((f) => f.role);
      expect(new Set(roles).size).toBe(fns.length);
      for (const f of fns) expect([f.name, t.Resources[f.role]?.Type]).toEqual([f.name, 'AWS::IAM::Role']);
      expect(resourcesOfType(t, 'AWS::IAM::Role').map(([id]) => id).sort()).toEqual([...roles].sort());
      expect(t.Resources.IamRoleLambdaExecution).toBeUndefined();
      // The one extra policy: evaluate and baseline may assume member-account roles, only those rules.yml names, only when it names any.
      // And ingest may read the invocation-log stream of other regions and accounts, only when one is given.
      // The shipped rules.yml names no member role, and dev reads no stream: neither exists here (the prod template has the stream's).
      expect(resourcesOfType(t, 'AWS::IAM::Policy').map(([id]) => id)).toEqual([]);
      expect(resourcesOfType(t, 'AWS::IAM::ManagedPolicy')).toHaveLength(0);
      for (const r of roles) {
        expect(t.Resources[r].Properties.ManagedPolicyArns).toBeUndefined();
        expect(t.Resources[r].Properties.AssumeRolePolicyDocument.Statement).toEqual([{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
      }
    });

    it('the call derivation sees the calls a bundle makes and flags unknown ones', async () => {
      // ingest writes buckets only; evaluate reads metrics, state and secrets and publishes.
      expect(await awsCallsOf(root, 'functions/ingest.ts')).toEqual(['dynamodb:PutItem', 'dynamodb:UpdateItem']);
      expect(await awsCallsOf(root, 'functions/evaluate.ts')).toEqual(expect.arrayContaining(['cloudwatch:GetMetricData', 'sns:Publish', 'ssm:GetParameter', 'dynamodb:Query']));
    }, 60_000);

    it("grants each function exactly the actions of its bundle's AWS calls, its log streams and its failure destination", async () => {
      for (const f of functionsOf(t)) {
        const calls = await awsCallsOf(root, f.entry);
        expect([f.name, calls.filter((c) => c.startsWith('unknown:'))]).toEqual([f.name, []]);
        const destination = Object.values<Json>(t.Resources).some((r) => r.Type === 'AWS::Lambda::EventInvokeConfig' && r.Properties.FunctionName.Ref === f.id && r.Properties.DestinationConfig.OnFailure);
        // A stream the Lambda service reads for the function (a condition may leave it out, as it leaves out its grant).
        const stream = Object.values<Json>(t.Resources).some((r) => r.Type === 'AWS::Lambda::EventSourceMapping' && r.Properties.FunctionName['Fn::GetAtt']?.[0] === f.id);
        // Assuming member-account roles is granted only for the roles rules.yml names (none shipped).
        const reachable = calls.filter((c) => c !== 'sts:AssumeRole' || memberRoleArns().length > 0);
        const expected = [...reachable, ...LOG_ACTIONS, ...(destination ? [DESTINATION_ACTION] : []), ...(stream ? STREAM_ACTIONS : [])].sort();
        const granted = [...new Set(roleStatements(t, f.role).flatMap((s) => asArray(s.Action)))].sort();
        expect([f.name, granted]).toEqual([f.name, expected]);
      }
    }, 120_000);

    it("allows only, names every action in full, and uses '*' only for cloudwatch:GetMetricData", () => {
      for (const f of functionsOf(t)) {
        for (const s of roleStatements(t, f.role)) {
          expect([f.name, s.Effect, s.NotAction, s.NotResource]).toEqual([f.name, 'Allow', undefined, undefined]);
          for (const a of asArray(s.Action)) expect(a).toMatch(/^[a-z0-9-]+:[A-Za-z]+$/);
          if (asArray(s.Resource).includes('*')) expect([f.name, asArray(s.Action)]).toEqual([f.name, STAR_ACTIONS]);
        }
      }
    });

    it('scopes every other grant to this stack: its table, its topic, the SSM prefix, its own log group, the queue', () => {
      for (const f of functionsOf(t)) {
        for (const s of roleStatements(t, f.role)) {
          const service = asArray(s.Action)[0].split(':')[0];
          for (const a of asArray(s.Action)) expect(a.split(':')[0]).toBe(service); // one service per statement
          const where = { name: f.name, action: s.Action };
          if (service === 'dynamodb') expect({ ...where, r: s.Resource }).toEqual({ ...where, r: { 'Fn::GetAtt': ['StateTable', 'Arn'] } });
          if (service === 'sns') expect({ ...where, r: asArray(s.Resource) }).toEqual({ ...where, r: f.name === 'Evaluate' ? [{ Ref: 'AlertTopic' }, { Ref: 'ManagementTopic' }] : [{ Ref: 'AlertTopic' }] });
          if (service === 'sqs') expect({ ...where, r: s.Resource }).toEqual({ ...where, r: { 'Fn::GetAtt': ['FailedInvocationsQueue', 'Arn'] } });
          if (service === 'ssm') {
            // The ack role reads exactly its two secrets (rules.yml ack.*_secret), not the prefix the receivers' secrets are under.
            const ssm = (name: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter${name}` });
            expect({ ...where, r: s.Resource }).toEqual({
              ...where,
              r: f.name === 'Ack' ? [ssm('/bedrock-watch/slack-signing-secret'), ssm('/bedrock-watch/pagerduty-webhook-secret')] : ssm('/bedrock-watch/*'),
            });
          }
          if (service === 'logs') {
            expect({ ...where, r: s.Resource }).toEqual({
              ...where,
              r: { 'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/bedrock-watch-dev-${f.name.toLowerCase()}:*` },
            });
          }
          if (service === 'kinesis') expect({ ...where, r: s.Resource }).toEqual({ ...where, r: '' }); // the invocationLogStreamArn param (none in dev: the policy is not created)
          if (service === 'sts') expect({ ...where, r: s.Resource }).toEqual({ ...where, r: { 'Fn::Split': [',', ''] } }); // the member roles rules.yml names (none shipped)
          expect(['dynamodb', 'sns', 'sqs', 'ssm', 'logs', 'cloudwatch', 'sts', 'kinesis']).toContain(service);
        }
      }
    });

    it('grants no kms:Decrypt when the SSM parameters use the AWS managed key (no ssmKmsKeyArn)', () => {
      for (const f of functionsOf(t)) expect(roleStatements(t, f.role).flatMap((s) => asArray(s.Action)).filter((a) => a.startsWith('kms:'))).toEqual([]);
    });
  });

  describe('self-monitoring', () => {
    const alarms = () => resourcesOfType(t, 'AWS::CloudWatch::Alarm').map(([id, a]) => ({ id, ...a.Properties }));
    const own = (metric: string) => alarms().filter((a) => a.Namespace === METRICS_NAMESPACE && a.MetricName === metric);

    it('every alarm notifies the alert topic when it fires and when it clears', () => {
      expect(alarms().length).toBeGreaterThan(0);
      for (const a of alarms()) {
        expect([a.id, a.AlarmActions, a.OKActions]).toEqual([a.id, [{ Ref: 'AlertTopic' }], [{ Ref: 'AlertTopic' }]]);
        expect(a.AlarmName).toMatch(/^bedrock-watch-dev-/);
        expect(a.AlarmDescription.length).toBeGreaterThan(40); // says what broke and what to check
      }
    });

    it('`bedrock-watch cost` prices every alarm, key and dashboard of the packaged template (the dashboard only when opted in)', () => {
      // The conditions `bedrock-watch cost` assumes by default (no dashboard, no invocation logs, one account),
      // which the packaged template has folded: what it prices is exactly what the template creates.
      const fixed = fixedResources(stackResources(join(root, 'serverless.yml')), {});
      const made = (type: string) => resourcesOfType(t, type).map(([id]) => id).sort();
      expect(fixed.alarms.map((a) => a.name).sort()).toEqual(made('AWS::CloudWatch::Alarm'));
      expect(fixed.alarmMetrics).toBe(made('AWS::CloudWatch::Alarm').length);
      expect(fixed.kmsKeys.map((k) => k.name)).toEqual(made('AWS::KMS::Key'));
      expect(fixed.dashboards).toEqual([]);
      expect(made('AWS::CloudWatch::Dashboard')).toEqual([]);
      // Off unless deployed with --param dashboard=true (the prod package below): folded out, no condition left.
      expect(t.Conditions).toBeUndefined();
    });

    it("dead-man's switch: fires when evaluate's heartbeats stop, missing data counting as breaching", () => {
      const [hb] = own('Heartbeat');
      expect(hb).toMatchObject({ Statistic: 'Sum', Period: 300, EvaluationPeriods: 2, DatapointsToAlarm: 2, Threshold: 1, ComparisonOperator: 'LessThanThreshold', TreatMissingData: 'breaching' });
    });

    it('the alarms on its own metrics name exactly the metric the EMF writes: namespace, name, dimensions service and Stage', () => {
      const service = t.Resources.EvaluateLambdaFunction.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME;
      const mine = alarms().filter((a) => a.Namespace === METRICS_NAMESPACE);
      expect(mine.map((a) => a.MetricName).sort()).toEqual(['AckFailures', 'Heartbeat', 'NotificationsDropped', 'OldestUnsentAgeSeconds']);
      for (const a of mine) {
        expect(METRIC_NAMES).toContain(a.MetricName);
        expect([a.MetricName, a.Dimensions]).toEqual([a.MetricName, [{ Name: 'service', Value: service }, { Name: 'Stage', Value: 'dev' }]]);
      }
      expect(own('NotificationsDropped')[0]).toMatchObject({ Statistic: 'Sum', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching' });
      // One acknowledgement that could not be recorded (SSM, DynamoDB, response_url) is enough.
      expect(own('AckFailures')[0]).toMatchObject({ Statistic: 'Sum', Period: 300, Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching' });
      expect(own('OldestUnsentAgeSeconds')[0]).toMatchObject({ Statistic: 'Maximum', Threshold: 900, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching' });
    });

    it("alarms on every function's Errors; throttling is caught by the alarms that cover its effect, not one alarm a function", () => {
      for (const f of functionsOf(t)) {
        const found = alarms().filter((a) => a.Namespace === 'AWS/Lambda' && a.MetricName === 'Errors' && a.Dimensions?.[0]?.Value?.Ref === f.id);
        expect([f.name, found.length]).toEqual([f.name, 1]);
        expect(found[0]).toMatchObject({ Statistic: 'Sum', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching' });
      }
      expect(alarms().filter((a) => a.MetricName === 'Throttles')).toEqual([]);
      // A throttled evaluate stops the heartbeat (missing data breaches); a throttled ack URL answers 429, a 4xx.
      expect(alarms().find((a) => a.MetricName === 'Heartbeat')).toMatchObject({ ComparisonOperator: 'LessThanThreshold', TreatMissingData: 'breaching' });
      expect(alarms().find((a) => a.MetricName === 'Url4xxCount')).toBeDefined();
      // Throttled asynchronous invocations end, after Lambda's retries, in the queue whose depth is alarmed (next test).
      expect(alarms().find((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible')).toBeDefined();
    });

    it('sends every failed asynchronous invocation to the encrypted failed-invocations queue, and alarms on its depth', () => {
      const configs = resourcesOfType(t, 'AWS::Lambda::EventInvokeConfig').map(([, c]) => c.Properties);
      // Invoked asynchronously: the targets of the schedules and of the log subscription.
      const targets = [
        ...resourcesOfType(t, 'AWS::Events::Rule').flatMap(([, r]) => r.Properties.Targets.map((x: Json) => x.Arn['Fn::GetAtt']?.[0])),
        ...resourcesOfType(t, 'AWS::Logs::SubscriptionFilter').map(([, f]) => f.Properties.DestinationArn['Fn::GetAtt']?.[0]),
      ];
      const async = functionsOf(t).filter((f) => targets.includes(f.id));
      // (ingest too once subscribed to a log group: the prod template's test)
      expect(async.map((f) => f.name).sort()).toEqual(['Baseline', 'Digest', 'Evaluate']);
      for (const f of async) {
        const c = configs.find((x) => x.FunctionName.Ref === f.id);
        expect([f.name, c?.DestinationConfig?.OnFailure?.Destination]).toEqual([f.name, { 'Fn::GetAtt': ['FailedInvocationsQueue', 'Arn'] }]);
      }
      expect(t.Resources.FailedInvocationsQueue.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
      const depth = alarms().filter((a) => a.Namespace === 'AWS/SQS');
      expect(depth).toEqual([
        expect.objectContaining({
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['FailedInvocationsQueue', 'QueueName'] } }],
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        }),
      ]);
    });
  });

  describe('the public ack endpoint', () => {
    const fn = (name: string) => t.Resources[`${name}LambdaFunction`].Properties;

    it("caps ack's concurrency and reserves evaluate's (params ackReservedConcurrency, evaluateReservedConcurrency)", () => {
      // The conditions are decided by the params at package time: plain values, no Fn::If left.
      expect(fn('Ack').ReservedConcurrentExecutions).toBe(5);
      expect(fn('Evaluate').ReservedConcurrentExecutions).toBe(2);
      for (const other of ['Baseline', 'Digest', 'Ingest']) expect(fn(other).ReservedConcurrentExecutions).toBeUndefined();
      expect(t.Conditions?.HasAckReservedConcurrency).toBeUndefined();
      expect(t.Conditions?.HasEvaluateReservedConcurrency).toBeUndefined();
    });

    it("alarms on the ack URL's refused (4xx) requests, to the stack topic (a flood throttled at the cap answers 429, a 4xx)", () => {
      const url = (metric: string) => Object.values<Json>(t.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties.Namespace === 'AWS/Lambda' && r.Properties.MetricName === metric).map((r) => r.Properties);
      expect(url('UrlRequestCount')).toEqual([]);
      for (const [metric, threshold] of [['Url4xxCount', 20]] as const) {
        const [a, ...more] = url(metric);
        expect(more).toEqual([]);
        expect(a).toMatchObject({
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: 'AckLambdaFunction' } }],
          Statistic: 'Sum',
          Period: 300,
          Threshold: threshold,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          TreatMissingData: 'notBreaching',
          AlarmActions: [{ Ref: 'AlertTopic' }],
        });
      }
    });

    it('has a Slack response_url timeout well under its function timeout', () => {
      const { RESPONSE_URL_TIMEOUT_MS } = require('../../shared/run/ack-deps');
      expect(RESPONSE_URL_TIMEOUT_MS).toBeLessThanOrEqual((fn('Ack').Timeout * 1000) / 2);
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

  it("tunes the ack cap (ackReservedConcurrency=3) and drops evaluate's reservation (evaluateReservedConcurrency=none)", () => {
    // Folded at package time: the value itself, and no property at all for 'none' (AWS::NoValue).
    // A --param is a string: CloudFormation takes "3" for the integer property.
    expect(String(t.Resources.AckLambdaFunction.Properties.ReservedConcurrentExecutions)).toBe('3');
    expect(t.Resources.EvaluateLambdaFunction.Properties).not.toHaveProperty('ReservedConcurrentExecutions');
    expect(JSON.stringify(t)).not.toContain('Fn::If');
  });

  it('creates the dashboard and outputs its URL, as `bedrock-watch cost --dashboard` prices it', () => {
    expect(t.Resources.Dashboard.Condition).toBeUndefined();
    expect(t.Outputs.DashboardUrl.Value).toEqual({
      'Fn::Sub': 'https://${AWS::Region}.console.aws.amazon.com/cloudwatch/home?region=${AWS::Region}#dashboards/dashboard/${Dashboard}',
    });
    const fixed = fixedResources(stackResources(join(root, 'serverless.yml')), { HasDashboard: true, HasInvocationLogGroup: true, HasInvocationLogStream: true });
    expect(fixed.dashboards.map((d) => d.name)).toEqual(resourcesOfType(t, 'AWS::CloudWatch::Dashboard').map(([id]) => id));
    expect(fixed.dashboards.map((d) => d.name)).toEqual(['Dashboard']);
    expect(fixed.alarms.map((a) => a.name).sort()).toEqual(resourcesOfType(t, 'AWS::CloudWatch::Alarm').map(([id]) => id).sort());
  });


  describe('dashboard (--param dashboard=true)', () => {
    type Widget = { type: string; x: number; y: number; width: number; height: number; properties: Json };
    let body: { widgets: Widget[] };
    const titled = (title: string) => body.widgets.find((w) => w.properties.title?.startsWith(title));
    const metricsOf = (w: Widget | undefined): Json[][] => w?.properties.metrics ?? [];
    const options = (row: Json[]) => (typeof row[row.length - 1] === 'object' ? row[row.length - 1] : {});

    beforeAll(() => {
      const dash = t.Resources.Dashboard.Properties;
      expect(dash.DashboardName).toBe('bedrock-watch-prod');
      expect(typeof dash.DashboardBody).toBe('string');
      body = JSON.parse(dash.DashboardBody);
    });

    it('charts the models: invocations, error and throttle rates, p95 latency, tokens, estimated cost', () => {
      expect(metricsOf(titled('Invocations per model'))[0][0].expression).toBe(`SEARCH('{AWS/Bedrock,ModelId} MetricName="Invocations"', 'Sum', 300)`);
      const rates = metricsOf(titled('Error and throttle rates')).map((m) => m[0]);
      expect(rates.filter((m) => m.visible !== false).map((m) => m.expression)).toEqual(['100 * srv / inv', '100 * cli / inv', '100 * thr / (inv + thr)']);
      expect(metricsOf(titled('Latency p95 per model'))[0][0].expression).toContain(`MetricName="InvocationLatency"', 'p95'`);
      expect(metricsOf(titled('Tokens per model')).map((m) => m[0].expression)).toEqual([
        expect.stringContaining('InputTokenCount'),
        expect.stringContaining('OutputTokenCount'),
      ]);
    });

    it('prices every model of the price list by default, as metric math over its token counts', () => {
      const rows = metricsOf(titled('Estimated cost'));
      const prices = require('../../shared/pricing/prices.json').models as Record<string, { input: number; output: number }>;
      const costs = rows.filter((r) => r[0].expression?.startsWith('(FILL('));
      expect(costs.map((r) => r[0].label).sort()).toEqual(Object.keys(prices).sort());
      const nova = costs.findIndex((r) => r[0].label === 'amazon.nova-lite-v1:0');
      expect(rows.find((r) => options(r).id === `in${nova}`)?.slice(0, 4)).toEqual(['AWS/Bedrock', 'InputTokenCount', 'ModelId', 'amazon.nova-lite-v1:0']);
      expect(costs[nova][0].expression).toBe(`(FILL(in${nova}, 0) * ${prices['amazon.nova-lite-v1:0'].input} + FILL(out${nova}, 0) * ${prices['amazon.nova-lite-v1:0'].output}) / 1000`);
      expect(rows[rows.length - 1][0]).toMatchObject({ id: 'total', expression: expect.stringMatching(/^SUM\(\[cost0, cost1, /) });
      expect(rows.length).toBeLessThanOrEqual(500); // CloudWatch's limit per graph
    });

    it("charts bedrock-watch's own health from every metric it publishes, and each function's errors and throttles", () => {
      const service = t.Resources.EvaluateLambdaFunction.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME;
      const ownRows = body.widgets.flatMap(metricsOf).filter((r) => r[0] === METRICS_NAMESPACE);
      expect([...new Set(ownRows.map((r) => r[1]))].sort()).toEqual([...METRIC_NAMES].sort());
      for (const r of ownRows) expect(r.slice(2, 6)).toEqual(['service', service, 'Stage', 'prod']);
      const names = functionsOf(t).map((f) => t.Resources[f.id].Properties.FunctionName).sort();
      for (const title of ['Function errors', 'Function throttles']) expect(metricsOf(titled(title)).map((r) => r[3]).sort()).toEqual(names);
      expect(metricsOf(titled('Failed invocations waiting'))[0].slice(0, 4)).toEqual(['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', 'bedrock-watch-prod-failed-invocations']);
      expect(t.Resources.FailedInvocationsQueue.Properties.QueueName).toBe('bedrock-watch-prod-failed-invocations');
    });

    it('is a well-formed body: widgets in the 24-column grid without overlap, this region, every expression id defined once', () => {
      const cells = new Set<string>();
      for (const w of body.widgets) {
        expect(w.x + w.width).toBeLessThanOrEqual(24);
        for (let x = w.x; x < w.x + w.width; x++) for (let y = w.y; y < w.y + w.height; y++) {
          expect(cells.has(`${x},${y}`)).toBe(false);
          cells.add(`${x},${y}`);
        }
        if (w.type !== 'metric') continue;
        expect(w.properties.region).toBe('us-east-1');
        expect(metricsOf(w).length).toBeGreaterThan(0); // CloudWatch rejects a graph with no metrics
        const ids = metricsOf(w).map((r) => (r[0].expression ? r[0].id : options(r).id)).filter(Boolean);
        expect(new Set(ids).size).toBe(ids.length);
        for (const r of metricsOf(w)) {
          const e: string | undefined = r[0].expression;
          if (!e || e.startsWith('SEARCH(')) continue;
          const refs = e.replace(/SEARCH\('[^']*', '\w+', \d+\)/g, '').match(/\b[a-z]\w*\b/g) ?? [];
          for (const ref of refs) expect([e, ids.includes(ref)]).toEqual([e, true]);
        }
      }
    });
  });

  it('subscribes ingest to the invocation log group', () => {
    expect(t.Conditions).toBeUndefined();
    const filter = t.Resources.IngestSubscriptionFilter;
    expect(filter.Condition).toBeUndefined();
    expect(filter.DependsOn).toEqual(['IngestLogsPermission']);
    expect(filter.Properties.LogGroupName).toBe('/aws/bedrock/modelinvocations');
    expect(filter.Properties.DestinationArn).toEqual({ 'Fn::GetAtt': ['IngestLambdaFunction', 'Arn'] });
    const perm = t.Resources.IngestLogsPermission.Properties;
    expect(perm).toMatchObject({ Principal: 'logs.amazonaws.com', Action: 'lambda:InvokeFunction' });
    // Invoked asynchronously by the subscription: a failed batch goes to the failed-invocations queue.
    const config = resourcesOfType(t, 'AWS::Lambda::EventInvokeConfig').find(([, c]) => c.Properties.FunctionName.Ref === 'IngestLambdaFunction');
    expect(config?.[1].Properties.DestinationConfig.OnFailure.Destination).toEqual({ 'Fn::GetAtt': ['FailedInvocationsQueue', 'Arn'] });
    expect(perm.SourceArn['Fn::Sub'][1].LogGroup).toBe('/aws/bedrock/modelinvocations');
  });

  it('reads the invocation logs of other regions and accounts from the given Kinesis stream, in order, and that stream only', () => {
    const m = t.Resources.IngestStreamMapping;
    expect(m.Condition).toBeUndefined();
    expect(m.Properties).toMatchObject({
      FunctionName: { 'Fn::GetAtt': ['IngestLambdaFunction', 'Arn'] },
      EventSourceArn: LOG_STREAM,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['FailedInvocationsQueue', 'Arn'] } } },
    });
    const policy = t.Resources.IngestStreamReadPolicy.Properties;
    expect(policy.Roles).toEqual([{ Ref: 'IngestRole' }]);
    for (const st of policy.PolicyDocument.Statement) {
      expect(st.Resource).toBe(LOG_STREAM);
      for (const a of asArray(st.Action)) expect(a).toMatch(/^kinesis:(Describe|Get|List)/);
    }
  });

  it('scopes the log permissions to the prod functions', () => {
    const logs = functionsOf(t).flatMap((f) => roleStatements(t, f.role)).filter((s) => asArray(s.Action).some((a) => a.startsWith('logs:')));
    expect(logs.length).toBe(functionsOf(t).length);
    for (const s of logs) {
      for (const r of asArray(s.Resource)) expect(JSON.stringify(r)).toContain('/aws/lambda/bedrock-watch-prod-');
    }
  });

  it('grants kms:Decrypt on the given customer managed key, through SSM, to the functions that read SSM, and only to them', () => {
    for (const f of functionsOf(t)) {
      const statements = roleStatements(t, f.role);
      const kms = statements.filter((s) => asArray(s.Action).some((a) => a.startsWith('kms:')));
      const readsSsm = statements.some((s) => asArray(s.Action).includes('ssm:GetParameter'));
      expect([f.name, kms.length]).toEqual([f.name, readsSsm ? 1 : 0]);
      if (readsSsm) {
        expect(kms[0]).toMatchObject({
          Action: 'kms:Decrypt',
          Resource: SSM_KEY,
          Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'ssm.${AWS::Region}.amazonaws.com' } } },
        });
      }
    }
    expect(functionsOf(t).filter((f) => roleStatements(t, f.role).some((s) => s.Action === 'kms:Decrypt')).map((f) => f.name).sort()).toEqual(['Ack', 'Digest', 'Evaluate']);
  });
});

/**
 * CloudFormation's own resource schemas (`@aws-cdk/aws-service-spec`, offline; test/support/cfn-schema.ts):
 * every resource type known, required properties present, no unknown property, values of the right type,
 * Ref / GetAtt targets and attributes real.
 */
describe('packaged templates against the CloudFormation resource schemas', () => {
  it.each([
    ['dev, default params', () => out],
    ['prod, every optional param set', () => prodDir],
  ])('%s: every resource valid', (_, dir) => {
    const t = readTemplate(dir());
    expect(new Set(Object.values<Json>(t.Resources).map((r) => r.Type)).size).toBeGreaterThan(10); // the whole stack is checked
    expect(checkTemplate(t)).toEqual([]);
  }, 60_000);
});

/**
 * cfn-lint (what many teams run in CI; preinstalled on the build machines, pip package) on both
 * packaged templates: no error and no warning. Missing on a developer machine the test is skipped
 * with a note; in CI (CI=true|1) it fails, naming what to install.
 */
describe('cfn-lint on the packaged templates', () => {
  const probe = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
  const installed = !probe.error && probe.status === 0;
  const ci = process.env.CI === 'true' || process.env.CI === '1';
  if (!installed && !ci) console.warn('cfn-lint not on PATH: skipping the cfn-lint checks (pip install cfn-lint; they run in CI)');
  const run = installed || ci ? it : it.skip;

  run.each([
    ['dev, default params', () => join(out, 'cloudformation-template-update-stack.json')],
    ['prod, every optional param set', () => join(prodDir, 'cloudformation-template-update-stack.json')],
  ])('%s: no errors, no warnings', (_, file) => {
    if (!installed) throw new Error(`cfn-lint is required in CI and was not found on PATH (${probe.error?.message ?? probe.stderr}): pip install cfn-lint`);
    const r = spawnSync('cfn-lint', ['--format', 'parseable', file()], { encoding: 'utf8' });
    // Exit code bitmask: 2 errors, 4 warnings, 8 informational; 1 = cfn-lint itself failed.
    expect(r.status === 1 ? r.stderr : '').toBe('');
    expect(r.stdout.split('\n').filter(Boolean)).toEqual([]);
    expect(r.status).toBe(0);
  }, 60_000);
});

/**
 * IAM simulation (`@cloud-copilot/iam-simulate`, offline): every AWS call each function's bundle can
 * send, on the resources it sends it to, is allowed by the function's role in the packaged template,
 * and no statement of the role is left unused. The calls are derived from the bundle (awsCallsOf); what
 * they act on is declared below per service and checked to cover exactly the bundle's services. The
 * Lambda service's own calls with the role (log streams, the failure destination, the Kinesis stream it
 * polls) and KMS decryption through SSM (with a customer managed key) are added from the template.
 */
describe('IAM simulation of each function role', () => {
  type Target = 'table' | 'AlertTopic' | 'ManagementTopic' | '*' | 'receiver secrets' | 'ack secrets' | 'member roles';
  /** What each function's calls act on, per service (declared; checked against the bundle's calls). */
  const TARGETS: Record<string, Record<string, Target[]>> = {
    evaluate: { dynamodb: ['table'], cloudwatch: ['*'], sns: ['AlertTopic', 'ManagementTopic'], ssm: ['receiver secrets'], sts: ['member roles'] },
    baseline: { dynamodb: ['table'], cloudwatch: ['*'], sts: ['member roles'] },
    digest: { dynamodb: ['table'], sns: ['AlertTopic'], ssm: ['receiver secrets'] },
    ingest: { dynamodb: ['table'] },
    ack: { dynamodb: ['table'], ssm: ['ack secrets'] },
  };
  const rules = parseYaml(readFileSync(join(root, 'rules.yml'), 'utf8'));
  /** The SSM parameters a section of rules.yml names (`{ ssm: /path }` anywhere below it). */
  const ssmParams = (node: Json): string[] =>
    Array.isArray(node) ? node.flatMap(ssmParams) : node && typeof node === 'object' ? (typeof node.ssm === 'string' ? [node.ssm] : Object.values(node).flatMap(ssmParams)) : [];
  const paramArn = (name: string) => `arn:aws:ssm:${sim.REGION}:${sim.ACCOUNT}:parameter${name}`;

  function resources(t: Json, target: Target): string[] {
    switch (target) {
      case 'table':
        return [sim.resolveIntrinsics(t, { 'Fn::GetAtt': ['StateTable', 'Arn'] })];
      case 'AlertTopic':
      case 'ManagementTopic':
        return [sim.resolveIntrinsics(t, { Ref: target })];
      case '*':
        return ['*'];
      case 'receiver secrets':
        return [...new Set(ssmParams(rules.receivers))].map(paramArn);
      case 'ack secrets':
        return [...new Set(ssmParams(rules.ack))].map(paramArn);
      case 'member roles':
        return memberRoleArns();
    }
  }

  /** Every request function `f` makes (its code, and the Lambda service with its role). */
  async function requestsOf(t: Json, f: ReturnType<typeof functionsOf>[number], ssmKey?: string): Promise<sim.Request[]> {
    const short = f.name.toLowerCase();
    const calls = await awsCallsOf(root, f.entry);
    const targets = TARGETS[short];
    expect([short, [...new Set(calls.map((c) => c.split(':')[0]))].sort()]).toEqual([short, Object.keys(targets ?? {}).sort()]);
    const requests: sim.Request[] = calls.flatMap((action) => targets[action.split(':')[0]].flatMap((target) => resources(t, target).map((resource) => ({ action, resource }))));
    const fn = t.Resources[f.id].Properties;
    const group = fn.LoggingConfig?.LogGroup ?? `/aws/lambda/${fn.FunctionName}`;
    const stream = `arn:aws:logs:${sim.REGION}:${sim.ACCOUNT}:log-group:${group}:log-stream:2026/12/06/[$LATEST]0123456789abcdef`;
    requests.push({ action: 'logs:CreateLogStream', resource: stream }, { action: 'logs:PutLogEvents', resource: stream });
    for (const r of Object.values<Json>(t.Resources)) {
      if (r.Type === 'AWS::Lambda::EventInvokeConfig' && r.Properties.FunctionName.Ref === f.id && r.Properties.DestinationConfig?.OnFailure) {
        requests.push({ action: 'sqs:SendMessage', resource: sim.resolveIntrinsics(t, r.Properties.DestinationConfig.OnFailure.Destination) });
      }
      if (r.Type === 'AWS::Lambda::EventSourceMapping' && r.Properties.FunctionName['Fn::GetAtt']?.[0] === f.id) {
        for (const action of STREAM_ACTIONS) requests.push({ action, resource: sim.resolveIntrinsics(t, r.Properties.EventSourceArn) });
      }
    }
    // GetParameter WithDecryption: SSM decrypts with the caller's permissions (the AWS managed aws/ssm key needs no grant).
    if (ssmKey && calls.includes('ssm:GetParameter')) requests.push({ action: 'kms:Decrypt', resource: ssmKey, context: { 'kms:ViaService': `ssm.${sim.REGION}.amazonaws.com` } });
    return requests;
  }
  const keyPolicyFor = (r: sim.Request) => (r.action.startsWith('kms:') ? sim.DEFAULT_KEY_POLICY : undefined);

  it.each([
    ['dev, default params', () => out, undefined],
    ['prod, every optional param set', () => prodDir, SSM_KEY],
  ])('%s: each call allowed on its resources, no statement unused, no action beyond the calls', async (_, dir, ssmKey) => {
    const t = readTemplate(dir());
    for (const f of functionsOf(t)) {
      const requests = await requestsOf(t, f, ssmKey);
      const statements = sim.roleStatements(t, f.role);
      const denied = [];
      for (const r of requests) {
        const o = await sim.simulate(statements, r, { resourcePolicy: keyPolicyFor(r) });
        if (o.result !== 'Allowed') denied.push(`${r.action} on ${r.resource}: ${o.result}${o.detail ? ` ${o.detail}` : ''}`);
      }
      expect([f.name, denied]).toEqual([f.name, []]);
      const unused = await sim.unusedStatements(statements, requests, { resourcePolicyFor: keyPolicyFor });
      expect([f.name, unused]).toEqual([f.name, []]);
      const requested = new Set(requests.map((r) => r.action));
      const extra = statements.flatMap((s) => asArray(s.Action)).filter((a) => !requested.has(a));
      expect([f.name, extra]).toEqual([f.name, []]);
    }
  }, 240_000);

  it("lets CloudWatch use the alert topic's key only for this stack's alarms in this account (confused deputy)", async () => {
    const t = readTemplate(out);
    const keyPolicy = sim.resolveIntrinsics(t, t.Resources.AlertTopicKey.Properties.KeyPolicy);
    const key = sim.resolveIntrinsics(t, { 'Fn::GetAtt': ['AlertTopicKey', 'Arn'] });
    const asCloudWatch = (action: string, alarmArn: string, account = sim.ACCOUNT) =>
      sim.simulate([], { action, resource: key, context: { 'aws:SourceAccount': account, 'aws:SourceArn': alarmArn } }, { principal: 'cloudwatch.amazonaws.com', resourcePolicy: keyPolicy });
    const alarms = resourcesOfType(t, 'AWS::CloudWatch::Alarm').filter(([, a]) => asArray(a.Properties.AlarmActions).some((x: Json) => x.Ref === 'AlertTopic'));
    expect(alarms.length).toBeGreaterThan(5);
    for (const [id, a] of alarms) {
      const arn = `arn:aws:cloudwatch:${sim.REGION}:${sim.ACCOUNT}:alarm:${a.Properties.AlarmName}`;
      for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) expect([id, action, (await asCloudWatch(action, arn)).result]).toEqual([id, action, 'Allowed']);
    }
    expect((await asCloudWatch('kms:GenerateDataKey', `arn:aws:cloudwatch:${sim.REGION}:${sim.ACCOUNT}:alarm:someone-elses-alarm`)).result).toBe('ImplicitlyDenied');
    expect((await asCloudWatch('kms:GenerateDataKey', `arn:aws:cloudwatch:${sim.REGION}:999999999999:alarm:bedrock-watch-dev-heartbeat`, '999999999999')).result).toBe('ImplicitlyDenied');
  }, 120_000);

  it('detects a missing grant and an unused statement', async () => {
    const t = readTemplate(out);
    const evaluate = functionsOf(t).find((f) => f.name === 'Evaluate')!;
    const requests = await requestsOf(t, evaluate);
    const statements = sim.roleStatements(t, evaluate.role);
    const withoutSns = statements.filter((s) => !asArray(s.Action).includes('sns:Publish'));
    const publish = requests.find((r) => r.action === 'sns:Publish')!;
    expect((await sim.simulate(withoutSns, publish)).result).toBe('ImplicitlyDenied');
    // A grant on another table is never used.
    const stray = { Effect: 'Allow', Action: 'dynamodb:Query', Resource: `arn:aws:dynamodb:${sim.REGION}:${sim.ACCOUNT}:table/other` };
    expect(await sim.unusedStatements([...statements, stray], requests)).toEqual([stray]);
  }, 120_000);
});
